#include "berth/pack/assign.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <numeric>

#include "berth/error.hpp"

namespace berth::pack {
namespace {

class Placement {
 public:
  Placement(const std::vector<std::vector<Size>>& cap, const std::vector<AssignItem>& items)
      : cap_(cap),
        items_(items),
        load_(cap.size(), std::vector<Size>(cap.empty() ? 0 : cap[0].size(), 0)),
        count_(cap.size(), 0),
        bin_of_(items.size(), kUnassigned) {}

  bool allowed(std::size_t i, std::size_t b) const {
    const auto& a = items_[i].allowed;
    return a.empty() || std::find(a.begin(), a.end(), b) != a.end();
  }
  bool fits(std::size_t i, std::size_t b) const {
    for (std::size_t k = 0; k < cap_[b].size(); ++k) {
      if (load_[b][k] + items_[i].size[k] > cap_[b][k]) return false;
    }
    return true;
  }
  // Used bins first, then the best dot product of the item with the bin's room (normalised).
  std::size_t best_bin(std::size_t i, std::size_t skip = kUnassigned) const {
    std::size_t best = kUnassigned;
    double best_score = -std::numeric_limits<double>::infinity();
    for (std::size_t b = 0; b < cap_.size(); ++b) {
      if (b == skip || !allowed(i, b) || !fits(i, b)) continue;
      double score = count_[b] > 0 ? 1e6 : 0;
      for (std::size_t k = 0; k < cap_[b].size(); ++k) {
        if (cap_[b][k] <= 0) continue;
        const double c = static_cast<double>(cap_[b][k]);
        score += (static_cast<double>(items_[i].size[k]) / c) *
                 (static_cast<double>(cap_[b][k] - load_[b][k]) / c);
      }
      // Fuller bins score lower room, so prefer the smallest room among equal use.
      double room = 0;
      for (std::size_t k = 0; k < cap_[b].size(); ++k) {
        if (cap_[b][k] > 0)
          room += static_cast<double>(cap_[b][k] - load_[b][k]) / static_cast<double>(cap_[b][k]);
      }
      score -= 1e-3 * room;
      if (score > best_score) {
        best_score = score;
        best = b;
      }
    }
    return best;
  }
  void put(std::size_t i, std::size_t b) {
    for (std::size_t k = 0; k < load_[b].size(); ++k) load_[b][k] += items_[i].size[k];
    ++count_[b];
    bin_of_[i] = b;
  }
  void take(std::size_t i) {
    const std::size_t b = bin_of_[i];
    for (std::size_t k = 0; k < load_[b].size(); ++k) load_[b][k] -= items_[i].size[k];
    --count_[b];
    bin_of_[i] = kUnassigned;
  }
  const std::vector<std::size_t>& bin_of() const { return bin_of_; }
  const std::vector<std::size_t>& count() const { return count_; }

 private:
  const std::vector<std::vector<Size>>& cap_;
  const std::vector<AssignItem>& items_;
  std::vector<std::vector<Size>> load_;
  std::vector<std::size_t> count_, bin_of_;
};

}  // namespace

AssignResult assign_items(const std::vector<std::vector<Size>>& capacity,
                          const std::vector<AssignItem>& items) {
  const std::size_t d =
      capacity.empty() ? (items.empty() ? 0 : items[0].size.size()) : capacity[0].size();
  for (const auto& c : capacity) {
    if (c.size() != d) throw UsageError(354, "every bin needs the same number of dimensions");
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].size.size() != d) {
      throw UsageError(354, fmt::format("item {} has {} sizes, bins have {} dimensions", i,
                                        items[i].size.size(), d));
    }
    for (std::size_t b : items[i].allowed) {
      if (b >= capacity.size())
        throw UsageError(354, fmt::format("item {} allows bin {}, which does not exist", i, b));
    }
  }
  // Mean capacity per dimension normalises sizes for ordering.
  std::vector<double> mean(d, 1.0);
  for (std::size_t k = 0; k < d && !capacity.empty(); ++k) {
    double s = 0;
    for (const auto& c : capacity) s += static_cast<double>(c[k]);
    mean[k] = std::max(1.0, s / static_cast<double>(capacity.size()));
  }
  std::vector<std::size_t> order(items.size());
  std::iota(order.begin(), order.end(), 0);
  auto choices = [&](std::size_t i) {
    return items[i].allowed.empty() ? capacity.size() : items[i].allowed.size();
  };
  auto share = [&](std::size_t i) {
    double m = 0;
    for (std::size_t k = 0; k < d; ++k)
      m = std::max(m, static_cast<double>(items[i].size[k]) / mean[k]);
    return m;
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (choices(a) != choices(b)) return choices(a) < choices(b);
    return share(a) > share(b);
  });
  Placement p(capacity, items);
  std::vector<std::size_t> left;
  for (std::size_t i : order) {
    const std::size_t b = p.best_bin(i);
    if (b == kUnassigned) {
      left.push_back(i);
    } else {
      p.put(i, b);
    }
  }
  // Repair: for an unplaced item, move one item out of an allowed bin to another bin.
  for (std::size_t i : left) {
    bool placed = false;
    for (std::size_t b = 0; b < capacity.size() && !placed; ++b) {
      if (!p.allowed(i, b)) continue;
      for (std::size_t j = 0; j < items.size() && !placed; ++j) {
        if (p.bin_of()[j] != b) continue;
        p.take(j);
        const std::size_t to = p.fits(i, b) ? p.best_bin(j, b) : kUnassigned;
        if (to != kUnassigned) {
          p.put(j, to);
          p.put(i, b);
          placed = true;
        } else {
          p.put(j, b);
        }
      }
    }
  }
  AssignResult r;
  r.bin_of = p.bin_of();
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (r.bin_of[i] == kUnassigned) r.unplaced.push_back(i);
  }
  for (std::size_t c : p.count()) r.bins_used += c > 0 ? 1 : 0;
  return r;
}

}  // namespace berth::pack
