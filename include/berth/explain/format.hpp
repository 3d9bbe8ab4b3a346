#pragma once
/// \file Text people read: the placement table and the explanations under it.
#include <string>

#include "berth/place/place.hpp"

namespace berth {

/// A table of machines (units, utilization per dimension) followed by one line per pending
/// unit and any warnings.
std::string format_placement_text(const Spec& spec, const PlacementResult& result);

}  // namespace berth
