#pragma once
/// \file Lower bounds on the cost of a capacity plan.
///
/// The continuous relaxation "buy fractional machines so that every dimension's total demand
/// is covered" is a linear program  min c.x  s.t.  sum_t x_t cap_t >= demand, x >= 0.
/// Its dual  max y.demand  s.t.  y.cap_t <= c_t, y >= 0  has one variable per dimension, so we
/// solve it by enumerating the dual's vertices (k tight types x k dimensions, k <= dims),
/// which is exact and small for the 2-6 dimensions clusters have. Any dual-feasible y is a
/// valid bound, so the floating point used to find the vertex can only make the bound weaker:
/// the value is scaled back into feasibility and rounded down.
#include <cstdint>
#include <vector>

#include "berth/export.hpp"
#include "berth/plan/catalogue.hpp"

namespace berth::plan {

/// The continuous bound and the dual prices that certify it.
struct LpBound {
  Micros cost = 0;             ///< no plan costs less (rounded down to a micro-unit)
  std::vector<double> prices;  ///< per dimension: cost per unit of demand (the dual y)
  bool feasible = true;        ///< false: some dimension has demand but no type offers it
};

/// Continuous (LP) lower bound. `demand[d]` <= 0 means nothing to cover in d; `capacities[t][d]`
/// is type t's allocatable in d; `costs[t]` its cost. Types with no capacity are ignored.
BERTH_API LpBound lp_lower_bound(const std::vector<std::int64_t>& demand,
                                 const std::vector<std::vector<std::int64_t>>& capacities,
                                 const std::vector<Micros>& costs);

}  // namespace berth::plan
