// Desired-state apply and the operator verbs (include/berth/state/apply.hpp, docs/stores.md).
//
// One engine: everything that decides where an instance may run goes through the placement
// pipeline (Cluster::build, Placer::fits, place_on) and the ops rules (fail_machines, drain,
// recover_machine). This file only decides *what* changed between the stored state and the
// desired one, and turns the outcome into one plan.
#include "berth/state/apply.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "berth/error.hpp"
#include "berth/fleet/did_you_mean.hpp"
#include "berth/io/result_json.hpp"
#include "berth/ops/drain.hpp"
#include "berth/ops/reschedule.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/placer.hpp"
#include "detail.hpp"

namespace berth::state {
namespace {

// A machine's definition without its state: a state change alone is an ops transition, not a
// redefinition, and must not cost the machine its units.
bool same_definition(const Machine& a, const Machine& b) {
  Machine x = a;  // every other field, including any added later, still counts
  x.state = b.state;
  return x == b;
}

void sort_names(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end(),
            [](const std::string& a, const std::string& b) { return natural_less(a, b); });
}

ops::OpsOptions ops_options(const PlaceOptions& place) {
  ops::OpsOptions o;
  o.strategy = place.strategy;
  o.preemption = place.preempt;
  return o;
}

std::string hint(const std::string& name, const std::vector<std::string>& candidates) {
  std::string near = fleet::did_you_mean(name, candidates);
  return near.empty() ? std::string() : fmt::format(" (did you mean \"{}\"?)", near);
}

// The stored spec with its placements dropped: what the operator verbs edit and hand to
// plan_apply as the desired state (stored placements come from the snapshot itself).
Spec desired_from(const Snapshot& snap) {
  Spec s;
  s.machines = snap.spec.machines;
  s.units = snap.spec.units;
  return s;
}

const Unit* find_unit(const Spec& s, const std::string& name) {
  for (const auto& u : s.units) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

Machine* find_machine(Spec& s, const std::string& name) {
  for (auto& m : s.machines) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

[[noreturn]] void unknown_machine(const StateStore& store, const Snapshot& snap,
                                  const std::string& name) {
  std::vector<std::string> names;
  for (const auto& m : snap.spec.machines) names.push_back(m.name);
  throw StoreError(421, store.name(),
                   fmt::format("no machine \"{}\" in the store{}", name, hint(name, names)));
}

// The commit loop every call shares: compute the change on a fresh snapshot, commit it against
// that snapshot, and start over on a conflict (optimistic, as place_and_commit does).
ApplyResult run(StateStore& store, const std::function<Spec(const Snapshot&)>& desired_of,
                const ApplyOptions& options) {
  std::minstd_rand rng(
      static_cast<unsigned>(::getpid()) * 7937u +
      static_cast<unsigned>(std::hash<std::thread::id>{}(std::this_thread::get_id())));
  int attempts = 0, conflicts = 0;
  CommitResult last;
  for (int attempt = 0; attempt <= options.max_retries; ++attempt) {
    ++attempts;
    Snapshot snap = store.snapshot();
    ApplyResult r = plan_apply(snap, desired_of(snap), options);
    r.attempts = attempts;
    r.conflicts = conflicts;
    if (r.plan.empty()) {
      r.commit.revision = snap.revision;
      return r;
    }
    r.commit = store.commit(r.plan, snap);
    if (r.commit.committed()) return r;
    if (r.commit.status == CommitStatus::Rejected) {
      throw StoreError(407, store.name(), "plan " + r.commit.summary());
    }
    last = r.commit;
    ++conflicts;
    int cap = 1 << std::min(attempt + 1, 7);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(0, cap)(rng)));
  }
  throw StoreError(
      408, store.name(),
      fmt::format("gave up after {} conflicting commits (last: {})", conflicts, last.summary()));
}

}  // namespace

namespace {

/// The stored and the desired definitions by name (pointers into the snapshot and the spec).
struct Definitions {
  std::map<std::string, const Machine*> old_machines, new_machines;
  std::map<std::string, const Unit*> old_units, new_units;

  Definitions(const Snapshot& base, const Spec& desired) {
    for (const auto& m : base.spec.machines) old_machines.emplace(m.name, &m);
    for (const auto& u : base.spec.units) old_units.emplace(u.name, &u);
    for (const auto& m : desired.machines) new_machines.emplace(m.name, &m);
    for (const auto& u : desired.units) new_units.emplace(u.name, &u);
  }
  /// The unit of a stored instance (names as the store knew them).
  std::string stored_unit_of(const std::string& inst) const {
    return detail::unit_of(inst, [&](const std::string& n) { return old_units.count(n) > 0; });
  }
};

/// The spec to place on: the desired machines and units, with the stored placements that stay
/// as they are; `candidates` gets the stored placements that stay only if they still fit.
Spec target_of(const Snapshot& base, const Spec& desired, const Definitions& defs,
               std::map<std::string, std::string>& candidates) {
  // The cluster to place on: the desired machines and units. A machine leaving `up` keeps its
  // stored state for now (its instances, global ones included, exist and are assigned), and the
  // ops rules below take it to the desired one. A machine coming back `up` is compiled up:
  // a global unit has an instance only on up machines, so only then does the instance that
  // stopped with the machine exist to start again.
  Spec target;
  target.machines = desired.machines;
  for (auto& m : target.machines) {
    auto it = defs.old_machines.find(m.name);
    if (it != defs.old_machines.end() && m.state != MachineState::Up) m.state = it->second->state;
  }
  target.units = desired.units;
  target.warnings = desired.warnings;

  // Stored placements whose unit and machine are both unchanged stay as they are. Others
  // (unit or machine redefined) are candidates: they stay only if the pipeline says they fit.
  for (const auto& [inst, m] : base.spec.placements) {
    std::string u = defs.stored_unit_of(inst);
    auto nu = defs.new_units.find(u);
    auto nm = defs.new_machines.find(m);
    if (u.empty() || nu == defs.new_units.end() || nm == defs.new_machines.end()) continue;
    auto om = defs.old_machines.find(m);
    bool machine_same = om != defs.old_machines.end() && same_definition(*om->second, *nm->second);
    if (machine_same && *defs.old_units.at(u) == *nu->second) {
      target.placements.emplace(inst, m);
    } else {
      candidates.emplace(inst, m);
    }
  }
  // The spec's own placements are assignments the user asked for (as `place` takes them).
  for (const auto& [inst, m] : desired.placements) {
    target.placements[inst] = m;
    candidates.erase(inst);
  }
  return target;
}

/// Refuses a desired placement that names an undefined machine (273) or no instance (274).
void check_desired_placements(const Spec& desired, const Definitions& defs,
                              const Cluster& cluster) {
  // `place` without --strict reports a dangling placement and goes on; a desired state that
  // names what it does not define is refused whole, so the store never holds half of it.
  for (const auto& [inst, m] : desired.placements) {
    if (!defs.new_machines.count(m)) {
      throw ValidationError(
          273, "placements." + inst,
          fmt::format("unknown machine \"{}\": the spec defines no such machine", m));
    }
    if (cluster.find_instance(inst) == kNone) {
      throw ValidationError(274, "placements." + inst, "names no instance of a unit in the spec");
    }
  }
}

/// Unassigns the stored instances of groups the desired state makes unresolvable.
void unassign_unresolvable(Cluster& cluster, const Spec& desired) {
  // A stored instance whose group the desired state makes unresolvable (its `machine_of`
  // target removed, a contradiction introduced) does not keep running on its own definition
  // alone: it is pending unresolvable, with the reason, as a candidate under review would be.
  for (GroupId g = 0; g < cluster.group_count(); ++g) {
    if (!cluster.group(g).unresolvable()) continue;
    for (InstanceId i : cluster.group(g).members) {
      if (cluster.assignment(i) != kNone && !desired.placements.count(cluster.instance(i).name)) {
        cluster.unassign(i);
      }
    }
  }
}

/// Keeps each candidate group (every member reviewed, all on one machine) where it was if the
/// pipeline says it still fits there, in batch order.
void keep_candidates(Cluster& cluster, const std::map<std::string, std::string>& candidates,
                     const PlaceOptions& place) {
  if (candidates.empty()) return;
  Placer placer(cluster, place.strategy);
  std::map<GroupId, MachineId> where;
  std::set<GroupId> split;  // members were on different machines: the group moves whole
  std::set<InstanceId> reviewed;
  for (const auto& [inst, m] : candidates) {
    InstanceId i = cluster.find_instance(inst);
    if (i == kNone) continue;  // replicas lowered: the instance is gone
    MachineId mid = cluster.find_machine(m);
    GroupId g = cluster.instance(i).group;
    reviewed.insert(i);
    auto [it, fresh] = where.emplace(g, mid);
    if (!fresh && it->second != mid) split.insert(g);
  }
  // Staying is for instances that were there: a group that gained a member (a new sidekick,
  // a new machine_of target) is placed as a new group, on an up machine, by place_on below.
  for (const auto& [g, m] : where) {
    for (InstanceId i : cluster.group(g).members) {
      if (cluster.assignment(i) == kNone && !reviewed.count(i)) split.insert(g);
    }
  }
  std::vector<GroupId> groups;
  for (const auto& [g, m] : where) {
    if (!split.count(g)) groups.push_back(g);
  }
  // Batch order (priority first): when a shrunken machine cannot keep everything, the most
  // important instances keep their place.
  for (GroupId g : placer.batch_order(groups)) {
    MachineId m = where.at(g);
    bool others_elsewhere = false;
    for (InstanceId i : cluster.group(g).members) {
      MachineId a = cluster.assignment(i);
      if (a != kNone && a != m) others_elsewhere = true;
    }
    if (others_elsewhere || !placer.fits(g, m)) continue;
    for (InstanceId i : cluster.group(g).members) {
      if (cluster.assignment(i) == kNone) cluster.assign(i, m);
    }
  }
}

/// Leaves no co-location group split: missing members join the others or the group is freed.
void join_or_free_split_groups(Cluster& cluster, const Definitions& defs,
                               const PlaceOptions& place) {
  // A co-location group must not be left split: some members running (kept above) and others
  // needing a machine (a new sidekick, a new replica of its main unit, a member that no longer
  // fit) would be placed apart. The missing members join the others if the pipeline says they
  // fit there and the machine stays up; otherwise the whole group moves, as ops move groups.
  Placer placer(cluster, place.strategy);
  for (GroupId g = 0; g < cluster.group_count(); ++g) {
    const Group& grp = cluster.group(g);
    if (grp.unresolvable()) continue;
    MachineId at = kNone;
    bool spread_out = false, missing = false;
    for (InstanceId i : grp.members) {
      MachineId a = cluster.assignment(i);
      if (a == kNone) {
        missing = true;
      } else if (at == kNone) {
        at = a;
      } else if (a != at) {
        spread_out = true;
      }
    }
    if (at == kNone || (!missing && !spread_out)) continue;
    bool stays_up = defs.new_machines.at(cluster.machine_name(at))->state == MachineState::Up;
    if (!spread_out && stays_up && placer.fits(g, at)) {
      for (InstanceId i : grp.members) {
        if (cluster.assignment(i) == kNone) cluster.assign(i, at);
      }
      continue;
    }
    for (InstanceId i : grp.members) cluster.unassign(i);
  }
}

/// Takes every machine whose state changes to its desired state, with the ops rules
/// (docs/ops.md "Machine states").
void change_machine_states(Cluster& cluster, const Spec& desired, const Definitions& defs,
                           const ops::OpsOptions& ops) {
  std::vector<MachineId> failing, rebooting, draining, recovering;
  for (const auto& m : desired.machines) {
    auto it = defs.old_machines.find(m.name);
    if (it == defs.old_machines.end() || it->second->state == m.state) continue;
    MachineId id = cluster.find_machine(m.name);
    switch (m.state) {
      case MachineState::Down:
        failing.push_back(id);
        break;
      case MachineState::Rebooting:
        rebooting.push_back(id);
        break;
      case MachineState::Draining:
        draining.push_back(id);
        break;
      case MachineState::Up:
        recovering.push_back(id);
        break;
    }
  }
  // Every machine takes its new state before anything moves: a unit evicted from a failing
  // machine must not land on one that is being drained in the same change (the store would
  // refuse the assignment), and one coming back up (compiled up) may take it.
  for (MachineId m : draining) cluster.set_state(m, MachineState::Draining);
  if (!failing.empty() || !rebooting.empty()) {
    // Rebooting: movable units are moved first and global instances stop, as for a failure;
    // all of them go down together so that nothing lands on a machine leaving in this change.
    std::vector<MachineId> leaving = failing;
    leaving.insert(leaving.end(), rebooting.begin(), rebooting.end());
    ops::fail_machines(cluster, leaving, ops);
    for (MachineId m : rebooting) cluster.set_state(m, MachineState::Rebooting);
  }
  for (MachineId m : draining) ops::drain(cluster, m, ops);
  for (MachineId m : recovering) ops::recover_machine(cluster, m, ops);
}

/// Takes the stopped global instances (on a machine that is not up) out of the pending list
/// and returns their names.
std::set<std::string> take_stopped(const Cluster& cluster, PlacementResult& placement) {
  // Global instances on a machine that is not up are stopped, not pending (ops rules).
  std::set<std::string> stopped;
  std::vector<PendingUnit> pending;
  for (auto& p : placement.pending) {
    InstanceId i = cluster.find_instance(p.unit);
    if (i != kNone && ops::is_stopped(cluster, i)) {
      stopped.insert(p.unit);
    } else {
      pending.push_back(std::move(p));
    }
  }
  placement.pending = std::move(pending);
  return stopped;
}

/// The definitions that differ and the removals, into the plan and the changes.
void diff_definitions(const Snapshot& base, const Spec& desired, const Definitions& defs,
                      Plan& plan, Changes& ch) {
  for (const auto& m : desired.machines) {
    auto it = defs.old_machines.find(m.name);
    if (it == defs.old_machines.end()) {
      plan.machines.push_back(m);
      ch.added.push_back(m.name);
    } else if (*it->second != m) {
      plan.machines.push_back(m);
      ch.updated.push_back(m.name);
    }
  }
  for (const auto& u : desired.units) {
    auto it = defs.old_units.find(u.name);
    if (it == defs.old_units.end()) {
      plan.units.push_back(u);
      ch.added.push_back(u.name);
    } else if (*it->second != u) {
      plan.units.push_back(u);
      ch.updated.push_back(u.name);
    }
  }
  for (const auto& m : base.spec.machines) {
    if (!defs.new_machines.count(m.name)) {
      plan.removed_machines.push_back(m.name);
      ch.removed.push_back(m.name);
    }
  }
  for (const auto& u : base.spec.units) {
    if (!defs.new_units.count(u.name)) {
      plan.removed_units.push_back(u.name);
      ch.removed.push_back(u.name);
    }
  }
}

/// The placement differences (after diff_definitions: removals are known) into the plan and
/// the changes.
void diff_placements(const Snapshot& base, const Definitions& defs, const Cluster& cluster,
                     const std::set<std::string>& stopped,
                     const std::map<std::string, std::string>& after, Plan& plan, Changes& ch) {
  for (const auto& [inst, m] : after) {
    auto it = base.spec.placements.find(inst);
    if (it == base.spec.placements.end() || it->second != m) plan.assignments[inst] = m;
  }
  std::set<std::string> gone_machines(plan.removed_machines.begin(), plan.removed_machines.end());
  std::set<std::string> gone_units(plan.removed_units.begin(), plan.removed_units.end());
  for (const auto& [inst, m] : base.spec.placements) {
    auto it = after.find(inst);
    if (it != after.end()) {
      if (it->second != m) ch.moved[inst] = Move{m, it->second};
      continue;
    }
    std::string u = defs.stored_unit_of(inst);
    // A removed unit or machine takes these placements with it; anything else is evicted.
    if (!gone_units.count(u) && !gone_machines.count(m)) plan.evictions.push_back(inst);
    if (cluster.find_instance(inst) == kNone) {
      ch.removed_instances.push_back(inst);
    } else if (!stopped.count(inst)) {
      ch.moved[inst] = Move{m, ""};
    }
  }
}

}  // namespace

ApplyResult plan_apply(const Snapshot& base, const Spec& desired, const ApplyOptions& options) {
  ApplyResult out;
  const Definitions defs(base, desired);
  std::map<std::string, std::string> candidates;
  Spec target = target_of(base, desired, defs, candidates);

  // Contradictory units are stored and pending (unresolvable), never a reason to refuse the
  // rest; structural errors (duplicate names, placements naming nothing) still throw here,
  // before anything is written.
  Cluster cluster = Cluster::build(target, BuildOptions{/*strict=*/false});
  check_desired_placements(desired, defs, cluster);
  unassign_unresolvable(cluster, desired);
  keep_candidates(cluster, candidates, options.place);
  join_or_free_split_groups(cluster, defs, options.place);
  change_machine_states(cluster, desired, defs, ops_options(options.place));

  // Everything else that needs a machine: new units, raised replicas, instances that no longer
  // fit, what removed machines ran, and units stored pending earlier.
  out.placement = place_on(target, cluster, options.place);
  const std::set<std::string> stopped = take_stopped(cluster, out.placement);
  // "New" means new to the store: instances that had no stored machine (ops and place_on
  // above each count only their own part).
  out.placement.newly_placed = 0;
  for (const auto& [inst, m] : out.placement.placements) {
    if (!base.spec.placements.count(inst)) ++out.placement.newly_placed;
  }
  out.changes.stopped.assign(stopped.begin(), stopped.end());
  sort_names(out.changes.stopped);

  out.spec.machines = desired.machines;
  out.spec.units = desired.units;
  out.spec.placements = out.placement.placements;
  out.spec.warnings = desired.warnings;

  // The plan: definitions that differ, removals, and the placement differences.
  diff_definitions(base, desired, defs, out.plan, out.changes);
  diff_placements(base, defs, cluster, stopped, out.placement.placements, out.plan, out.changes);
  Changes& ch = out.changes;
  sort_names(ch.added);
  sort_names(ch.removed);
  sort_names(ch.updated);
  sort_names(ch.removed_instances);
  return out;
}

ApplyResult apply(StateStore& store, const Spec& desired, const ApplyOptions& options) {
  return run(
      store, [&](const Snapshot&) { return desired; }, options);
}

ApplyResult remove_unit(StateStore& store, const std::string& unit, const ApplyOptions& options) {
  return run(
      store,
      [&](const Snapshot& snap) {
        Spec s = desired_from(snap);
        if (!find_unit(s, unit)) {
          std::vector<std::string> names;
          for (const auto& u : s.units) names.push_back(u.name);
          throw StoreError(420, store.name(),
                           fmt::format("no unit \"{}\" in the store{}", unit, hint(unit, names)));
        }
        s.units.erase(std::remove_if(s.units.begin(), s.units.end(),
                                     [&](const Unit& u) { return u.name == unit; }),
                      s.units.end());
        return s;
      },
      options);
}

ApplyResult remove_machine(StateStore& store, const std::string& machine,
                           const ApplyOptions& options) {
  return run(
      store,
      [&](const Snapshot& snap) {
        Spec s = desired_from(snap);
        if (!find_machine(s, machine)) unknown_machine(store, snap, machine);
        s.machines.erase(std::remove_if(s.machines.begin(), s.machines.end(),
                                        [&](const Machine& m) { return m.name == machine; }),
                         s.machines.end());
        return s;
      },
      options);
}

ApplyResult set_machine_state(StateStore& store, const std::string& machine, MachineState state,
                              const ApplyOptions& options) {
  return run(
      store,
      [&](const Snapshot& snap) {
        Spec s = desired_from(snap);
        Machine* m = find_machine(s, machine);
        if (!m) unknown_machine(store, snap, machine);
        m->state = state;
        return s;
      },
      options);
}

nlohmann::json changes_to_json(const Changes& c) {
  nlohmann::json moved = nlohmann::json::object();
  for (const auto& [inst, mv] : c.moved) moved[inst] = {{"from", mv.from}, {"to", mv.to}};
  return {{"added", c.added},
          {"removed", c.removed},
          {"moved", moved},
          {"updated", c.updated},
          {"removed_instances", c.removed_instances},
          {"stopped", c.stopped}};
}

nlohmann::json to_json(const PlaceCommitResult& r, const std::string& store_name) {
  nlohmann::json j = placement_to_json(r.placement);
  // How the commit went: transactions committed (etcd splits big plans into chunks grouped by
  // machine) and chunks refused by a conflict and re-planned on a fresh snapshot.
  j["store"] = {{"name", store_name},
                {"revision", r.commit.revision},
                {"chunks", r.chunks},
                {"chunks_retried", r.chunks_retried},
                {"conflicts", r.conflicts}};
  return j;
}

nlohmann::json to_json(const ApplyResult& r) {
  nlohmann::json j = placement_to_json(r.placement);
  j["changes"] = changes_to_json(r.changes);
  j["commit"] = {{"status", r.plan.empty() ? "unchanged" : to_string(r.commit.status)},
                 {"revision", r.commit.revision},
                 {"attempts", r.attempts},
                 {"conflicts", r.conflicts}};
  return j;
}

}  // namespace berth::state
