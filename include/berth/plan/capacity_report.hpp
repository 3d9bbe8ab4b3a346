#pragma once
/// \file A capacity plan as people and programs read it: text, JSON (the contract in
/// docs/capacity.md) and a self-contained HTML report. All three come from the same
/// ClusterReport, so they show the same numbers.
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "berth/export.hpp"
#include "berth/plan/capacity.hpp"
#include "berth/plan/report.hpp"

namespace berth::plan {

/// {"machines":[{"type","count","names","cost_each","cost"}],"cost","lower_bound","gap",
///  "placements":{instance: machine}, "feasible", "headroom":{...}, "bounds":[...],
///  "report":{...}, "unplaceable":[...], "pending":[...], "notes":[...]}.
/// Costs are decimal numbers; "*_micros" fields carry the exact integers.
BERTH_API nlohmann::json capacity_to_json(const CapacityPlan& plan, const ClusterReport& report);
/// The per-type/per-machine report as JSON (shared with `berth whatif`).
BERTH_API nlohmann::json report_to_json(const ClusterReport& report);
BERTH_API std::string format_capacity_text(const CapacityPlan& plan, const ClusterReport& report);
BERTH_API std::string capacity_html(const CapacityPlan& plan, const ClusterReport& report);

/// The report of a plan's final cluster.
BERTH_API ClusterReport report_of(const CapacityPlan& plan, const Catalogue& catalogue);

}  // namespace berth::plan
