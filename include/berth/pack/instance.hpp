#pragma once
/// \file Vector bin packing instances and solutions: identical bins, d integer dimensions.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "berth/export.hpp"

namespace berth::pack {

/// One amount in one dimension. Integer so that fit checks are exact.
using Size = std::int64_t;

/// Bin index in a Solution; kUnassigned marks an item with no bin.
inline constexpr std::size_t kUnassigned = static_cast<std::size_t>(-1);

/// A vector bin packing instance: every bin has `capacity`, item i has `item(i)`.
struct BERTH_API Instance {
  std::string name;            ///< for reports (usually the file name)
  std::size_t dims = 0;        ///< number of dimensions (>= 1)
  std::vector<Size> capacity;  ///< per dimension, > 0
  std::vector<Size> sizes;     ///< item-major, item_count() * dims values, each <= capacity

  /// Number of items (a demand of k in a file is k items).
  std::size_t item_count() const { return dims == 0 ? 0 : sizes.size() / dims; }
  /// Size vector of item i.
  std::span<const Size> item(std::size_t i) const { return {sizes.data() + i * dims, dims}; }
  /// Appends one item; `size` must have `dims` values.
  void add_item(std::span<const Size> size);
  /// Throws ValidationError (ids 250-252) when dims/capacities/sizes are unusable
  /// (an item larger than the bin in some dimension can never be packed). Negative sizes are
  /// allowed (some published files have them): a bin's load is the plain sum of its items.
  void check() const;
};

/// A packing: bin_of[i] is the bin of item i, bins are numbered 0..bins-1.
struct Solution {
  std::vector<std::size_t> bin_of;  ///< per item
  std::size_t bins = 0;             ///< number of bins used
};

/// Items of each bin, in item order.
BERTH_API std::vector<std::vector<std::size_t>> items_by_bin(const Solution& solution);

/// Renumbers bins densely 0..k-1 in order of first appearance and drops empty ones.
BERTH_API void normalize(Solution& solution);

}  // namespace berth::pack
