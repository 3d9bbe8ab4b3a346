#pragma once
/// \file Improvement search: removes bins one at a time and repairs the packing.
#include <cstddef>
#include <cstdint>

#include "berth/export.hpp"
#include "berth/pack/instance.hpp"

namespace berth::pack {

/// Budget of a search. With max_iterations > 0 the clock is never consulted, so the result
/// depends only on (instance, start, seed, max_iterations): use that in tests.
struct SearchOptions {
  double time_limit = 1.0;           ///< seconds, used when max_iterations == 0
  std::uint64_t max_iterations = 0;  ///< 0 = bounded by time only
  std::uint64_t seed = 1;
};

/// What a search did.
struct SearchStats {
  std::uint64_t iterations = 0;
  std::size_t start_bins = 0;
  std::size_t final_bins = 0;
  bool exact_fill_used = false;  ///< the zero-slack exact-fit search produced the result
};

/// Consistent-neighbourhood search after Buljubašić & Vasquez: take a packing with m bins,
/// empty one bin, and repair by inserting the loose items one at a time, each time ejecting
/// the cheapest set of conflicting items of one bin (cost = normalised size, raised a little
/// each time the item is ejected, halved for items that fit outright elsewhere; recently inserted
/// items are protected and ejected items may not return to their bin for a while). When nothing is
/// loose, a packing with m-1 bins has been found and it starts over; a stalled repair restarts with
/// another bin emptied. Stops at `lower_bound` or when the budget runs out; returns the best
/// packing.
BERTH_API Solution reduce_bins(const Instance& instance, const Solution& start,
                               std::size_t lower_bound, const SearchOptions& options,
                               SearchStats* stats = nullptr);

/// When `bins` bins have no slack at all in some dimension (sum == bins * capacity), each bin
/// must be exactly full there: a depth-first search over exact bin completions. Returns a
/// packing into `bins` bins, or an empty solution (bins == 0) when none was found within
/// `max_nodes` nodes (or `time_limit`), or the instance has slack in every dimension.
/// When it fails and `partial` is given, *partial gets the best partial exact cover found
/// (its bins exactly full) with the leftover items packed first-fit decreasing: a packing
/// with a few bins more than `bins`, often far better than the greedy one (empty if none).
BERTH_API Solution exact_fill(const Instance& instance, std::size_t bins, std::uint64_t max_nodes,
                              double time_limit, Solution* partial = nullptr);

}  // namespace berth::pack
