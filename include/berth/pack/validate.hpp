#pragma once
/// \file Independent solution checker: written separately from the solvers on purpose, so a
/// solver bug cannot hide behind shared bookkeeping.
#include <optional>
#include <string>

#include "berth/export.hpp"
#include "berth/pack/instance.hpp"

namespace berth::pack {

/// Returns a description of the first problem found (item unpacked, bin index out of range,
/// bin over capacity, wrong bin count), or nullopt when the solution is valid.
BERTH_API std::optional<std::string> validate(const Instance& instance, const Solution& solution);

}  // namespace berth::pack
