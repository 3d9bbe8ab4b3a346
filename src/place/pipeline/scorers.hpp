#pragma once
// The scorers: how machines that pass every filter are ranked. Preference points first
// (Preferences: integers, so ties are exact), then the strategy's score, then the lower machine
// id (pipeline::better). Each strategy is one type with its score and its bound over a class
// tree's node: the bound is computed with the same floating-point operations as the score on
// the subtree's extremes, so it is never below a real score, which is what lets the indexed
// search skip a subtree. Scores only rank machines that already fit; capacity itself is
// checked in integers (Resources). with_scorer picks the type once per decision, so the loops
// over machines have no switch and no virtual call.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "../class_index.hpp"
#include "berth/constraint/glob.hpp"
#include "berth/place/strategy.hpp"
#include "group_state.hpp"

namespace berth::pipeline {

/// The sum over dimensions the machine has of demand / allocatable (how much of the machine
/// the group takes), and how many dimensions counted.
inline double demand_term(const GroupState& s, const std::int64_t* alloc, int* counted) {
  double t = 0;
  int k = 0;
  for (std::size_t d = 0; d < s.demand.size(); ++d) {
    if (alloc[d] <= 0) continue;
    t += static_cast<double>(s.demand[d]) / static_cast<double>(alloc[d]);
    ++k;
  }
  *counted = k;
  return t;
}

/// Fewest instances first.
struct LeastLoadedScore {
  static double score(const GroupState& s, MachineId m) {
    return -static_cast<double>(s.cluster.instances_on(m).size());
  }
  static double bound(const GroupState& s, ClassId k, std::size_t node) {
    return -static_cast<double>(detail::class_index(s.cluster, k).min_count[node]);
  }
};

/// Every machine scores the same: the lowest id that fits wins.
struct FirstFitScore {
  static double score(const GroupState&, MachineId) { return 0.0; }
  static double bound(const GroupState&, ClassId, std::size_t) { return 0.0; }
};

/// Mean utilization after placing: BestFit prefers the fullest machine, Spread the emptiest.
template <bool kFullest>
struct UtilizationScore {
  static double score(const GroupState& s, MachineId m) {
    int counted = 0;
    const double t = demand_term(s, s.cluster.allocatable(m), &counted);
    if (counted == 0) return 0.0;
    const double util = (s.cluster.utilization_sum(m) + t) / counted;
    return kFullest ? util : -util;
  }
  /// With a fit level, the extremes are those of the machines that have the level's amount
  /// free in dimension 0: every machine that fits is among them.
  static double bound(const GroupState& s, ClassId k, std::size_t node) {
    if (s.class_counted == 0) return 0.0;
    if constexpr (kFullest) {
      if (const std::int64_t* rec = s.tree_record(k, node))  // the class being searched
        return (std::bit_cast<double>(rec[s.tree_stride - 2]) + s.class_term) / s.class_counted;
    }
    const detail::ClassIndex& idx = detail::class_index(s.cluster, k);
    const auto level = static_cast<std::size_t>(s.level);
    if constexpr (kFullest) {
      const double u = s.level >= 0 ? idx.level_max_util(level, node) : idx.max_util[node];
      return (u + s.class_term) / s.class_counted;
    } else {
      const double u = s.level >= 0 ? idx.level_min_util_at(level, node) : idx.min_util[node];
      return -((u + s.class_term) / s.class_counted);
    }
  }
  /// The lowest machine id in the subtree at `node` that may score exactly `bound` (its
  /// bound), for the tie-break on the machine id: the lowest of the level's machines with the
  /// largest utilization, when no lower utilization can round to the same score; otherwise
  /// `first`, the subtree's lowest member. The score never falls as the utilization rises, so
  /// every utilization below the largest scores at most what the double just below it does;
  /// and no utilization is below 0 (requests are never negative: Cluster::build), so at 0,
  /// the common tie of empty machines, nothing lower exists.
  static std::int64_t tie_first(const GroupState& s, ClassId k, std::size_t node, double bound,
                                MachineId first) {
    if constexpr (kFullest) {
      if (s.level < 0 || s.class_counted == 0) return first;
      const detail::ClassIndex& idx = detail::class_index(s.cluster, k);
      const auto level = static_cast<std::size_t>(s.level);
      const std::int64_t* rec = s.tree_record(k, node);
      const double u =
          rec ? std::bit_cast<double>(rec[s.tree_stride - 2]) : idx.level_max_util(level, node);
      if (u == 0.0 || (std::nextafter(u, -std::numeric_limits<double>::infinity()) + s.class_term) /
                              s.class_counted <
                          bound)
        return rec ? rec[s.tree_stride - 1] : idx.level_best(level, node);
    }
    return first;
  }
};
using BestFitScore = UtilizationScore<true>;
using SpreadScore = UtilizationScore<false>;

/// Alignment of the demand with the free capacity (Tetris' dot product).
struct DotProductScore {
  static double score(const GroupState& s, MachineId m) {
    const std::int64_t* alloc = s.cluster.allocatable(m);
    const std::int64_t* used = s.cluster.used(m);
    double dot = 0;
    for (std::size_t d = 0; d < s.demand.size(); ++d) {
      if (alloc[d] <= 0) continue;
      const double a = static_cast<double>(alloc[d]);
      dot += (static_cast<double>(s.demand[d]) / a) * (static_cast<double>(alloc[d] - used[d]) / a);
    }
    return dot;
  }
  static double bound(const GroupState& s, ClassId k, std::size_t node) {
    const detail::ClassIndex& idx = detail::class_index(s.cluster, k);
    const std::size_t D = s.demand.size();
    const std::int64_t* free = s.level >= 0
                                   ? idx.level_free(static_cast<std::size_t>(s.level), node)
                                   : &idx.max_free[node * D];
    double bound = 0;
    for (std::size_t d = 0; d < D; ++d) {
      if (s.class_alloc[d] <= 0) continue;
      const double a = static_cast<double>(s.class_alloc[d]);
      bound += (static_cast<double>(s.demand[d]) / a) * (static_cast<double>(free[d]) / a);
    }
    return bound;
  }
};

/// Calls f with the scorer of `kind` (a value of its type): the one switch over strategies.
template <class F>
decltype(auto) with_scorer(StrategyKind kind, F&& f) {
  switch (kind) {
    case StrategyKind::LeastLoaded:
      return f(LeastLoadedScore{});
    case StrategyKind::FirstFit:
      return f(FirstFitScore{});
    case StrategyKind::BestFit:
      return f(BestFitScore{});
    case StrategyKind::Spread:
      return f(SpreadScore{});
    case StrategyKind::DotProduct:
      return f(DotProductScore{});
  }
  return f(FirstFitScore{});
}

/// Preference points (soft constraints): the class-level ones from GroupState::class_points,
/// the near ones asked on the machine's instances. Ranked before the strategy's score.
struct Preferences {
  /// A near preference's globs take instance y by its instance name or its unit name.
  static bool near_matches(const Cluster& c, const Preference& p, InstanceId y) {
    for (const auto& pat : p.near) {
      if (glob_match(pat, c.instance(y).name) || glob_match(pat, c.unit(c.instance(y).unit).name))
        return true;
    }
    return false;
  }
  static std::int64_t points(const GroupState& s, MachineId m) {
    if (!s.any_preferences) return 0;
    std::int64_t pts = s.class_points[s.cluster.machine_class(m)];
    const auto& on = s.cluster.instances_on(m);
    for (const Preference* p : s.near) {
      if (std::any_of(on.begin(), on.end(),
                      [&](InstanceId y) { return near_matches(s.cluster, *p, y); }))
        pts += p->weight;
    }
    return pts;
  }
  /// At most the class's points plus every positive near weight.
  static std::int64_t bound(const GroupState& s, ClassId k) {
    return s.any_preferences ? s.class_points[k] + s.near_bound : 0;
  }
};

}  // namespace berth::pipeline
