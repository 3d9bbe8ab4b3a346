#include "berth/pack/bounds.hpp"
#include "cpu_clock.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <vector>

namespace berth::pack {
namespace {

Size ceil_div(Size a, Size b) { return a <= 0 ? 0 : (a + b - 1) / b; }

// Martello & Toth (1990) L2 for one dimension. For every threshold K in [0, C/2]:
// items > C-K each need their own bin (J1); items in (C/2, C-K] also each need a bin (J2) and
// only items in [K, C/2] (J3) can share with them, so the J3 volume that does not fit in the
// J2 bins' residual needs extra bins.
std::size_t martello_toth_1d(std::vector<Size> w, Size cap) {
  std::sort(w.begin(), w.end(), std::greater<>());
  std::vector<Size> thresholds{0};
  for (Size x : w) {
    if (2 * x <= cap) thresholds.push_back(x);
  }
  std::sort(thresholds.begin(), thresholds.end());
  thresholds.erase(std::unique(thresholds.begin(), thresholds.end()), thresholds.end());
  std::size_t best = 0;
  for (Size k : thresholds) {
    std::size_t j1 = 0, j2 = 0;
    Size j2_sum = 0, j3_sum = 0;
    for (Size x : w) {
      if (x > cap - k) {
        ++j1;
      } else if (2 * x > cap) {
        ++j2;
        j2_sum += x;
      } else if (x >= k) {
        j3_sum += x;
      }
    }
    const Size residual = static_cast<Size>(j2) * cap - j2_sum;
    const std::size_t l = j1 + j2 + static_cast<std::size_t>(ceil_div(j3_sum - residual, cap));
    best = std::max(best, l);
  }
  return best;
}

}  // namespace

std::size_t continuous_bound(const Instance& in) {
  std::size_t best = 0;
  for (std::size_t k = 0; k < in.dims; ++k) {
    Size sum = 0;
    for (std::size_t i = 0; i < in.item_count(); ++i) sum += in.sizes[i * in.dims + k];
    best = std::max(best, static_cast<std::size_t>(ceil_div(sum, in.capacity[k])));
  }
  return best;
}

std::size_t martello_toth_bound(const Instance& in) {
  std::size_t best = 0;
  std::vector<Size> w(in.item_count());
  for (std::size_t k = 0; k < in.dims; ++k) {
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = in.sizes[i * in.dims + k];
    // A negative item could enlarge the J2 bins' residual, which L2's argument ignores.
    if (std::any_of(w.begin(), w.end(), [](Size x) { return x < 0; })) continue;
    best = std::max(best, martello_toth_1d(w, in.capacity[k]));
  }
  return best;
}

std::size_t incompatibility_bound(const Instance& in) {
  const std::size_t n = in.item_count();
  const std::size_t d = in.dims;
  // Only dimensions without negative sizes count: elsewhere a third, negative item could make
  // room for an over-full pair.
  std::vector<bool> usable(d, true);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < d; ++k) {
      if (in.sizes[i * d + k] < 0) usable[k] = false;
    }
  }
  auto conflict = [&](std::size_t a, std::size_t b) {
    for (std::size_t k = 0; k < d; ++k) {
      if (usable[k] && in.sizes[a * d + k] + in.sizes[b * d + k] > in.capacity[k]) return true;
    }
    return false;
  };
  // Greedy cliques seeded from several orders (each dimension, then the max share): cheap,
  // and different orders catch cliques made of items large in different dimensions.
  std::size_t best = n > 0 ? 1 : 0;
  std::vector<std::size_t> order(n);
  for (std::size_t key = 0; key <= d; ++key) {
    std::iota(order.begin(), order.end(), 0);
    auto score = [&](std::size_t i) {
      if (key < d)
        return static_cast<double>(in.sizes[i * d + key]) / static_cast<double>(in.capacity[key]);
      double m = 0;
      for (std::size_t k = 0; k < d; ++k) {
        m = std::max(
            m, static_cast<double>(in.sizes[i * d + k]) / static_cast<double>(in.capacity[k]));
      }
      return m;
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return score(a) > score(b); });
    std::vector<std::size_t> clique;
    for (std::size_t i : order) {
      if (std::all_of(clique.begin(), clique.end(),
                      [&](std::size_t c) { return conflict(i, c); })) {
        clique.push_back(i);
      }
    }
    best = std::max(best, clique.size());
  }
  return best;
}

LowerBounds lower_bounds(const Instance& in) {
  LowerBounds lb;
  lb.continuous = continuous_bound(in);
  lb.martello_toth = martello_toth_bound(in);
  lb.incompatible = incompatibility_bound(in);
  lb.best = std::max({lb.continuous, lb.martello_toth, lb.incompatible});
  if (in.item_count() > 0) lb.best = std::max<std::size_t>(lb.best, 1);
  return lb;
}

namespace {

using LpClock = detail::CpuClock;

// Work/clock budget shared by the simplex and the pricing (deterministic with max_work).
struct LpBudget {
  std::uint64_t max_work;
  LpClock::time_point deadline;
  std::uint64_t work = 0;
  bool expired = false;
  bool spend(std::uint64_t w) {
    work += w;
    if (max_work > 0) return expired = expired || work >= max_work;
    if (((work >> 10) != ((work - w) >> 10)) || w >= 1024)
      expired = expired || LpClock::now() >= deadline;
    return expired;
  }
};

// Pricing: maximise sum of profits over items that fit together in one bin (d-dimensional
// 0-1 knapsack), depth-first with the best of the per-dimension fractional (Dantzig) bounds.
class Pricing {
 public:
  // `floor`: only patterns worth more than this are of interest (1 for column generation:
  // the greedy pricing already failed); it prunes most of the tree.
  // `to_prove`: the search is expected to run to the end, to prove that no pattern is worth
  // more than `floor`. It then branches in the order of, and bounds also with, a Lagrangian
  // surrogate (below): new class 6, 60 items, d = 3: the LP converges in 0.4 s instead of
  // 3 s. A truncated search (quick pricing, dives) keeps the normalised-sum order: it is there
  // to find a good pattern early, and with the Lagrangian order it found worse ones (120
  // items: 5 of 360 instances one bin worse after the dives, none better).
  Pricing(const Instance& in, const std::vector<double>& profit, double floor,
          std::uint64_t max_nodes, LpBudget& budget, bool to_prove)
      : in_(in), d_(in.dims), max_nodes_(max_nodes), budget_(budget), best_(floor) {
    profit_ = profit;
    // Surrogate dimension: the sum of the normalised sizes; its Dantzig bound is often
    // tighter than any single dimension's when items are large in different dimensions.
    norm_.assign(in.item_count(), 0.0);
    std::vector<std::size_t> positive;
    for (std::size_t i = 0; i < in.item_count(); ++i) {
      if (profit[i] <= 1e-9) continue;
      positive.push_back(i);
      for (std::size_t k = 0; k < d_; ++k)
        norm_[i] += double(in.sizes[i * d_ + k]) / double(in.capacity[k]);
    }
    by_norm_ = by_efficiency(positive, [&](std::size_t i) { return norm_[i]; });
    by_dim_.assign(d_, {});
    for (std::size_t k = 0; k < d_; ++k) {
      by_dim_[k] =
          by_efficiency(by_norm_, [&](std::size_t i) { return double(in.sizes[i * d_ + k]); });
    }
    room_ = in.capacity;
    fit_.assign(in.item_count(), 0);
    // Branching order: the normalised sum's, or the Lagrangian surrogate's when proving.
    cand_ = to_prove ? lagrangian_surrogate() : by_norm_;
    rank_.assign(in.item_count(), 0);
    for (std::size_t r = 0; r < cand_.size(); ++r) rank_[cand_[r]] = r;
  }

  // `order` stably sorted by profit per unit of `weight`, descending (weight 0 counts as
  // infinitely efficient): the Dantzig order of that constraint.
  template <class Weight>
  std::vector<std::size_t> by_efficiency(std::vector<std::size_t> order, Weight weight) const {
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return profit_[a] * weight(b) > profit_[b] * weight(a);
    });
    return order;
  }

  // A second surrogate dimension with multipliers that (nearly) minimise the Lagrangian bound
  // g(l) = sum_k l_k C_k + sum_i max(0, p_i - sum_k l_k w_ik) of the knapsack's LP, found by
  // coordinate descent (exact line search: g is convex and piecewise linear in each l_k). At
  // the minimum the surrogate's Dantzig bound equals the LP bound with all d constraints, where
  // each single dimension's (and the plain normalised sum's) drops most of them.
  // Returns the items in its Dantzig order.
  std::vector<std::size_t> lagrangian_surrogate() {
    constexpr int kSweeps = 4;  // the bound barely moves after the third
    lam_.assign(d_, 0.0);
    std::vector<std::pair<double, double>> breaks;  // (l_k at which item i drops out, w_ik)
    detail::add_work(detail::kWorkScan * kSweeps * d_ * by_norm_.size() * (d_ + 4));
    for (int sweep = 0; sweep < kSweeps; ++sweep) {
      for (std::size_t k = 0; k < d_; ++k) {
        double slope = double(in_.capacity[k]);
        breaks.clear();
        for (std::size_t i : by_norm_) {
          double ai = profit_[i];
          for (std::size_t j = 0; j < d_; ++j) {
            if (j != k) ai -= lam_[j] * double(in_.sizes[i * d_ + j]);
          }
          const double w = double(in_.sizes[i * d_ + k]);
          if (ai <= 0 || w <= 0) continue;
          slope -= w;
          breaks.push_back({ai / w, w});
        }
        // g's slope in l_k is C_k minus the k-sizes of the items still in the sum: raise l_k
        // until enough items have dropped out for it to turn non-negative.
        double best = 0;
        if (slope < 0) {
          std::sort(breaks.begin(), breaks.end());
          for (auto [t, w] : breaks) {
            slope += w;
            best = t;
            if (slope >= 0) break;
          }
        }
        lam_[k] = best;
      }
    }
    lam_w_.assign(in_.item_count(), 0.0);
    for (std::size_t i : by_norm_) {
      for (std::size_t k = 0; k < d_; ++k) lam_w_[i] += lam_[k] * double(in_.sizes[i * d_ + k]);
    }
    return by_efficiency(by_norm_, [&](std::size_t i) { return lam_w_[i]; });
  }

  /// Returns false when stopped by the node limit or budget (best_ is then a lower estimate).
  bool run() {
    dfs(0, 0.0);
    return !aborted_;
  }
  double best() const { return best_; }
  std::uint64_t nodes() const { return nodes_; }
  const std::vector<std::size_t>& pattern() const { return best_pattern_; }

 private:
  bool fits(std::size_t i) const {
    for (std::size_t k = 0; k < d_; ++k) {
      if (in_.sizes[i * d_ + k] > room_[k]) return false;
    }
    return true;
  }

  // Dantzig bound of one constraint (a dimension or a surrogate): the undecided items that
  // still fit, in `order` (profit per unit of `weight`, descending), until `room` runs out, the
  // last one fractionally.
  template <class Weight>
  double dantzig(const std::vector<std::size_t>& order, std::size_t pos, double room,
                 Weight weight) const {
    double b = 0;
    for (std::size_t i : order) {
      if (rank_[i] < pos || !fit_[i]) continue;
      const double w = weight(i);
      if (w <= room) {
        room -= w;
        b += profit_[i];
      } else {
        b += profit_[i] * room / w;
        break;
      }
    }
    return b;
  }

  // Minimum of the Dantzig bounds of each dimension, of the normalised-sum surrogate and (when
  // proving) of the Lagrangian surrogate, over the undecided items that still fit on their own.
  double bound(std::size_t pos) {
    for (std::size_t r = pos; r < cand_.size(); ++r) fit_[cand_[r]] = fits(cand_[r]);
    double best = 1e300;
    for (std::size_t k = 0; k < d_; ++k) {
      best = std::min(best, dantzig(by_dim_[k], pos, double(room_[k]),
                                    [&](std::size_t i) { return double(in_.sizes[i * d_ + k]); }));
    }
    double rem = 0;
    for (std::size_t k = 0; k < d_; ++k) rem += double(room_[k]) / double(in_.capacity[k]);
    best = std::min(best, dantzig(by_norm_, pos, rem, [&](std::size_t i) { return norm_[i]; }));
    if (!lam_.empty()) {
      double lrem = 0;
      for (std::size_t k = 0; k < d_; ++k) lrem += lam_[k] * double(room_[k]);
      // cand_ is in this surrogate's Dantzig order when it exists.
      best = std::min(best, dantzig(cand_, pos, lrem, [&](std::size_t i) { return lam_w_[i]; }));
    }
    return best;
  }

  void dfs(std::size_t pos, double value) {
    if (aborted_) return;
    // Work clock: bound() looks at each undecided item once per dimension, once for the fit and
    // once per surrogate.
    detail::add_work(detail::kWorkNode +
                     detail::kWorkFillItem * (cand_.size() - pos) * (d_ + (lam_.empty() ? 1 : 2)));
    if (++nodes_ > max_nodes_ || budget_.spend(1)) {
      aborted_ = true;
      return;
    }
    if (value > best_ + 1e-12) {
      best_ = value;
      best_pattern_ = current_;
    }
    if (pos == cand_.size()) return;
    if (value + bound(pos) <= best_ + 1e-9) return;
    // Skip to the next item that still fits; the ones in between are excluded.
    std::size_t p = pos;
    while (p < cand_.size() && !fits(cand_[p])) ++p;
    if (p == cand_.size()) return;
    const std::size_t i = cand_[p];
    for (std::size_t k = 0; k < d_; ++k) room_[k] -= in_.sizes[i * d_ + k];
    current_.push_back(i);
    dfs(p + 1, value + profit_[i]);
    current_.pop_back();
    for (std::size_t k = 0; k < d_; ++k) room_[k] += in_.sizes[i * d_ + k];
    dfs(p + 1, value);
  }

  const Instance& in_;
  std::size_t d_;
  std::uint64_t max_nodes_;
  LpBudget& budget_;
  std::vector<double> profit_;
  std::vector<std::size_t> cand_, rank_, current_, best_pattern_;
  std::vector<std::vector<std::size_t>> by_dim_;
  std::vector<Size> room_;
  std::vector<double> norm_, lam_, lam_w_;
  std::vector<std::size_t> by_norm_;
  std::vector<char> fit_;
  std::uint64_t nodes_ = 0;
  double best_;
  bool aborted_ = false;
};

// Best of a few first-fit constructions over the items with positive profit, in order of
// profit per normalised size (max, sum and plain profit).
std::vector<std::size_t> greedy_pattern(const Instance& in, const std::vector<double>& profit) {
  const std::size_t d = in.dims;
  std::vector<std::size_t> cand;
  for (std::size_t i = 0; i < in.item_count(); ++i) {
    if (profit[i] > 1e-9) cand.push_back(i);
  }
  std::vector<std::size_t> best;
  double best_value = 0;
  std::vector<double> key(in.item_count(), 0.0);
  std::vector<Size> room(d);
  std::vector<std::size_t> order, pattern;
  for (int rule = 0; rule < 3; ++rule) {
    for (std::size_t i : cand) {
      double mx = 0, sum = 0;
      for (std::size_t k = 0; k < d; ++k) {
        const double w = double(in.sizes[i * d + k]) / double(in.capacity[k]);
        mx = std::max(mx, w);
        sum += w;
      }
      key[i] = rule == 0   ? profit[i] / std::max(mx, 1e-9)
               : rule == 1 ? profit[i] / std::max(sum, 1e-9)
                           : profit[i];
    }
    order = cand;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return key[a] > key[b]; });
    room = in.capacity;
    pattern.clear();
    double value = 0;
    for (std::size_t i : order) {
      bool ok = true;
      for (std::size_t k = 0; k < d && ok; ++k) ok = in.sizes[i * d + k] <= room[k];
      if (!ok) continue;
      for (std::size_t k = 0; k < d; ++k) room[k] -= in.sizes[i * d + k];
      pattern.push_back(i);
      value += profit[i];
    }
    if (value > best_value) {
      best_value = value;
      best = pattern;
    }
  }
  return best;
}

// Revised simplex on min sum x_p, A x - s = 1, x, s >= 0 with an explicit dense basis inverse
// (n x n; n is the item count). Variables: columns_[v] for v < columns_.size(); the surplus of
// row i is encoded as kSurplus + i.
class Master {
 public:
  static constexpr std::size_t kSurplus = std::size_t{1} << 40;

  explicit Master(std::size_t n) : n_(n), binv_(n * n, 0.0), xb_(n, 1.0), basis_(n) {
    for (std::size_t i = 0; i < n; ++i) {
      columns_.push_back({i});  // singleton patterns: B = I, x = 1
      basis_[i] = i;
      binv_[i * n + i] = 1.0;
    }
  }

  std::vector<std::vector<std::size_t>> columns_;

  std::vector<double> duals() const {
    std::vector<double> y(n_, 0.0);
    for (std::size_t r = 0; r < n_; ++r) {
      if (basis_[r] >= kSurplus) continue;
      for (std::size_t j = 0; j < n_; ++j) y[j] += binv_[r * n_ + j];
    }
    return y;
  }

  double value() const {
    double v = 0;
    for (std::size_t r = 0; r < n_; ++r) {
      if (basis_[r] < kSurplus) v += xb_[r];
    }
    return v;
  }

  std::vector<double> column_values() const {
    std::vector<double> x(columns_.size(), 0.0);
    for (std::size_t r = 0; r < n_; ++r) {
      if (basis_[r] < kSurplus) x[basis_[r]] += std::max(0.0, xb_[r]);
    }
    return x;
  }

  /// Pivots variable v into the basis. False when the LP looks unbounded (numerical trouble).
  bool enter(std::size_t v) {
    std::vector<double> dcol(n_, 0.0);
    if (v >= kSurplus) {
      const std::size_t i = v - kSurplus;
      for (std::size_t r = 0; r < n_; ++r) dcol[r] = -binv_[r * n_ + i];
    } else {
      for (std::size_t r = 0; r < n_; ++r) {
        double s = 0;
        for (std::size_t i : columns_[v]) s += binv_[r * n_ + i];
        dcol[r] = s;
      }
    }
    std::size_t leave = n_;
    double best_t = 0, best_d = 0;
    for (std::size_t r = 0; r < n_; ++r) {
      if (dcol[r] <= 1e-9) continue;
      const double t = std::max(0.0, xb_[r]) / dcol[r];
      // Smallest ratio; ties to the largest pivot element for stability.
      if (leave == n_ || t < best_t - 1e-12 || (t <= best_t + 1e-12 && dcol[r] > best_d)) {
        leave = r;
        best_t = t;
        best_d = dcol[r];
      }
    }
    if (leave == n_) return false;
    const double piv = dcol[leave];
    double* prow = &binv_[leave * n_];
    for (std::size_t j = 0; j < n_; ++j) prow[j] /= piv;
    for (std::size_t r = 0; r < n_; ++r) {
      if (r == leave || dcol[r] == 0.0) continue;
      const double f = dcol[r];
      double* row = &binv_[r * n_];
      for (std::size_t j = 0; j < n_; ++j) row[j] -= f * prow[j];
      xb_[r] -= f * best_t;
    }
    xb_[leave] = best_t;
    basis_[leave] = v;
    if (++pivots_since_refactor_ >= 64) refactor();
    return true;
  }

  std::size_t n() const { return n_; }

 private:
  // Recomputes B^-1 and x_B from scratch (Gauss-Jordan) to stop rounding drift.
  void refactor() {
    pivots_since_refactor_ = 0;
    std::vector<double> b(n_ * n_, 0.0), inv(n_ * n_, 0.0);
    std::uint64_t updated_rows = 0;
    for (std::size_t r = 0; r < n_; ++r) {
      const std::size_t v = basis_[r];
      if (v >= kSurplus) {
        b[(v - kSurplus) * n_ + r] = -1.0;
      } else {
        for (std::size_t i : columns_[v]) b[i * n_ + r] = 1.0;
      }
      inv[r * n_ + r] = 1.0;
    }
    for (std::size_t c = 0; c < n_; ++c) {
      std::size_t p = c;
      for (std::size_t r = c + 1; r < n_; ++r) {
        if (std::fabs(b[r * n_ + c]) > std::fabs(b[p * n_ + c])) p = r;
      }
      if (std::fabs(b[p * n_ + c]) < 1e-12) return;  // singular: keep the updated inverse
      if (p != c) {
        for (std::size_t j = 0; j < n_; ++j) {
          std::swap(b[p * n_ + j], b[c * n_ + j]);
          std::swap(inv[p * n_ + j], inv[c * n_ + j]);
        }
      }
      const double f = b[c * n_ + c];
      for (std::size_t j = 0; j < n_; ++j) {
        b[c * n_ + j] /= f;
        inv[c * n_ + j] /= f;
      }
      for (std::size_t r = 0; r < n_; ++r) {
        if (r == c) continue;
        const double g = b[r * n_ + c];
        if (g == 0.0) continue;
        ++updated_rows;
        for (std::size_t j = 0; j < n_; ++j) {
          b[r * n_ + j] -= g * b[c * n_ + j];
          inv[r * n_ + j] -= g * inv[c * n_ + j];
        }
      }
    }
    detail::add_work(detail::kWorkLpCell * (2 * updated_rows + n_) * n_ / 3);
    binv_ = std::move(inv);
    for (std::size_t r = 0; r < n_; ++r) {
      double s = 0;
      for (std::size_t j = 0; j < n_; ++j) s += binv_[r * n_ + j];
      xb_[r] = s;
    }
  }

  std::size_t n_;
  std::vector<double> binv_, xb_;
  std::vector<std::size_t> basis_;
  std::size_t pivots_since_refactor_ = 0;
};

}  // namespace

BestPattern best_pattern(const Instance& in, const std::vector<double>& profit,
                         std::uint64_t max_nodes) {
  LpBudget budget{0, LpClock::time_point::max(), 0, false};
  Pricing pricing(in, profit, 0.0, max_nodes, budget, true);
  BestPattern out;
  out.exact = pricing.run();
  out.value = pricing.best();
  out.items = pricing.pattern();
  return out;
}

LpResult lp_bound(const Instance& in, const LpOptions& o,
                  const std::vector<std::vector<std::size_t>>& seed_columns) {
  constexpr std::uint64_t kQuickPricing = 2000;
  LpResult out;
  const std::size_t n = in.item_count();
  if (n == 0) return out;
  if (std::any_of(in.sizes.begin(), in.sizes.end(), [](Size x) { return x < 0; })) return out;
  LpBudget budget{o.max_work,
                  LpClock::now() + std::chrono::duration_cast<LpClock::duration>(
                                       std::chrono::duration<double>(std::max(0.0, o.time_limit))),
                  0, false};
  Master master(n);
  for (const auto& c : seed_columns) {
    if (c.size() > 1) master.columns_.push_back(c);
  }
  // Bound with a margin for floating-point error in the duals: only a value clearly above
  // an integer raises the bound past it.
  auto bound_of = [](double v) { return static_cast<std::size_t>(std::ceil(v - 1e-6)); };
  std::size_t stale = 0;
  while (!budget.spend(n)) {
    // Work clock (cpu_clock.hpp): the dual and pivot updates touch B^-1 (n x n) a few times.
    detail::add_work(detail::kWorkLpCell * n * n + detail::kWorkScan * master.columns_.size());
    const std::vector<double> y = master.duals();
    // Surplus columns first (a negative dual), then the pool, then the pricing problem.
    std::size_t enter = kUnassigned;
    double most = -1e-9;
    for (std::size_t i = 0; i < n; ++i) {
      if (y[i] < most) {
        most = y[i];
        enter = Master::kSurplus + i;
      }
    }
    if (enter == kUnassigned) {
      for (std::size_t c = 0; c < master.columns_.size(); ++c) {
        double rc = 1.0;
        for (std::size_t i : master.columns_[c]) rc -= y[i];
        if (rc < most) {
          most = rc;
          enter = c;
        }
      }
      budget.spend(master.columns_.size());
    }
    if (enter == kUnassigned) {
      // Greedy pricing first: usually finds an improving pattern at a fraction of the cost
      // of the exact knapsack, which is then only needed to prove that none is left.
      std::vector<std::size_t> pattern = greedy_pattern(in, y);
      double worth = 0;
      for (std::size_t i : pattern) worth += y[i];
      budget.spend(n * in.dims);
      if (worth > 1.0 + 1e-6) {
        master.columns_.push_back(std::move(pattern));
        enter = master.columns_.size() - 1;
      }
    }
    // A pricing with more nodes than the quick one is there to prove convergence (and is
    // preceded by the quick one, which finds patterns).
    const bool complete_pricing = o.max_pricing_nodes > kQuickPricing;
    if (enter == kUnassigned && complete_pricing) {
      // A short truncated knapsack search next: its depth-first order finds a good pattern
      // early, and most of the exact search's time goes into proving nothing better exists.
      Pricing quick(in, y, 1.0, kQuickPricing, budget, false);
      quick.run();
      if (quick.best() > 1.0 + 1e-6) {
        master.columns_.push_back(quick.pattern());
        enter = master.columns_.size() - 1;
      }
    }
    if (enter == kUnassigned) {
      Pricing pricing(in, y, 1.0, o.max_pricing_nodes, budget, complete_pricing);
      const bool exact = pricing.run();
      double ysum = 0;
      for (double v : y) ysum += std::max(0.0, v);
      if (exact) {
        const double farley = ysum / std::max(1.0, pricing.best());
        if (farley > out.farley) out.farley = farley;
        out.bound = std::max(out.bound, bound_of(out.farley));
        if (pricing.best() <= 1.0 + 1e-9) {
          out.converged = true;
          break;
        }
      }
      if (o.target > 0 && out.bound >= o.target) break;
      if (pricing.best() <= 1.0 + 1e-9) break;  // inexact and nothing found: give up
      master.columns_.push_back(pricing.pattern());
      enter = master.columns_.size() - 1;
    }
    const double before = master.value();
    if (!master.enter(enter)) break;
    if (o.stop_when_target_unreachable && o.target > 0 && bound_of(master.value()) < o.target)
      break;
    // Degenerate pivots do not lower the value; a long run of them means stalling.
    stale = master.value() < before - 1e-9 ? 0 : stale + 1;
    if (stale > 50 * n + 1000) break;
  }
  out.value = master.value();
  out.columns = master.columns_;
  out.x = master.column_values();
  out.work = budget.work;
  return out;
}

}  // namespace berth::pack
