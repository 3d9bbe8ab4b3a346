#pragma once
/// \file JSON answers of `berth place` (docs/cli.md): the contract outside tooling reads.
///   {"placements":{"web@1":"m1"},
///    "pending":[{"unit":"web@3","summary":"...","rejections":{"metadata":3},...}],
///    "utilization":{"m1":{"cpu":0.5,"memory":0.25}}, "warnings":[...]}
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "berth/explain/diagnosis.hpp"
#include "berth/export.hpp"
#include "berth/place/place.hpp"

namespace berth {

BERTH_API nlohmann::json diagnosis_to_json(const Diagnosis& d);
BERTH_API nlohmann::json placement_to_json(const PlacementResult& result);
/// `[{"unit", "machine", "victims": [...]}]`: place's preemptions.
BERTH_API nlohmann::json preemptions_to_json(const std::vector<Preemption>& preemptions);
/// `[{"machine", "over": {dimension: amount}, "must_move": [instance...]}...]`
BERTH_API nlohmann::json overcommitted_to_json(const std::vector<Overcommitted>& list);
/// The same bytes as placement_to_json(result).dump(2), written straight from the result:
/// at 100k machines the DOM costs more than the placement (one node per placement and per
/// utilization figure, copied twice).
BERTH_API std::string placement_json_text(const PlacementResult& result);
/// The same bytes handed to `sink` in pieces of about 64 KiB as they are written, so the
/// answer is never whole in memory (`berth place --format json` writes them to stdout).
BERTH_API void write_placement_json(const PlacementResult& result,
                                    const std::function<void(std::string_view)>& sink);
/// The same bytes for place_on's result, written from place_on_without_tables' result and
/// the cluster it placed on: the placements and the utilization are read off the cluster's
/// tables instead of PlacementResult's maps, which are never built (about 150 MB at 1M
/// instances).
BERTH_API void write_placement_json(const PlacementResult& result, const Cluster& cluster,
                                    const std::function<void(std::string_view)>& sink);

}  // namespace berth
