#pragma once
/// \file Packing quality of a placement, and the same spec placed with several strategies side
/// by side (what `berth compare` prints).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "berth/export.hpp"
#include "berth/model/spec.hpp"
#include "berth/place/cluster.hpp"

namespace berth {

/// One resource dimension after placement. Utilizations are used / allocatable (0..1).
struct DimensionMetrics {
  std::string name;              ///< cpu, memory, disk, or an extended resource
  std::int64_t allocatable = 0;  ///< total over up machines (exact integer)
  double mean_utilization = 0;   ///< mean over machines in use (those holding an instance)
  double peak_utilization = 0;   ///< highest over all machines
  /// Free capacity no unit can use: the sum of free amounts on up machines where no unit of
  /// the spec fits (every unit's request exceeds the machine's free capacity in some
  /// dimension), i.e. capacity stranded because another dimension is full.
  std::int64_t stranded = 0;
  double stranded_fraction = 0;  ///< stranded / allocatable
};

/// How well one placement packs (strategy and time are filled in by compare_strategies).
struct PlacementMetrics {
  std::string strategy;
  std::size_t instances = 0;  ///< every instance of the spec
  std::size_t placed = 0;
  std::size_t pending = 0;
  std::size_t machines_up = 0;
  std::size_t machines_used = 0;             ///< machines holding at least one instance
  std::vector<DimensionMetrics> dimensions;  ///< dimensions with allocatable capacity
  double seconds = 0;                        ///< wall time of Cluster::build + placement
  double seconds_per_placement = 0;          ///< seconds / instances placed by this run (0 if none)
};

/// The metrics of the cluster as it is (after a placement).
BERTH_API PlacementMetrics measure_placement(const Cluster& cluster);

/// Places `spec` once per strategy name (online or batch, place_options_for) and measures
/// each. Throws UsageError 302 for an unknown name.
BERTH_API std::vector<PlacementMetrics> compare_strategies(
    const Spec& spec, const std::vector<std::string>& strategies);

}  // namespace berth
