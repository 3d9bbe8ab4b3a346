#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <functional>
#include <random>

#include "berth/pack/bounds.hpp"
#include "berth/pack/exact.hpp"
#include "berth/pack/validate.hpp"
#include "berth/pack/vbp.hpp"
#include "pack_test_support.hpp"

using namespace berth::pack;

TEST_CASE("lower bounds on hand-made instances", "[pack][bounds]") {
  // Three items larger than half the bin in dimension 1: continuous says 2, L2 and the
  // incompatibility clique say 3.
  const Instance in = parse_vbp("2\n10 10\n3\n6 1 1\n6 1 1\n6 1 1\n");
  CHECK(continuous_bound(in) == 2);
  CHECK(martello_toth_bound(in) == 3);
  CHECK(incompatibility_bound(in) == 3);
  // Items large in different dimensions conflict pairwise only as a vector.
  const Instance v = parse_vbp("2\n10 10\n2\n6 1 1\n1 6 1\n");
  CHECK(incompatibility_bound(v) == 1);
  CHECK(lower_bounds(v).best == 1);
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
    REQUIRE(lp.bound <= pack_test::brute_force_optimum(in));
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
  CHECK(pack_test::brute_force_optimum(in) == 3);
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
