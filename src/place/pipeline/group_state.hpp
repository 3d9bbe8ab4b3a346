#pragma once
// What the placement pipeline knows about the group it is placing: filled once per decision by
// Placer::prepare, read by every filter (pipeline/filters.hpp) and scorer (pipeline/scorers.hpp).
// It lives behind a pointer in Placer, so none of this is part of the public header.
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "berth/explain/diagnosis.hpp"
#include "berth/place/cluster.hpp"

namespace berth::pipeline {

/// One spread constraint of the group: Kubernetes' maxSkew rule, placing on domain d is
/// allowed when count[d] + adding - min_count <= max_skew.
struct SpreadCheck {
  UnitId unit;
  std::int64_t min_count;
  int max_skew;
  std::int64_t adding;  ///< members of this unit being placed now
};

/// A machine that passed every filter, with what ranks it.
struct Candidate {
  double score;
  MachineId machine;
  std::int64_t points = 0;  ///< preference points: compared before the score
};

/// The ranking every path uses: preference points, then the strategy's score, then the lower
/// machine id (so equal machines are chosen deterministically, by name order).
inline bool better(const Candidate& a, const Candidate& b) {
  if (a.points != b.points) return a.points > b.points;
  return a.score > b.score || (a.score == b.score && a.machine < b.machine);
}

/// Cluster::class_verdict per (unit, class), cached. Units with equal metadata requirements and
/// tolerations share one row: a row per unit cost class_count() ints for each of a million
/// units, most of them placed once.
class ClassVerdicts {
 public:
  explicit ClassVerdicts(const Cluster& cluster)
      : cluster_(cluster), filter_of_(cluster.unit_count(), kNone) {}
  ClassVerdict operator()(UnitId u, ClassId c);
  /// The id of unit u's class filters (units with equal ones share it).
  std::uint32_t filter_of(UnitId u);
  /// Where filter_of(u) keeps unit u's id (for a prefetch).
  const void* filter_slot(UnitId u) const { return &filter_of_[u]; }

 private:
  const Cluster& cluster_;
  std::vector<std::uint32_t> filter_of_;  ///< per unit, kNone until asked
  std::vector<UnitId> filter_unit_;       ///< per filter id: the first unit that had it
  std::unordered_map<std::size_t, std::vector<std::uint32_t>>
      filter_index_;  ///< hash -> filter ids
  /// Per filter id: per class, 0 = unknown, 1 = pass, k+2 = fails metadata requirement k,
  /// -(k+1) = untolerated taint k of the class.
  std::vector<std::vector<std::int32_t>> class_cache_;
};

/// The prepared group: its pending members and their summed demand, the machine it must go
/// to (pin), its units, their spread checks and conflict verdicts, its preference points.
struct GroupState {
  explicit GroupState(Cluster& c)
      : cluster(c),
        classes(c),
        demand(c.dims(), 0),
        verdict_stamp(c.unit_count(), 0),
        verdict(c.unit_count(), 0) {}

  Cluster& cluster;
  ClassVerdicts classes;

  GroupId group = kNone;
  std::vector<InstanceId> todo;      ///< the group's unassigned members
  std::vector<UnitId> units;         ///< their units, each once
  std::vector<std::int64_t> demand;  ///< summed requests of `todo`, per dimension
  MachineId follow = kNone;          ///< where an already placed member runs
  InstanceId follow_instance = kNone;
  MachineId pin = kNone;  ///< the one machine the group may use, or kNone
  std::vector<SpreadCheck> spreads;
  bool any_conflicts = false;
  /// Some unit of the group is related to another by the conflict relation
  /// (Cluster::unit_related): only then can a machine's instances conflict with the group.
  bool conflict_related = false;
  /// The highest fit level (ClassTrees::fit_levels, class_index.hpp) at or below the demand in
  /// dimension 0, or -1: the class trees are asked about the machines with at least that much free.
  int level = -1;

  // Conflict verdict of the group against each unit met on a machine, stamped with the
  // placement it belongs to, so a verdict costs one array read after the first.
  std::uint32_t stamp = 0;
  std::vector<std::uint32_t> verdict_stamp;
  std::vector<std::uint8_t> verdict;
  /// Set when a conflict verdict depended on the instance, not just its unit (so a ranking or
  /// a diagnosis does not carry over to the unit's next replica).
  bool per_instance = false;

  // Preferences: per class, the points of the class-level ones (metadata, spread,
  // PreferNoSchedule taints); the near ones, asked per machine, with the sum of their
  // positive weights as the bound for a subtree.
  bool any_preferences = false;
  bool spread_preferences = false;
  std::vector<std::int64_t> class_points;
  std::vector<const Preference*> near;
  std::int64_t near_bound = 0;

  // Per class during an indexed search (the class shares allocatable capacity): the demand
  // term of the strategy's score and the class's allocatable, for the scorers' bounds.
  double class_term = 0;
  int class_counted = 0;
  const std::int64_t* class_alloc = nullptr;
  /// The tree of class `tree_class` at the demand's fit level: its first record
  /// (ClassIndex::level_nodes) and the record stride, so the bounds asked at every node
  /// (Resources::node_admits, the scorers' bound) read the record without looking the class
  /// and the level up again. kNone / nullptr when not set for this decision (prepare clears it).
  ClassId tree_class = kNone;
  const std::int64_t* tree_level = nullptr;
  std::size_t tree_stride = 0;
  /// Class k's record at `node` at the demand's fit level, when tree_class is k; else nullptr.
  const std::int64_t* tree_record(ClassId k, std::size_t node) const {
    return tree_class == k && tree_level ? tree_level + node * tree_stride : nullptr;
  }

  const Group& grp() const { return cluster.group(group); }
};

}  // namespace berth::pipeline
