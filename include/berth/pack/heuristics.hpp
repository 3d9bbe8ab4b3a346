#pragma once
/// \file Greedy vector packing rules (no search). Sizes are compared after dividing by the bin
/// capacity of their dimension, so that no dimension dominates because of its unit.
#include <cstdint>

#include "berth/export.hpp"
#include "berth/pack/instance.hpp"

namespace berth::pack {

/// How a size vector is reduced to one number for sorting.
enum class Measure {
  max,      ///< largest normalised dimension (the dominant share)
  sum,      ///< sum of normalised dimensions
  l2,       ///< Euclidean norm of the normalised vector
  product,  ///< product of normalised dimensions
};

/// Items sorted by decreasing `measure`, each into the first bin it fits.
BERTH_API Solution first_fit_decreasing(const Instance& instance, Measure measure);
/// Items sorted by decreasing `measure`, each into the fitting bin left with the least room
/// (room measured by the same `measure`).
BERTH_API Solution best_fit_decreasing(const Instance& instance, Measure measure);
/// Panigrahy et al. bin-centric rule: fill one bin at a time, always adding the fitting item
/// with the largest dot product with the bin's remaining room (normalised).
BERTH_API Solution dot_product_fit(const Instance& instance);
/// Panigrahy et al. bin-centric rule: add the fitting item minimising the L2 norm of
/// (remaining room - item), i.e. the item that leaves the bin closest to full everywhere.
BERTH_API Solution norm_difference_fit(const Instance& instance);
/// Dominant-resource ordering: items by decreasing dominant share, each into the fitting bin
/// whose loads end up most even across dimensions (DRF's balance rule applied to bins).
BERTH_API Solution drf_fit(const Instance& instance);

/// Minimum bin slack (after Gupta & Ho, in d dimensions): fill one bin at a time, each opened
/// with the largest item left (by the sum of normalised sizes) and completed with the set of
/// items left that fills it most: a depth-first search over the items left in decreasing
/// order, at most `nodes_per_bin` nodes per bin. Fill = sum over its items of the sum of
/// normalised sizes, or of their squares with `squared` (which favours big items). Strong
/// where bins hold few items; the search's starting packing. Deterministic.
BERTH_API Solution min_bin_slack(const Instance& instance, bool squared,
                                 std::uint64_t nodes_per_bin);

/// Normalised measure of a vector (exposed for tests and for the search's weights).
BERTH_API double measure_of(const Instance& instance, std::span<const Size> v, Measure measure);

}  // namespace berth::pack
