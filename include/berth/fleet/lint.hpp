#pragma once
/// \file `berth lint`: every problem in a set of fleet unit files, without placing anything.
#include <cstddef>
#include <string>
#include <vector>

#include "berth/export.hpp"
#include "berth/fleet/problem.hpp"

namespace berth::fleet {

struct BERTH_API LintReport {
  std::size_t units = 0;          ///< units (instances) checked
  std::vector<Problem> problems;  ///< errors and warnings, in input order
  std::size_t errors() const;
  std::size_t warnings() const;
  bool clean() const { return problems.empty(); }
};

struct LintOptions {
  /// Contradictions (a unit co-located with itself or with a unit it conflicts with) and
  /// MachineOf= naming no loaded unit are warnings by default: `berth place` leaves such a unit
  /// pending (unresolvable) and places the rest. strict makes them errors, as `place --strict`.
  bool strict = false;
};

/// Checks unit files, directories and ranges as load_spec reads them, but collects every
/// problem instead of stopping at the first: syntax, unknown [X-Fleet] keys (with a
/// did-you-mean), fleet's rejected combinations, missing or unreadable requests, sidekicks
/// that do not follow their main unit, MachineOf/Conflicts naming no loaded unit, and the
/// contradictions the placement engine finds when it compiles the units (Cluster::build).
BERTH_API LintReport lint(const std::vector<std::string>& unit_args,
                          const LintOptions& options = {});

}  // namespace berth::fleet
