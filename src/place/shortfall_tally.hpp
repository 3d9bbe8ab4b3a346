#pragma once
// The resource part of a Diagnosis: machines short per dimension, the most free machine among
// them, and the machine closest to fitting. Placer::select_scan and Placer::select_diagnosed
// both count through this one class, so the rule that picks the worst dimension, the most free
// machine and the closest machine exists once (tests/property/place_diagnose_test.cpp checks
// that the two diagnoses agree field by field).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <utility>
#include <vector>

#include "berth/explain/diagnosis.hpp"
#include "berth/place/cluster.hpp"

namespace berth::detail {

/// The first dimension machine m lacks room in for `demand`, or -1 when it fits: the room test
/// of the resource filter (pipeline::Resources) and of the diagnosis tally alike.
inline int first_short_dimension(const Cluster& c, const std::vector<std::int64_t>& demand,
                                 MachineId m) {
  for (std::size_t d = 0; d < demand.size(); ++d) {
    if (c.free(m, d) < demand[d]) return static_cast<int>(d);
  }
  return -1;
}

/// What the resource filter counted over a run of machines visited in order. A value (no
/// reference to the cluster or the demand), so the indexed diagnosis can keep one class's
/// counts and add them to a later diagnosis's (pipeline::DiagnosisCache).
struct ShortfallCounts {
  explicit ShortfallCounts(std::size_t dims = 0)
      : short_count(dims, 0),
        worst_count(dims, 0),
        most_free(dims, std::numeric_limits<std::int64_t>::min()),
        most_free_on(dims, kNone) {}

  std::size_t fit = 0;                   ///< machines with room (the indexed diagnosis's count)
  std::vector<std::size_t> short_count;  ///< per dimension: machines short of it
  /// Per dimension: machines it is the worst shortfall of (the diagnosis's rejection reason).
  std::vector<std::size_t> worst_count;
  std::vector<std::int64_t> most_free;  ///< per dimension: the most free among those machines
  std::vector<MachineId> most_free_on;
  MachineId closest = kNone;
  std::pair<int, double> closest_key{std::numeric_limits<int>::max(),
                                     0.0};  ///< (dimensions short, sum of missing fractions)
  /// Some machine's key had a NaN sum (a dimension requested 0 on an overcommitted machine:
  /// 0/0). NaN compares false both ways, so the closest machine then depends on what was seen
  /// before it, and these counts must not be appended to another run's.
  bool unordered = false;

  /// Adds the counts of machines visited after these ones, as if one run had seen them all:
  /// the comparisons are the strict ones of count_machine, so on ties the earlier machine stays.
  /// Exact unless `later.unordered` (the caller counts such a run machine by machine instead).
  void append(const ShortfallCounts& later) {
    fit += later.fit;
    for (std::size_t d = 0; d < short_count.size(); ++d) {
      short_count[d] += later.short_count[d];
      worst_count[d] += later.worst_count[d];
      if (later.most_free_on[d] != kNone && later.most_free[d] > most_free[d]) {
        most_free[d] = later.most_free[d];
        most_free_on[d] = later.most_free_on[d];
      }
    }
    if (later.closest != kNone && (closest == kNone || later.closest_key < closest_key)) {
      closest = later.closest;
      closest_key = later.closest_key;
    }
    unordered = unordered || later.unordered;
  }
};

struct ShortfallTally {
  ShortfallTally(const Cluster& cluster, const std::vector<std::int64_t>& demand, std::size_t dims)
      : c(cluster), demand(demand), n(dims) {}

  /// The first dimension machine m lacks room in for the demand, or -1 when it fits (the
  /// resource filter of both searches).
  int first_short(MachineId m) const { return first_short_dimension(c, demand, m); }

  /// Machine m lacks room in some dimension (`first_short` is the first): counts it under the
  /// dimension it misses by the largest fraction of the request (integer cross-multiplication,
  /// so "7 short of memory" names what matters), and keeps the most free and closest machines
  /// with strict comparisons (the first in visiting order wins ties).
  void count_machine(MachineId m, std::size_t first_short) {
    const std::int64_t* alloc = c.allocatable(m);
    const std::int64_t* used = c.used(m);
    int shorts = 0;
    double missing = 0;
    for (std::size_t d = first_short; d < n.short_count.size(); ++d) {
      const std::int64_t free = alloc[d] - used[d];
      if (free >= demand[d]) continue;
      ++n.short_count[d];
      ++shorts;
      if (free > n.most_free[d]) {
        n.most_free[d] = free;
        n.most_free_on[d] = m;
      }
      const std::int64_t miss_d = demand[d] - std::max<std::int64_t>(free, 0);
      missing += static_cast<double>(miss_d) / static_cast<double>(demand[d]);
    }
    ++n.worst_count[worst_dimension(m, first_short)];
    std::pair<int, double> key{shorts, missing};
    if (std::isnan(missing)) n.unordered = true;
    if (n.closest == kNone || key < n.closest_key) {
      n.closest = m;
      n.closest_key = key;
    }
  }

  /// Takes machine m, counted before on the cluster as it is now, back out of the counts.
  /// False (counts unchanged) when m is a machine the counts name (a most free or the closest
  /// one): which machine comes next is not kept, so the run must be counted again without m.
  bool uncount(MachineId m) {
    const int first = first_short(m);
    if (first < 0) {
      --n.fit;
      return true;
    }
    if (m == n.closest) return false;
    for (std::size_t d = 0; d < n.short_count.size(); ++d) {
      if (n.most_free_on[d] == m) return false;
    }
    for (std::size_t d = static_cast<std::size_t>(first); d < n.short_count.size(); ++d) {
      if (c.free(m, d) < demand[d]) --n.short_count[d];
    }
    --n.worst_count[worst_dimension(m, static_cast<std::size_t>(first))];
    return true;
  }

  /// Writes the rejections per worst dimension, the shortfalls, and the closest machine when
  /// no machine fits.
  void finish(Diagnosis& diag, bool none_fit) const {
    for (std::size_t d = 0; d < n.short_count.size(); ++d) {
      if (n.worst_count[d] > 0)
        diag.rejections[reason::kInsufficientPrefix + c.dimension_names()[d]] += n.worst_count[d];
    }
    for (std::size_t d = 0; d < n.short_count.size(); ++d) {
      if (n.short_count[d] == 0) continue;
      Shortfall s;
      s.dimension = c.dimension_names()[d];
      s.needs = demand[d];
      s.machines = n.short_count[d];
      if (n.most_free_on[d] != kNone) {
        s.most_free = std::max<std::int64_t>(n.most_free[d], 0);
        s.most_free_on = c.machine_name(n.most_free_on[d]);
      }
      diag.shortfalls.push_back(std::move(s));
    }
    if (n.closest != kNone && none_fit) {
      ClosestMachine cm;
      cm.machine = c.machine_name(n.closest);
      for (std::size_t d = 0; d < n.short_count.size(); ++d) {
        const std::int64_t free = c.free(n.closest, d);
        if (free < demand[d])
          cm.missing[c.dimension_names()[d]] = demand[d] - std::max<std::int64_t>(free, 0);
      }
      diag.closest = std::move(cm);
    }
  }

  const Cluster& c;
  const std::vector<std::int64_t>& demand;
  ShortfallCounts n;

 private:
  /// The dimension machine m misses by the largest fraction of the request, the first on ties.
  std::size_t worst_dimension(MachineId m, std::size_t first_short) const {
    std::size_t worst = first_short;
    auto miss = [&](std::size_t d) -> __int128 {
      return demand[d] - std::max<std::int64_t>(c.free(m, d), 0);
    };
    __int128 miss_w = miss(worst);
    for (std::size_t d = first_short + 1; d < n.short_count.size(); ++d) {
      if (c.free(m, d) >= demand[d]) continue;
      const __int128 miss_d = miss(d);
      if (miss_d * demand[worst] > miss_w * demand[d]) {
        worst = d;
        miss_w = miss_d;
      }
    }
    return worst;
  }
};

/// The indexed diagnosis's resource counts kept per (request vector, class): the counts of all
/// the class's up machines, each valid while no machine of its class has changed. Pending units
/// come in few request shapes (issue 17's 200k units have 120 request vectors), so a
/// diagnosis mostly adds up kept counts instead of descending every class tree.
///
/// What changed is known from Cluster::version(): the cache follows the cluster through
/// Placer::commit (placed_on: one class changed, the rest stay valid, so `place`'s diagnoses
/// keep their counts across the placements between them); any other change (assign, unassign,
/// set_state, a rollback: version() keeps counting through it) is seen as a version the cache
/// did not follow, and forgets everything.
class ClassCountsCache {
 public:
  /// One request vector's counts, per class.
  struct Row {
    std::vector<std::uint64_t> stamp;  ///< per class: the class's epoch when counted
    std::vector<ShortfallCounts> counts;
  };
  /// Bound on the rows times classes held: past it the cache starts over, so a spec with
  /// thousands of request shapes on thousands of classes costs recounts, not unbounded memory.
  static constexpr std::size_t kMaxSlots = std::size_t{1} << 18;

  /// The row of `demand` on cluster c as it is now (a new row holds nothing).
  Row& row(const Cluster& c, const std::vector<std::int64_t>& demand) {
    const std::size_t classes = c.class_count();
    if (c.version() != version_ || classes != epoch_.size()) {
      rows_.clear();
      epoch_.assign(classes, 0);
      next_epoch_ = 1;  // rows are gone: no stamp can match an old epoch
      version_ = c.version();
    }
    auto it = rows_.find(demand);
    if (it != rows_.end()) return it->second;
    if ((rows_.size() + 1) * classes > kMaxSlots) rows_.clear();
    Row& r = rows_[demand];
    r.stamp.assign(classes, kNever);
    r.counts.resize(classes);
    return r;
  }
  /// Whether row r's counts of class k hold.
  bool fresh(const Row& r, ClassId k) const { return r.stamp[k] == epoch_[k]; }
  void keep(Row& r, ClassId k, ShortfallCounts&& counts) {
    r.counts[k] = std::move(counts);
    r.stamp[k] = epoch_[k];
  }
  /// Placer::commit changed machines of class k only, taking the cluster from version `before`
  /// to `after`: the other classes' counts stay valid if the cache was up to date.
  void placed_on(ClassId k, std::uint64_t before, std::uint64_t after) {
    if (before != version_ || k >= epoch_.size()) return;  // not followed: row() forgets all
    epoch_[k] = next_epoch_++;
    version_ = after;
  }

 private:
  static constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t version_ = kNever;    ///< the cluster version the epochs describe
  std::vector<std::uint64_t> epoch_;  ///< per class: bumped when the class changes
  std::uint64_t next_epoch_ = 1;
  std::map<std::vector<std::int64_t>, Row> rows_;
};

}  // namespace berth::detail
