#pragma once
/// \file What `berth compare` reads and prints (docs/cli.md#compare), shared by the CLI and the
/// Python module so that both give the same answers to the same input.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "berth/export.hpp"
#include "berth/place/compare.hpp"

namespace berth {

/// A comma-separated list of strategy names, or "all" (every name, online then batch).
/// Throws UsageError 390 (empty name), 391 ("all" among other names), 392 (a name twice),
/// 302 (unknown name), before anything is placed.
BERTH_API std::vector<std::string> parse_strategy_list(const std::string& text);

/// {"instances": N, "strategies": [{"strategy", "placed", "pending", "machines_used",
/// "machines_up", "seconds", "seconds_per_placement", "dimensions": {...}}...]}.
BERTH_API nlohmann::json compare_to_json(const std::vector<PlacementMetrics>& rows);

}  // namespace berth
