#pragma once
// How the CLI turns its positional inputs into a Spec: a JSON spec, or fleet unit files with a
// machines file (docs/fleet.md).
#include <string>
#include <vector>

#include "berth/model/spec.hpp"

namespace berth::cli {

/// Loads `inputs` (one JSON spec, or unit files/directories/template ranges when
/// `machines_file` is given or the inputs look like units).
Spec load_spec_inputs(const std::vector<std::string>& inputs, const std::string& machines_file);

}  // namespace berth::cli
