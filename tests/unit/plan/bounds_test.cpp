// Property: on random workloads and catalogues, the lower bound never exceeds the plan's cost,
// the plan places everything, and with headroom 1 every single loss re-places.
#include <catch2/catch.hpp>
#include <random>

#include "berth/plan/bounds.hpp"
#include "berth/plan/capacity.hpp"
#include "plan_test_util.hpp"

using namespace berth;
using namespace berth::plan;
using namespace plan_test;

TEST_CASE("property: lower bound <= cost on random plans", "[plan][property]") {
  constexpr std::uint64_t kSeed = 20261125;
  std::mt19937_64 rng(kSeed);
  for (int round = 0; round < 30; ++round) {
    INFO("seed " << kSeed << ", round " << round);
    std::uniform_int_distribution<int> n_units(1, 6), replicas(1, 8), cpu(50, 3000), mem(64, 6000),
        n_types(1, 4), tcpu(2, 16), tmem(2, 32), cost(20000, 900000), coin(0, 3);
    Spec w;
    const int nu = n_units(rng);
    for (int u = 0; u < nu; ++u) {
      w.units.push_back(unit(fmt::format("u{}", u), replicas(rng), cpu(rng), mem(rng)));
      if (coin(rng) == 0) w.units.back().constraints.conflicts.push_back(fmt::format("u{}@*", u));
    }
    Catalogue cat;
    const int nt = n_types(rng);
    for (int t = 0; t < nt; ++t) {
      cat.types.push_back(type(fmt::format("t{}", t), tcpu(rng) * 1000, tmem(rng) * 1024, cost(rng),
                               std::string(1, static_cast<char>('a' + t % 2))));
    }
    // One type large enough for every unit, so a plan exists.
    cat.types.push_back(type("large", 4000, 8192, 1000000, "b"));
    CapacityOptions o;
    o.max_iterations = 300;
    o.max_improvement_moves = 60;
    o.headroom = round % 3 == 0 ? Headroom::parse("1") : Headroom{};
    CapacityPlan plan = plan_capacity(w, cat, o);
    REQUIRE(plan.feasible);
    CHECK(plan.lower_bound <= plan.cost);
    for (const CostBound& b : plan.bounds) CHECK(b.cost <= plan.cost);
    check_places_everything(plan);
    if (o.headroom.kind == Headroom::Kind::Machines) check_single_losses(plan);
  }
}

TEST_CASE("property: the LP bound is below every integer mix on tiny instances",
          "[plan][property]") {
  // Brute force: every mix of up to 6 machines of two types; the cheapest mix whose totals
  // cover the demand per dimension is itself a relaxation, so LP <= that.
  constexpr std::uint64_t kSeed = 99;
  std::mt19937_64 rng(kSeed);
  std::uniform_int_distribution<std::int64_t> dem(1, 20000), cap(1000, 9000), cost(1, 1000000);
  for (int round = 0; round < 200; ++round) {
    INFO("seed " << kSeed << ", round " << round);
    std::vector<std::int64_t> demand = {dem(rng), dem(rng), dem(rng)};
    std::vector<std::vector<std::int64_t>> caps = {{cap(rng), cap(rng), cap(rng)},
                                                   {cap(rng), cap(rng), cap(rng)}};
    std::vector<Micros> costs = {cost(rng), cost(rng)};
    LpBound lp = lp_lower_bound(demand, caps, costs);
    Micros best = -1;
    for (int a = 0; a <= 25; ++a) {
      for (int b = 0; b <= 25; ++b) {
        bool ok = true;
        for (int d = 0; d < 3; ++d) ok = ok && a * caps[0][d] + b * caps[1][d] >= demand[d];
        if (ok && (best < 0 || a * costs[0] + b * costs[1] < best))
          best = a * costs[0] + b * costs[1];
      }
    }
    if (best >= 0) CHECK(lp.cost <= best);
  }
}

TEST_CASE("bounds: the LP bound on simple cases", "[plan][bounds]") {
  // One type: cost x the most demanding dimension's ratio.
  LpBound b = lp_lower_bound({10000, 4096}, {{2000, 4096}}, {1000000});
  CHECK(b.feasible);
  CHECK(b.cost <= 5000000);
  CHECK(b.cost >= 4999990);
  // Two specialised types: cpu from one, memory from the other.
  b = lp_lower_bound({8000, 8192}, {{4000, 1024}, {1000, 8192}}, {1000000, 1000000});
  CHECK(b.cost > 1000000);
  CHECK(b.cost <= 3000000);
  // Demand nobody offers.
  b = lp_lower_bound({0, 0, 5}, {{1000, 1000, 0}}, {1});
  CHECK_FALSE(b.feasible);
  // Nothing to cover.
  CHECK(lp_lower_bound({0, 0}, {{1, 1}}, {5}).cost == 0);
}
