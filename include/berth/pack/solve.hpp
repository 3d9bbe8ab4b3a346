#pragma once
/// \file Named packing strategies: the single entry point the CLI, the bench and the
/// placement engine use.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "berth/export.hpp"
#include "berth/pack/instance.hpp"

namespace berth::pack {

/// The strategy `berth pack` uses without --strategy: best greedy, then search to the bound.
inline constexpr std::string_view kDefaultStrategy = "search";

/// Budget and seed shared by all strategies (greedy ones ignore it).
struct SolveOptions {
  double time_limit = 1.0;           ///< seconds for search strategies
  std::uint64_t max_iterations = 0;  ///< > 0: deterministic, the clock is ignored
  std::uint64_t seed = 1;
  /// true: `time_limit` is in work seconds, not CPU seconds: the solvers count their work
  /// (weighted so that a work second is about a CPU second on the reference machine) and the
  /// budget runs out at the same point on every run, so the result depends only on the
  /// instance, the seed and the limit, never on the load or the machine's speed. What
  /// `berth pack` without --time-limit uses. Ignored with max_iterations > 0.
  bool work_budget = false;
};

/// A strategy's answer, with the lower bound it can be compared to.
struct SolveResult {
  std::string strategy;
  Solution solution;
  std::size_t lower_bound = 0;
  bool proven_optimal = false;  ///< solution.bins == lower_bound
  double seconds = 0;
};

/// Every strategy name, in display order (greedy rules first, then search ones).
BERTH_API const std::vector<std::string>& strategy_names();
/// True when `name` is a strategy.
BERTH_API bool is_strategy(std::string_view name);
/// Runs a named strategy; an unknown name is UsageError 350. The instance is check()ed.
BERTH_API SolveResult solve(const Instance& instance, std::string_view strategy,
                            const SolveOptions& options = {});

}  // namespace berth::pack
