#include "berth/state/store.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <set>
#include <thread>

#include "berth/error.hpp"
#include "berth/state/etcd_store.hpp"
#include "berth/state/memory_store.hpp"
#include "berth/state/sqlite_store.hpp"
#include "detail.hpp"

namespace berth::state {

const char* to_string(CommitStatus s) {
  switch (s) {
    case CommitStatus::Committed:
      return "committed";
    case CommitStatus::Conflict:
      return "conflict";
    case CommitStatus::Rejected:
      return "rejected";
  }
  return "?";
}

std::string CommitResult::summary() const {
  switch (status) {
    case CommitStatus::Committed:
      return fmt::format("committed at revision {}", revision);
    case CommitStatus::Conflict: {
      // A guard's candidates carry what they are suspected of.
      auto suspected = [&](const std::vector<std::string>& names, const char* why) {
        std::vector<std::string> out;
        for (const auto& n : names)
          out.push_back(conflict_cause == ConflictCause::Guard ? fmt::format("{} ({})", n, why)
                                                               : n);
        return out;
      };
      std::vector<std::string> parts;
      if (!conflicting_machines.empty())
        parts.push_back(fmt::format(
            "machines {}", fmt::join(suspected(conflicting_machines, "lease expired"), ", ")));
      if (!conflicting_units.empty())
        parts.push_back(fmt::format(
            "units {}", fmt::join(suspected(conflicting_units, "placed meanwhile"), ", ")));
      if (!conflicting_instances.empty())
        parts.push_back(
            fmt::format("instances placed meanwhile {}", fmt::join(conflicting_instances, ", ")));
      if (parts.empty()) parts.push_back("the state changed");
      return fmt::format("conflict on {}", fmt::join(parts, "; "));
    }
    case CommitStatus::Rejected: {
      std::vector<std::string> lines;
      for (const CommitProblem& p : problems) lines.push_back(p.describe());
      return fmt::format("rejected: {}", fmt::join(lines, "; "));
    }
  }
  return "?";
}

std::string CommitProblem::describe() const {
  using K = Kind;
  switch (kind) {
    case K::StateOfUnknownMachine:
      return fmt::format("state change for unknown machine {}", machine);
    case K::EvictsUnplaced:
      return fmt::format("evicts {}, which is not placed", instance);
    case K::AssignsToUnknownMachine:
      return fmt::format("assigns {} to unknown machine {}", instance, machine);
    case K::AssignsNoInstance:
      return fmt::format("assigns {}, which is no instance of a known unit", instance);
    case K::AssignsToMachineNotUp:
      return fmt::format("assigns {} to {}, which is {}", instance, machine, to_string(state));
    case K::RemovesUnknownUnit:
      return fmt::format("removes unknown unit {}", unit);
    case K::RemovesUnknownMachine:
      return fmt::format("removes unknown machine {}", machine);
    case K::AssignsToRemovedMachine:
      return fmt::format("assigns {} to {}, which the plan removes", instance, machine);
    case K::AssignsOfRemovedUnit:
      return fmt::format("assigns {}, whose unit the plan removes", instance);
    case K::Overcommit:
      return fmt::format("{} would hold {} {} of {} allocatable", machine, dimension,
                         format_amount(dimension, holds), format_amount(dimension, allocatable));
    case K::RedefinesAndRemovesUnit:
      return fmt::format("both redefines and removes unit {}", unit);
    case K::RedefinesAndRemovesMachine:
      return fmt::format("both redefines and removes machine {}", machine);
  }
  return "?";
}

struct Watcher::Impl {
  std::atomic<bool> stop{false};
  std::thread thread;
};

Watcher::Watcher(StateStore& store, std::function<void(std::int64_t)> on_change)
    : impl_(std::make_unique<Impl>()) {
  std::int64_t start = store.revision();
  impl_->thread =
      std::thread([&store, on_change = std::move(on_change), start, impl = impl_.get()] {
        std::int64_t rev = start;
        while (!impl->stop.load()) {
          try {
            std::int64_t now = store.wait_for_change(rev, std::chrono::milliseconds(200));
            if (now > rev) {
              rev = now;
              on_change(now);
            }
          } catch (const std::exception&) {
            // The store reports its own outages; a watcher just keeps trying.
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
          }
        }
      });
}

Watcher::~Watcher() {
  impl_->stop.store(true);
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::unique_ptr<StateStore> open_store(const std::string& url) {
  auto colon = url.find(':');
  std::string scheme = colon == std::string::npos ? url : url.substr(0, colon);
  std::string rest = colon == std::string::npos ? "" : url.substr(colon + 1);
  if (scheme == "memory") return std::make_unique<MemoryStore>();
  if (scheme == "sqlite") {
    if (rest.empty()) throw StoreError(406, url, "sqlite: needs a path, e.g. sqlite:./berth.db");
    return std::make_unique<SqliteStore>(rest);
  }
  if (scheme == "etcd") {
    EtcdOptions opts;
    std::size_t start = 0;
    while (start <= rest.size()) {
      auto comma = rest.find(',', start);
      std::string ep =
          rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!ep.empty()) opts.endpoints.push_back(ep);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (opts.endpoints.empty()) {
      throw StoreError(406, url, "etcd: needs an endpoint, e.g. etcd:http://127.0.0.1:2379");
    }
    for (const auto& ep : opts.endpoints) {
      if (ep.rfind("http://", 0) != 0) {
        throw StoreError(406, url, fmt::format("etcd endpoint \"{}\" must start with http://", ep));
      }
    }
    return std::make_unique<EtcdStore>(std::move(opts));
  }
  throw StoreError(406, url, "unknown store; use sqlite:PATH, etcd:http://HOST:PORT or memory:");
}

Spec merge_spec(const Spec& base, const Spec& additions) {
  Spec out = base;
  auto replace = [](auto& vec, const auto& item) {
    for (auto& x : vec) {
      if (x.name == item.name) {
        x = item;
        return;
      }
    }
    vec.push_back(item);
  };
  for (const auto& m : additions.machines) replace(out.machines, m);
  for (const auto& u : additions.units) replace(out.units, u);
  for (const auto& [inst, m] : additions.placements) out.placements[inst] = m;
  out.warnings.insert(out.warnings.end(), additions.warnings.begin(), additions.warnings.end());
  return out;
}

Plan plan_with_additions(const Snapshot& base, const Spec& additions, const Plan& placement) {
  Plan plan = placement;
  std::map<std::string, const Machine*> machines;
  for (const auto& m : base.spec.machines) machines.emplace(m.name, &m);
  std::map<std::string, const Unit*> units;
  for (const auto& u : base.spec.units) units.emplace(u.name, &u);
  // Only what differs goes in: re-adding an identical machine would touch it for nothing and
  // make concurrent schedulers conflict.
  for (const auto& m : additions.machines) {
    auto it = machines.find(m.name);
    if (it == machines.end() || *it->second != m) plan.machines.push_back(m);
  }
  for (const auto& u : additions.units) {
    auto it = units.find(u.name);
    if (it == units.end() || *it->second != u) plan.units.push_back(u);
  }
  for (const auto& [inst, m] : additions.placements) {
    auto it = base.spec.placements.find(inst);
    if (it == base.spec.placements.end() || it->second != m) plan.assignments[inst] = m;
  }
  return plan;
}

PlaceCommitResult place_and_commit(StateStore& store, const Spec& additions,
                                   const PlaceOptions& options, int max_retries) {
  PlaceCommitResult out;
  std::minstd_rand rng(
      static_cast<unsigned>(::getpid()) * 7919u +
      static_cast<unsigned>(std::hash<std::thread::id>{}(std::this_thread::get_id())));
  for (int attempt = 0; attempt <= max_retries; ++attempt) {
    ++out.attempts;
    Snapshot snap = store.snapshot();
    out.spec = merge_spec(snap.spec, additions);
    out.placement = place(out.spec, options);
    out.plan = plan_with_additions(snap, additions, plan_of(out.spec, out.placement));
    if (out.plan.empty()) {
      out.commit = CommitResult{};
      out.commit.revision = snap.revision;
      return out;
    }
    out.commit = store.commit(out.plan, snap);
    // etcd commits a big plan in chunks; a conflict keeps the chunks before it (Nomad's
    // partial plan commit), and the next round re-plans the rest on a fresh snapshot.
    out.chunks += out.commit.chunks;
    if (out.commit.committed()) {
      out.assignments_committed += out.plan.assignments.size();
      return out;
    }
    if (out.commit.status == CommitStatus::Rejected) {
      throw StoreError(407, store.name(), "plan " + out.commit.summary());
    }
    out.assignments_committed += out.commit.committed_assignments.size();
    ++out.chunks_retried;
    ++out.conflicts;
    // Jittered exponential back-off so that schedulers that collided do not collide again.
    int cap = 1 << std::min(attempt + 1, 7);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(0, cap)(rng)));
  }
  throw StoreError(408, store.name(),
                   fmt::format("gave up after {} conflicting commits (last: {})", out.conflicts,
                               out.commit.summary()));
}

PendingResult place_pending(StateStore& store, const PendingOptions& options) {
  PendingResult out;
  std::minstd_rand rng(static_cast<unsigned>(::getpid()) * 31u +
                       static_cast<unsigned>(options.worker));
  int conflicts_in_batch = 0;
  // Units a committed (or empty) round left pending: no room now, a `machine_of` target not
  // stored yet, or a contradiction. They are skipped for the rest of this call so that a batch
  // of them never hides placeable units behind it; the next call (or place/apply) retries them.
  std::set<std::string> stuck;
  for (;;) {
    ++out.attempts;
    auto t0 = std::chrono::steady_clock::now();
    Snapshot snap = store.snapshot();
    auto t1 = std::chrono::steady_clock::now();
    out.snapshot_seconds += std::chrono::duration<double>(t1 - t0).count();
    // Placed instances per unit, to find the units that still need machines.
    std::map<std::string, int> placed;
    std::map<std::string, const Unit*> by_name;
    for (const auto& u : snap.spec.units) by_name.emplace(u.name, &u);
    auto is_unit = [&](const std::string& n) { return by_name.count(n) > 0; };
    for (const auto& [inst, m] : snap.spec.placements) ++placed[detail::unit_of(inst, is_unit)];
    std::vector<const Unit*> pending;
    Spec spec;
    spec.machines = snap.spec.machines;
    spec.placements = snap.spec.placements;
    for (const auto& u : snap.spec.units) {
      bool full =
          u.constraints.global ? placed[u.name] > 0 : placed[u.name] >= u.replicas.value_or(1);
      if (full || (stuck.count(u.name) && placed[u.name] > 0)) {
        spec.units.push_back(u);  // keeps its placements as they are
      } else if (!stuck.count(u.name)) {
        pending.push_back(&u);
      }
    }
    if (pending.empty()) return out;
    // A worker's share is a fixed slice of all stored units (by name), not of what is pending
    // now: a slice of the shrinking pending list shifts between snapshots and made workers
    // take the same units (and conflict on every instance). It starts at the first pending
    // unit of its slice and, once its slice is placed, goes on into the next one.
    std::size_t start = 0;
    if (options.workers > 1) {
      const std::string& from =
          snap.spec.units[options.worker * snap.spec.units.size() / options.workers].name;
      start = static_cast<std::size_t>(
          std::lower_bound(pending.begin(), pending.end(), from,
                           [](const Unit* u, const std::string& n) { return u->name < n; }) -
          pending.begin());
      if (start == pending.size()) start = 0;
    }
    std::size_t take = std::min(options.batch, pending.size());
    for (std::size_t k = 0; k < take; ++k)
      spec.units.push_back(*pending[(start + k) % pending.size()]);
    // Units that are placed partly and not in the batch keep their placements as they are.
    for (std::size_t k = take; k < pending.size(); ++k) {
      const Unit* u = pending[(start + k) % pending.size()];
      if (placed[u->name] > 0) spec.units.push_back(*u);
    }
    // Several workers prefer their own share of the machines: the others get a
    // PreferNoSchedule taint in this local copy (they keep what runs there, which every
    // constraint still sees, and are used once the share has no room), so that concurrent
    // workers do not all pick the same best machines and conflict on every commit. Only
    // assignments are committed (plan_of), never the local taint.
    if (options.workers > 1) {
      std::size_t n = spec.machines.size();
      std::size_t lo = options.worker * n / options.workers,
                  hi = (options.worker + 1) * n / options.workers;
      Taint other{"berth.io/another-scheduler", "", TaintEffect::PreferNoSchedule};
      for (std::size_t i = 0; i < n; ++i) {
        if (i >= lo && i < hi) continue;
        auto& taints = spec.machines[i].taints;
        taints.insert(std::lower_bound(taints.begin(), taints.end(), other), other);
      }
    }
    PlacementResult result = place(spec, options.place);
    Plan plan = plan_of(spec, result);
    auto t2 = std::chrono::steady_clock::now();
    out.place_seconds += std::chrono::duration<double>(t2 - t1).count();
    std::set<std::string> batch;
    for (std::size_t k = 0; k < take; ++k)
      batch.insert(pending[(start + k) % pending.size()]->name);
    auto mark_stuck = [&] {
      auto in_batch = [&](const std::string& n) { return batch.count(n) > 0; };
      for (const auto& p : result.pending) {
        std::string u = detail::unit_of(p.unit, in_batch);
        if (!u.empty()) stuck.insert(u);
      }
    };
    if (plan.empty()) {
      // Nothing in this batch could move: all of it waits for the next call (which also
      // guarantees this loop ends: every round either commits or shrinks the queue).
      stuck.insert(batch.begin(), batch.end());
      continue;
    }
    CommitResult r = store.commit(plan, snap);
    out.commit_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t2).count();
    out.chunks += r.chunks;
    if (r.committed()) {
      mark_stuck();
      ++out.commits;
      out.placed += plan.assignments.size();
      out.committed.insert(plan.assignments.begin(), plan.assignments.end());
      conflicts_in_batch = 0;
      // The batch held every unit pending at the snapshot and placed them all: nothing is
      // left, and reading another snapshot to find that out cost as much as the commit.
      if (take == pending.size() && result.pending.empty()) return out;
      continue;
    }
    if (r.status == CommitStatus::Rejected) {
      throw StoreError(407, store.name(), "plan " + r.summary());
    }
    // Chunks committed before the conflict stand; the next snapshot shows them placed.
    out.placed += r.committed_assignments.size();
    out.committed.insert(r.committed_assignments.begin(), r.committed_assignments.end());
    ++out.chunks_retried;
    ++out.conflicts;
    if (r.chunks > 0) conflicts_in_batch = 0;  // progress: only conflicts in a row count
    if (++conflicts_in_batch > options.max_retries) {
      throw StoreError(408, store.name(),
                       fmt::format("gave up after {} conflicting commits in a row (last: {})",
                                   conflicts_in_batch, r.summary()));
    }
    int cap = 1 << std::min(conflicts_in_batch, 6);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(0, cap)(rng)));
  }
}

}  // namespace berth::state
