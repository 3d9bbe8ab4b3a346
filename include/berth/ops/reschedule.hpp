#pragma once
/// \file Machine failure and recovery: mark a machine down, evict what it ran, place it again.
///
/// Evicted co-location groups move whole (a main unit takes its sidekicks, wherever they ran),
/// in batch order (priority first), never onto a machine that is not up. A unit that finds no
/// machine stays pending with the same Diagnosis a fresh placement gives. Global instances on a
/// machine that is not up are *stopped*, not pending: they belong to that machine and start
/// again when it recovers.
#include <string>
#include <vector>

#include "berth/export.hpp"
#include "berth/ops/ops.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/place.hpp"
#include "berth/place/placer.hpp"

namespace berth::ops {

/// What an operation did to the cluster.
struct RescheduleResult {
  std::vector<std::string> evicted;     ///< instances taken off machines, in eviction order
  std::vector<Move> moves;              ///< instances given a machine (from = old one or "")
  std::vector<std::string> stopped;     ///< global instances stopped with their machine
  std::vector<std::string> started;     ///< global instances started again on recovery
  std::vector<PendingUnit> pending;     ///< instances left without a machine, and why
  std::vector<Preemption> preemptions;  ///< who was evicted for whom (preemption on)
};

/// True for a global instance whose machine is not up: it is stopped, not pending.
BERTH_API bool is_stopped(const Cluster& cluster, InstanceId i);
/// Groups with a member that needs a machine (stopped global instances excluded).
BERTH_API std::vector<GroupId> unplaced_groups(const Cluster& cluster);
/// Groups with a member on machine m.
BERTH_API std::vector<GroupId> groups_on(const Cluster& cluster, MachineId m);

/// Places the unassigned members of `groups` in batch order; with preemption on, a group that
/// fits nowhere may evict strictly lower-priority groups (which re-enter the queue).
BERTH_API RescheduleResult place_groups(Cluster& cluster, const std::vector<GroupId>& groups,
                                        const OpsOptions& options);
/// Every unplaced group (see unplaced_groups), as place_groups does.
BERTH_API RescheduleResult place_unplaced(Cluster& cluster, const OpsOptions& options);

/// Takes whole groups off their machines (a main unit takes its sidekicks); returns the
/// instances evicted, in order. Stopped global instances stay off without being counted.
BERTH_API std::vector<std::string> evict_groups(Cluster& cluster,
                                                const std::vector<GroupId>& groups);

/// Marks machines down, evicts what they ran and places it elsewhere (failed machines avoided).
BERTH_API RescheduleResult fail_machines(Cluster& cluster, const std::vector<MachineId>& machines,
                                         const OpsOptions& options);
/// One machine: fail_machines({m}).
BERTH_API RescheduleResult fail_machine(Cluster& cluster, MachineId m, const OpsOptions& options);
/// Marks a machine up, starts its global instances, and retries every pending unit.
BERTH_API RescheduleResult recover_machine(Cluster& cluster, MachineId m,
                                           const OpsOptions& options);

}  // namespace berth::ops
