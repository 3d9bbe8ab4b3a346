#pragma once
/// \file Entry point for fleet inputs: unit files, directories and template ranges in, a
/// berth::Spec out. This is what `berth place --machines M UNITS...` calls (docs/fleet.md).
#include <map>
#include <string>
#include <vector>

#include "berth/export.hpp"
#include "berth/model/spec.hpp"

namespace berth::fleet {

/// systemd dependencies of a unit that fleet placement cares about (sidekicks).
/// berth::Unit has no field for them, so the fleet module keeps them beside the Spec.
struct UnitLinks {
  std::vector<std::string> binds_to;  ///< [Unit] BindsTo=
  std::vector<std::string> part_of;   ///< [Unit] PartOf=
  std::vector<std::string> replaces;  ///< [X-Fleet] Replaces= (also mapped to conflicts)
};

/// A loaded fleet cluster: the Spec the placement engine takes, plus fleet-only facts.
struct FleetLoad {
  Spec spec;
  std::map<std::string, UnitLinks> links;  ///< unit name -> links (only units that have any)
};

/// How units that declare no request are sized, like a Kubernetes LimitRange's
/// defaultRequest: fleet never knew sizes, and placing them as zero-sized is exactly how fleet
/// overfilled machines (60 of the 61 real unit files declare nothing).
struct BERTH_API LoadOptions {
  /// Per dimension (cpu, memory): a unit that declares no request for it gets this one, and
  /// Spec::warnings says so (code 238). Zero = place as zero-sized in that dimension.
  Resources default_requests = default_unit_requests();
  /// cpu 100m, memory 128Mi: the documented default (docs/fleet.md).
  static Resources default_unit_requests();
};

/// Parses `--default-requests`: `cpu=100m,memory=128Mi` (either or both; `none` = zero-sized).
/// Throws UsageError (366) naming the flag and the value.
BERTH_API Resources parse_default_requests(const std::string& text);

/// Loads units (files, directories of *.service etc. sorted by name, or ranges such as
/// `web@{1..10}.service`) and machines (fleet machines file, directory of fleet.conf-style
/// files, or a JSON spec). `machines_file` may be "" (no machines). Throws ParseError /
/// ValidationError / UsageError with file:line or the unit named.
BERTH_API FleetLoad load_fleet(const std::vector<std::string>& unit_args,
                               const std::string& machines_file, const LoadOptions& options = {});

/// load_fleet(...).spec: what `berth place` needs.
BERTH_API Spec load_spec(const std::vector<std::string>& unit_args,
                         const std::string& machines_file, const LoadOptions& options = {});

/// True when `arg` should be read as fleet unit input rather than a JSON spec: a unit file
/// (.service, .socket, .timer, .path, .mount, .target ...), a directory, or a template range.
BERTH_API bool looks_like_unit_input(const std::string& arg);

}  // namespace berth::fleet
