#pragma once
// The resource part of a Diagnosis: machines short per dimension, the most free machine among
// them, and the machine closest to fitting. Placer::select_scan and Placer::select_diagnosed
// both count through this one class, so the rule that picks the worst dimension, the most free
// machine and the closest machine exists once (tests/property/place_diagnose_test.cpp checks
// that the two diagnoses agree field by field).
#include <algorithm>
#include <cstdint>
#include <limits>
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

struct ShortfallTally {
  ShortfallTally(const Cluster& cluster, const std::vector<std::int64_t>& demand, std::size_t dims)
      : c(cluster),
        demand(demand),
        short_count(dims, 0),
        most_free(dims, std::numeric_limits<std::int64_t>::min()),
        most_free_on(dims, kNone) {}

  /// The first dimension machine m lacks room in for the demand, or -1 when it fits (the
  /// resource filter of both searches).
  int first_short(MachineId m) const { return first_short_dimension(c, demand, m); }

  /// Machine m lacks room in some dimension (`first_short` is the first): counts it under the
  /// dimension it misses by the largest fraction of the request (integer cross-multiplication,
  /// so "7 short of memory" names what matters), and keeps the most free and closest machines
  /// with strict comparisons (the first in visiting order wins ties).
  void count_machine(MachineId m, std::size_t first_short, Diagnosis& diag) {
    const std::int64_t* alloc = c.allocatable(m);
    const std::int64_t* used = c.used(m);
    std::size_t worst = first_short;
    int shorts = 0;
    double missing = 0;
    for (std::size_t d = 0; d < short_count.size(); ++d) {
      const std::int64_t free = alloc[d] - used[d];
      if (free >= demand[d]) continue;
      ++short_count[d];
      ++shorts;
      if (free > most_free[d]) {
        most_free[d] = free;
        most_free_on[d] = m;
      }
      const __int128 miss_d = demand[d] - std::max<std::int64_t>(free, 0);
      const __int128 miss_w = demand[worst] - std::max<std::int64_t>(alloc[worst] - used[worst], 0);
      if (miss_d * demand[worst] > miss_w * demand[d]) worst = d;
      missing += static_cast<double>(miss_d) / static_cast<double>(demand[d]);
    }
    ++diag.rejections[reason::kInsufficientPrefix + c.dimension_names()[worst]];
    std::pair<int, double> key{shorts, missing};
    if (closest == kNone || key < closest_key) {
      closest = m;
      closest_key = key;
    }
  }

  /// Writes the shortfalls, and the closest machine when no machine fits.
  void finish(Diagnosis& diag, bool none_fit) const {
    for (std::size_t d = 0; d < short_count.size(); ++d) {
      if (short_count[d] == 0) continue;
      Shortfall s;
      s.dimension = c.dimension_names()[d];
      s.needs = demand[d];
      s.machines = short_count[d];
      if (most_free_on[d] != kNone) {
        s.most_free = std::max<std::int64_t>(most_free[d], 0);
        s.most_free_on = c.machine_name(most_free_on[d]);
      }
      diag.shortfalls.push_back(std::move(s));
    }
    if (closest != kNone && none_fit) {
      ClosestMachine cm;
      cm.machine = c.machine_name(closest);
      for (std::size_t d = 0; d < short_count.size(); ++d) {
        const std::int64_t free = c.free(closest, d);
        if (free < demand[d])
          cm.missing[c.dimension_names()[d]] = demand[d] - std::max<std::int64_t>(free, 0);
      }
      diag.closest = std::move(cm);
    }
  }

  const Cluster& c;
  const std::vector<std::int64_t>& demand;
  std::vector<std::size_t> short_count;  ///< per dimension: machines short of it
  std::vector<std::int64_t> most_free;   ///< per dimension: the most free among those machines
  std::vector<MachineId> most_free_on;
  MachineId closest = kNone;
  std::pair<int, double> closest_key{std::numeric_limits<int>::max(),
                                     0.0};  ///< (dimensions short, sum of missing fractions)
};

}  // namespace berth::detail
