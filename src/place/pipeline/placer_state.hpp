#pragma once
// Placer's scratch, behind the pointer Placer holds: the prepared group (GroupState, which the
// filters and scorers read) plus what the indexed search, the indexed diagnosis and the
// preferences keep between calls. Everything here is reused across decisions, so placing a
// group allocates nothing once the vectors have grown.
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../shortfall_tally.hpp"
#include "group_state.hpp"

namespace berth::pipeline {

struct PlacerState : GroupState {
  using GroupState::GroupState;

  // Per unit, its instances (built on first use; instances never change after build).
  std::vector<std::uint32_t> unit_instance_start;
  std::vector<InstanceId> unit_instances;

  // The indexed diagnosis: the units that may conflict with the group, every unit's host ports
  // (sorted; built for port_units_known units), the machines to re-check for conflicts, and per
  // class the positions (leaf indexes) of the machines rejected for conflicts, sorted.
  std::vector<UnitId> targets_scratch;
  std::size_t port_units_known = static_cast<std::size_t>(-1);
  std::vector<std::pair<HostPort, UnitId>> port_units;
  std::vector<MachineId> conflict_candidates;
  std::vector<std::vector<std::uint32_t>> class_conflicts;
  /// Resource counts per (request vector, class), kept while the class is unchanged.
  detail::ClassCountsCache class_counts;

  // The indexed search. Per class its machine shape (classes with equal allocatable share one),
  // and per shape the demand term of the prepared group, stamped with the placement it belongs to.
  std::vector<std::uint32_t> class_shape;
  std::vector<std::uint32_t> shape_stamp;
  std::vector<double> shape_term;
  std::vector<int> shape_counted;
  /// Per class filters id (ClassVerdicts::filter_of): the classes that pass the class-level
  /// filters for a group of one unit with those filters, ascending; filled on first use.
  /// Class-level filters read only the units' class verdicts, which never change.
  std::vector<std::vector<ClassId>> admitted_classes;
  std::vector<std::uint8_t> admitted_known;
  /// The classes worth searching, with their root's bounds.
  struct OpenClass {
    ClassId k;
    double bound;
    std::int64_t points;
  };
  std::vector<OpenClass> open_classes;
  // The best machines found by the last indexed search, best first, and what they are valid
  // for: unit ranked_unit alone, the cluster at ranked_version. Every feasible machine not in
  // the list ranks below ranked_floor (when ranked_has_floor; otherwise there is none).
  std::vector<Candidate> ranked;
  std::size_t ranked_limit = 1;
  UnitId ranked_unit = kNone;
  std::uint64_t ranked_version = 0;
  bool ranked_has_floor = false;
  Candidate ranked_floor{0.0, kNone};

  // The journal: which machines changed, and at which cluster version, for every change in
  // (journal_base, journal_version]. Placer::commit writes one entry per placement; a single
  // change made by anyone else is read from Cluster::last_changed; any other gap (a rollback, a
  // batch of moves) cannot be told apart and starts the journal over. A memo taken at version
  // v >= journal_base is brought up to date by looking again at the machines of the entries
  // after v, and only at those: every other machine is as it was at v.
  struct JournalEntry {
    std::uint64_t version;  ///< the cluster's version after the change
    MachineId machine;
  };
  std::vector<JournalEntry> journal;
  std::uint64_t journal_base = 0;
  std::uint64_t journal_version = 0;
  /// Per machine: the version of its newest entry (so a machine changed k times since a memo
  /// is looked at once).
  std::vector<std::uint64_t> machine_logged;

  // Shape memos: the ranking of the last indexed search for a lone instance whose answer depends
  // only on its class filters (ClassVerdicts::filter_of) and its request vector. Such a unit
  // takes part in no conflict relation, no spread and no preference, so every filter and score
  // reads only that and the machine: units of one shape (the realistic mix has ~900 of them
  // among 700k units) ask the same question, and a memo answers it after looking again at the
  // machines changed since (the journal). Same invariant as the replica ranking above: `ranked`
  // holds the best feasible machines, exactly scored, and every feasible machine outside it
  // ranks below `floor` (when has_floor; otherwise there is none).
  struct ShapeMemo {
    std::vector<Candidate> ranked;
    std::uint64_t version = 0;
    bool valid = false;
    bool has_floor = false;
    Candidate floor{0.0, kNone};
  };
  std::vector<ShapeMemo> shape_memos;
  /// Per memo: its key, filter id then the request vector (dims() + 1 values).
  std::vector<std::int64_t> shape_memo_keys;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> shape_memo_index;
  /// Per unit: its memo id, kNone until asked.
  std::vector<std::uint32_t> shape_memo_of;

  /// Per (unit, spread preference): whether each class holds a least-filled domain now.
  std::vector<std::uint8_t> spread_met_scratch;
  // The group the state was last prepared for, and the cluster version then: lets points_of
  // answer a strategy ranking many machines for one group without re-preparing.
  GroupId prepared_group = kNone;
  std::uint64_t prepared_version = 0;
};

}  // namespace berth::pipeline
