#pragma once
// How the CLI turns its positional inputs into a Spec: a JSON spec, or fleet unit files with a
// machines file (docs/fleet.md). Every verb that reads a cluster reads it through here, so
// `--machines FILE UNITS...` works the same on all of them.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "berth/model/spec.hpp"
#include "berth/place/place.hpp"

namespace berth::cli {

/// True when `inputs` are read as fleet unit files (several inputs, a machines file, or a
/// single argument that looks like a unit file, directory or range), false for one JSON spec.
bool is_unit_input(const std::vector<std::string>& inputs, const std::string& machines_file);

/// Loads `inputs` (one JSON spec, or unit files/directories/template ranges when
/// `machines_file` is given or the inputs look like units). Unit files without a machines file
/// are a usage error (usage.309) when `machines_required` (every verb but `capacity`, whose
/// machines are only an existing cluster to extend): placing them on no machine would only say
/// "0/0 machines fit".
/// `default_requests` is `--default-requests` ("" = the documented default, cpu=100m,
/// memory=128Mi): what unit files that declare no request get (docs/fleet.md).
Spec load_spec_inputs(const std::vector<std::string>& inputs, const std::string& machines_file,
                      const std::string& default_requests = "", bool machines_required = true);

/// Adds the options every verb that reads a cluster takes for unit-file input: `--machines`
/// (unless the verb defines it itself: pass nullptr) and `--default-requests`.
void add_unit_input_options(CLI::App* cmd, std::string* machines, std::string& default_requests);

/// load_spec_inputs for the verbs that plan from what runs where (reboot-plan, drain,
/// rebalance). Unit files say nothing about where they run (fleet kept that in etcd), so they
/// are placed first, as `berth place` with `options` would, and the plan starts from that
/// layout. A JSON spec is returned as it is (its `placements` are the layout).
Spec load_layout_inputs(const std::vector<std::string>& inputs, const std::string& machines_file,
                        const std::string& default_requests, const PlaceOptions& options);

}  // namespace berth::cli
