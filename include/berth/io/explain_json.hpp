#pragma once
/// \file `berth explain`'s JSON answer. In io, not next to explain/query.hpp, so that the
/// placement library (berth_place) has no nlohmann/json in its public interface.
#include <nlohmann/json_fwd.hpp>

#include "berth/explain/query.hpp"
#include "berth/export.hpp"

namespace berth {

/// {"unit", "machine", "fits", "reasons", "placed_on"} and, for a unit with preferences,
/// "preferences_met" (docs/cli.md#explain).
BERTH_API nlohmann::json explain_to_json(const ExplainAnswer& answer);

}  // namespace berth
