#pragma once
/// \file Lower bounds on the number of bins.
#include <cstddef>

#include "berth/pack/instance.hpp"

namespace berth::pack {

/// Each bound separately, and their maximum.
struct LowerBounds {
  std::size_t continuous = 0;     ///< max over dims of ceil(sum / capacity)
  std::size_t martello_toth = 0;  ///< max over dims of Martello–Toth L2 (1-D bound per dim)
  std::size_t incompatible = 0;   ///< size of a greedy clique of pairwise non-sharable items
  std::size_t best = 0;           ///< max of the above (at least 1 when there are items)
};

/// ceil(sum of sizes / capacity), maximised over dimensions.
std::size_t continuous_bound(const Instance& instance);
/// Martello–Toth L2 evaluated in each dimension on its own, maximised over dimensions.
std::size_t martello_toth_bound(const Instance& instance);
/// Items that pairwise cannot share a bin need one bin each: greedy clique, O(n^2 d).
std::size_t incompatibility_bound(const Instance& instance);
/// All of the above.
LowerBounds lower_bounds(const Instance& instance);

}  // namespace berth::pack
