#pragma once
/// \file Drain: move every unit off a machine before maintenance, within disruption budgets.
///
/// The machine is marked `draining` (it takes no new units). Its co-location groups are placed
/// elsewhere in batch order; the moves are cut into steps so that no step takes more instances
/// of a service down than its budget allows (instances already pending count against it).
/// Global instances stay (they stop when the machine goes down); a unit pinned to the machine,
/// one no machine can take, or one its budget allows no disruption for stays and is reported
/// as Blocked.
#include <string>
#include <vector>

#include "berth/export.hpp"
#include "berth/ops/ops.hpp"
#include "berth/place/cluster.hpp"

namespace berth::ops {

struct BERTH_API DrainResult {
  std::string machine;
  /// Moves in execution order; each step stops at most a budget's worth of each service.
  std::vector<std::vector<Move>> steps;
  std::vector<Blocked> blocked;        ///< units that stay on the machine, and why
  std::vector<std::string> remaining;  ///< instances still on the machine (stopped + blocked)
  /// Instances that stay and stop with the machine when it goes down, restarting with it
  /// (never blocking): global instances, instances pinned to it (kube DaemonSet and static
  /// pods, fleet MachineID=), and instances with no other home when their service's budget
  /// allows them down (BudgetTable::allowed_to_stop). Natural order.
  std::vector<std::string> stopped;
  bool complete() const { return blocked.empty(); }
  std::size_t move_count() const;
};

/// Drains machine m of `cluster` (state becomes draining, moves applied).
BERTH_API DrainResult drain(Cluster& cluster, MachineId m, const OpsOptions& options);
/// The same on a copy: what a drain would do.
BERTH_API DrainResult plan_drain(const Cluster& cluster, MachineId m, const OpsOptions& options);

/// Cuts moves (in order) into steps that respect `budgets`: a step takes at most
/// allowed_down(u) - already_down[s] instances of u's service s (already_down is per service,
/// BudgetTable::down_now); co-located groups stay in one step. A group whose service has no
/// allowance left is returned in `refused` instead.
BERTH_API std::vector<std::vector<Move>> split_into_steps(
    const Cluster& cluster, const std::vector<Move>& moves, const BudgetTable& budgets,
    const std::vector<std::int64_t>& already_down, std::vector<std::string>* refused = nullptr);

}  // namespace berth::ops
