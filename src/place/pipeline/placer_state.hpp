#pragma once
// Placer's scratch, behind the pointer Placer holds: the prepared group (GroupState, which the
// filters and scorers read) plus what the indexed search, the indexed diagnosis and the
// preferences keep between calls. Everything here is reused across decisions, so placing a
// group allocates nothing once the vectors have grown.
#include <cstdint>
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

  /// Per (unit, spread preference): whether each class holds a least-filled domain now.
  std::vector<std::uint8_t> spread_met_scratch;
  // The group the state was last prepared for, and the cluster version then: lets points_of
  // answer a strategy ranking many machines for one group without re-preparing.
  GroupId prepared_group = kNone;
  std::uint64_t prepared_version = 0;
};

}  // namespace berth::pipeline
