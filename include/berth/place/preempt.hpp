#pragma once
/// \file Preemption: a unit that fits nowhere may evict strictly lower-priority units.
///
/// For every machine where the group could run once some lower-priority groups left (the
/// pipeline's own answer, Placer::fits), berth finds a smallest set of victims (greedy by
/// priority, then trimmed so no victim is evicted without need) and picks the machine whose
/// victims disturb least: fewest evictions, then the lowest priorities, then the machine name.
/// Equal or higher priorities are never evicted; unresolvable groups never preempt. Used by
/// `place --preempt` and by the operations (ops/reschedule.hpp).
#include <optional>
#include <string>
#include <vector>

#include "berth/export.hpp"
#include "berth/place/cluster.hpp"

namespace berth {

/// A higher-priority unit took a machine from lower-priority ones.
struct Preemption {
  std::string preemptor;             ///< the instance that needed room (main unit of its group)
  std::string machine;               ///< where it went
  std::vector<std::string> victims;  ///< instances evicted for it (they re-enter the queue)
};

/// A preemption carried out: group placed on `machine`, `victim_groups` left unassigned.
struct PreemptionResult {
  Preemption report;
  MachineId machine = kNone;
  std::vector<GroupId> victim_groups;
};

/// Evicts the least disruptive set of lower-priority groups and places group g; nullopt (and
/// the cluster unchanged) when no eviction of lower-priority units makes room.
BERTH_API std::optional<PreemptionResult> preempt_for(Cluster& cluster, GroupId g);

}  // namespace berth
