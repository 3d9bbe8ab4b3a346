#pragma once
/// \file Lower bounds on the number of bins.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "berth/export.hpp"
#include "berth/pack/instance.hpp"

namespace berth::pack {

/// Each bound separately, and their maximum.
struct LowerBounds {
  std::size_t continuous = 0;     ///< max over dims of ceil(sum / capacity)
  std::size_t martello_toth = 0;  ///< max over dims of Martello–Toth L2 (1-D bound per dim)
  std::size_t incompatible = 0;   ///< size of a greedy clique of pairwise non-sharable items
  std::size_t best = 0;           ///< max of the above (at least 1 when there are items)
};

/// ceil(sum of sizes / capacity), maximised over dimensions.
BERTH_API std::size_t continuous_bound(const Instance& instance);
/// Martello–Toth L2 evaluated in each dimension on its own, maximised over dimensions.
BERTH_API std::size_t martello_toth_bound(const Instance& instance);
/// Items that pairwise cannot share a bin need one bin each: greedy clique, O(n^2 d).
BERTH_API std::size_t incompatibility_bound(const Instance& instance);
/// All of the above.
BERTH_API LowerBounds lower_bounds(const Instance& instance);

/// Budget of the LP bound. With max_work > 0 the clock is never read (deterministic).
struct LpOptions {
  double time_limit = 1.0;     ///< seconds, used when max_work == 0
  std::uint64_t max_work = 0;  ///< simplex pivots + pricing nodes; 0 = bounded by time
  std::size_t target = 0;  ///< stop as soon as the bound reaches this (0: run to the LP optimum)
  std::uint64_t max_pricing_nodes = 200'000;  ///< per pricing problem; beyond it pricing is inexact
  /// With a target: also stop as soon as the master's value (a feasible fractional packing, so
  /// at least the LP optimum) shows that the bound can no longer reach the target. For callers
  /// that only need to know whether the bound prunes, not the LP optimum itself.
  bool stop_when_target_unreachable = false;
};

/// Result of the column-generation LP (Gilmore-Gomory set-covering relaxation).
struct LpResult {
  std::size_t bound = 0;   ///< proven bound: ceil of the best Farley bound (0 when none)
  double farley = 0;       ///< best valid LP lower bound seen (sum(y+) / max pattern value)
  double value = 0;        ///< value of the last restricted master LP (>= LP optimum)
  bool converged = false;  ///< pricing proved no column improves: value is the LP optimum
  std::vector<std::vector<std::size_t>> columns;  ///< every generated pattern (item lists)
  std::vector<double> x;  ///< value of each column in the last master solution
  std::uint64_t work = 0;
};

/// The most valuable set of items that fits in one bin (a d-dimensional 0-1 knapsack), by the
/// complete branch-and-bound that proves the LP's pricing (with its Lagrangian surrogate).
struct BestPattern {
  double value = 0;
  std::vector<std::size_t> items;
  bool exact = false;  ///< false when max_nodes ran out (value is then only a lower estimate)
};
BERTH_API BestPattern best_pattern(const Instance& instance, const std::vector<double>& profit,
                                   std::uint64_t max_nodes = 10'000'000);

/// Lower bound from the LP relaxation of the pattern (set-covering) formulation:
/// min sum x_p subject to every item covered, over all bin patterns p that fit. Solved by
/// column generation with a small dense revised simplex and an exact branch-and-bound for the
/// d-dimensional knapsack pricing problem. Every exactly priced iteration gives a valid bound
/// (Farley): with duals y, no pattern is worth more than v*, so y+/v* is dual feasible and
/// sum(y+)/v* <= LP <= optimum. Dominates the continuous and L2 bounds of every dimension
/// when it converges. `seed_columns` (e.g. a heuristic's bins) start the pool. Instances with
/// negative sizes get bound 0 (the knapsack bounds assume non-negative sizes).
BERTH_API LpResult lp_bound(const Instance& instance, const LpOptions& options,
                            const std::vector<std::vector<std::size_t>>& seed_columns = {});

}  // namespace berth::pack
