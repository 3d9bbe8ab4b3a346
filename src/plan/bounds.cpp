#include "berth/plan/bounds.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

namespace berth::plan {
namespace {

using Real = long double;

/// Solves the k x k system a y = b by Gaussian elimination with partial pivoting.
bool solve_system(std::vector<std::vector<Real>> a, std::vector<Real> b, std::vector<Real>& y) {
  const std::size_t k = b.size();
  for (std::size_t col = 0; col < k; ++col) {
    std::size_t pivot = col;
    for (std::size_t r = col + 1; r < k; ++r) {
      if (std::fabs(a[r][col]) > std::fabs(a[pivot][col])) pivot = r;
    }
    if (std::fabs(a[pivot][col]) < 1e-15L) return false;
    std::swap(a[pivot], a[col]);
    std::swap(b[pivot], b[col]);
    for (std::size_t r = 0; r < k; ++r) {
      if (r == col) continue;
      const Real f = a[r][col] / a[col][col];
      if (f == 0) continue;
      for (std::size_t c = col; c < k; ++c) a[r][c] -= f * a[col][c];
      b[r] -= f * b[col];
    }
  }
  y.assign(k, 0);
  for (std::size_t i = 0; i < k; ++i) y[i] = b[i] / a[i][i];
  return true;
}

/// Calls f(subset) for every k-subset of 0..n-1 (lexicographic).
bool for_each_subset(std::size_t n, std::size_t k,
                     const std::function<bool(const std::vector<std::size_t>&)>& f) {
  if (k > n) return true;
  std::vector<std::size_t> idx(k);
  for (std::size_t i = 0; i < k; ++i) idx[i] = i;
  while (true) {
    if (!f(idx)) return false;
    std::size_t i = k;
    while (i > 0 && idx[i - 1] == n - k + i - 1) --i;
    if (i == 0) return true;
    ++idx[i - 1];
    for (std::size_t j = i; j < k; ++j) idx[j] = idx[j - 1] + 1;
  }
}

}  // namespace

LpBound lp_lower_bound(const std::vector<std::int64_t>& demand,
                       const std::vector<std::vector<std::int64_t>>& capacities,
                       const std::vector<Micros>& costs) {
  LpBound out;
  out.prices.assign(demand.size(), 0.0);
  // Work in units of each dimension's demand, so every demand is 1 and the system is well scaled.
  std::vector<std::size_t> dims;
  for (std::size_t d = 0; d < demand.size(); ++d) {
    if (demand[d] > 0) dims.push_back(d);
  }
  if (dims.empty()) return out;
  std::vector<std::size_t> types;
  for (std::size_t t = 0; t < capacities.size(); ++t) {
    bool any = false;
    for (std::size_t d : dims) any = any || capacities[t][d] > 0;
    if (any) types.push_back(t);
  }
  for (std::size_t d : dims) {
    bool offered = false;
    for (std::size_t t : types) offered = offered || capacities[t][d] > 0;
    if (!offered) {
      out.feasible = false;
      return out;
    }
  }
  const std::size_t D = dims.size();
  const std::size_t T = types.size();
  // norm[t][j]: type t's capacity in dimension dims[j] as a fraction of the demand there.
  std::vector<std::vector<Real>> norm(T, std::vector<Real>(D));
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t j = 0; j < D; ++j) {
      norm[t][j] =
          static_cast<Real>(capacities[types[t]][dims[j]]) / static_cast<Real>(demand[dims[j]]);
    }
  }
  Real best = 0;
  std::vector<Real> best_y(D, 0);
  // Past this many vertices the enumeration is cut short; the best vertex found is still a
  // valid bound (any dual-feasible point is), only possibly weaker.
  constexpr std::size_t kMaxSystems = 200000;
  std::size_t systems = 0;
  std::vector<Real> y_small;
  for (std::size_t k = 1; k <= std::min(D, T); ++k) {
    bool go_on = for_each_subset(D, k, [&](const std::vector<std::size_t>& dsub) {
      return for_each_subset(T, k, [&](const std::vector<std::size_t>& tsub) {
        if (++systems > kMaxSystems) return false;
        std::vector<std::vector<Real>> a(k, std::vector<Real>(k));
        std::vector<Real> b(k);
        for (std::size_t r = 0; r < k; ++r) {
          for (std::size_t c = 0; c < k; ++c) a[r][c] = norm[tsub[r]][dsub[c]];
          b[r] = static_cast<Real>(costs[types[tsub[r]]]);
        }
        if (!solve_system(a, b, y_small)) return true;
        std::vector<Real> y(D, 0);
        for (std::size_t c = 0; c < k; ++c) {
          if (y_small[c] < -1e-12L) return true;
          y[dsub[c]] = std::max<Real>(0, y_small[c]);
        }
        // Scale into dual feasibility: y.cap_t <= c_t for every type.
        Real scale = 1;
        for (std::size_t t = 0; t < T; ++t) {
          Real lhs = 0;
          for (std::size_t j = 0; j < D; ++j) lhs += y[j] * norm[t][j];
          if (lhs <= 0) continue;
          scale = std::min(scale, static_cast<Real>(costs[types[t]]) / lhs);
        }
        Real value = 0;
        for (std::size_t j = 0; j < D; ++j) value += y[j] * scale;
        if (value > best) {
          best = value;
          for (std::size_t j = 0; j < D; ++j) best_y[j] = y[j] * scale;
        }
        return true;
      });
    });
    if (!go_on) break;
  }
  // Round down, with a relative margin for the rounding error of the elimination.
  const Real safe = best * (1 - 1e-12L) - 1;
  out.cost = safe > 0 ? static_cast<Micros>(std::floor(safe)) : 0;
  for (std::size_t j = 0; j < D; ++j) {
    out.prices[dims[j]] = static_cast<double>(best_y[j] / static_cast<Real>(demand[dims[j]]));
  }
  return out;
}

}  // namespace berth::plan
