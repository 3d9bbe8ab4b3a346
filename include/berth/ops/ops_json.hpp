#pragma once
/// \file JSON of the operations (docs/ops.md): the events file `berth simulate` replays, and the
/// answers of `simulate`, `reboot-plan`, `drain` and `rebalance`.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "berth/export.hpp"
#include "berth/ops/drain.hpp"
#include "berth/ops/rebalance.hpp"
#include "berth/ops/reboot_plan.hpp"
#include "berth/ops/simulate.hpp"

namespace berth::ops {

/// Parses an events file. Syntax errors: ParseError (101) with file:line:column; meaning
/// errors: ValidationError (290-299) naming `events[3].type` and the value; an unknown field is
/// ValidationError 203, as in a spec.
BERTH_API Scenario parse_scenario_json(std::string_view text,
                                       const std::string& filename = "<events>");
/// Reads and parses an events file ("-" is standard input).
BERTH_API Scenario read_scenario_file(const std::string& path);

/// `{"safe":true,"waves":[{"machines":["m1"],"moves":{"web@1":"m7"},...}],"blocked":[...]}`
BERTH_API nlohmann::json reboot_plan_to_json(const RebootPlan& plan);
BERTH_API nlohmann::json drain_to_json(const DrainResult& result);
BERTH_API nlohmann::json rebalance_to_json(const RebalanceResult& result);
/// `{"log":[...],"summary":{...},"pending":[...]}`
BERTH_API nlohmann::json simulation_to_json(const Simulator& sim);
BERTH_API nlohmann::json blocked_to_json(const Blocked& b);

}  // namespace berth::ops
