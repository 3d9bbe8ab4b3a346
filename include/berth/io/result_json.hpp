#pragma once
/// \file JSON answers of `berth place` (docs/cli.md): the contract outside tooling reads.
///   {"placements":{"web@1":"m1"},
///    "pending":[{"unit":"web@3","summary":"...","rejections":{"metadata":3},...}],
///    "utilization":{"m1":{"cpu":0.5,"memory":0.25}}, "warnings":[...]}
#include <nlohmann/json_fwd.hpp>

#include "berth/explain/diagnosis.hpp"
#include "berth/place/place.hpp"

namespace berth {

nlohmann::json diagnosis_to_json(const Diagnosis& d);
nlohmann::json placement_to_json(const PlacementResult& result);

}  // namespace berth
