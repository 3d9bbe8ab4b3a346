#include "inputs.hpp"

#include <fmt/format.h>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"

#include "berth/fleet/load.hpp"

namespace berth::cli {

bool is_unit_input(const std::vector<std::string>& inputs, const std::string& machines_file) {
  const bool single_json =
      inputs.size() == 1 && machines_file.empty() &&
      (inputs[0] == "-" ||
       (inputs[0].size() >= 5 && inputs[0].substr(inputs[0].size() - 5) == ".json") ||
       !fleet::looks_like_unit_input(inputs[0]));
  return !single_json;
}

Spec load_spec_inputs(const std::vector<std::string>& inputs, const std::string& machines_file,
                      const std::string& default_requests, bool machines_required) {
  if (inputs.empty())
    throw UsageError(303, "no input: give a spec (spec.json) or unit files with --machines");
  if (!is_unit_input(inputs, machines_file)) {
    if (!default_requests.empty()) {
      throw UsageError(
          367,
          fmt::format("--default-requests {}: only fleet unit files are given default requests; "
                      "the units of a JSON spec are sized as written",
                      default_requests));
    }
    return read_spec_file(inputs[0]);
  }
  if (machines_file.empty() && machines_required) {
    throw UsageError(
        309, fmt::format("--machines: unit files ({}{}) need a machines file to be placed on; give "
                         "--machines FILE (fleet-style machines or a JSON spec, docs/fleet.md)",
                         inputs[0],
                         inputs.size() > 1 ? fmt::format(" and {} more", inputs.size() - 1) : ""));
  }
  fleet::LoadOptions options;
  if (!default_requests.empty())
    options.default_requests = fleet::parse_default_requests(default_requests);
  return fleet::load_spec(inputs, machines_file, options);
}

void add_unit_input_options(CLI::App* cmd, std::string* machines, std::string& default_requests) {
  if (machines)
    cmd->add_option("--machines", *machines,
                    "Machines file for unit-file input (fleet-style or a JSON spec)");
  cmd->add_option("--default-requests", default_requests,
                  "Requests of unit files that declare none, per dimension (default "
                  "cpu=100m,memory=128Mi; none = "
                  "zero-sized)");
}

Spec load_layout_inputs(const std::vector<std::string>& inputs, const std::string& machines_file,
                        const std::string& default_requests, const PlaceOptions& options) {
  Spec spec = load_spec_inputs(inputs, machines_file, default_requests);
  if (is_unit_input(inputs, machines_file)) spec.placements = place(spec, options).placements;
  return spec;
}

}  // namespace berth::cli
