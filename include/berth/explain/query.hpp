#pragma once
/// \file The reverse question `berth explain` answers: after the rest of the spec is placed,
/// can instance U go on machine M, and every reason it cannot. Shared by the CLI and the Python
/// module so both name instances and machines, and fail, the same way.
#include <optional>
#include <string>
#include <vector>

#include "berth/export.hpp"
#include "berth/model/spec.hpp"
#include "berth/place/strategy.hpp"

namespace berth {

struct ExplainAnswer {
  std::string unit;  ///< the instance's full name (`web@1` for `web`)
  std::string machine;
  std::vector<std::string> reasons;      ///< empty: it can go there
  std::optional<std::string> placed_on;  ///< the machine the instance got, if any
  /// For a unit with preferences: those the machine meets (Placer::preferences_met); unset
  /// when the unit has none.
  std::optional<std::vector<std::string>> preferences_met;
  bool fits() const { return reasons.empty(); }
};

/// Places `spec` with `strategy` (not strict: a unit that contradicts itself is explained by its
/// "unresolvable" line, not an error), then explains `unit` (an instance name; a replicated
/// unit's bare name means its first replica) on `machine`. Throws UsageError 306 (no such instance)
/// or 307 (no such machine), each with a did-you-mean hint.
BERTH_API ExplainAnswer explain_placement(const Spec& spec, const std::string& unit,
                                          const std::string& machine,
                                          StrategyKind strategy = StrategyKind::BestFit);

}  // namespace berth
