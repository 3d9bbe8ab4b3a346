#include "berth/pack/bounds.hpp"

#include <algorithm>
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
      if (key < d) return static_cast<double>(in.sizes[i * d + key]) / static_cast<double>(in.capacity[key]);
      double m = 0;
      for (std::size_t k = 0; k < d; ++k) {
        m = std::max(m, static_cast<double>(in.sizes[i * d + k]) / static_cast<double>(in.capacity[k]));
      }
      return m;
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return score(a) > score(b); });
    std::vector<std::size_t> clique;
    for (std::size_t i : order) {
      if (std::all_of(clique.begin(), clique.end(), [&](std::size_t c) { return conflict(i, c); })) {
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

}  // namespace berth::pack
