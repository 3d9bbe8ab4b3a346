#include "inputs.hpp"

#include <fmt/format.h>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"

#if __has_include("berth/fleet/load.hpp")
#include "berth/fleet/load.hpp"
#define BERTH_HAVE_FLEET 1
#endif

namespace berth::cli {

Spec load_spec_inputs(const std::vector<std::string>& inputs, const std::string& machines_file) {
  if (inputs.empty()) throw UsageError(303, "no input: give a spec (spec.json) or unit files with --machines");
  const bool single_json = inputs.size() == 1 && machines_file.empty() &&
                           (inputs[0] == "-" || (inputs[0].size() >= 5 && inputs[0].substr(inputs[0].size() - 5) == ".json") ||
#ifdef BERTH_HAVE_FLEET
                            !fleet::looks_like_unit_input(inputs[0])
#else
                            true
#endif
                           );
  if (single_json) return read_spec_file(inputs[0]);
#ifdef BERTH_HAVE_FLEET
  return fleet::load_spec(inputs, machines_file);
#else
  throw UsageError(304, "this berth was built without fleet unit-file support");
#endif
}

}  // namespace berth::cli
