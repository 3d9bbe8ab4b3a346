#pragma once
/// \file The one-call API: place a spec's units on its machines.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "berth/explain/diagnosis.hpp"
#include "berth/model/spec.hpp"
#include "berth/place/plan.hpp"
#include "berth/place/strategy.hpp"

namespace berth {

struct PlaceOptions {
  StrategyKind strategy = StrategyKind::BestFit;
};

/// A unit instance with no machine, and why.
struct PendingUnit {
  std::string unit;
  Diagnosis diagnosis;
  std::string summary() const { return diagnosis.summary(); }
};

struct PlacementResult {
  /// Every placed instance (existing ones included): instance -> machine.
  std::map<std::string, std::string> placements;
  /// Instances with no machine, in placement order.
  std::vector<PendingUnit> pending;
  /// machine -> dimension -> used / allocatable (0..1), for display only.
  std::map<std::string, std::map<std::string, double>> utilization;
  /// Problems that did not stop placement (e.g. an existing placement that overcommits).
  std::vector<std::string> warnings;
  /// Instances placed by this call (not in the spec's placements).
  std::size_t newly_placed = 0;

  bool all_placed() const { return pending.empty(); }
};

/// Validates the spec (throws ValidationError on contradictions), keeps existing placements,
/// places every other instance in batch order (priority, then largest first, co-located groups
/// as one) and explains every instance it could not place. Deterministic.
PlacementResult place(const Spec& spec, const PlaceOptions& options = {});

/// The plan that turns `spec` into `result`: the new assignments.
Plan plan_of(const Spec& spec, const PlacementResult& result);

}  // namespace berth
