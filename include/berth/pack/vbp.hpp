#pragma once
/// \file Reader for VPSolver's ".vbp" vector packing format (any number of dimensions).
///
/// Format (whitespace separated integers): d; d capacities; m; then m lines of d sizes and a
/// demand. A demand of k stands for k identical items. Errors are ParseError ids 150-159
/// (catalogue in docs/pack.md).
#include <filesystem>
#include <istream>
#include <string>

#include "berth/export.hpp"
#include "berth/pack/instance.hpp"

namespace berth::pack {

/// Parses a .vbp text; `file` names it in error locations.
BERTH_API Instance read_vbp(std::istream& in, const std::string& file = "<input>");
/// Parses a .vbp string.
BERTH_API Instance parse_vbp(const std::string& text, const std::string& file = "<input>");
/// Loads a .vbp file; a missing file is ParseError 150.
BERTH_API Instance load_vbp(const std::filesystem::path& path);

/// Writes an instance in .vbp form (demand 1 per line).
BERTH_API std::string to_vbp(const Instance& instance);

}  // namespace berth::pack
