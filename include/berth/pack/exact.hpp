#pragma once
/// \file Exact mode: proves the minimum number of bins or reports the gap.
#include <cstdint>

#include "berth/export.hpp"
#include "berth/pack/bounds.hpp"
#include "berth/pack/instance.hpp"

namespace berth::pack {

/// Limits of the exact search. max_nodes > 0 makes it deterministic (the clock is ignored).
struct ExactOptions {
  /// Seconds for the upper-bound search, and as many again for the bounds and the proof.
  double time_limit = 60.0;
  std::uint64_t max_nodes = 0;  ///< 0 = bounded by time only
  std::uint64_t seed = 1;
  /// The upper-bound search counts work instead of CPU time (SolveOptions::work_budget), as
  /// `berth pack` without --time-limit does: exact mode then starts from the very packing the
  /// default search returns, so it never reports more bins than the default.
  bool work_budget = false;
};

/// Best packing found, the proven lower bound, and whether they meet.
struct ExactResult {
  Solution best;
  std::size_t lower_bound = 0;  ///< proven: no packing uses fewer bins
  bool proven_optimal = false;  ///< best.bins == lower_bound
  double gap = 0;               ///< (best.bins - lower_bound) / best.bins
  std::uint64_t nodes = 0;      ///< branch-and-bound nodes visited
  double seconds = 0;
};

/// Outcome of one branch-and-bound run.
enum class Verdict { packed, impossible, unknown };

/// Branch-and-bound: can the items be packed into `bins` bins? On `packed`, *out holds the
/// packing. max_nodes > 0 bounds the work deterministically; otherwise `seconds` does.
BERTH_API Verdict pack_into(const Instance& instance, std::size_t bins, std::uint64_t max_nodes,
                            double seconds, Solution* out);

/// Bin completion (Korf's bin-oriented branch-and-bound, extended to d dimensions): can the
/// items be packed into `bins` bins? Fills one bin at a time with the largest item left and
/// one of its *maximal* completions (no other item left still fits; some optimal packing
/// uses only such bins), fullest first, or first the completions listed in `hints` (e.g. the
/// LP's patterns, as item lists). Prunes by the volume of the items left per dimension and
/// memoises sets of items left that failed. Only for at most 64 items with no negative size
/// (else `unknown` at once); a node with more than 4000 maximal completions (many small items
/// per bin) stops it with `unknown`, as does the budget. A node is also cut when the pattern LP
/// (lp_bound) of the items left needs more bins than are left. max_nodes > 0 bounds the work
/// deterministically; otherwise `seconds` (CPU) does.
BERTH_API Verdict complete_bins(const Instance& instance, std::size_t bins, std::uint64_t max_nodes,
                                double seconds, Solution* out,
                                const std::vector<std::vector<std::size_t>>& hints = {});

/// LP diving: solve the pattern LP (see lp_bound), fix the patterns at 1 (or the largest
/// fractional one) as bins, and repeat on the items left, reusing the generated patterns
/// (restricted to the remaining items, which keeps them feasible). The LP solution of these
/// instances is usually close to integral, so this often reaches ceil(LP). Items left when
/// the budget runs out are packed first-fit decreasing. Always returns a complete packing.
/// `options.target` > 0: give up (first-fit the rest) as soon as the bins fixed plus the
/// rounded-up LP of the items left exceed it, so a failing dive costs little. `seed` 0 fixes
/// the largest fractional pattern; another seed picks one at random, weighted by its value,
/// for repeated dives that explore different packings.
BERTH_API Solution lp_dive(const Instance& instance, const LpOptions& options,
                           const std::vector<std::vector<std::size_t>>& seed_columns = {},
                           std::uint64_t seed = 0);

/// The default `search` strategy with the same budget (time_limit, max_nodes, seed,
/// work_budget) for an upper bound, so never more bins than solve(instance, "search") with
/// those options; then, within time_limit again, bounds and branch-and-bound trying one bin
/// fewer than the best found; an exhausted tree raises the lower bound by one.
BERTH_API ExactResult solve_exact(const Instance& instance, const ExactOptions& options = {});

}  // namespace berth::pack
