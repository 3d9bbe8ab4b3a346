#pragma once
/// \file Spelling hints for unknown keys.
#include <string>
#include <string_view>
#include <vector>

#include "berth/export.hpp"

namespace berth::fleet {

/// The candidate closest to `word` (case-insensitive edit distance <= max(2, len/3)), or "".
BERTH_API std::string did_you_mean(std::string_view word,
                                   const std::vector<std::string>& candidates);

}  // namespace berth::fleet
