#pragma once
/// \file Spelling hints for error messages ("unknown field \"cpus\"; did you mean \"cpu\"?").
/// Below every library (berth_model) because the spec reader, the cluster compiler, the strategy
/// names and the operations all hint with the same rule.
#include <string>
#include <string_view>
#include <vector>

#include "berth/export.hpp"

namespace berth {

/// The closest of `candidates` to `word` within a small edit distance (max(2, len/3)), or "".
BERTH_API std::string did_you_mean(std::string_view word,
                                   const std::vector<std::string>& candidates);

}  // namespace berth
