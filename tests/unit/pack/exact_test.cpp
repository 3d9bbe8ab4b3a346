#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <functional>

#include "berth/pack/bounds.hpp"
#include "berth/pack/exact.hpp"
#include "berth/pack/solve.hpp"
#include "berth/pack/validate.hpp"
#include "pack_test_support.hpp"

using namespace berth::pack;

namespace {

// Optimum by brute force over set partitions (tiny n only): an oracle independent of B&B.
std::size_t brute_force_optimum(const Instance& in) {
  const std::size_t n = in.item_count();
  std::vector<std::size_t> bin(n, 0);
  std::size_t best = n;
  std::vector<Size> load(n * in.dims, 0);
  std::function<void(std::size_t, std::size_t)> go = [&](std::size_t i, std::size_t used) {
    if (used >= best) return;
    if (i == n) {
      best = used;
      return;
    }
    for (std::size_t b = 0; b <= used && b < n; ++b) {
      bool ok = true;
      for (std::size_t k = 0; k < in.dims; ++k)
        ok = ok && load[b * in.dims + k] + in.item(i)[k] <= in.capacity[k];
      if (!ok) continue;
      for (std::size_t k = 0; k < in.dims; ++k) load[b * in.dims + k] += in.item(i)[k];
      go(i + 1, b == used ? used + 1 : used);
      for (std::size_t k = 0; k < in.dims; ++k) load[b * in.dims + k] -= in.item(i)[k];
    }
  };
  go(0, 0);
  return best;
}

}  // namespace

TEST_CASE("exact mode proves the optimum of small random instances", "[pack][exact]") {
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    std::mt19937_64 shape(seed);
    const std::size_t n = 2 + shape() % 9;
    const std::size_t d = 1 + shape() % 3;
    const Instance in = pack_test::random_instance(seed, n, d, 20, 1, 14);
    ExactOptions o;
    o.max_nodes = 200000;
    const ExactResult r = solve_exact(in, o);
    INFO(fmt::format("seed {} n {} d {}", seed, n, d));
    REQUIRE_FALSE(validate(in, r.best).has_value());
    REQUIRE(r.proven_optimal);
    REQUIRE(r.best.bins == brute_force_optimum(in));
    REQUIRE(r.lower_bound == r.best.bins);
  }
}

TEST_CASE("exact mode raises the lower bound beyond the closed-form bounds", "[pack][exact]") {
  // Every pair fits only in one dimension or the other: 4 items, continuous bound 2, but no
  // two items can share (6+6 > 10 in some dimension) except the complementary pairs.
  const Instance in = [] {
    Instance x;
    x.dims = 2;
    x.capacity = {10, 10};
    for (auto v : std::vector<std::vector<Size>>{{6, 4}, {4, 6}, {6, 4}, {4, 6}, {3, 3}})
      x.add_item(v);
    return x;
  }();
  ExactOptions o;
  o.max_nodes = 100000;
  const ExactResult r = solve_exact(in, o);
  CHECK_FALSE(validate(in, r.best).has_value());
  CHECK(r.proven_optimal);
  CHECK(r.best.bins == brute_force_optimum(in));
  CHECK(r.gap == 0.0);
}

TEST_CASE("exact mode with a tiny budget reports a gap instead of failing", "[pack][exact]") {
  const Instance in = pack_test::random_instance(99, 40, 3, 100, 20, 70);
  ExactOptions o;
  o.max_nodes = 10;
  const ExactResult r = solve_exact(in, o);
  CHECK_FALSE(validate(in, r.best).has_value());
  CHECK(r.best.bins >= r.lower_bound);
  CHECK(r.gap == Approx(double(r.best.bins - r.lower_bound) / double(r.best.bins)));
}

TEST_CASE("LP bound is valid and at least the closed-form bounds", "[pack][bounds][lp]") {
  for (std::uint64_t seed = 1; seed <= 150; ++seed) {
    std::mt19937_64 shape(seed);
    const std::size_t n = 2 + shape() % 9;
    const std::size_t d = 1 + shape() % 3;
    const Instance in = pack_test::random_instance(seed, n, d, 20, 1, 14);
    LpOptions o;
    o.max_work = 2'000'000;  // deterministic
    const LpResult lp = lp_bound(in, o);
    INFO(fmt::format("seed {} n {} d {} farley {} value {}", seed, n, d, lp.farley, lp.value));
    REQUIRE(lp.converged);
    REQUIRE(lp.bound <= brute_force_optimum(in));
    REQUIRE(lp.bound >= continuous_bound(in));
    REQUIRE(lp.bound >= martello_toth_bound(in));
    REQUIRE(lp.farley <= lp.value + 1e-6);
    // Every generated column is a bin that fits.
    for (const auto& c : lp.columns) {
      for (std::size_t k = 0; k < in.dims; ++k) {
        Size load = 0;
        for (std::size_t i : c) load += in.item(i)[k];
        REQUIRE(load <= in.capacity[k]);
      }
    }
    const Solution dived = lp_dive(in, o);
    REQUIRE_FALSE(validate(in, dived).has_value());
    REQUIRE(dived.bins >= lp.bound);
  }
}

TEST_CASE("LP bound beats the closed-form bounds where pairs cannot share", "[pack][bounds][lp]") {
  // Each item's two sizes sum to 8, so any three exceed 2 x 10 together and no bin holds
  // three: the LP is at least 5/2, so 3 bins; the per-dimension bounds only see 20 = 2 x 10.
  Instance in;
  in.dims = 2;
  in.capacity = {10, 10};
  for (auto v : std::vector<std::vector<Size>>{{6, 2}, {2, 6}, {4, 4}, {5, 3}, {3, 5}})
    in.add_item(v);
  LpOptions o;
  o.max_work = 100000;
  const LpResult lp = lp_bound(in, o);
  CHECK(lp.converged);
  CHECK(continuous_bound(in) == 2);
  CHECK(martello_toth_bound(in) == 2);
  CHECK(lp.bound == 3);
  CHECK(brute_force_optimum(in) == 3);
}

namespace {

// Every set of at least `min_items` items that fits in one bin (depth-first; tiny instances
// or few items per bin only).
std::vector<std::vector<std::size_t>> all_patterns(const Instance& in, std::size_t min_items = 2) {
  std::vector<std::vector<std::size_t>> out;
  std::vector<std::size_t> items;
  std::vector<Size> load(in.dims, 0);
  std::function<void(std::size_t)> extend = [&](std::size_t from) {
    if (items.size() >= min_items) out.push_back(items);
    for (std::size_t i = from; i < in.item_count(); ++i) {
      bool fits = true;
      for (std::size_t k = 0; k < in.dims; ++k)
        fits = fits && load[k] + in.item(i)[k] <= in.capacity[k];
      if (!fits) continue;
      for (std::size_t k = 0; k < in.dims; ++k) load[k] += in.item(i)[k];
      items.push_back(i);
      extend(i + 1);
      items.pop_back();
      for (std::size_t k = 0; k < in.dims; ++k) load[k] -= in.item(i)[k];
    }
  };
  extend(0);
  return out;
}

}  // namespace

TEST_CASE("LP pricing finds the true LP optimum: same value as with every pattern given",
          "[pack][bounds][lp]") {
  // With all patterns seeded the master needs no pricing, so its optimum is the LP's. Without
  // them, column generation must reach the same value: a pricing bound that cut off an
  // improving pattern (the Lagrangian surrogate's, say) would stop it above.
  // 20-40 items of a fifth to three fifths of a bin: few enough patterns to list, enough
  // items that the greedy and the truncated pricing miss columns the complete one must find.
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    std::mt19937_64 shape(seed);
    const std::size_t n = 20 + shape() % 21;
    const std::size_t d = 1 + shape() % 5;
    const Instance in = pack_test::random_instance(seed, n, d, 100, 20, 60);
    LpOptions o;
    o.max_work = 50'000'000;
    const LpResult seeded = lp_bound(in, o, all_patterns(in));
    const LpResult generated = lp_bound(in, o);
    INFO(fmt::format("seed {} n {} d {}", seed, n, d));
    REQUIRE(seeded.converged);
    REQUIRE(generated.converged);
    REQUIRE(generated.value == Approx(seeded.value).margin(1e-6));
    REQUIRE(generated.bound == seeded.bound);
  }
}

TEST_CASE("the pricing knapsack finds the most valuable bin, as brute force does",
          "[pack][bounds][lp]") {
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    std::mt19937_64 shape(seed);
    const std::size_t n = 3 + shape() % 14;
    const std::size_t d = 1 + shape() % 5;
    const Instance in = pack_test::random_instance(seed, n, d, 100, 1 + shape() % 30, 80);
    std::vector<double> profit(n);
    for (auto& p : profit) p = shape() % 4 == 0 ? 0.0 : double(shape() % 1000) / 997.0;
    double brute = 0;  // the empty bin is worth 0
    for (const auto& set : all_patterns(in, 1)) {
      double value = 0;
      for (std::size_t i : set) value += profit[i];
      brute = std::max(brute, value);
    }
    const BestPattern best = best_pattern(in, profit);
    INFO(fmt::format("seed {} n {} d {}", seed, n, d));
    REQUIRE(best.exact);
    REQUIRE(best.value == Approx(brute).margin(1e-9));
    double value = 0;
    std::vector<Size> load(d, 0);
    for (std::size_t i : best.items) {
      value += profit[i];
      for (std::size_t k = 0; k < d; ++k) load[k] += in.item(i)[k];
    }
    CHECK(value == Approx(best.value).margin(1e-9));
    for (std::size_t k = 0; k < d; ++k) CHECK(load[k] <= in.capacity[k]);
  }
}

TEST_CASE("LP stops early once its target is out of reach, and only then", "[pack][bounds][lp]") {
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    std::mt19937_64 shape(seed);
    const std::size_t n = 6 + shape() % 7;
    const std::size_t d = 1 + shape() % 4;
    const Instance in = pack_test::random_instance(seed, n, d, 100, 5, 70);
    LpOptions o;
    o.max_work = 5'000'000;
    const LpResult full = lp_bound(in, o);
    REQUIRE(full.converged);
    o.stop_when_target_unreachable = true;
    INFO(fmt::format("seed {} n {} d {} LP {}", seed, n, d, full.value));
    // A target above the LP's ceiling: the run may stop early, and never claims it.
    o.target = full.bound + 1;
    CHECK(lp_bound(in, o).bound < o.target);
    // The LP's own ceiling is reachable: the early stop must not cut the proof short.
    o.target = full.bound;
    CHECK(lp_bound(in, o).bound == full.bound);
  }
}

TEST_CASE("LP dive is deterministic with a work limit", "[pack][lp]") {
  const Instance in = pack_test::random_instance(7, 40, 3, 100, 10, 60);
  LpOptions o;
  o.max_work = 300000;
  const Solution a = lp_dive(in, o);
  const Solution b = lp_dive(in, o);
  CHECK_FALSE(validate(in, a).has_value());
  CHECK(a.bin_of == b.bin_of);
}

TEST_CASE("bin completion agrees with brute force: packs into the optimum, refutes one fewer",
          "[pack][exact]") {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    std::mt19937_64 shape(seed);
    const std::size_t n = 2 + shape() % 9;
    const std::size_t d = 1 + shape() % 3;
    // Some instances with repeated items (the completion enumeration skips identical copies).
    Instance in = pack_test::random_instance(seed, n, d, 20, 3, 12);
    if (seed % 3 == 0) {
      const std::vector<Size> first(in.item(0).begin(), in.item(0).end());
      in.add_item(first);
      in.add_item(first);
    }
    const std::size_t opt = brute_force_optimum(in);
    INFO(fmt::format("seed {} n {} d {} optimum {}", seed, in.item_count(), d, opt));
    Solution packed;
    REQUIRE(complete_bins(in, opt, 100000, 0, &packed) == Verdict::packed);
    REQUIRE_FALSE(validate(in, packed).has_value());
    REQUIRE(packed.bins == opt);
    if (opt > 1) REQUIRE(complete_bins(in, opt - 1, 100000, 0, nullptr) == Verdict::impossible);
  }
}

TEST_CASE("bin completion is deterministic with a node limit and declines what it cannot handle",
          "[pack][exact]") {
  const Instance in = pack_test::random_instance(11, 40, 3, 100, 20, 45);
  Solution a, b;
  const Verdict va = complete_bins(in, 40, 200000, 0, &a);
  const Verdict vb = complete_bins(in, 40, 200000, 0, &b);
  CHECK(va == vb);
  REQUIRE(va == Verdict::packed);  // 40 bins: one item each at worst
  CHECK_FALSE(validate(in, a).has_value());
  CHECK(a.bin_of == b.bin_of);
  // More than 64 items, or a negative size: not handled, so no verdict.
  CHECK(complete_bins(pack_test::random_instance(3, 65, 2, 100, 1, 50), 65, 1000, 0, nullptr) ==
        Verdict::unknown);
  Instance neg;
  neg.dims = 1;
  neg.capacity = {10};
  for (Size v : {5, -1, 6}) neg.add_item(std::vector<Size>{v});
  CHECK(complete_bins(neg, 2, 1000, 0, nullptr) == Verdict::unknown);
}

// Issue 16 item 15: exact mode starts from the default search's packing with the same budget,
// so it never has more bins, whatever the instance (deterministic budgets: iterations).
TEST_CASE("exact mode never returns more bins than the default search in the same budget",
          "[pack][exact]") {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    std::mt19937_64 shape(seed * 7919);
    const std::size_t n = 20 + shape() % 60;
    const std::size_t d = 1 + shape() % 4;
    const Instance in = pack_test::random_instance(seed, n, d, 100, 5, 60);
    const std::uint64_t budget = 200 + shape() % 2000;
    SolveOptions so;
    so.max_iterations = budget;
    so.seed = seed;
    const SolveResult plain = solve(in, kDefaultStrategy, so);
    ExactOptions eo;
    eo.max_nodes = budget;
    eo.seed = seed;
    const ExactResult exact = solve_exact(in, eo);
    INFO(fmt::format("seed {} n {} d {} budget {}: search {}, exact {}", seed, n, d, budget,
                     plain.solution.bins, exact.best.bins));
    REQUIRE_FALSE(validate(in, exact.best).has_value());
    CHECK(exact.best.bins <= plain.solution.bins);
    CHECK(exact.lower_bound >= plain.lower_bound);
  }
}
