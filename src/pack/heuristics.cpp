#include "berth/pack/heuristics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "cpu_clock.hpp"

namespace berth::pack {
namespace {

// Loads of open bins, with exact integer fit checks.
class Bins {
 public:
  explicit Bins(const Instance& in) : in_(in), d_(in.dims) {}
  std::size_t count() const { return load_.size() / d_; }
  bool fits(std::size_t b, std::size_t item) const {
    const Size* l = &load_[b * d_];
    const Size* s = &in_.sizes[item * d_];
    for (std::size_t k = 0; k < d_; ++k) {
      if (l[k] + s[k] > in_.capacity[k]) return false;
    }
    return true;
  }
  std::size_t open() {
    load_.resize(load_.size() + d_, 0);
    return count() - 1;
  }
  void add(std::size_t b, std::size_t item) {
    for (std::size_t k = 0; k < d_; ++k) load_[b * d_ + k] += in_.sizes[item * d_ + k];
  }
  // Normalised remaining room of bin b in dimension k.
  double room(std::size_t b, std::size_t k) const {
    return static_cast<double>(in_.capacity[k] - load_[b * d_ + k]) /
           static_cast<double>(in_.capacity[k]);
  }

 private:
  const Instance& in_;
  std::size_t d_;
  std::vector<Size> load_;
};

double norm(const Instance& in, std::size_t item, std::size_t k) {
  return static_cast<double>(in.sizes[item * in.dims + k]) / static_cast<double>(in.capacity[k]);
}

std::vector<std::size_t> sorted_items(const Instance& in, Measure m) {
  std::vector<double> key(in.item_count());
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = measure_of(in, in.item(i), m);
  std::vector<std::size_t> order(in.item_count());
  std::iota(order.begin(), order.end(), 0);
  // Stable so that equal items keep file order: results are reproducible everywhere.
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return key[a] > key[b]; });
  return order;
}

double reduce(const std::vector<double>& v, Measure m) {
  double out = m == Measure::product ? 1.0 : 0.0;
  for (double x : v) {
    switch (m) {
      case Measure::max:
        out = std::max(out, x);
        break;
      case Measure::sum:
        out += x;
        break;
      case Measure::l2:
        out += x * x;
        break;
      case Measure::product:
        out *= x;
        break;
    }
  }
  return m == Measure::l2 ? std::sqrt(out) : out;
}

// Bin-centric filling shared by the two Panigrahy rules: `score(bin, item)` is maximised.
template <typename Score>
Solution bin_centric(const Instance& in, Score score) {
  const std::size_t n = in.item_count();
  Solution sol{std::vector<std::size_t>(n, kUnassigned), 0};
  Bins bins(in);
  std::vector<std::size_t> left = sorted_items(in, Measure::sum);
  while (!left.empty()) {
    const std::size_t b = bins.open();
    while (true) {
      std::size_t pick = left.size();
      double best = -std::numeric_limits<double>::infinity();
      for (std::size_t p = 0; p < left.size(); ++p) {
        if (!bins.fits(b, left[p])) continue;
        const double s = score(bins, b, left[p]);
        if (s > best) {
          best = s;
          pick = p;
        }
      }
      if (pick == left.size()) break;
      bins.add(b, left[pick]);
      sol.bin_of[left[pick]] = b;
      left.erase(left.begin() + static_cast<std::ptrdiff_t>(pick));
    }
  }
  sol.bins = bins.count();
  return sol;
}

// Item-centric placement: `choose(bins, item)` returns a bin or bins.count() for "open one".
template <typename Choose>
Solution item_centric(const Instance& in, const std::vector<std::size_t>& order, Choose choose) {
  Solution sol{std::vector<std::size_t>(in.item_count(), kUnassigned), 0};
  Bins bins(in);
  for (std::size_t i : order) {
    std::size_t b = choose(bins, i);
    if (b >= bins.count()) b = bins.open();
    bins.add(b, i);
    sol.bin_of[i] = b;
  }
  sol.bins = bins.count();
  return sol;
}

}  // namespace

double measure_of(const Instance& in, std::span<const Size> v, Measure m) {
  std::vector<double> x(in.dims);
  for (std::size_t k = 0; k < in.dims; ++k)
    x[k] = static_cast<double>(v[k]) / static_cast<double>(in.capacity[k]);
  return reduce(x, m);
}

Solution first_fit_decreasing(const Instance& in, Measure m) {
  return item_centric(in, sorted_items(in, m), [](const Bins& bins, std::size_t i) {
    for (std::size_t b = 0; b < bins.count(); ++b) {
      if (bins.fits(b, i)) return b;
    }
    return bins.count();
  });
}

Solution best_fit_decreasing(const Instance& in, Measure m) {
  std::vector<double> room(in.dims);
  return item_centric(in, sorted_items(in, m), [&](const Bins& bins, std::size_t i) {
    std::size_t best_bin = bins.count();
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t b = 0; b < bins.count(); ++b) {
      if (!bins.fits(b, i)) continue;
      for (std::size_t k = 0; k < in.dims; ++k) room[k] = bins.room(b, k) - norm(in, i, k);
      const double left = reduce(room, m == Measure::product ? Measure::sum : m);
      if (left < best) {
        best = left;
        best_bin = b;
      }
    }
    return best_bin;
  });
}

Solution dot_product_fit(const Instance& in) {
  return bin_centric(in, [&](const Bins& bins, std::size_t b, std::size_t i) {
    double s = 0;
    for (std::size_t k = 0; k < in.dims; ++k) s += norm(in, i, k) * bins.room(b, k);
    return s;
  });
}

Solution norm_difference_fit(const Instance& in) {
  return bin_centric(in, [&](const Bins& bins, std::size_t b, std::size_t i) {
    double s = 0;
    for (std::size_t k = 0; k < in.dims; ++k) {
      const double diff = bins.room(b, k) - norm(in, i, k);
      s += diff * diff;
    }
    return -s;
  });
}

Solution drf_fit(const Instance& in) {
  return item_centric(in, sorted_items(in, Measure::max), [&](const Bins& bins, std::size_t i) {
    std::size_t best_bin = bins.count();
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t b = 0; b < bins.count(); ++b) {
      if (!bins.fits(b, i)) continue;
      // Spread between the fullest and emptiest dimension after placing: DRF keeps dominant
      // shares level; here a level bin strands the least capacity. Ties go to fuller bins.
      double lo = 2, hi = -1, used = 0;
      for (std::size_t k = 0; k < in.dims; ++k) {
        const double u = 1.0 - bins.room(b, k) + norm(in, i, k);
        lo = std::min(lo, u);
        hi = std::max(hi, u);
        used += u;
      }
      const double score = (hi - lo) - 1e-3 * used;
      if (score < best) {
        best = score;
        best_bin = b;
      }
    }
    return best_bin;
  });
}

Solution min_bin_slack(const Instance& in, bool squared, std::uint64_t nodes_per_bin) {
  const std::size_t n = in.item_count();
  const std::size_t d = in.dims;
  std::vector<double> w(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < d; ++k) {
      const double x = std::max(0.0, norm(in, i, k));
      w[i] += squared ? x * x : x;
    }
  }
  std::vector<std::size_t> rem(n);
  std::iota(rem.begin(), rem.end(), 0);
  std::stable_sort(rem.begin(), rem.end(),
                   [&](std::size_t a, std::size_t b) { return w[a] > w[b]; });
  Solution sol{std::vector<std::size_t>(n, kUnassigned), 0};
  std::vector<Size> load(d);
  std::vector<std::size_t> cur, best_set;
  std::vector<bool> taken;
  while (!rem.empty()) {
    const std::size_t first = rem.front();
    for (std::size_t k = 0; k < d; ++k) load[k] = in.sizes[first * d + k];
    cur.assign(1, 0);
    best_set = cur;
    double best_val = w[first];
    std::uint64_t nodes = 0, scanned = 0;
    auto dfs = [&](auto& self, std::size_t pos, double val) -> void {
      ++nodes;
      if (val > best_val + 1e-12) {
        best_val = val;
        best_set = cur;
      }
      for (std::size_t p = pos; p < rem.size() && nodes < nodes_per_bin; ++p) {
        ++scanned;
        const std::size_t i = rem[p];
        bool fits = true;
        for (std::size_t k = 0; k < d && fits; ++k)
          fits = load[k] + in.sizes[i * d + k] <= in.capacity[k];
        if (!fits) continue;
        for (std::size_t k = 0; k < d; ++k) load[k] += in.sizes[i * d + k];
        cur.push_back(p);
        self(self, p + 1, val + w[i]);
        cur.pop_back();
        for (std::size_t k = 0; k < d; ++k) load[k] -= in.sizes[i * d + k];
      }
    };
    dfs(dfs, 1, best_val);
    detail::add_work(detail::kWorkNode * nodes + detail::kWorkFillItem * scanned);
    taken.assign(rem.size(), false);
    for (std::size_t p : best_set) {
      taken[p] = true;
      sol.bin_of[rem[p]] = sol.bins;
    }
    ++sol.bins;
    std::size_t out = 0;
    for (std::size_t p = 0; p < rem.size(); ++p) {
      if (!taken[p]) rem[out++] = rem[p];
    }
    rem.resize(out);
  }
  return sol;
}

}  // namespace berth::pack
