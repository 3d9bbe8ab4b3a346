#pragma once
/// \file The placement pipeline for one co-location group:
///   unresolvable group (contradiction) -> pin -> class filters: metadata, taints (per machine
///   class, cached: Cluster::class_verdict) -> state -> conflicts and host ports (one pairwise
///   relation: Cluster::conflicts) -> spread -> resources
/// (cheapest filters first), then every surviving machine is scored by the strategy and the
/// best one wins; ties go to the machine whose name sorts first. Every rejection is counted
/// into a Diagnosis as it happens, so explanations are exact and cost nothing extra.
/// docs/architecture.md lists which path runs which filter.
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "berth/explain/diagnosis.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/strategy.hpp"

namespace berth {

class BERTH_API Placer {
 public:
  Placer(Cluster& cluster, StrategyKind strategy);

  /// The best machine for the unassigned members of group g, or kNone. When `diagnosis` is
  /// given it receives the counts (always complete: they add up to the machines considered).
  /// Without a diagnosis the class indexes are searched (branch and bound); with one, the
  /// diagnosis comes from diagnose() (or from the scan when Shortcuts::indexed_diagnosis is
  /// off) and the machine from the indexed search. Every way returns the same machine: scores
  /// are computed identically and ties go to the lower machine id.
  MachineId select(GroupId g, Diagnosis* diagnosis = nullptr);
  /// The exhaustive scan: visits every machine (class by class for metadata). The reference
  /// the indexed search and diagnose() are tested against.
  MachineId select_scan(GroupId g, Diagnosis* diagnosis = nullptr);
  /// The diagnosis select_scan would give, field by field, without visiting every machine:
  /// metadata per class (class sizes), machines not up from the class trees' up counts,
  /// conflicts from where the conflicting units' instances run, spread per class, resources
  /// from the class trees (subtrees whose up machines all fit, or all miss the same single
  /// dimension, are counted wholesale; the rest is descended). Pinned groups (one machine to
  /// look at) go through the scan. Returns the same machine as select_scan.
  MachineId select_diagnosed(GroupId g, Diagnosis* diagnosis);
  /// The indexed search (what select does otherwise).
  MachineId select_indexed(GroupId g);
  /// The score `select` ranks machine m by for the group's pending demand (higher is better),
  /// among machines with equal preference points (points_of).
  double score_of(GroupId g, MachineId m);
  /// The group's preference points on m: the weights of the preferences m meets, plus the
  /// penalty of each PreferNoSchedule taint not tolerated (kPreferNoSchedulePoints). Machines
  /// rank by points first, then by the strategy's score, then by name: preferences order,
  /// the strategy breaks ties, and integer points keep it deterministic.
  std::int64_t points_of(GroupId g, MachineId m);
  /// Whether machines differ in points for group g at all (some member has preferences, or
  /// some machine a PreferNoSchedule taint): batch strategies skip points_of otherwise.
  bool scores_preferences(GroupId g);
  /// Assigns every unassigned member of g to m, recording which preferences m met (as
  /// place_group does). For strategies that choose m themselves and verified it with fits().
  void commit(GroupId g, MachineId m);
  /// Points per untolerated PreferNoSchedule taint (kube's TaintToleration score, as a preference).
  static constexpr std::int64_t kPreferNoSchedulePoints = -25;
  /// The preferences of instance i's unit that machine m meets now (descriptions, in the
  /// unit's order), as `place` reports them under `preferences_met` and `explain` prints them.
  std::vector<std::string> preferences_met(InstanceId i, MachineId m);
  /// What place_group recorded for every instance it placed whose unit has preferences: the
  /// preferences its machine met at the moment it was chosen.
  const std::map<InstanceId, std::vector<std::string>>& recorded_preferences() const { return recorded_; }
  /// select() and, when a machine is found, assign every unassigned member there.
  MachineId place_group(GroupId g, Diagnosis* diagnosis = nullptr);
  /// Places every group with unassigned members in batch order; returns the diagnosis of
  /// each group left pending, in order.
  std::vector<Diagnosis> place_pending();
  /// Batch order: priority (high first), pinned before free, dominant share of the cluster
  /// (large first), then name.
  std::vector<GroupId> batch_order(std::vector<GroupId> groups) const;
  /// Every reason instance i cannot go on machine m, as text lines (empty: it can).
  std::vector<std::string> explain(InstanceId i, MachineId m);
  /// True when the unassigned members of group g may go on m now: the same filters as select
  /// (pin, metadata, state, conflicts, spread, resources), on m alone, without copying. What
  /// batch strategies (place/batch.hpp) use to verify their own choices before committing.
  bool fits(GroupId g, MachineId m);
  /// True when group g (taken off its machines) may go on m. Copies the cluster: for queries,
  /// not for loops.
  bool feasible(GroupId g, MachineId m);

  /// Search shortcuts, on by default; off gives the plain branch and bound, for benchmarks
  /// that compare the two (the answers are the same either way).
  struct Shortcuts {
    bool fit_levels = true;     ///< use the class trees' per-level maxima
    bool rank_replicas = true;  ///< carry one search's ranking over a unit's next replicas
    /// select(g, &diagnosis) diagnoses through the indexes (select_diagnosed) instead of the
    /// scan. Off when the environment variable BERTH_DIAGNOSE_BY_SCAN is set (for benchmarks:
    /// the same binary measures both; the output is the same).
    bool indexed_diagnosis = true;
  };
  void set_shortcuts(Shortcuts s) {
    shortcuts_ = s;
    ranked_unit_ = kNone;
  }

  Cluster& cluster() { return cluster_; }
  StrategyKind strategy() const { return strategy_; }

 private:
  struct SpreadCheck {
    UnitId unit;
    std::int64_t min_count;
    int max_skew;
    std::int64_t adding;  ///< members of this unit being placed now
  };
  /// Fills the scratch state for group g; false when nothing is left to place.
  bool prepare(GroupId g);
  /// Cluster::class_verdict(u, c), cached per unit and class.
  ClassVerdict class_failure(UnitId u, ClassId c);
  bool class_ok(UnitId u, ClassId c) { return class_failure(u, c).ok(); }
  /// The first group unit that class c rejects (and why), or false when every unit passes;
  /// counts the rejection `weight` times into diag when given.
  bool class_rejects(ClassId c, std::size_t weight, Diagnosis* diag);
  /// Counts machine m's rejection for conflicting with instance `with` (a glob conflict, or
  /// only a shared host port: `port 80/tcp taken by web1`).
  void count_conflict(Diagnosis& diag, InstanceId with) const;
  /// Whether some machine could take the prepared group if it were empty and up: the filters
  /// no placement or eviction changes (pin, class filters, spread key, allocatable).
  bool resolvable();
  /// Fills a diagnosis for a group that contradicts itself (Group::unresolvable).
  void diagnose_contradiction(GroupId g, Diagnosis& diag) const;
  /// Spread verdict for machine m: 0 ok, 1 lacks the key, 2 over max_skew (first failing check
  /// in `failed`).
  int spread_verdict(MachineId m, const SpreadCheck** failed) const;
  bool conflicts_on(MachineId m, InstanceId* with) const;
  /// Score from the machine's counts; `bound_*` variants give an upper bound for a subtree.
  double score(MachineId m) const;
  double demand_term(MachineId m, int* counted) const;
  /// A machine that fits, with its score; `better` is the ranking select() uses.
  struct Candidate {
    double score;
    MachineId machine;
    std::int64_t points = 0;  ///< preference points: compared before the score
  };
  static bool better(const Candidate& a, const Candidate& b) {
    if (a.points != b.points) return a.points > b.points;
    return a.score > b.score || (a.score == b.score && a.machine < b.machine);
  }
  /// Preference points of machine m for the prepared group (0 without preferences).
  std::int64_t points(MachineId m) const;
  /// Fills class_points_ and the near-preference scratch for the prepared group.
  void prepare_preferences();
  /// Per unit, its instances (unit_instance_start_/unit_instances_), built on first use.
  void index_unit_instances();
  /// Whether unit u's preference k holds on machine m now.
  bool preference_met(UnitId u, std::size_t k, MachineId m);
  /// Per class: 1 when it holds one of the least-filled domains of `key` for unit u (a spread
  /// preference is met there). Scratch: valid until the next call.
  std::vector<std::uint8_t>& least_filled_classes(UnitId u, const std::string& key);
  /// Puts a feasible machine into ranked_ (kept sorted, at most ranked_limit_ long).
  void offer(Candidate c);
  /// Branch and bound over class k's tree, collecting the ranked_limit_ best machines. The
  /// node fits (node_fits) and has members; `bound` is its node_bound.
  void search(ClassId k, std::size_t node, std::size_t first_leaf, std::size_t span, double bound);
  /// The next replica's answer from the previous search's ranking, or false when a new
  /// search is needed (see select_indexed for why this equals a fresh search).
  bool reuse_ranking(UnitId u, MachineId* answer);
  double node_bound(ClassId k, std::size_t node) const;
  bool node_fits(ClassId k, std::size_t node) const;
  /// Appends the units whose instances may conflict with unit u's, either way (unsorted,
  /// possibly repeated): from Cluster::conflict_peers, match_all_units and the host ports.
  void conflict_targets(UnitId u, std::vector<UnitId>& out);
  /// Per unit, its instances (built on first use; instances never change after build).
  std::vector<std::uint32_t> unit_instance_start_;
  std::vector<InstanceId> unit_instances_;
  std::vector<UnitId> targets_scratch_;
  std::size_t port_units_known_ = static_cast<std::size_t>(-1);  ///< unit count port_units_ was built for
  std::vector<std::pair<HostPort, UnitId>> port_units_;  ///< every unit's host ports, sorted
  // Scratch for select_diagnosed: machines to re-check for conflicts, and per class the
  // positions (leaf indexes) of the machines rejected for conflicts, sorted.
  std::vector<MachineId> conflict_candidates_;
  std::vector<std::vector<std::uint32_t>> class_conflicts_;

  std::vector<InstanceId> todo_;
  // Conflict verdict of the current group against each unit met on a machine, stamped with
  // the placement it belongs to, so a verdict costs one array read after the first.
  std::uint32_t stamp_ = 0;
  mutable std::vector<std::uint32_t> verdict_stamp_;
  mutable std::vector<std::uint8_t> verdict_;
  std::vector<UnitId> units_;
  std::vector<SpreadCheck> spreads_;
  bool any_conflicts_ = false;
  /// Some unit of the prepared group is related to another by the conflict relation
  /// (Cluster::unit_related): only then can a machine's instances conflict with the group.
  bool conflict_related_ = false;
  // Per class during an indexed search (the class shares allocatable capacity).
  double class_term_ = 0;
  int class_counted_ = 0;
  const std::int64_t* class_alloc_ = nullptr;
  /// Per class: its machine shape (classes with equal allocatable share one), and per shape
  /// the demand term of the prepared group, stamped with the placement it belongs to.
  void index_shapes();
  std::vector<std::uint32_t> class_shape_;
  std::vector<std::uint32_t> shape_stamp_;
  std::vector<double> shape_term_;
  std::vector<int> shape_counted_;
  /// Scratch of select_indexed: the classes worth searching, with their root's bounds.
  struct OpenClass {
    ClassId k;
    double bound;
    std::int64_t points;
  };
  std::vector<OpenClass> open_classes_;
  // The highest fit level (Cluster::fit_levels) at or below the demand in dimension 0, or -1:
  // the class trees are asked about the machines with at least that much free.
  int level_ = -1;
  Shortcuts shortcuts_;
  MachineId follow_ = kNone;
  InstanceId follow_instance_ = kNone;
  // The best machines found by the last indexed search, best first, and what they are valid
  // for: unit ranked_unit_ alone, the cluster at ranked_version_. Every feasible machine not
  // in the list ranks below ranked_floor_ (when ranked_has_floor_; otherwise there is none).
  std::vector<Candidate> ranked_;
  std::size_t ranked_limit_ = 1;
  UnitId ranked_unit_ = kNone;
  std::uint64_t ranked_version_ = 0;
  bool ranked_has_floor_ = false;
  Candidate ranked_floor_{0.0, kNone};
  // Set when a conflict verdict depended on the instance, not just its unit (so the ranking
  // does not carry over to the unit's next replica).
  mutable bool per_instance_ = false;

  Cluster& cluster_;
  StrategyKind strategy_;
  /// The id of unit u's class filters (its metadata requirements and tolerations): units with
  /// equal ones share it, and so their class_cache_ row.
  std::uint32_t filter_of(UnitId u);
  std::vector<std::uint32_t> filter_of_;  ///< per unit, kNone until asked
  std::vector<UnitId> filter_unit_;       ///< per filter id: the first unit that had it
  std::unordered_map<std::size_t, std::vector<std::uint32_t>> filter_index_;  ///< hash -> filter ids
  /// Per filter id: per class, 0 = unknown, 1 = pass, k+2 = fails metadata requirement k,
  /// -(k+1) = untolerated taint k of the class.
  std::vector<std::vector<std::int32_t>> class_cache_;
  std::vector<std::int64_t> demand_;  ///< scratch, reused across calls (no allocation per placement)
  // Preferences of the prepared group: per class, the points of the class-level ones
  // (metadata, spread, PreferNoSchedule taints); the near ones, asked per machine, with the
  // sum of their positive weights as the bound for a subtree.
  bool any_preferences_ = false;
  bool spread_preferences_ = false;
  std::vector<std::int64_t> class_points_;
  struct NearPreference {
    const Preference* preference;
  };
  std::vector<NearPreference> near_;
  std::int64_t near_bound_ = 0;
  /// Per (unit, spread preference): whether each class holds a least-filled domain now.
  std::vector<std::uint8_t> spread_met_scratch_;
  std::map<InstanceId, std::vector<std::string>> recorded_;
  // The group the scratch state was last prepared for, and the cluster version then: lets
  // points_of answer a strategy ranking many machines for one group without re-preparing.
  GroupId prepared_group_ = kNone;
  std::uint64_t prepared_version_ = 0;
};

}  // namespace berth
