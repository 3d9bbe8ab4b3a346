#include "berth/pack/solve.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <utility>

#include "berth/error.hpp"
#include "berth/pack/bounds.hpp"
#include "berth/pack/exact.hpp"
#include "berth/pack/heuristics.hpp"
#include "berth/pack/search.hpp"
#include "cpu_clock.hpp"

namespace berth::pack {
namespace {

using Greedy = std::function<Solution(const Instance&)>;

const std::vector<std::pair<std::string, Greedy>>& greedy_rules() {
  static const std::vector<std::pair<std::string, Greedy>> rules = {
      {"ffd-max", [](const Instance& in) { return first_fit_decreasing(in, Measure::max); }},
      {"ffd-sum", [](const Instance& in) { return first_fit_decreasing(in, Measure::sum); }},
      {"ffd-l2", [](const Instance& in) { return first_fit_decreasing(in, Measure::l2); }},
      {"ffd-prod", [](const Instance& in) { return first_fit_decreasing(in, Measure::product); }},
      {"bfd-max", [](const Instance& in) { return best_fit_decreasing(in, Measure::max); }},
      {"bfd-sum", [](const Instance& in) { return best_fit_decreasing(in, Measure::sum); }},
      {"bfd-l2", [](const Instance& in) { return best_fit_decreasing(in, Measure::l2); }},
      {"bfd-prod", [](const Instance& in) { return best_fit_decreasing(in, Measure::product); }},
      {"dot-product", dot_product_fit},
      {"l2-diff", norm_difference_fit},
      {"drf", drf_fit},
  };
  return rules;
}

Solution best_greedy(const Instance& in) {
  Solution best;
  for (const auto& [name, rule] : greedy_rules()) {
    Solution s = rule(in);
    if (best.bin_of.empty() || s.bins < best.bins) best = std::move(s);
  }
  return best;
}

// Items up to which the search also runs branch-and-bound for one bin fewer: on small
// instances a complete search finds packings the repair search misses, or proves there are
// none (which proves the search's answer optimal).
constexpr std::size_t kSmallInstance = 60;
// Items up to which the search also solves the pattern LP: its bound often proves the greedy
// or repaired packing optimal at once (the closed-form bounds are several bins short on
// small instances), and diving on its solution finds packings the repair search misses.
// The dense simplex costs O(n^2) per pivot and pricing grows fast with the item count. With
// exact pricing, at 120 items the LP and dives took so much of a 1 s budget that the repair
// search alone did as well; with the short pricing of the dives (and of the LP beyond 60
// items) they pay at 120 items (a 1-in-3 sample: one bin better on a quarter of the
// instances, worse on none).
constexpr std::size_t kLpInstance = 128;

// Depth-first nodes per bin of the minimum-bin-slack starts.
constexpr std::uint64_t kMbsNodes = 1000;

using Clock = detail::CpuClock;  // budgets are CPU time or counted work (see cpu_clock.hpp)

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Best greedy, then (for zero-slack targets) the exact-fill search, then the bin-removal
// search for whatever budget is left. May raise `lb` (when the LP or branch-and-bound proves
// it).
Solution search(const Instance& in, std::size_t& lb, const SolveOptions& o) {
  const auto t0 = Clock::now();
  const bool deterministic = o.max_iterations > 0;
  const bool use_lp = in.item_count() <= kLpInstance;
  const bool small = in.item_count() <= kSmallInstance;
  Solution best = best_greedy(in);
  // Bin-centric starts beyond the small instances: where bins hold few items, filling each
  // bin as full as possible starts the repair search several bins lower than the item-by-item
  // rules (new classes 3 and 4 with 250 items: 84 and 99 bins where the greedy rules give 91
  // and 104). Small instances keep the greedy start: their LP, dives and bin completion find
  // the optimum from it, and a different start only reshuffles which borderline instance
  // misses (Panigrahy class 1, 60 items: one bin worse from the bin-slack start).
  for (const bool squared : {false, true}) {
    if (best.bins <= lb || small) break;
    Solution s = min_bin_slack(in, squared, kMbsNodes);
    if (s.bins < best.bins) best = std::move(s);
  }
  if (best.bins <= lb) return best;
  LpResult lp;
  if (use_lp) {
    LpOptions lo;
    // Small instances: up to 40% (the LP usually converges well before), since bin
    // completion below is guided by its patterns and does far better with a converged LP
    // (new class 2, 60 items, d = 5: the optimum at once where a quarter left it unconverged).
    lo.time_limit = o.time_limit * (small ? 0.4 : 0.25);
    lo.max_work = deterministic ? o.max_iterations * 20 : 0;
    lo.target = best.bins;
    // Beyond the small instances a short pricing: the LP is then there for the dives, which
    // need a good solution fast, not for a proof.
    lo.max_pricing_nodes = small ? 20'000 : 2'000;
    lp = lp_bound(in, lo, items_by_bin(best));
    lb = std::max(lb, lp.bound);
    if (best.bins <= lb) return best;
  }
  if (!deterministic) {
    // Exact fill is decisive for instances whose bins must all be exactly full (triplet-like):
    // there the repair search is weak, so the fill gets most of the budget when every
    // dimension is tight, a fifth when some are, nothing (it returns at once) otherwise.
    bool all_tight = true;
    for (std::size_t k = 0; k < in.dims; ++k) {
      Size sum = 0;
      for (std::size_t i = 0; i < in.item_count(); ++i) sum += in.sizes[i * in.dims + k];
      all_tight = all_tight && sum == static_cast<Size>(lb) * in.capacity[k];
    }
    const double left = o.time_limit - since(t0);
    Solution partial;
    Solution fill = exact_fill(in, lb, 0, std::max(0.0, left) * (all_tight ? 0.5 : 0.2), &partial);
    if (fill.bins == lb) return fill;
    // A near-complete exact cover beats the greedy packing by far on triplet-like instances
    // (the repair search below continues from it).
    if (partial.bins > 0 && partial.bins < best.bins) best = std::move(partial);
  } else {
    Solution partial;
    Solution fill = exact_fill(in, lb, o.max_iterations * 50, 1e9, &partial);
    if (fill.bins == lb) return fill;
    if (partial.bins > 0 && partial.bins < best.bins) best = std::move(partial);
  }
  const double left = std::max(0.0, o.time_limit - since(t0));
  SearchOptions so{use_lp ? left * (small ? 0.15 : 0.1) : left, o.max_iterations, o.seed};
  best = reduce_bins(in, best, lb, so);
  // Small instances, after the dives: bin completion with the LP at every node
  // (complete_bins) for most of the rest. Bins are filled one at a time, the LP's patterns
  // first, backtracking where the LP of the items left proves the target out of reach: a dive
  // that backtracks. It finds packings with ceil(LP) bins that single dives miss (new class 3,
  // 40 items: the optimum in 0.2 s), and an exhausted tree proves the best packing optimal.
  // Dives come first because they are faster where bins hold many small items (new class 2).
  auto complete_with_lp = [&](Solution current) {
    std::vector<std::vector<std::size_t>> hints;
    {
      std::vector<std::size_t> by_x;
      for (std::size_t c = 0; c < lp.columns.size() && c < lp.x.size(); ++c) {
        if (lp.x[c] > 1e-6) by_x.push_back(c);
      }
      std::stable_sort(by_x.begin(), by_x.end(),
                       [&](std::size_t a, std::size_t b) { return lp.x[a] > lp.x[b]; });
      for (std::size_t c : by_x) hints.push_back(lp.columns[c]);
    }
    const double bc_time = std::max(0.0, o.time_limit - since(t0)) * 0.8;
    const auto bc_start = Clock::now();
    while (current.bins > lb) {
      Solution packed;
      const Verdict v =
          complete_bins(in, current.bins - 1, deterministic ? o.max_iterations * 2 : 0,
                        bc_time - since(bc_start), &packed, hints);
      if (v == Verdict::packed) {
        current = std::move(packed);
      } else {
        if (v == Verdict::impossible) lb = current.bins;
        break;
      }
    }
    return current;
  };
  if (use_lp && best.bins > lb) {
    // Repeated LP dives (the first fixes the largest pattern, the next ones random patterns
    // weighted by value), each abandoned once it cannot beat the best packing; then the
    // repair search continues from the best packing with what is left.
    const double dive_time = std::max(0.0, o.time_limit - since(t0)) * (small ? 0.4 : 0.8);
    const auto dive_start = Clock::now();
    for (std::uint64_t attempt = 0; best.bins > lb; ++attempt) {
      const double spent = since(dive_start);
      if (deterministic ? attempt >= 4 : spent >= dive_time) break;
      LpOptions lo;
      lo.time_limit = dive_time - spent;
      lo.max_work = deterministic ? o.max_iterations * 5 : 0;
      // Dive steps price with a short knapsack search only: a dive needs a good LP solution
      // fast, not a proven one (new class 2, 60 items: the optimum in 0.4 s instead of > 1 s).
      lo.max_pricing_nodes = 2'000;
      lo.target = best.bins - 1;
      Solution dived = lp_dive(in, lo, lp.columns, attempt == 0 ? 0 : o.seed * 1000 + attempt);
      if (dived.bins < best.bins) best = std::move(dived);
    }
    if (small) best = complete_with_lp(best);
    if (best.bins > lb) {
      SearchOptions again{std::max(0.0, o.time_limit - since(t0)) * (small ? 0.5 : 1.0),
                          o.max_iterations, o.seed + 2};
      best = reduce_bins(in, best, lb, again);
    }
  }
  if (small && best.bins > lb) {
    const double rest = o.time_limit - since(t0);
    Solution packed;
    const Verdict v = pack_into(in, best.bins - 1, o.max_iterations > 0 ? o.max_iterations * 2 : 0,
                                std::max(0.0, rest), &packed);
    if (v == Verdict::packed) {
      // One bin fewer exists; the repair search usually takes it further quickly.
      SearchOptions again{std::max(0.0, rest) * 0.3, o.max_iterations, o.seed + 1};
      best = reduce_bins(in, packed, lb, again);
    } else if (v == Verdict::impossible) {
      lb = best.bins;
    }
  }
  return best;
}

}  // namespace

const std::vector<std::string>& strategy_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& r : greedy_rules()) out.push_back(r.first);
    out.push_back("best-greedy");
    out.push_back(std::string(kDefaultStrategy));
    return out;
  }();
  return names;
}

bool is_strategy(std::string_view name) {
  const auto& names = strategy_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

SolveResult solve(const Instance& in, std::string_view strategy, const SolveOptions& options) {
  if (!is_strategy(strategy)) {
    throw UsageError(350, fmt::format("unknown packing strategy '{}' (known: {})", strategy,
                                      fmt::join(strategy_names(), ", ")));
  }
  in.check();
  const auto t0 = std::chrono::steady_clock::now();
  const detail::WorkClockScope work_clock(options.work_budget && options.max_iterations == 0);
  SolveResult r;
  r.strategy = std::string(strategy);
  r.lower_bound = in.item_count() == 0 ? 0 : lower_bounds(in).best;
  if (in.item_count() == 0) {
    r.solution = {};
  } else if (strategy == "best-greedy") {
    r.solution = best_greedy(in);
  } else if (strategy == kDefaultStrategy) {
    r.solution = search(in, r.lower_bound, options);
  } else {
    for (const auto& [name, rule] : greedy_rules()) {
      if (name == strategy) r.solution = rule(in);
    }
  }
  normalize(r.solution);
  r.proven_optimal = r.solution.bins == r.lower_bound;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace berth::pack
