// The headroom check: does every placed instance still find a machine after the loss of any
// k machines (or any one zone)? Split from capacity.cpp: the planner asks it after every
// change it considers, so it is the step that decides how long planning with headroom takes.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "berth/error.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/placer.hpp"
#include "berth/place/schedule.hpp"
#include "berth/plan/capacity.hpp"
#include "capacity_detail.hpp"

namespace berth::plan {
namespace {

using detail::value_of;

/// Calls f(combination) for k-subsets of 0..n-1 in lexicographic order until f returns false.
template <typename F>
void for_each_combination(std::size_t n, std::size_t k, F&& f) {
  if (k == 0 || k > n) return;
  std::vector<std::size_t> idx(k);
  std::iota(idx.begin(), idx.end(), 0);
  while (true) {
    if (!f(idx)) return;
    std::size_t i = k;
    while (i > 0 && idx[i - 1] == n - k + i - 1) --i;
    if (i == 0) return;
    ++idx[i - 1];
    for (std::size_t j = i; j < k; ++j) idx[j] = idx[j - 1] + 1;
  }
}

/// Loss scenarios on one compiled cluster (see check_headroom).
class ScenarioRunner {
 public:
  ScenarioRunner(const Spec& placed, StrategyKind strategy)
      // Not strict, as place() builds: a unit that contradicts itself is pending, not an error.
      : cluster_(Cluster::build(placed, BuildOptions{/*strict=*/false})),
        placer_(cluster_, strategy) {
    // The instances that must keep a machine: those the spec places. Build may have refused
    // some of them (a placement it warns about); they are checked like the evicted ones.
    for (const auto& [inst, m] : placed.placements) {
      const InstanceId i = cluster_.find_instance(inst);
      if (i != kNone && cluster_.assignment(i) == kNone) refused_.push_back(i);
    }
  }

  /// Whether every instance the spec places still has a machine once `lost` are gone.
  bool survives(const std::vector<std::string>& lost) {
    Cluster::Undo trial(cluster_);
    std::vector<MachineId> down;
    for (const std::string& name : lost) {
      const MachineId m = cluster_.find_machine(name);
      if (m != kNone) down.push_back(m);
    }
    // All down first, so nothing evicted lands on another machine of the scenario.
    for (MachineId m : down) cluster_.set_state(m, MachineState::Down);
    std::vector<InstanceId> evicted;
    for (MachineId m : down) {
      const std::vector<InstanceId> on = cluster_.instances_on(m);
      for (InstanceId i : on) {
        // The whole co-location group leaves, wherever its members ran.
        for (InstanceId x : cluster_.group(cluster_.instance(i).group).members) {
          if (cluster_.assignment(x) == kNone) continue;
          cluster_.unassign(x);
          evicted.push_back(x);
        }
      }
    }
    // What place() does on the spec without them (Placer::place_pending, minus the
    // diagnoses nobody reads here): every unplaced group, in batch order.
    place_in_batch_order(placer_, cluster_.unplaced_groups(), [](const GroupPlacement&) {});
    auto kept = [&](InstanceId i) {
      if (cluster_.assignment(i) != kNone) return true;
      // A global unit's instance on a lost machine is gone with it (the spec without the
      // machine has no such instance), not pending.
      const Instance& inst = cluster_.instance(i);
      return inst.global && std::find(down.begin(), down.end(), inst.pinned) != down.end();
    };
    for (InstanceId i : evicted) {
      if (!kept(i)) return false;
    }
    for (InstanceId i : refused_) {
      if (!kept(i)) return false;
    }
    return true;
  }

 private:
  Cluster cluster_;
  Placer placer_;
  std::vector<InstanceId> refused_;
};

}  // namespace

Headroom Headroom::parse(std::string_view text, const std::string& zone_key) {
  Headroom h;
  h.zone_key = zone_key;
  if (text.empty() || text == "0" || text == "none") return h;
  if (text == "zone") {
    h.kind = Kind::Zone;
    return h;
  }
  int n = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || n > 100000)
      throw UsageError(
          380, fmt::format("--headroom takes a number of machines or \"zone\", got \"{}\"", text));
    n = n * 10 + (c - '0');
  }
  h.kind = n > 0 ? Kind::Machines : Kind::None;
  h.machines = n;
  return h;
}

std::string Headroom::describe() const {
  switch (kind) {
    case Kind::None:
      return "none";
    case Kind::Machines:
      return machines == 1 ? "any 1 machine" : fmt::format("any {} machines", machines);
    case Kind::Zone:
      return fmt::format("any one zone ({})", zone_key);
  }
  return "none";
}

Spec without_machines(const Spec& spec, const std::vector<std::string>& lost) {
  std::set<std::string> gone(lost.begin(), lost.end());
  Spec s;
  s.units = spec.units;
  s.warnings = spec.warnings;
  for (const Machine& m : spec.machines) {
    if (!gone.count(m.name)) s.machines.push_back(m);
  }
  for (const auto& [inst, m] : spec.placements) {
    if (!gone.count(m)) s.placements.emplace(inst, m);
  }
  return s;
}

std::vector<PendingUnit> pending_after_loss(const Spec& placed,
                                            const std::vector<std::string>& lost,
                                            StrategyKind strategy) {
  PlacementResult r = place(without_machines(placed, lost), PlaceOptions{strategy});
  // Only instances that were placed before the loss count: one that never had a machine (no
  // type can take it) is reported elsewhere, not blamed on the loss.
  std::vector<PendingUnit> out;
  for (PendingUnit& p : r.pending) {
    if (placed.placements.count(p.unit)) out.push_back(std::move(p));
  }
  return out;
}

std::vector<std::string> LossScenario::pending_lines() const {
  std::vector<std::string> out;
  if (failure == Failure::NothingLeft) {
    out.push_back(fmt::format("cannot lose {} of {} machines and still run anything", must_lose,
                              lost.size()));
  }
  for (const PendingUnit& p : pending) out.push_back(p.summary());
  return out;
}

namespace {

/// The scenarios `headroom` asks for, in the order they are checked: every zone, or every
/// k-subset of the up machines (lexicographic in name order) when there are at most
/// max_scenarios of them, else the heaviest machines together and then a seeded sample.
/// Fills rep's totals; false (and the failure recorded in rep) when k machines are all there is.
bool loss_scenarios(const Spec& placed, const Headroom& headroom, const CapacityOptions& options,
                    HeadroomReport& rep, std::vector<LossScenario>& scenarios) {
  std::vector<std::string> up;
  for (const Machine& m : placed.machines) {
    if (m.state == MachineState::Up) up.push_back(m.name);
  }
  std::sort(up.begin(), up.end(),
            [](const std::string& a, const std::string& b) { return natural_less(a, b); });
  std::map<std::string, std::size_t> load;
  for (const auto& [inst, m] : placed.placements) ++load[m];

  if (headroom.kind == Headroom::Kind::Zone) {
    std::map<std::string, std::vector<std::string>> by_zone;
    for (const Machine& m : placed.machines) {
      std::string z = value_of(m.metadata, headroom.zone_key);
      if (!z.empty() && m.state == MachineState::Up) by_zone[z].push_back(m.name);
    }
    for (auto& [z, ms] : by_zone) {
      rep.zones.push_back(z);
      LossScenario s;
      s.zone = z;
      s.lost = ms;
      scenarios.push_back(std::move(s));
    }
    rep.scenarios_total = scenarios.size();
  } else {
    const std::size_t n = up.size();
    const std::size_t k = static_cast<std::size_t>(headroom.machines);
    if (k >= n) {
      rep.holds = false;
      rep.scenarios_total = 1;
      LossScenario s;
      s.lost = up;
      s.ok = false;
      s.failure = LossScenario::Failure::NothingLeft;
      s.must_lose = k;
      rep.failures.push_back(std::move(s));
      return false;
    }
    // C(n, k), saturating.
    long double total = 1;
    for (std::size_t i = 0; i < k; ++i)
      total = total * static_cast<long double>(n - i) / static_cast<long double>(i + 1);
    const bool all = total <= static_cast<long double>(options.max_scenarios);
    rep.scenarios_total =
        total > 1e18L ? static_cast<std::size_t>(-1) : static_cast<std::size_t>(total + 0.5L);
    if (all) {
      for_each_combination(n, k, [&](const std::vector<std::size_t>& idx) {
        LossScenario s;
        for (std::size_t i : idx) s.lost.push_back(up[i]);
        scenarios.push_back(std::move(s));
        return true;
      });
    } else {
      rep.exhaustive = false;
      // The heaviest machines together are the likeliest to break the plan; then a sample.
      std::vector<std::string> by_load = up;
      std::stable_sort(
          by_load.begin(), by_load.end(),
          [&](const std::string& a, const std::string& b) { return load[a] > load[b]; });
      std::set<std::vector<std::string>> seen;
      auto add = [&](std::vector<std::string> lost) {
        std::sort(lost.begin(), lost.end());
        if (!seen.insert(lost).second) return;
        LossScenario s;
        s.lost = std::move(lost);
        scenarios.push_back(std::move(s));
      };
      for (std::size_t start = 0;
           start + k <= by_load.size() && scenarios.size() < options.max_scenarios / 2; ++start) {
        add(std::vector<std::string>(by_load.begin() + static_cast<std::ptrdiff_t>(start),
                                     by_load.begin() + static_cast<std::ptrdiff_t>(start + k)));
      }
      std::mt19937_64 rng(options.seed);
      std::size_t tries = 0;
      while (scenarios.size() < options.max_scenarios && tries++ < options.max_scenarios * 4) {
        std::vector<std::string> pool = up;
        std::shuffle(pool.begin(), pool.end(), rng);
        pool.resize(k);
        add(pool);
      }
    }
  }
  return true;
}

}  // namespace

HeadroomReport check_headroom(const Spec& placed, const Headroom& headroom,
                              const CapacityOptions& options, std::size_t* placement_runs,
                              bool stop_at_failure) {
  HeadroomReport rep;
  rep.headroom = headroom;
  if (headroom.kind == Headroom::Kind::None) return rep;
  std::vector<LossScenario> scenarios;
  if (!loss_scenarios(placed, headroom, options, rep, scenarios)) return rep;
  // Every scenario runs on one compiled cluster: the lost machines go down and what they ran
  // is evicted (ops::fail_machines' semantics), every unplaced group is placed in batch order
  // as place() would on the spec without them, and the undo log takes it all back. Rebuilding
  // a Spec and a Cluster per scenario cost more than the placement itself.
  ScenarioRunner runner(placed, options.strategy);
  std::size_t done = 0;
  for (LossScenario& s : scenarios) {
    std::set<std::string> gone(s.lost.begin(), s.lost.end());
    for (const auto& [inst, m] : placed.placements) s.displaced += gone.count(m);
    if (placement_runs) ++*placement_runs;
    ++rep.scenarios_checked;
    rep.worst_displaced = std::max(rep.worst_displaced, s.displaced);
    if (!runner.survives(s.lost)) {
      // The diagnoses come from place() on the spec without the lost machines: a
      // diagnosis on the compiled cluster would count them as machines that are down, and
      // the report reads as if they were gone. Only failing scenarios pay for it.
      s.pending = pending_after_loss(placed, s.lost, options.strategy);
      if (!s.pending.empty()) {
        s.ok = false;
        s.failure = LossScenario::Failure::Pending;
        rep.holds = false;
        rep.failures.push_back(s);
        if (stop_at_failure) break;
      }
    }
    if (options.progress) options.progress("headroom check", ++done, scenarios.size());
  }
  return rep;
}

}  // namespace berth::plan
