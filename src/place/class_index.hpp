#pragma once
// The class trees: how Cluster indexes free capacity for the placer. Internal (not installed):
// the layout is the indexed search's business, not a consumer's. Cluster owns one ClassTrees
// (Cluster::class_trees(), behind detail::ClassTreesHolder) and keeps it in step with every
// assign/unassign/set_state (Cluster::refresh); the placer's search, its indexed diagnosis and
// the filters' and scorers' bounds (pipeline/) read it.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "berth/place/cluster.hpp"

namespace berth::detail {

/// Value of max_free for machines that must never be chosen (not up, padding).
inline constexpr std::int64_t kBlocked = -(std::int64_t{1} << 62);
/// Value of min_free for machines that are not up and padding.
inline constexpr std::int64_t kOpen = std::int64_t{1} << 62;
/// The most fit levels the trees keep (ClassTrees::fit_levels).
inline constexpr std::size_t kMaxLevels = 6;
/// ClassIndex::level_best of a node with no machine at the level.
inline constexpr std::int64_t kNoMachine = std::int64_t{1} << 40;

/// A segment tree per class over its members (leaf i = class_members(c)[i]) holding, per
/// subtree, the largest free amount in each dimension and the extremes of utilization and
/// unit count. Machines that are not up hold sentinels that never fit. Placement searches it
/// by branch and bound instead of scanning every machine; each update costs O(D log n).
struct ClassIndex {
  std::size_t leaves = 0;              ///< a power of two >= members
  std::vector<std::int64_t> max_free;  ///< node * dims + d
  std::vector<double> max_util;
  std::vector<double> min_util;
  std::vector<std::uint32_t> min_count;
  // For diagnoses: the least free amount per dimension over the up machines of the subtree
  // (kOpen when none), and how many of them are up. A subtree whose up machines all fit, or
  // all miss exactly one dimension, is counted without visiting its machines.
  std::vector<std::int64_t> min_free;   ///< node * dims + d
  std::vector<std::uint32_t> up_count;  ///< node
  // The same maxima and extremes over only the machines with at least fit_levels[j] free
  // in dimension 0, per level j. Per-dimension maxima alone let a subtree "fit" when one
  // machine has the cpu and another the memory, so a packed cluster was searched machine by
  // machine; restricted to the machines that have the cpu, the memory maximum is exact for
  // a demand equal to a level, and a subtree with no machine that fits is cut at once.
  //
  // What the indexed search reads at every node it visits, the largest free amounts, the
  // largest utilization and the lowest machine id that has it, is packed into one record of
  // `stride` = dims + 2 words per node (the utilization as its bits), level by level: a
  // node's two children are adjacent records, 80 bytes with three dimensions. Kept in separate
  // node-major arrays, every visit read three or four cache lines of trees far larger than the
  // cache.
  std::size_t stride = 0;
  std::vector<std::int64_t> level_nodes;  ///< (j * nodes + node) * stride
  std::size_t levels = 0;                 ///< fit levels (ClassTrees::fit_levels.size())
  std::vector<double> level_min_util;     ///< node * levels + j (read by the Spread strategy only)

  std::size_t nodes() const { return 2 * leaves; }
  /// Level j's largest free amounts over the subtree at node (dims values).
  const std::int64_t* level_free(std::size_t j, std::size_t node) const {
    return &level_nodes[(j * nodes() + node) * stride];
  }
  /// Level j's largest utilization over the subtree at node.
  double level_max_util(std::size_t j, std::size_t node) const {
    return std::bit_cast<double>(level_nodes[(j * nodes() + node) * stride + stride - 2]);
  }
  /// The lowest machine id among level j's machines of the subtree at node whose utilization is
  /// level_max_util(j, node) (kNoMachine when none): with ties on the score, which is common
  /// (every empty machine of a shape scores the same), the lowest machine that can reach the
  /// bound, where the subtree's lowest member is all the search knew otherwise.
  std::int64_t level_best(std::size_t j, std::size_t node) const {
    return level_nodes[(j * nodes() + node) * stride + stride - 1];
  }
  double level_min_util_at(std::size_t j, std::size_t node) const {
    return level_min_util[node * levels + j];
  }

  friend bool operator==(const ClassIndex&, const ClassIndex&) = default;
};

/// Everything Cluster keeps for the indexed search: a tree per class, and the thresholds on
/// free dimension 0 the trees keep restricted maxima for (ascending, positive): the distinct
/// dimension-0 requests of the units, at most kMaxLevels of them.
struct ClassTrees {
  std::vector<ClassIndex> classes;
  std::vector<std::int64_t> fit_levels;

  friend bool operator==(const ClassTrees&, const ClassTrees&) = default;
};

/// Class c's tree.
inline const ClassIndex& class_index(const Cluster& cluster, ClassId c) {
  return cluster.class_trees().classes[c];
}
inline const std::vector<std::int64_t>& fit_levels(const Cluster& cluster) {
  return cluster.class_trees().fit_levels;
}

}  // namespace berth::detail
