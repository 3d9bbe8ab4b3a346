#pragma once
/// \file Packing into a given list of (possibly different) bins, where each item may be
/// restricted to some of them: the form the cluster placement engine needs (machines are the
/// bins, units the items, constraints the allowed lists).
#include <cstddef>
#include <vector>

#include "berth/export.hpp"
#include "berth/pack/instance.hpp"

namespace berth::pack {

/// One item to place.
struct AssignItem {
  std::vector<Size> size;            ///< one value per dimension
  std::vector<std::size_t> allowed;  ///< bins it may use; empty = any bin
};

/// Where each item went.
struct AssignResult {
  std::vector<std::size_t> bin_of;    ///< per item; kUnassigned when it could not be placed
  std::vector<std::size_t> unplaced;  ///< items with no bin, in item order
  std::size_t bins_used = 0;          ///< bins holding at least one item
};

/// Places items into bins with capacities `capacity[b]` (all of the same dimension count),
/// trying to place everything and, among that, to use few bins: most constrained and largest
/// items first, each into the allowed fitting bin that is already in use and fits it best
/// (dot product with the room left); then one repair pass that makes room for unplaced items
/// by moving a single item to another allowed bin. Capacity checks are exact integers.
/// Throws UsageError 354 when dimensions disagree or an allowed bin does not exist.
BERTH_API AssignResult assign_items(const std::vector<std::vector<Size>>& capacity,
                                    const std::vector<AssignItem>& items);

}  // namespace berth::pack
