#pragma once
/// \file Batch strategies: place a whole spec at once with a vector-packing rule (FFD/BFD under
/// several size measures, bin-centric dot-product and L2-difference, DRF) or a min-cost flow
/// (place/flow.hpp), instead of the online strategies that rank machines for one group at a
/// time (place/strategy.hpp).
///
/// A batch strategy only *chooses*: every choice is verified by Placer::fits (the same exact
/// filters as online placement: pin, metadata, state, conflicts, spread, integer resources)
/// before it is committed, and a group the strategy cannot place goes through the online
/// placer (best-fit). Priority tiers are placed in order (high first, pinned groups of a tier
/// first), and whatever is still unplaced at the end gets the same diagnosis `berth place`
/// gives. So no batch strategy can overcommit or break a constraint.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/explain/diagnosis.hpp"
#include "berth/export.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/strategy.hpp"

namespace berth {

class Cluster;

enum class BatchStrategy {
  FfdMax,      ///< first fit decreasing, groups by largest normalised dimension
  FfdSum,      ///< first fit decreasing by sum of normalised dimensions
  FfdL2,       ///< first fit decreasing by Euclidean norm
  FfdProduct,  ///< first fit decreasing by product of normalised dimensions
  BfdMax,      ///< best fit decreasing (least room left, same measure)
  BfdSum,
  BfdL2,
  BfdProduct,
  DotProductFit,  ///< bin-centric: fill one machine at a time with the best-aligned group
  L2Diff,         ///< bin-centric: the group leaving the machine closest to full everywhere
  Drf,            ///< dominant share order, the machine whose loads end most even
  Flow,           ///< min-cost flow over unit types and machine classes (place/flow.hpp)
  LocalSearch,    ///< l2-diff, then empty machines by moving what this run placed into others
};

/// Names as the CLI takes them: ffd-max ... bfd-prod, dot-product-fit, l2-diff, drf, flow,
/// local-search.
BERTH_API const char* to_string(BatchStrategy s);
/// Every batch strategy name, in documentation order.
BERTH_API const std::vector<std::string>& batch_strategy_names();
/// The batch strategy called `name`, if any.
BERTH_API std::optional<BatchStrategy> find_batch_strategy(std::string_view name);

/// Places every group with unassigned members using `strategy`, verifying each choice with
/// the Placer and falling back to online placement with `fallback`. Returns the diagnosis of
/// each group left pending, in order (as Placer::place_pending does).
///
/// Preferences rank first, as in online placement: FFD/BFD/DRF choose among the fitting
/// machines with the most preference points (Placer::points_of), then by their rule. The
/// bin-centric rules (dot-product-fit, l2-diff, local-search) and flow have no per-unit score,
/// so groups whose units state preferences are placed first in their priority tier by the
/// online placer (points, then the fallback's score) and the rule packs the rest; on a machine
/// the bin-centric rules still add the type with the most points (PreferNoSchedule taints)
/// first. Local search never moves a group to a machine where it has fewer points.
/// `preferences_met`, when given, receives what Placer::recorded_preferences would.
BERTH_API std::vector<Diagnosis> place_batch(
    Cluster& cluster, BatchStrategy strategy, StrategyKind fallback = StrategyKind::BestFit,
    std::map<InstanceId, std::vector<std::string>>* preferences_met = nullptr);

}  // namespace berth
