#pragma once
// Filter: the group's summed requests fit in the machine's free capacity, in every dimension,
// in integers (never overcommit). The class trees bound it: a subtree whose most free machine
// (at the demand's fit level) lacks room is never visited.
#include <fmt/format.h>

#include <algorithm>

#include "../class_index.hpp"
#include "berth/model/resources.hpp"
#include "filter_list.hpp"

namespace berth::pipeline {

struct Resources {
  static constexpr bool class_invariant = false;

  static bool admits(const GroupState& s, MachineId m) {
    return detail::first_short_dimension(s.cluster, s.demand, m) < 0;
  }

  static void count(const GroupState&, MachineId m, Counting& counting) {
    const int first_short = counting.tally.first_short(m);
    if (first_short >= 0) counting.tally.count_machine(m, static_cast<std::size_t>(first_short));
  }

  static bool node_admits(const GroupState& s, ClassId k, std::size_t node) {
    const std::size_t D = s.demand.size();
    if (const std::int64_t* free = s.tree_record(k, node)) {  // the class being searched
      for (std::size_t d = 0; d < D; ++d) {
        if (free[d] < s.demand[d]) return false;
      }
      return true;
    }
    const detail::ClassIndex& idx = detail::class_index(s.cluster, k);
    const std::int64_t* free = s.level >= 0
                                   ? idx.level_free(static_cast<std::size_t>(s.level), node)
                                   : &idx.max_free[node * D];
    for (std::size_t d = 0; d < D; ++d) {
      if (free[d] < s.demand[d]) return false;
    }
    return true;
  }

  /// A class shares allocatable capacity: one member says whether an empty machine would do.
  static bool could_ever(const GroupState& s, ClassId k) {
    const std::int64_t* alloc = s.cluster.allocatable(s.cluster.class_members(k).front());
    for (std::size_t d = 0; d < s.demand.size(); ++d) {
      if (alloc[d] < s.demand[d]) return false;
    }
    return true;
  }

  static void explain(const ExplainQuery& q, std::vector<std::string>& out) {
    const Cluster& c = q.cluster;
    const bool colocated = c.group(q.group).members.size() > 1;
    for (std::size_t d = 0; d < q.demand.size(); ++d) {
      const std::int64_t free = c.free(q.machine, d);
      if (free >= q.demand[d]) continue;
      const std::string& dim = c.dimension_names()[d];
      out.push_back(fmt::format(
          "short of {}: needs {}{}, {} has {} free of {}", dim, format_amount(dim, q.demand[d]),
          colocated ? " (with its co-located units)" : "", c.machine_name(q.machine),
          format_amount(dim, std::max<std::int64_t>(free, 0)),
          format_amount(dim, c.allocatable(q.machine)[d])));
    }
  }
};

}  // namespace berth::pipeline
