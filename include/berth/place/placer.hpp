#pragma once
/// \file The placement pipeline for one co-location group. The filters are types composed in
/// one list (src/place/pipeline/filters.hpp):
///   contradiction -> pin -> metadata -> taints (both per machine class, cached) -> state ->
///   conflicts and host ports (one pairwise relation: Cluster::conflicts) -> spread -> resources
/// (cheapest first), then every surviving machine is ranked by preference points and the
/// strategy's score (src/place/pipeline/scorers.hpp) and the best one wins; ties go to the
/// machine whose name sorts first. Every rejection is counted into a Diagnosis under the first
/// filter that rejects, so explanations are exact. Every path below runs that one list;
/// docs/architecture.md says how.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "berth/explain/diagnosis.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/strategy.hpp"

namespace berth {

namespace pipeline {
struct PlacerState;
struct Candidate;
}  // namespace pipeline

class BERTH_API Placer {
 public:
  /// Binds to `cluster` for the Placer's lifetime. The Placer keeps caches sized for that
  /// cluster and keyed on Cluster::version(), which counts the changes made through the
  /// cluster's own members (assign, unassign, set_state, rollback): change it only through them
  /// while the Placer lives. Assigning another Cluster object to it (`cluster = other`) replaces
  /// what those caches describe without their knowing; make a new Placer after that.
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
  const std::map<InstanceId, std::vector<std::string>>& recorded_preferences() const {
    return recorded_;
  }
  /// select() and, when a machine is found, assign every unassigned member there.
  MachineId place_group(GroupId g, Diagnosis* diagnosis = nullptr);
  /// Places every group with unassigned members in batch order; returns the diagnosis of
  /// each group left pending, in order.
  std::vector<Diagnosis> place_pending();
  /// Batch order: priority (high first), pinned before free, dominant share of the cluster
  /// (large first), then name.
  std::vector<GroupId> batch_order(const std::vector<GroupId>& groups) const;
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
    /// carry one search's ranking over to the next lone instance asking the same question
    /// (same class filters and request vector, no conflict, spread or preference)
    bool rank_shapes = true;
    /// select(g, &diagnosis) diagnoses through the indexes (select_diagnosed) instead of the
    /// scan. Off with PlaceOptions::diagnose_by_scan (for benchmarks: the same binary measures
    /// both; the output is the same).
    bool indexed_diagnosis = true;
  };
  void set_shortcuts(Shortcuts s);

  Cluster& cluster() { return cluster_; }
  StrategyKind strategy() const { return strategy_; }

  Placer(const Placer&) = delete;
  Placer& operator=(const Placer&) = delete;
  ~Placer();

 private:
  /// Fills the scratch state for group g; false when nothing is left to place.
  bool prepare(GroupId g);
  /// Whether some machine could take the prepared group if it were empty and up: the filters
  /// no placement or eviction changes (pipeline::Filters::could_ever).
  bool resolvable();
  /// Score of machine m for the prepared group under the strategy (pipeline/scorers.hpp).
  double score(MachineId m) const;
  /// Fills the preference points of the prepared group (GroupState::class_points, near).
  void prepare_preferences();
  /// Per unit, its instances (PlacerState::unit_instances), built on first use.
  void index_unit_instances();
  /// Whether unit u's preference k holds on machine m now.
  bool preference_met(UnitId u, std::size_t k, MachineId m);
  /// Per class: 1 when it holds one of the least-filled domains of `key` for unit u (a spread
  /// preference is met there). Scratch: valid until the next call.
  std::vector<std::uint8_t>& least_filled_classes(UnitId u, const std::string& key);
  /// Puts a machine that passed every filter into the ranking (kept sorted, at most
  /// ranked_limit long).
  void offer(pipeline::Candidate c);
  /// Branch and bound over class k's tree with the strategy's scorer, collecting the
  /// ranked_limit best machines. The node passes Filters::node_admits and has members; `bound`
  /// is its scorer bound.
  template <class Scorer>
  void search(ClassId k, std::size_t node, std::size_t first_leaf, std::size_t span, double bound);
  /// The next replica's answer from the previous search's ranking, or false when a new
  /// search is needed (see select_indexed for why this equals a fresh search).
  bool reuse_ranking(UnitId u, MachineId* answer);
  /// The prepared lone instance's answer from its shape's memo (an index into PlacerState's)
  /// brought up to date through the journal (pipeline/placer_state.hpp), or false when a new search
  /// is needed.
  bool replay_memo(std::uint32_t memo, MachineId* answer);
  /// Appends the units whose instances may conflict with unit u's, either way (unsorted,
  /// possibly repeated): from Cluster::conflict_peers, match_all_units and the host ports.
  void conflict_targets(UnitId u, std::vector<UnitId>& out);
  /// select_diagnosed's conflict step: counts the machines the conflict filter rejects among
  /// those where the group's conflict targets run (classes that passed: class_pass), and keeps
  /// their positions per class (PlacerState::class_conflicts).
  void diagnose_conflicts(const std::vector<std::uint8_t>& class_pass, Diagnosis& diag);
  /// Per class its machine shape (PlacerState::class_shape).
  void index_shapes();
  /// Asks the memory system early for what deciding group `order[n]` will read, one hop of
  /// the chain group -> members -> instance -> per-unit rows per `stage` (3 = the group
  /// record, 0 = the unit's rows), so place_pending can issue each hop a few groups ahead.
  /// Only a hint: nothing is read that the decision would not read, and nothing changes.
  void prefetch(const std::vector<GroupId>& order, std::size_t n, int stage) const;

  Cluster& cluster_;
  StrategyKind strategy_;
  Shortcuts shortcuts_;
  /// The prepared group and every scratch buffer (src/place/pipeline/placer_state.hpp).
  std::unique_ptr<pipeline::PlacerState> s_;
  std::map<InstanceId, std::vector<std::string>> recorded_;
};

}  // namespace berth
