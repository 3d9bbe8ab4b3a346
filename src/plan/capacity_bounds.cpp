// Step 5: how far from optimal the plan can be. Lower bounds on the cost of any plan (the LP
// relaxation, bin-packing bounds for one type, conflicting replicas, spread domains, headroom)
// turn "this plan costs X" into "and nothing can cost less than Y".
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <set>

#include "berth/error.hpp"
#include "berth/pack/bounds.hpp"
#include "berth/pack/instance.hpp"
#include "berth/pack/solve.hpp"
#include "berth/place/cluster.hpp"
#include "berth/plan/bounds.hpp"
#include "capacity_detail.hpp"

namespace berth::plan::detail {

namespace {

/// Demand left once `offered` is used, per dimension (never negative).
std::vector<std::int64_t> residual(const std::vector<std::int64_t>& demand,
                                   const std::vector<std::int64_t>& offered) {
  std::vector<std::int64_t> r(demand.size());
  for (std::size_t d = 0; d < demand.size(); ++d)
    r[d] = std::max<std::int64_t>(0, demand[d] - offered[d]);
  return r;
}

}  // namespace

/// Lower bounds on the cost of any plan, each recorded in plan.bounds with what it rests on;
/// plan.lower_bound is the best of them. Every bound is valid whatever the arrangement, so
/// gap() = how far this plan can be from optimal.
void Planner::bounds(CapacityPlan& plan) {
  const std::size_t D = dims_.size();
  const std::size_t T = cat_.types.size();
  std::vector<Micros> costs;
  for (const auto& t : cat_.types) costs.push_back(t.cost);
  // Demand of every placeable non-global instance, minus what the existing machines offer
  // (their global units included): valid whatever the arrangement.
  Spec s0 = workload_;
  s0.placements.clear();
  const Cluster c0 = Cluster::build(s0);
  std::vector<std::int64_t> demand(D, 0);
  for (InstanceId i = 0; i < c0.instance_count(); ++i) {
    if (unplaceable_instances_.count(c0.instance(i).name)) continue;
    for (std::size_t d = 0; d < D; ++d) demand[d] += c0.request(i)[d];
  }
  LpBound lp = lp_lower_bound(residual(demand, existing_allocatable(c0, "")), eff_, costs);
  Micros base = lp.cost;
  plan.bounds.push_back({"continuous", lp.cost,
                         "fractional machines covering each dimension's total demand (LP dual)"});

  // Usable: some group could ever run on it (a plan gains nothing from other types).
  std::vector<std::size_t> usable;
  for (std::size_t t = 0; t < T; ++t) {
    bool any = false;
    for (const GroupInfo& g : groups_) {
      if (g.global || g.pinned || unplaceable_instances_.count(g.members.front())) continue;
      any = any || g.compatible[t] != 0;
    }
    if (any) usable.push_back(t);
  }
  base = std::max(base, packing_bound(usable, plan));
  base = std::max(base, conflict_bound(c0, plan));
  if (workload_.machines.empty()) base = std::max(base, spread_bound(plan));
  // Whole machines: with one usable type the cost is a multiple of its price (the LP value is
  // already rounded down, so rounding up to the next multiple stays a valid bound).
  if (usable.size() == 1 && base > 0 && cat_.types[usable.front()].cost > 0) {
    const Micros c = cat_.types[usable.front()].cost;
    base = (base + c - 1) / c * c;
  }
  // With anything to buy, at least the cheapest usable machine.
  if (base > 0 && !usable.empty()) {
    Micros cheapest = std::numeric_limits<Micros>::max();
    for (std::size_t t : usable) cheapest = std::min(cheapest, cat_.types[t].cost);
    base = std::max(base, cheapest);
  }
  plan.lower_bound = headroom_bound(c0, demand, base, plan);
}

/// Allocatable of the existing up machines per dimension, those of zone `skip_zone` left out.
std::vector<std::int64_t> Planner::existing_allocatable(const Cluster& c0,
                                                        const std::string& skip_zone) const {
  const std::size_t D = dims_.size();
  std::vector<std::int64_t> a(D, 0);
  for (MachineId m = 0; m < c0.machine_count(); ++m) {
    if (c0.machine_state(m) != MachineState::Up) continue;
    if (!skip_zone.empty() && value_of(c0.machine_metadata(m), opt_.headroom.zone_key) == skip_zone)
      continue;
    for (std::size_t d = 0; d < D; ++d) a[d] += c0.allocatable(m)[d];
  }
  return a;
}

/// A single usable type and no existing machines: the packing engine's bin bounds (continuous,
/// Martello-Toth, incompatible items) on the groups as items. 0 when they do not apply.
Micros Planner::packing_bound(const std::vector<std::size_t>& usable, CapacityPlan& plan) const {
  const std::size_t D = dims_.size();
  if (workload_.machines.empty() && usable.size() == 1 && !items_.empty()) {
    const std::size_t t = usable.front();
    std::vector<std::size_t> used_dims;
    for (std::size_t d = 0; d < D; ++d) {
      bool any = false;
      for (std::size_t g : items_) any = any || groups_[g].demand[d] != 0;
      if (any && eff_[t][d] > 0) used_dims.push_back(d);
    }
    if (!used_dims.empty()) {
      pack::Instance inst;
      inst.dims = used_dims.size();
      for (std::size_t d : used_dims) inst.capacity.push_back(eff_[t][d]);
      std::vector<pack::Size> size(used_dims.size());
      for (std::size_t g : items_) {
        for (std::size_t k = 0; k < used_dims.size(); ++k)
          size[k] = groups_[g].demand[used_dims[k]];
        inst.add_item(size);
      }
      pack::LowerBounds lb = pack::lower_bounds(inst);
      Micros packing = static_cast<Micros>(lb.best) * cat_.types[t].cost;
      plan.bounds.push_back({"packing", packing,
                             fmt::format("{} machines of {} at least (packing engine bounds: "
                                         "continuous {}, Martello-Toth {}, incompatible {})",
                                         lb.best, cat_.types[t].name, lb.continuous,
                                         lb.martello_toth, lb.incompatible)});
      return packing;
    }
  }
  return 0;
}

/// Replicas that conflict with each other need a machine each: beyond the existing machines,
/// that many new machines of the cheapest type that can take them (a greedy clique per unit).
Micros Planner::conflict_bound(const Cluster& c0, CapacityPlan& plan) const {
  const std::size_t T = cat_.types.size();
  Micros best_conflict = 0;
  std::string which;
  std::size_t existing_up = 0;
  for (MachineId m = 0; m < c0.machine_count(); ++m)
    existing_up += c0.machine_state(m) == MachineState::Up ? 1 : 0;
  std::map<UnitId, std::vector<InstanceId>> by_unit;
  for (InstanceId i = 0; i < c0.instance_count(); ++i) {
    const Instance& inst = c0.instance(i);
    if (inst.global || unplaceable_instances_.count(inst.name) || !c0.unit_has_conflicts(inst.unit))
      continue;
    by_unit[inst.unit].push_back(i);
  }
  for (const auto& [u, insts] : by_unit) {
    // A greedy clique of pairwise conflicting instances of this unit.
    std::vector<InstanceId> clique;
    for (InstanceId i : insts) {
      if (clique.size() >= 4096) break;
      if (std::all_of(clique.begin(), clique.end(),
                      [&](InstanceId j) { return c0.conflicts(i, j); }))
        clique.push_back(i);
    }
    if (clique.size() <= existing_up) continue;
    Micros cheapest = std::numeric_limits<Micros>::max();
    auto g = group_of_.find(c0.instance(clique.front()).name);
    for (std::size_t t = 0; t < T; ++t) {
      if (g != group_of_.end() && groups_[g->second].compatible[t])
        cheapest = std::min(cheapest, cat_.types[t].cost);
    }
    if (cheapest == std::numeric_limits<Micros>::max()) continue;
    const Micros v = static_cast<Micros>(clique.size() - existing_up) * cheapest;
    if (v > best_conflict) {
      best_conflict = v;
      which = fmt::format("{} instances of {} conflict pairwise", clique.size(), c0.unit(u).name);
    }
  }
  if (best_conflict > 0)
    plan.bounds.push_back({"conflicts", best_conflict, which + ": one machine each"});
  return best_conflict;
}

/// Spread over the catalogue's domains: with counts at most max_skew apart over D domains,
/// every domain holds at least ceil((N - max_skew (D - 1)) / D) of a unit's N replicas, on
/// machines of that domain, so each domain costs at least the cheapest way to hold that many
/// of the unit alone. Domains are disjoint, so the costs add up. Only asked without existing
/// machines, which could hold them for nothing.
Micros Planner::spread_bound(CapacityPlan& plan) const {
  const std::size_t D = dims_.size();
  const std::size_t T = cat_.types.size();
  Micros best_spread = 0;
  std::string which;
  for (const auto& [unit_name, sd] : spread_domains_) {
    const Unit* unit = nullptr;
    for (const Unit& u : workload_.units) {
      if (u.name == unit_name) unit = &u;
    }
    if (!unit || unit->constraints.global) continue;
    const std::int64_t n = unit->replicas.value_or(1);
    bool unresolved = false;
    for (const auto& inst : unplaceable_instances_)
      unresolved = unresolved || unit_of(inst) == unit_name;
    const auto d = static_cast<std::int64_t>(sd.domains.size());
    const std::int64_t least = n - static_cast<std::int64_t>(sd.max_skew) * (d - 1);
    if (unresolved || least <= 0) continue;
    const std::int64_t per_domain = (least + d - 1) / d;
    Micros total = 0;
    bool ok = true;
    for (const std::string& dom : sd.domains) {
      Micros cheapest = std::numeric_limits<Micros>::max();
      for (std::size_t t = 0; t < T; ++t) {
        const MachineType& type = cat_.types[t];
        if (value_of(type.metadata, sd.key) != dom || !admits_type(unit_name, t)) continue;
        std::int64_t machines = 1;
        bool fits = true;
        for (std::size_t k = 0; k < D && fits; ++k) {
          const std::int64_t need = unit->requests.get(dims_[k]) * per_domain;
          if (need == 0) continue;
          if (eff_[t][k] <= 0) {
            fits = false;
            continue;
          }
          machines = std::max(machines, (need + eff_[t][k] - 1) / eff_[t][k]);
        }
        if (fits) cheapest = std::min(cheapest, machines * type.cost);
      }
      if (cheapest == std::numeric_limits<Micros>::max()) {
        ok = false;
        break;
      }
      total += cheapest;
    }
    if (ok && total > best_spread) {
      best_spread = total;
      which = fmt::format("{}: at least {} of {} replicas in each of {} {} domains", unit_name,
                          per_domain, n, sd.domains.size(), sd.key);
    }
  }
  if (best_spread > 0) plan.bounds.push_back({"spread", best_spread, which});
  return best_spread;
}

/// What headroom adds to a bound `base` that ignores it: losing the N cheapest new machines
/// must leave a plan that still places everything; losing any one zone, the rest must cover
/// the demand. Returns the bound with headroom (at least `base`).
Micros Planner::headroom_bound(const Cluster& c0, const std::vector<std::int64_t>& demand,
                               Micros base, CapacityPlan& plan) const {
  const std::size_t T = cat_.types.size();
  Micros lb = base;
  const Headroom& h = opt_.headroom;
  if (h.kind == Headroom::Kind::Machines && h.machines > 0 && base > 0) {
    // Losing the N cheapest new machines must leave a plan that still places everything.
    Micros cheapest = std::numeric_limits<Micros>::max();
    for (const auto& t : cat_.types) cheapest = std::min(cheapest, t.cost);
    Micros v = base + cheapest * h.machines;
    plan.bounds.push_back(
        {"headroom", v,
         fmt::format("bound without headroom + {} x the cheapest machine", h.machines)});
    lb = std::max(lb, v);
  } else if (h.kind == Headroom::Kind::Zone) {
    std::set<std::string> zones;
    bool zoneless = false;
    for (std::size_t t = 0; t < T; ++t) {
      if (type_zone_[t].empty())
        zoneless = true;
      else
        zones.insert(type_zone_[t]);
    }
    for (MachineId m = 0; m < c0.machine_count(); ++m) {
      std::string z = value_of(c0.machine_metadata(m), h.zone_key);
      if (!z.empty()) zones.insert(z);
    }
    // For every zone z the machines outside z cover the demand: summing over zones counts
    // each machine (#zones - 1) times (#zones if some types have no zone).
    if (zones.size() >= 2 || zoneless) {
      long double sum = 0;
      bool all_ok = true;
      for (const std::string& z : zones) {
        std::vector<std::vector<std::int64_t>> caps;
        std::vector<Micros> cs;
        for (std::size_t t = 0; t < T; ++t) {
          if (type_zone_[t] == z) continue;
          caps.push_back(eff_[t]);
          cs.push_back(cat_.types[t].cost);
        }
        LpBound lz = lp_lower_bound(residual(demand, existing_allocatable(c0, z)), caps, cs);
        if (!lz.feasible) all_ok = false;
        sum += static_cast<long double>(lz.cost);
      }
      const std::size_t div = zoneless ? zones.size() : zones.size() - 1;
      if (all_ok && div > 0) {
        Micros v = static_cast<Micros>(sum / static_cast<long double>(div));
        plan.bounds.push_back(
            {"zone", v,
             fmt::format("each of {} zones lost in turn; the rest must cover the demand",
                         zones.size())});
        lb = std::max(lb, v);
      }
    }
  }
  return lb;
}

}  // namespace berth::plan::detail
