#pragma once
/// \file Text people read: the placement table and the explanations under it.
#include <string>

#include "berth/export.hpp"
#include "berth/place/place.hpp"

namespace berth {

/// A table of machines (units, utilization per dimension) followed by one line per pending
/// unit and any warnings.
BERTH_API std::string format_placement_text(const Spec& spec, const PlacementResult& result);

/// One line per pending instance, except that consecutive instances pending for the same
/// reason are one line: `web@3 .. web@100 (98 instances): 0/1 machines fit: ...`. What
/// `place`, `capacity` and `simulate` print under "pending".
BERTH_API std::vector<std::string> fold_pending_lines(const std::vector<PendingUnit>& pending);

}  // namespace berth
