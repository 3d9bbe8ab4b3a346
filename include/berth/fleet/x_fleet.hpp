#pragma once
/// \file The [X-Fleet] section with fleet's meaning, and the conversion of a fleet unit file
/// into a berth::Unit (constraints, requests, sidekick links).
#include <string>
#include <vector>

#include "berth/export.hpp"
#include "berth/fleet/load.hpp"
#include "berth/fleet/problem.hpp"
#include "berth/fleet/requests.hpp"
#include "berth/fleet/unit_file.hpp"
#include "berth/fleet/unit_name.hpp"
#include "berth/model/unit.hpp"

namespace berth::fleet {

/// [X-Fleet] after fleet's value splitting and specifier expansion. Deprecated spellings
/// (X-ConditionMachineOf, X-ConditionMachineID, X-ConditionMachineBootID, X-MachineID,
/// X-ConditionMachineMetadata, X-Conflicts) are merged into the current ones.
struct FleetOptions {
  std::vector<std::string> machine_id;
  std::vector<std::string> machine_of;
  std::vector<MetadataRequirement> metadata;  ///< one `In` per key, values OR'ed, keys AND'ed
  std::vector<std::string> conflicts;         ///< globs
  std::vector<std::string> replaces;          ///< globs
  bool global = false;
};

/// Keys berth accepts in [X-Fleet]: fleet's (with old spellings) plus berth's `Requests`.
BERTH_API const std::vector<std::string>& known_fleet_keys();

/// Reads [X-Fleet]; problems (unknown key 229, bad Global 230, bad MachineMetadata 232,
/// unknown specifier 236) go to `problems` or throw when it is null.
BERTH_API FleetOptions read_fleet_options(const UnitFile& file, const UnitName& unit,
                                          std::vector<Problem>* problems);

/// The combinations fleet's API rejected (api/units.go ValidateOptions), codes 220-228, 233.
BERTH_API void check_combinations(const FleetOptions& o, const UnitFile& file, const UnitName& unit,
                                  std::vector<Problem>* problems);

/// A fleet unit converted for berth.
struct FleetUnit {
  Unit unit;
  UnitLinks links;
  ResolvedRequests requests;
  std::string file;  ///< path it was read from
  /// For a `.timer`: the unit it activates ([Timer] Unit=, default the timer's name with
  /// `.service`). The loader co-locates the timer with it when that unit is loaded.
  std::string triggers;
};

/// Converts a parsed unit file named `unit` (the instance name for templates). A unit with no
/// request at all gets a warning (238) naming it.
BERTH_API FleetUnit convert_unit(const UnitFile& file, const UnitName& unit,
                                 std::vector<Problem>* problems);

}  // namespace berth::fleet
