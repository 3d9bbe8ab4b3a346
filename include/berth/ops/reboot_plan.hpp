#pragma once
/// \file Rolling reboot planner: ordered waves of machines, each proven safe before it runs.
///
/// A wave runs in three phases: its moves (cut into budget steps) take every unit off the
/// wave's machines onto machines that stay up; the machines go down (global instances and
/// units pinned to them stop); they come back up empty of movable units (moved units stay
/// where they went; a later rebalance may bring them back). Before a wave is accepted the
/// planner *places* every displaced unit on the working cluster (which already holds the
/// outcome of earlier waves); if one cannot be placed the wave is refused, and when no wave can
/// be formed the plan is blocked and names each blocking unit with its Diagnosis and the
/// capacity the closest machine lacks.
///
/// Wave rules: at most `max_unavailable` machines; all in one zone (`OpsOptions::zone_key`);
/// a multi-machine wave never takes down every replica a service runs in that zone (a machine
/// that alone holds them all is rebooted on its own, its units having moved first) and never
/// displaces more instances of a service than its budget allows at once (a lone machine that
/// holds more moves them in several steps).
#include <string>
#include <string_view>
#include <vector>

#include "berth/export.hpp"
#include "berth/ops/ops.hpp"
#include "berth/place/cluster.hpp"

namespace berth::ops {

struct RebootOptions {
  int max_unavailable = 1;  ///< machines down at once
};

struct Wave {
  std::vector<std::string> machines;
  std::string zone;                             ///< "" when the machines have no zone
  std::vector<Move> moves;                      ///< empties the machines before they go down
  std::vector<std::vector<std::string>> steps;  ///< moves cut by disruption budgets
  std::vector<std::string> stopped;  ///< global or pinned instances that restart with the machine
};

struct RebootPlan {
  bool safe = true;
  std::vector<Wave> waves;
  std::vector<Blocked> blocked;           ///< what stops the remaining machines
  std::vector<std::string> not_rebooted;  ///< machines left out (blocked, or not up)
  std::vector<std::string> notes;
};

/// Machines whose names match any of the comma-separated globs ("" or "*" = all), in id order.
/// Throws UsageError (361) when a glob matches nothing, naming `flag` (the option the globs
/// came from).
BERTH_API std::vector<MachineId> match_machines(const Cluster& cluster, std::string_view globs,
                                                std::string_view flag = "--machines");

/// Plans the reboot of `machines` on a copy of `cluster`.
BERTH_API RebootPlan plan_reboot(const Cluster& cluster, const std::vector<MachineId>& machines,
                                 const RebootOptions& reboot, const OpsOptions& options);

/// What `berth reboot-plan` computes from a spec: compiles it, reboots the machines matching
/// `globs` (match_machines) and adds a note when some instances have no placement in the spec
/// (the plan leaves them as they are). `*matched` (optional) receives how many machines matched.
/// Budgets whose globs name no unit are refused (check_budget_units); `flag` names the option
/// the globs came from in the error when one matches nothing.
BERTH_API RebootPlan plan_reboot_for_spec(const Spec& spec, std::string_view globs,
                                          const RebootOptions& reboot, const OpsOptions& options,
                                          std::size_t* matched = nullptr,
                                          std::string_view flag = "--machines");

}  // namespace berth::ops
