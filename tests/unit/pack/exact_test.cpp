#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "berth/pack/bounds.hpp"
#include "berth/pack/exact.hpp"
#include "berth/pack/solve.hpp"
#include "berth/pack/validate.hpp"
#include "pack_test_support.hpp"

using namespace berth::pack;

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
    REQUIRE(r.best.bins == pack_test::brute_force_optimum(in));
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
  CHECK(r.best.bins == pack_test::brute_force_optimum(in));
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
    const std::size_t opt = pack_test::brute_force_optimum(in);
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
