#pragma once
// FilterList<F...>: runs a compile-time list of filter types in order, so a path asks "may the
// group go here" once and every filter answers in its turn, with no virtual call per machine.
// The list itself is composed in pipeline/filters.hpp. What a filter type may define (all
// static; a filter defines only the levels it acts at, found with `requires`):
//
//   group level    bool group_admits(const GroupState&)
//                  void count_group(const GroupState&, Diagnosis&)       the whole diagnosis
//   class level    bool class_admits(GroupState&, ClassId)                 cached per class
//                  void count_class(GroupState&, ClassId, size_t weight, Diagnosis&)
//   machine level  bool admits(GroupState&, MachineId)
//                  void count(GroupState&, MachineId, Counting&)
//                  static constexpr bool class_invariant                   the verdict is the
//                      same for every machine of a class (the indexed search asks it once)
//   indexed search bool node_admits(const GroupState&, ClassId, size_t node)   a class-tree node
//                      may hold a machine the filter admits (a bound: false prunes the subtree)
//   outcome        bool could_ever(GroupState&, ClassId)  some member of the class could admit
//                      the group if it were empty and up: false for every class = unresolvable
//   explain        void explain(const ExplainQuery&, std::vector<std::string>&)   its lines
//                  void explain_in_context(...)  lines that need the whole pipeline run,
//                      asked only when no filter gave a line
#include <cstddef>
#include <string>
#include <vector>

#include "../shortfall_tally.hpp"
#include "berth/explain/diagnosis.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/strategy.hpp"
#include "group_state.hpp"

namespace berth::pipeline {

/// Where a diagnosis is counted: the counts, and the resource tally that picks the most free
/// and the closest machine.
struct Counting {
  Diagnosis& diag;
  detail::ShortfallTally& tally;
};

/// "Why can instance `asked` not go on machine m": asked on a cluster where the instance's
/// group is not placed, so that the answer holds whether or not it runs somewhere now.
struct ExplainQuery {
  const Cluster& cluster;
  GroupId group;
  InstanceId asked;
  MachineId machine;
  std::vector<std::int64_t> demand;  ///< the group's summed requests
  StrategyKind strategy;
};

template <class... Filters>
struct FilterList {
  /// Group-level filters: false when the group cannot be placed anywhere (diag, when given, is
  /// the rejecting filter's diagnosis).
  static bool group_admits(const GroupState& s, Diagnosis* diag) {
    return (group_step<Filters>(s, diag) && ...);
  }

  /// Whether the group is unresolvable by a group-level filter (then nothing else is asked).
  static bool group_rejects(const GroupState& s) { return !group_admits(s, nullptr); }

  /// Class-level filters on class k; a rejection counts `weight` machines when diag is given.
  static bool class_admits(GroupState& s, ClassId k, std::size_t weight, Diagnosis* diag) {
    return (class_step<Filters>(s, k, weight, diag) && ...);
  }

  /// Machine-level filters on machine m, whose class passed class_admits; counts the first
  /// rejection when `counting` is given.
  static bool machine_admits(GroupState& s, MachineId m, Counting* counting) {
    return (machine_step<Filters, false>(s, m, counting) && ...);
  }

  /// machine_admits without the class-invariant filters, which the indexed search decides once
  /// per class.
  static bool machine_admits_in_admitted_class(GroupState& s, MachineId m) {
    return (machine_step<Filters, true>(s, m, nullptr) && ...);
  }

  /// Every filter on machine m alone (group, class and machine level): what `fits` asks.
  static bool admits(GroupState& s, MachineId m) {
    return group_admits(s, nullptr) && class_admits(s, s.cluster.machine_class(m), 0, nullptr) &&
           machine_admits(s, m, nullptr);
  }

  /// The class-invariant machine filters on class k, asked of one of its machines.
  static bool class_invariant_admits(GroupState& s, ClassId k) {
    const MachineId rep = s.cluster.class_members(k).front();
    return (invariant_step<Filters>(s, rep) && ...);
  }

  /// The indexed search's bound: may the subtree at `node` of class k's tree hold a machine
  /// every filter with a bound admits.
  static bool node_admits(const GroupState& s, ClassId k, std::size_t node) {
    return (node_step<Filters>(s, k, node) && ...);
  }

  /// Could some member of class k take the group if it were empty and up (no placement or
  /// eviction would help anywhere when no class could: the group is unresolvable).
  static bool could_ever(GroupState& s, ClassId k) { return (could_step<Filters>(s, k) && ...); }

  /// Every filter's reasons for q, in pipeline order.
  static void explain(const ExplainQuery& q, std::vector<std::string>& out) {
    (explain_step<Filters>(q, out), ...);
    if (out.empty()) {
      (context_step<Filters>(q, out), ...);
    }
  }

 private:
  template <class F>
  static bool group_step(const GroupState& s, Diagnosis* diag) {
    if constexpr (requires { F::group_admits(s); }) {
      if (F::group_admits(s)) return true;
      if (diag) F::count_group(s, *diag);
      return false;
    } else {
      return true;
    }
  }
  template <class F>
  static bool class_step(GroupState& s, ClassId k, std::size_t weight, Diagnosis* diag) {
    if constexpr (requires { F::class_admits(s, k); }) {
      if (F::class_admits(s, k)) return true;
      if (diag) F::count_class(s, k, weight, *diag);
      return false;
    } else {
      return true;
    }
  }
  template <class F, bool SkipInvariant>
  static bool machine_step(GroupState& s, MachineId m, Counting* counting) {
    if constexpr (requires { F::admits(s, m); }) {
      if constexpr (SkipInvariant && F::class_invariant) {
        return true;
      } else {
        if (F::admits(s, m)) return true;
        if (counting) F::count(s, m, *counting);
        return false;
      }
    } else {
      return true;
    }
  }
  template <class F>
  static bool invariant_step(GroupState& s, MachineId m) {
    if constexpr (requires { F::admits(s, m); }) {
      if constexpr (F::class_invariant) return F::admits(s, m);
    }
    return true;
  }
  template <class F>
  static bool node_step(const GroupState& s, ClassId k, std::size_t node) {
    if constexpr (requires { F::node_admits(s, k, node); }) {
      return F::node_admits(s, k, node);
    } else {
      return true;
    }
  }
  template <class F>
  static bool could_step(GroupState& s, ClassId k) {
    if constexpr (requires { F::could_ever(s, k); }) {
      return F::could_ever(s, k);
    } else {
      return true;
    }
  }
  template <class F>
  static void explain_step(const ExplainQuery& q, std::vector<std::string>& out) {
    if constexpr (requires { F::explain(q, out); }) F::explain(q, out);
  }
  template <class F>
  static void context_step(const ExplainQuery& q, std::vector<std::string>& out) {
    if constexpr (requires { F::explain_in_context(q, out); }) F::explain_in_context(q, out);
  }
};

}  // namespace berth::pipeline
