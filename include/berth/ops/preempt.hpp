#pragma once
/// \file Preemption: a unit that fits nowhere may evict strictly lower-priority units.
///
/// For every machine where the group could run once some lower-priority groups left, berth
/// finds a smallest set of victims (greedy by priority, then trimmed so no victim is evicted
/// without need) and picks the machine whose victims disturb least: fewest evictions, then the
/// lowest priorities, then the machine name. Equal or higher priorities are never evicted.
#include <optional>
#include <vector>

#include "berth/ops/ops.hpp"
#include "berth/place/cluster.hpp"

namespace berth::ops {

/// A preemption carried out: group placed on `machine`, `victim_groups` left unassigned.
struct PreemptionResult {
  Preemption report;
  MachineId machine = kNone;
  std::vector<GroupId> victim_groups;
};

/// True when every unassigned member of group g may go on machine m now (state, pin,
/// co-location, metadata, conflicts, spread, capacity): the placer's filters for one machine.
bool can_host(const Cluster& cluster, GroupId g, MachineId m);

/// Evicts the least disruptive set of lower-priority groups and places group g; nullopt (and
/// the cluster unchanged) when no eviction of lower-priority units makes room.
std::optional<PreemptionResult> preempt_for(Cluster& cluster, GroupId g);

}  // namespace berth::ops
