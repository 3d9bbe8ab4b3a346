#include "berth/pack/search.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "berth/pack/heuristics.hpp"
#include "cpu_clock.hpp"

namespace berth::pack {
namespace {

using Clock = detail::CpuClock;

// Tuning (measured on samples of all classes, see docs/pack.md): ejecting an item that fits
// outright in another bin costs this fraction of its weight; it applies while items x bins is
// below kRehomeLimit, beyond which the extra scan costs more iterations than it saves.
constexpr double kRehomeFactor = 0.5;
constexpr std::size_t kRehomeLimit = 20000;
// A repair that has not reduced the loose volume for this many iterations (+ per item)
// restarts from the best packing with another bin emptied.
constexpr std::uint64_t kStallBase = 2000;
// Each ejection makes an item a little dearer to eject again (by this fraction of its size):
// without it the repair cycles on instances whose items are large in one dimension each.
constexpr double kBump = 0.05;
constexpr std::uint64_t kStallPerItem = 20;

// Iteration or wall-clock budget. With an iteration limit the clock is never read, which is
// what makes seeded runs reproducible.
class Budget {
 public:
  Budget(double seconds, std::uint64_t max_iterations)
      : max_iterations_(max_iterations),
        deadline_(Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(std::max(0.0, seconds)))) {}
  bool exhausted(std::uint64_t iteration) {
    if (max_iterations_ > 0) return iteration >= max_iterations_;
    if ((iteration & 31) == 0) expired_ = Clock::now() >= deadline_;
    return expired_;
  }

 private:
  std::uint64_t max_iterations_;
  Clock::time_point deadline_;
  bool expired_ = false;
};

// A set of items to take out of a bin, and what that costs.
struct Ejection {
  double cost = std::numeric_limits<double>::infinity();
  std::size_t bin = kUnassigned;
  std::size_t count = 0;
  std::size_t items[8] = {};
};

class Cns {
 public:
  Cns(const Instance& in, std::uint64_t seed)
      : in_(in),
        d_(in.dims),
        n_(in.item_count()),
        rng_(seed),
        base_(n_),
        weight_(n_),
        protect_(n_, 0),
        banned_bin_(n_, kUnassigned),
        banned_until_(n_, 0),
        where_(n_, kUnassigned),
        pool_pos_(n_, kUnassigned) {
    for (std::size_t i = 0; i < n_; ++i) {
      base_[i] = measure_of(in, in.item(i), Measure::sum) / static_cast<double>(d_) + 1e-6;
      weight_[i] = base_[i];
    }
  }

  // Loads `sol` and empties one bin (the lightest, or a random one), leaving sol.bins - 1.
  void start_from(const Solution& sol, bool random_bin) {
    rehome_ = n_ * sol.bins <= kRehomeLimit;
    for (std::size_t i = 0; i < n_; ++i) {
      weight_[i] = base_[i];
      protect_[i] = 0;
      banned_bin_[i] = kUnassigned;
    }
    k_ = sol.bins;
    load_.assign(k_ * d_, 0);
    members_.assign(k_, {});
    pool_.clear();
    std::fill(where_.begin(), where_.end(), kUnassigned);
    std::fill(pool_pos_.begin(), pool_pos_.end(), kUnassigned);
    for (std::size_t i = 0; i < n_; ++i) insert(i, sol.bin_of[i]);
    drop_bin(random_bin);
  }

  // Removes the bin whose items weigh least (they are the easiest to re-home), or a random one
  // (after a stall, to look elsewhere).
  void drop_bin(bool random_bin) {
    std::size_t drop = 0;
    double lightest = std::numeric_limits<double>::infinity();
    for (std::size_t b = 0; b < k_; ++b) {
      double w = 0;
      for (std::size_t i : members_[b]) w += weight_[i];
      if (w < lightest) {
        lightest = w;
        drop = b;
      }
    }
    if (random_bin) drop = rng_() % k_;
    const std::vector<std::size_t> items = members_[drop];
    for (std::size_t i : items) eject(i);
    // Move the last bin into the dropped slot so bins stay 0..k-2.
    const std::size_t last = k_ - 1;
    if (drop != last) {
      for (std::size_t i : members_[last]) where_[i] = drop;
      members_[drop] = std::move(members_[last]);
      std::copy_n(load_.begin() + static_cast<std::ptrdiff_t>(last * d_), d_,
                  load_.begin() + static_cast<std::ptrdiff_t>(drop * d_));
    }
    for (std::size_t i = 0; i < n_; ++i) {
      if (banned_bin_[i] == drop || banned_bin_[i] == last) banned_bin_[i] = kUnassigned;
    }
    members_.pop_back();
    load_.resize(last * d_);
    k_ = last;
    pack_pool(0);
  }

  bool complete() const { return pool_.empty(); }
  /// Total base weight of the loose items: the progress measure for stall detection.
  double loose() const {
    double w = 0;
    for (std::size_t i : pool_) w += base_[i];
    return w;
  }
  std::size_t bins() const { return k_; }

  Solution solution() const {
    Solution s{where_, k_};
    return s;
  }

  // One consistent-neighbourhood move: a loose item goes in, the cheapest conflicting items
  // of one bin come out.
  void step(std::uint64_t iter) {
    // Work clock (cpu_clock.hpp): the step itself, the pool scans and the fit checks made
    // since the last step.
    detail::add_work(detail::kWorkCnsStep + detail::kWorkScan * pool_.size() +
                     detail::kWorkFit * fit_checks_);
    fit_checks_ = 0;
    const std::size_t i = pool_[rng_() % pool_.size()];
    Ejection best;
    std::size_t ties = 0;
    const std::size_t offset = rng_() % k_;
    for (std::size_t t = 0; t < k_; ++t) {
      const std::size_t b = (t + offset) % k_;
      if (banned_bin_[i] == b && banned_until_[i] > iter) continue;
      Ejection e;
      e.bin = b;
      if (!cheapest_ejection(i, b, iter, e)) continue;
      if (e.cost < best.cost - 1e-12) {
        best = e;
        ties = 1;
      } else if (e.cost <= best.cost + 1e-12 && rng_() % (++ties) == 0) {
        best = e;
      }
      if (best.count == 0) break;  // a direct fit: nothing is cheaper
    }
    if (best.bin == kUnassigned) return;  // every bin is tabu or protected for i: it waits
    const std::uint64_t tenure = 3 + rng_() % 7;
    for (std::size_t e = 0; e < best.count; ++e) {
      const std::size_t j = best.items[e];
      eject(j);
      banned_bin_[j] = best.bin;
      banned_until_[j] = iter + tenure + 2 * pool_.size();
      weight_[j] += kBump * base_[j];
    }
    take_from_pool(i);
    insert(i, best.bin);
    protect_[i] = iter + tenure;
    pack_pool(iter);
  }

 private:
  mutable std::uint64_t fit_checks_ = 0;  // fits() calls not yet counted on the work clock
  bool fits(std::size_t i, std::size_t b) const {
    ++fit_checks_;
    const Size* l = &load_[b * d_];
    const Size* s = &in_.sizes[i * d_];
    for (std::size_t k = 0; k < d_; ++k) {
      if (l[k] + s[k] > in_.capacity[k]) return false;
    }
    return true;
  }

  // Finds the cheapest set of unprotected items of bin b whose removal lets item i fit:
  // every single item, every pair (for bins that are not crowded), and a greedy cover.
  bool cheapest_ejection(std::size_t i, std::size_t b, std::uint64_t iter, Ejection& out) {
    need_.clear();
    for (std::size_t k = 0; k < d_; ++k) {
      const Size over = load_[b * d_ + k] + in_.sizes[i * d_ + k] - in_.capacity[k];
      if (over > 0) need_.push_back({k, over});
    }
    if (need_.empty()) {
      detail::add_work(detail::kWorkCnsBin);
      out.cost = -1e-9 * static_cast<double>(members_[b].size());
      out.count = 0;
      return true;
    }
    cands_.clear();
    for (std::size_t j : members_[b]) {
      if (protect_[j] <= iter) cands_.push_back(j);
    }
    {
      // Work clock (cpu_clock.hpp): the bin and the candidate and pair scans (the rehoming
      // checks are counted as fit checks).
      const std::uint64_t c = cands_.size();
      detail::add_work(detail::kWorkCnsBin +
                       detail::kWorkCnsCand * (c + (c <= 24 ? c * c / 2 : 0)));
    }
    if (rehome_) {
      // An item that fits outright in another bin costs almost nothing to eject: this turns
      // eject-then-repack into a cheap two-bin move.
      for (std::size_t j : cands_) {
        eff_[j] = weight_[j];
        for (std::size_t c = 0; c < k_; ++c) {
          if (c != b && fits(j, c)) {
            eff_[j] = weight_[j] * kRehomeFactor;
            break;
          }
        }
      }
    } else {
      for (std::size_t j : cands_) eff_[j] = weight_[j];
    }
    auto covers1 = [&](std::size_t j) {
      for (auto [k, v] : need_) {
        if (in_.sizes[j * d_ + k] < v) return false;
      }
      return true;
    };
    auto covers2 = [&](std::size_t j, std::size_t l) {
      for (auto [k, v] : need_) {
        if (in_.sizes[j * d_ + k] + in_.sizes[l * d_ + k] < v) return false;
      }
      return true;
    };
    bool found = false;
    for (std::size_t j : cands_) {
      if (eff_[j] < out.cost && covers1(j)) {
        out.cost = eff_[j];
        out.count = 1;
        out.items[0] = j;
        found = true;
      }
    }
    if (cands_.size() <= 24) {
      for (std::size_t a = 0; a < cands_.size(); ++a) {
        for (std::size_t c = a + 1; c < cands_.size(); ++c) {
          const double w = eff_[cands_[a]] + eff_[cands_[c]];
          if (w < out.cost && covers2(cands_[a], cands_[c])) {
            out.cost = w;
            out.count = 2;
            out.items[0] = cands_[a];
            out.items[1] = cands_[c];
            found = true;
          }
        }
      }
    }
    if (!found) found = greedy_cover(out);
    return found;
  }

  // Adds items by best coverage per weight until the need is met (at most 8 items).
  bool greedy_cover(Ejection& out) {
    rest_ = need_;
    double cost = 0;
    std::size_t count = 0;
    std::size_t taken[8];
    std::vector<bool> used(cands_.size(), false);
    while (true) {
      bool done = true;
      for (auto [k, v] : rest_) done = done && v <= 0;
      if (done) break;
      if (count == 8) return false;
      double best_ratio = 0;
      std::size_t pick = cands_.size();
      for (std::size_t a = 0; a < cands_.size(); ++a) {
        if (used[a]) continue;
        double gain = 0;
        for (auto [k, v] : rest_) {
          if (v > 0) {
            gain += static_cast<double>(std::min(v, in_.sizes[cands_[a] * d_ + k])) /
                    static_cast<double>(in_.capacity[k]);
          }
        }
        const double ratio = gain / eff_[cands_[a]];
        if (ratio > best_ratio) {
          best_ratio = ratio;
          pick = a;
        }
      }
      detail::add_work(detail::kWorkCnsCand * cands_.size());
      if (pick == cands_.size()) return false;
      used[pick] = true;
      const std::size_t j = cands_[pick];
      for (auto& [k, v] : rest_) v -= in_.sizes[j * d_ + k];
      cost += eff_[j];
      taken[count++] = j;
    }
    if (cost >= out.cost) return false;
    out.cost = cost;
    out.count = count;
    std::copy_n(taken, count, out.items);
    return true;
  }

  // Puts loose items into bins where they fit outright (best fit: fullest bin afterwards).
  void pack_pool(std::uint64_t iter) {
    for (std::size_t p = 0; p < pool_.size();) {
      const std::size_t i = pool_[p];
      std::size_t best_bin = kUnassigned;
      double best_room = std::numeric_limits<double>::infinity();
      for (std::size_t b = 0; b < k_; ++b) {
        if (banned_bin_[i] == b && banned_until_[i] > iter) continue;
        if (!fits(i, b)) continue;
        double room = 0;
        for (std::size_t k = 0; k < d_; ++k) {
          room += static_cast<double>(in_.capacity[k] - load_[b * d_ + k] - in_.sizes[i * d_ + k]) /
                  static_cast<double>(in_.capacity[k]);
        }
        if (room < best_room) {
          best_room = room;
          best_bin = b;
        }
      }
      if (best_bin == kUnassigned) {
        ++p;
        continue;
      }
      take_from_pool(i);
      insert(i, best_bin);
      protect_[i] = iter + 1;
    }
  }

  void insert(std::size_t i, std::size_t b) {
    where_[i] = b;
    members_[b].push_back(i);
    for (std::size_t k = 0; k < d_; ++k) load_[b * d_ + k] += in_.sizes[i * d_ + k];
  }

  // Takes item i out of its bin into the pool.
  void eject(std::size_t i) {
    const std::size_t b = where_[i];
    auto& m = members_[b];
    m.erase(std::find(m.begin(), m.end(), i));
    for (std::size_t k = 0; k < d_; ++k) load_[b * d_ + k] -= in_.sizes[i * d_ + k];
    where_[i] = kUnassigned;
    pool_pos_[i] = pool_.size();
    pool_.push_back(i);
  }

  void take_from_pool(std::size_t i) {
    const std::size_t p = pool_pos_[i];
    pool_[p] = pool_.back();
    pool_pos_[pool_[p]] = p;
    pool_.pop_back();
    pool_pos_[i] = kUnassigned;
  }

  const Instance& in_;
  std::size_t d_, n_, k_ = 0;
  std::mt19937_64 rng_;
  std::vector<double> eff_ = std::vector<double>(n_, 0.0);  // weights as seen by one ejection
  bool rehome_ = false;
  std::vector<double> base_, weight_;
  std::vector<std::uint64_t> protect_;
  std::vector<std::size_t> banned_bin_;
  std::vector<std::uint64_t> banned_until_;
  std::vector<std::size_t> where_, pool_pos_, pool_;
  std::vector<Size> load_;
  std::vector<std::vector<std::size_t>> members_;
  std::vector<std::pair<std::size_t, Size>> need_, rest_;
  std::vector<std::size_t> cands_;
};

}  // namespace

Solution reduce_bins(const Instance& in, const Solution& start, std::size_t lower_bound,
                     const SearchOptions& options, SearchStats* stats) {
  Solution best = start;
  normalize(best);
  SearchStats local;
  local.start_bins = best.bins;
  Budget budget(options.time_limit, options.max_iterations);
  std::uint64_t iter = 0;
  if (best.bins > lower_bound && best.bins > 1) {
    Cns cns(in, options.seed);
    cns.start_from(best, false);
    // A stalled repair starts over from the best packing with a different bin emptied.
    const std::uint64_t stall_limit = kStallBase + kStallPerItem * in.item_count();
    double least_loose = cns.loose();
    std::uint64_t last_progress = 0;
    while (true) {
      if (cns.complete()) {
        best = cns.solution();
        if (best.bins <= lower_bound || best.bins <= 1) break;
        cns.drop_bin(false);
        least_loose = cns.loose();
        last_progress = iter;
        continue;
      }
      if (budget.exhausted(iter)) break;
      cns.step(iter);
      ++iter;
      const double loose = cns.loose();
      if (loose < least_loose - 1e-9) {
        least_loose = loose;
        last_progress = iter;
      } else if (iter - last_progress > stall_limit) {
        cns.start_from(best, true);
        least_loose = cns.loose();
        last_progress = iter;
      }
    }
  }
  local.iterations = iter;
  local.final_bins = best.bins;
  if (stats) *stats = local;
  return best;
}

namespace {

// Depth-first search over exact bin completions for instances where `bins` bins have no
// slack in the dimensions `tight_`: each bin then has to be filled exactly there. Bins are
// filled one at a time, each opened with the largest unassigned item (bins are symmetric,
// so that item may as well go there), and completed with items in a fixed order.
class ExactFill {
 public:
  ExactFill(const Instance& in, std::size_t bins, std::vector<std::size_t> tight,
            std::uint64_t max_nodes, double seconds)
      : in_(in),
        d_(in.dims),
        bins_(bins),
        tight_(std::move(tight)),
        max_nodes_(max_nodes),
        budget_(seconds, 0),
        assigned_(in.item_count(), false),
        bin_of_(in.item_count(), kUnassigned),
        rem_(bins * in.dims),
        give_back_(in.dims, 0) {
    for (std::size_t i = 0; i < in.item_count(); ++i) {
      for (std::size_t k = 0; k < d_; ++k)
        give_back_[k] += std::max<Size>(0, -in.sizes[i * d_ + k]);
    }
    order_.resize(in.item_count());
    std::iota(order_.begin(), order_.end(), 0);
    std::vector<double> key(order_.size());
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = measure_of(in, in.item(i), Measure::sum);
    std::stable_sort(order_.begin(), order_.end(),
                     [&](std::size_t a, std::size_t b) { return key[a] > key[b]; });
    for (std::size_t b = 0; b < bins; ++b) {
      std::copy(in.capacity.begin(), in.capacity.end(),
                rem_.begin() + static_cast<std::ptrdiff_t>(b * d_));
    }
  }

  bool run() { return fill_bin(0, 0); }
  Solution solution() const { return {bin_of_, bins_}; }

 private:
  bool progresses(std::size_t i) const {
    for (std::size_t k : tight_) {
      if (in_.sizes[i * d_ + k] != 0) return true;
    }
    return false;
  }
  // While a bin is open it may run over by as much as all negative items could give back;
  // it is checked for real when it closes.
  bool fits(std::size_t i, std::size_t b) const {
    for (std::size_t k = 0; k < d_; ++k) {
      if (in_.sizes[i * d_ + k] > rem_[b * d_ + k] + give_back_[k]) return false;
    }
    return true;
  }
  bool closes(std::size_t b) const {
    for (std::size_t k : tight_) {
      if (rem_[b * d_ + k] != 0) return false;
    }
    for (std::size_t k = 0; k < d_; ++k) {
      if (rem_[b * d_ + k] < 0) return false;
    }
    return true;
  }
  void put(std::size_t i, std::size_t b) {
    assigned_[i] = true;
    bin_of_[i] = b;
    for (std::size_t k = 0; k < d_; ++k) rem_[b * d_ + k] -= in_.sizes[i * d_ + k];
  }
  void take(std::size_t i, std::size_t b) {
    assigned_[i] = false;
    bin_of_[i] = kUnassigned;
    for (std::size_t k = 0; k < d_; ++k) rem_[b * d_ + k] += in_.sizes[i * d_ + k];
  }
  bool aborted() {
    ++nodes_;
    detail::add_work(detail::kWorkNode + detail::kWorkFillItem * order_.size());
    if (max_nodes_ > 0 && nodes_ > max_nodes_) stop_ = true;
    if ((nodes_ & 1023) == 0 && budget_.exhausted(0)) stop_ = true;
    return stop_;
  }

  bool fill_bin(std::size_t b, std::size_t first_pos) {
    std::size_t p = first_pos;
    while (p < order_.size() && (assigned_[order_[p]] || !progresses(order_[p]))) ++p;
    if (p == order_.size()) return place_rest();
    if (b == bins_) return false;
    const std::size_t f = order_[p];
    put(f, b);
    if (complete(b, p + 1, p + 1)) return true;
    take(f, b);
    return false;
  }

  bool complete(std::size_t b, std::size_t pos, std::size_t first_pos) {
    if (stop_ || aborted()) return false;
    bool tight_full = true;
    for (std::size_t k : tight_) tight_full = tight_full && rem_[b * d_ + k] == 0;
    if (tight_full) return closes(b) && fill_bin(b + 1, first_pos);
    std::size_t last = kUnassigned;
    for (std::size_t p = pos; p < order_.size(); ++p) {
      const std::size_t j = order_[p];
      if (assigned_[j] || !progresses(j) || !fits(j, b)) continue;
      // Identical items are interchangeable: trying a second copy here repeats the subtree.
      if (last != kUnassigned &&
          std::equal(in_.item(j).begin(), in_.item(j).end(), in_.item(last).begin())) {
        continue;
      }
      last = j;
      put(j, b);
      if (complete(b, p + 1, first_pos)) return true;
      take(j, b);
      if (stop_) return false;
    }
    return false;
  }

  // Items with nothing in the tight dimensions go wherever they fit.
  bool place_rest() {
    for (std::size_t i : order_) {
      if (assigned_[i]) continue;
      std::size_t b = 0;
      auto fits_now = [&](std::size_t bin) {
        for (std::size_t k = 0; k < d_; ++k) {
          if (in_.sizes[i * d_ + k] > rem_[bin * d_ + k]) return false;
        }
        return true;
      };
      while (b < bins_ && !fits_now(b)) ++b;
      if (b == bins_) return false;
      put(i, b);
    }
    return true;
  }

  const Instance& in_;
  std::size_t d_, bins_;
  std::vector<std::size_t> tight_;
  std::uint64_t max_nodes_;
  Budget budget_;
  std::vector<bool> assigned_;
  std::vector<std::size_t> bin_of_, order_;
  std::vector<Size> rem_, give_back_;
  std::uint64_t nodes_ = 0;
  bool stop_ = false;
};

// Exact cover (Knuth's Algorithm X, most constrained item first) over every set of at most
// three items that fills a bin exactly in the tight dimensions. When full bins need few
// items (triplet-like instances) this is far stronger than filling bins in a fixed order,
// because it always branches on the item with the fewest ways to complete a bin.
class SmallSetCover {
 public:
  SmallSetCover(const Instance& in, std::size_t bins, const std::vector<std::size_t>& tight,
                std::uint64_t max_nodes, double seconds)
      : in_(in),
        d_(in.dims),
        n_(in.item_count()),
        bins_(bins),
        tight_(tight),
        max_nodes_(max_nodes),
        budget_(seconds, 0) {}

  // False when the sets are too many to list or an item has nothing in the tight dimensions.
  bool build() {
    auto key_of = [&](auto value_at) {
      std::string key;
      for (std::size_t k : tight_) {
        const Size v = value_at(k);
        key.append(reinterpret_cast<const char*>(&v), sizeof v);
      }
      return key;
    };
    std::unordered_map<std::string, std::vector<std::size_t>> by_tight;
    for (std::size_t i = 0; i < n_; ++i) {
      bool zero = true;
      for (std::size_t k : tight_) zero = zero && in_.sizes[i * d_ + k] == 0;
      if (zero) return false;
      by_tight[key_of([&](std::size_t k) { return in_.sizes[i * d_ + k]; })].push_back(i);
    }
    auto add = [&](std::initializer_list<std::size_t> items) {
      for (std::size_t k = 0; k < d_; ++k) {
        Size sum = 0;
        for (std::size_t i : items) sum += in_.sizes[i * d_ + k];
        if (sum > in_.capacity[k]) return;
      }
      sets_.emplace_back(items);
    };
    auto lookup = [&](auto need_at) -> const std::vector<std::size_t>* {
      auto it = by_tight.find(key_of(need_at));
      return it == by_tight.end() ? nullptr : &it->second;
    };
    detail::add_work(detail::kWorkNode * n_ * n_ / 2);  // the pair lookups below
    for (std::size_t i = 0; i < n_; ++i) {
      if (auto* m = lookup([&](std::size_t k) { return in_.capacity[k]; })) {
        if (std::find(m->begin(), m->end(), i) != m->end()) add({i});
      }
      if (auto* m =
              lookup([&](std::size_t k) { return in_.capacity[k] - in_.sizes[i * d_ + k]; })) {
        for (std::size_t j : *m) {
          if (j > i) add({i, j});
        }
      }
      for (std::size_t j = i + 1; j < n_; ++j) {
        auto* m = lookup([&](std::size_t k) {
          return in_.capacity[k] - in_.sizes[i * d_ + k] - in_.sizes[j * d_ + k];
        });
        if (!m) continue;
        for (std::size_t l : *m) {
          if (l > j) add({i, j, l});
        }
        if (sets_.size() > kMaxSets) return false;
      }
    }
    {
      std::map<std::vector<Size>, std::size_t> types;
      type_.assign(n_, 0);
      for (std::size_t i = 0; i < n_; ++i) {
        const auto v = in_.item(i);
        type_[i] = types.emplace(std::vector<Size>(v.begin(), v.end()), types.size()).first->second;
      }
    }
    of_item_.assign(n_, {});
    for (std::size_t s = 0; s < sets_.size(); ++s) {
      for (std::size_t i : sets_[s]) of_item_[i].push_back(s);
    }
    dead_.assign(sets_.size(), 0);
    alive_.assign(n_, 0);
    for (std::size_t i = 0; i < n_; ++i) alive_[i] = of_item_[i].size();
    covered_.assign(n_, false);
    return true;
  }

  // Backtracking on exact cover is heavy-tailed: restarts with growing node limits and
  // randomised tie-breaking find covers that one long, unlucky run does not.
  bool run() {
    std::uint64_t limit = 256;
    // Half of the node budget for backtracking; local search gets the rest.
    const std::uint64_t give_up = max_nodes_ > 0 ? max_nodes_ / 2 : 50'000;
    while (!stop_ && nodes_ < give_up) {
      restart_limit_ = nodes_ + limit;
      if (search(0)) {
        return true;
      }
      if (stop_) return false;
      restart_ = false;
      limit = limit * 3 / 2;
    }
    return false;
  }
  std::size_t set_count() const { return sets_.size(); }

  // Local search over the same sets when backtracking gives up: keep disjoint chosen sets,
  // insert a set covering a loose item and drop the sets it overlaps, the cheapest such
  // insert by item weights; weights of items that stay loose grow, dropped sets are tabu.
  bool local_search(std::uint64_t max_steps) {
    std::vector<std::size_t> owner(n_, kUnassigned);
    std::vector<std::uint64_t> tabu(sets_.size(), 0), weight(n_, 1);
    std::vector<std::size_t> loose(n_), pos(n_);
    for (std::size_t i = 0; i < n_; ++i) loose[i] = pos[i] = i;
    auto unloose = [&](std::size_t i) {
      const std::size_t p = pos[i];
      loose[p] = loose.back();
      pos[loose[p]] = p;
      loose.pop_back();
    };
    std::vector<std::size_t> hit;
    for (std::uint64_t step = 1; step <= max_steps; ++step) {
      if (loose.size() < best_loose_) {
        // Fewest loose items so far: the fallback when no exact cover is found.
        best_loose_ = loose.size();
        best_owner_ = owner;
      }
      if (loose.empty()) break;
      if ((step & 255) == 0 && budget_.exhausted(0)) return false;
      const std::size_t i = loose[rng_() % loose.size()];
      detail::add_work(detail::kWorkNode + 4 * detail::kWorkFillItem * of_item_[i].size() +
                       detail::kWorkScan * loose.size());
      std::size_t best = kUnassigned, ties = 0;
      std::uint64_t best_cost = ~std::uint64_t{0};
      for (std::size_t s : of_item_[i]) {
        if (tabu[s] > step) continue;
        std::uint64_t cost = 0;
        hit.clear();
        for (std::size_t x : sets_[s]) {
          const std::size_t o = owner[x];
          if (o == kUnassigned || std::find(hit.begin(), hit.end(), o) != hit.end()) continue;
          hit.push_back(o);
          for (std::size_t y : sets_[o]) {
            if (std::find(sets_[s].begin(), sets_[s].end(), y) == sets_[s].end()) cost += weight[y];
          }
        }
        if (cost < best_cost) {
          best_cost = cost;
          best = s;
          ties = 1;
        } else if (cost == best_cost && rng_() % (++ties) == 0) {
          best = s;
        }
      }
      if (best == kUnassigned) continue;
      for (std::size_t x : sets_[best]) {
        const std::size_t o = owner[x];
        if (o == kUnassigned) continue;
        for (std::size_t y : sets_[o]) {
          owner[y] = kUnassigned;
          pos[y] = loose.size();
          loose.push_back(y);
        }
        tabu[o] = step + 2 + rng_() % 8;
      }
      for (std::size_t x : sets_[best]) {
        owner[x] = best;
        unloose(x);
      }
      for (std::size_t y : loose) ++weight[y];
    }
    if (!loose.empty()) return false;
    chosen_.clear();
    for (std::size_t i = 0; i < n_; ++i) {
      if (owner[i] != kUnassigned && (chosen_.empty() || std::find(chosen_.begin(), chosen_.end(),
                                                                   owner[i]) == chosen_.end())) {
        chosen_.push_back(owner[i]);
      }
    }
    return chosen_.size() <= bins_;
  }

  /// The local search's best partial cover (disjoint exactly full bins) with the items it
  /// left loose packed first-fit decreasing into further bins; empty if it never ran.
  Solution partial_solution() const {
    if (best_owner_.empty()) return {};
    Solution sol{std::vector<std::size_t>(n_, kUnassigned), 0};
    std::vector<std::size_t> bin_of_set(sets_.size(), kUnassigned);
    std::vector<std::size_t> loose;
    for (std::size_t i = 0; i < n_; ++i) {
      const std::size_t o = best_owner_[i];
      if (o == kUnassigned) {
        loose.push_back(i);
        continue;
      }
      if (bin_of_set[o] == kUnassigned) bin_of_set[o] = sol.bins++;
      sol.bin_of[i] = bin_of_set[o];
    }
    if (!loose.empty()) {
      Instance rest;
      rest.dims = in_.dims;
      rest.capacity = in_.capacity;
      for (std::size_t i : loose) rest.add_item(in_.item(i));
      const Solution r = first_fit_decreasing(rest, Measure::sum);
      for (std::size_t j = 0; j < loose.size(); ++j) sol.bin_of[loose[j]] = sol.bins + r.bin_of[j];
      sol.bins += r.bins;
    }
    normalize(sol);
    return sol;
  }

  Solution solution() const {
    Solution sol{std::vector<std::size_t>(n_, kUnassigned), chosen_.size()};
    for (std::size_t b = 0; b < chosen_.size(); ++b) {
      for (std::size_t i : sets_[chosen_[b]]) sol.bin_of[i] = b;
    }
    return sol;
  }

 private:
  static constexpr std::size_t kMaxSets = 2'000'000;

  bool search(std::size_t depth) {
    if (stop_ || restart_) return false;
    ++nodes_;
    detail::add_work(detail::kWorkNode + detail::kWorkFillItem * n_);
    if ((max_nodes_ > 0 && nodes_ > max_nodes_) || ((nodes_ & 255) == 0 && budget_.exhausted(0))) {
      stop_ = true;
      return false;
    }
    if (nodes_ > restart_limit_) {
      restart_ = true;
      return false;
    }
    std::size_t pick = kUnassigned;
    std::size_t ties = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      if (covered_[i]) continue;
      if (pick == kUnassigned || alive_[i] < alive_[pick]) {
        pick = i;
        ties = 1;
      } else if (alive_[i] == alive_[pick] && rng_() % (++ties) == 0) {
        pick = i;
      }
    }
    if (pick == kUnassigned) return true;
    if (alive_[pick] == 0 || depth >= bins_) return false;
    // Least constraining first: the set whose items leave the most alternatives to others.
    std::vector<std::pair<std::size_t, std::size_t>> options;
    // Identical items are interchangeable: two sets made of the same item types leave
    // isomorphic subproblems, so only the first is tried (triplet files repeat many items).
    std::vector<std::array<std::size_t, 3>> tried;
    for (std::size_t s : of_item_[pick]) {
      if (dead_[s]) continue;
      std::array<std::size_t, 3> sig{kUnassigned, kUnassigned, kUnassigned};
      for (std::size_t x = 0; x < sets_[s].size() && x < 3; ++x) sig[x] = type_[sets_[s][x]];
      std::sort(sig.begin(), sig.end());
      if (std::find(tried.begin(), tried.end(), sig) != tried.end()) continue;
      tried.push_back(sig);
      std::size_t kills = 0;
      for (std::size_t i : sets_[s]) kills += alive_[i];
      options.push_back({kills * 64 + rng_() % 64, s});
    }
    std::sort(options.begin(), options.end());
    for (auto [kills, s] : options) {
      choose(s, +1);
      chosen_.push_back(s);
      if (search(depth + 1)) return true;
      chosen_.pop_back();
      choose(s, -1);
      if (stop_ || restart_) return false;
    }
    return false;
  }

  // Covers (dir = +1) or uncovers (-1) the items of set s, killing every set that overlaps.
  void choose(std::size_t s, int dir) {
    for (std::size_t i : sets_[s]) {
      covered_[i] = dir > 0;
      for (std::size_t t : of_item_[i]) {
        if (dir > 0) {
          if (dead_[t]++ == 0) {
            for (std::size_t x : sets_[t]) --alive_[x];
          }
        } else if (--dead_[t] == 0) {
          for (std::size_t x : sets_[t]) ++alive_[x];
        }
      }
    }
  }

  const Instance& in_;
  std::size_t d_, n_, bins_;
  std::vector<std::size_t> tight_;
  std::uint64_t max_nodes_;
  Budget budget_;
  std::vector<std::vector<std::size_t>> sets_, of_item_;
  std::vector<std::uint32_t> dead_;
  std::vector<std::size_t> alive_, chosen_, type_, best_owner_;
  std::size_t best_loose_ = static_cast<std::size_t>(-1);
  std::vector<bool> covered_;
  std::uint64_t nodes_ = 0, restart_limit_ = 0;
  bool stop_ = false, restart_ = false;
  std::mt19937_64 rng_{12345};
};

}  // namespace

Solution exact_fill(const Instance& in, std::size_t bins, std::uint64_t max_nodes,
                    double time_limit, Solution* partial) {
  if (partial) *partial = {};
  if (bins == 0 || in.item_count() == 0) return {};
  std::vector<std::size_t> tight;
  for (std::size_t k = 0; k < in.dims; ++k) {
    Size sum = 0;
    for (std::size_t i = 0; i < in.item_count(); ++i) sum += in.sizes[i * in.dims + k];
    if (sum > static_cast<Size>(bins) * in.capacity[k]) return {};  // cannot fit at all
    if (sum == static_cast<Size>(bins) * in.capacity[k]) tight.push_back(k);
  }
  if (tight.empty()) return {};
  {
    SmallSetCover cover(in, bins, tight, max_nodes, time_limit * 0.8);
    const bool built = cover.build();
    if (built &&
        (cover.run() || cover.local_search(max_nodes > 0 ? max_nodes : ~std::uint64_t{0}))) {
      Solution s = cover.solution();
      normalize(s);
      return s;
    }
    if (built && partial) *partial = cover.partial_solution();
  }
  ExactFill search(in, bins, std::move(tight), max_nodes, time_limit);
  if (!search.run()) return {};
  Solution s = search.solution();
  normalize(s);
  return s;
}

}  // namespace berth::pack
