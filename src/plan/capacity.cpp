// The capacity planner (plan_capacity): which machines to buy so that the workload places, with
// headroom, at the least cost. Planner::run drives the steps, each in its own file:
//   capacity_analyse.cpp     what the workload needs, which types each unit may use
//   capacity_candidates.cpp  candidate purchases (packings, greedy mixes)
//   capacity_repair.cpp      placing a candidate for real and adding machines until it works
//   capacity_headroom.cpp    the loss scenarios (check_headroom), on one compiled cluster
//   capacity_improve.cpp     headroom growth, removals and swaps, names, zone balance
//   capacity_bounds.cpp      lower bounds on the cost of any plan
// capacity_detail.hpp holds the Planner and the types the steps share.
#include "berth/plan/capacity.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
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

namespace berth::plan {
namespace detail {

bool Planner::out_of_time(double budget) const {
  if (opt_.max_iterations > 0) return false;  // deterministic mode never reads the clock
  return std::chrono::duration<double>(Clock::now() - start_).count() > budget;
}

CapacityPlan Planner::run() {
  CapacityPlan plan;
  analyse();

  Working best;
  best.placements = fixed_;
  best.placed = true;
  std::vector<Candidate> cands = candidates();
  if (!cands.empty()) {
    Micros best_cost = std::numeric_limits<Micros>::max();
    bool have = false;
    std::size_t tried = 0;
    for (const Candidate& c : cands) {
      if (tried == 3) break;
      if (have && c.cost >= best_cost) break;  // repairs only add machines
      ++tried;
      progress("verifying", tried, std::min<std::size_t>(3, cands.size()));
      Working w;
      bool ok = materialise(c, w);
      Micros cost = cost_of(w);
      notes_.push_back(fmt::format(
          "candidate: {}: {} machines, cost {}{}", c.how, c.bins.size(), format_cost(c.cost),
          ok ? (cost == c.cost
                    ? ", placed as packed"
                    : fmt::format(", placed after adding machines (cost {})", format_cost(cost)))
             : ", could not be placed"));
      if ((ok && !have) || (ok == best.placed && cost < best_cost) ||
          (!have && !ok && best.machines.empty())) {
        if (ok || !have) {
          best = std::move(w);
          best_cost = cost;
          have = have || ok;
        }
      }
    }
    const Micros before = cost_of(best);
    if (best.placed) improve(best, false);
    if (cost_of(best) < before) {
      notes_.push_back(
          fmt::format("improvement: removing or replacing machines while everything still places: "
                      "cost {} -> {}",
                      format_cost(before), format_cost(cost_of(best))));
    }
  }

  if (opt_.headroom.kind != Headroom::Kind::None && best.placed) {
    // Route 1: grow the cheapest plan until every loss re-places.
    Working grown_plan = best;
    const Micros before = cost_of(grown_plan);
    added_for_headroom_ = 0;
    grow_for_headroom(grown_plan);
    std::size_t added = added_for_headroom_;
    const Micros grown = cost_of(grown_plan);
    if (grown > before)
      notes_.push_back(fmt::format("headroom ({}): grown from cost {} to {}",
                                   opt_.headroom.describe(), format_cost(before),
                                   format_cost(grown)));
    bool ok = holds(grown_plan, true);
    if (ok) {
      improve(grown_plan, true);
      if (cost_of(grown_plan) < grown)
        notes_.push_back(fmt::format("headroom improvement: cost {} -> {}", format_cost(grown),
                                     format_cost(cost_of(grown_plan))));
    }
    // Route 2 (zones): spread the workload over the zones from the start, each zone keeping
    // room for its share of any other zone's units.
    Working balanced;
    if (opt_.headroom.kind == Headroom::Kind::Zone && zone_balanced(balanced)) {
      const Micros start = cost_of(balanced);
      added_for_headroom_ = 0;
      grow_for_headroom(balanced);
      if (holds(balanced, true)) {
        const Micros g = cost_of(balanced);
        improve(balanced, true);
        notes_.push_back(fmt::format(
            "zone-balanced construction: cost {}, {} after growing, {} after improvement",
            format_cost(start), format_cost(g), format_cost(cost_of(balanced))));
        if (!ok || cost_of(balanced) < cost_of(grown_plan)) {
          grown_plan = std::move(balanced);
          added = added_for_headroom_;
          ok = true;
        }
      }
    }
    best = std::move(grown_plan);
    added_for_headroom_ = added;
  }

  rename(best);
  plan.spec = spec_of(best);
  plan.placement = place(plan.spec, PlaceOptions{opt_.strategy});
  ++runs_;
  plan.spec.placements = plan.placement.placements;
  for (std::size_t t = 0; t < cat_.types.size(); ++t) {
    TypeCount tc;
    tc.type = cat_.types[t].name;
    tc.cost_each = cat_.types[t].cost;
    for (const auto& [name, type] : best.machines) {
      if (type == t) tc.names.push_back(name);
    }
    std::sort(tc.names.begin(), tc.names.end(),
              [](const std::string& a, const std::string& b) { return natural_less(a, b); });
    tc.count = tc.names.size();
    if (tc.count > 0) plan.machines.push_back(std::move(tc));
    for (const auto& [name, type] : best.machines) {
      if (type == t) plan.machine_type[name] = cat_.types[t].name;
    }
  }
  for (const Machine& m : workload_.machines) plan.machine_type[m.name] = "";
  plan.cost = cost_of(best);

  CapacityOptions o = opt_;
  std::size_t runs = 0;
  plan.headroom = check_headroom(plan.spec, opt_.headroom, o, &runs);
  runs_ += runs;
  plan.headroom.machines_added = added_for_headroom_;
  // Seeds come from the packing; a packing bug must not turn into an overcommitted plan.
  const bool overcommitted = !Cluster::build(plan.spec).overcommitted().empty();
  if (overcommitted) plan.notes.push_back("BUG: the plan overcommits a machine (see warnings)");
  plan.feasible = plan.placement.all_placed() && plan.headroom.holds && !overcommitted;
  // Known from the start (no type can take them) and found while planning (no number of
  // machines hosts them): each listed once.
  plan.unplaceable = unplaceable_;
  bounds(plan);
  plan.notes.insert(plan.notes.begin(), notes_.begin(), notes_.end());
  plan.placement_runs = runs_;
  plan.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  return plan;
}

}  // namespace detail

double CapacityPlan::gap() const {
  if (cost <= 0) return 0;
  return static_cast<double>(cost - std::min(cost, lower_bound)) / static_cast<double>(cost);
}

CapacityPlan plan_capacity(const Spec& workload, const Catalogue& catalogue,
                           const CapacityOptions& options) {
  if (catalogue.types.empty()) throw UsageError(381, "the catalogue lists no machine types");
  detail::Planner planner(workload, catalogue, options);
  return planner.run();
}

}  // namespace berth::plan
