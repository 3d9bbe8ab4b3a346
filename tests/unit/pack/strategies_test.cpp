#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "berth/error.hpp"
#include "berth/pack/bounds.hpp"
#include "berth/pack/heuristics.hpp"
#include "berth/pack/search.hpp"
#include "berth/pack/solve.hpp"
#include "berth/pack/validate.hpp"
#include "berth/pack/vbp.hpp"
#include "pack_test_support.hpp"

using namespace berth::pack;

namespace {

// Iteration limits, never wall time: the tests must give the same answer on any machine.
SolveOptions deterministic(std::uint64_t iterations, std::uint64_t seed = 1) {
  SolveOptions o;
  o.max_iterations = iterations;
  o.seed = seed;
  return o;
}

}  // namespace

TEST_CASE("validator rejects what it should", "[pack][validate]") {
  Instance in = berth::pack::parse_vbp("2\n10 10\n3\n6 1 1\n5 9 1\n4 1 1\n");
  CHECK_FALSE(validate(in, Solution{{0, 1, 0}, 2}).has_value());
  CHECK(validate(in, Solution{{0, 0, 1}, 2}).has_value());            // 6+5 > 10
  CHECK(validate(in, Solution{{0, 1}, 2}).has_value());               // an item missing
  CHECK(validate(in, Solution{{0, 1, kUnassigned}, 2}).has_value());  // unpacked
  CHECK(validate(in, Solution{{0, 1, 3}, 2}).has_value());            // bin out of range
  CHECK(validate(in, Solution{{0, 2, 0}, 3}).has_value());            // counted bin empty
}

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

TEST_CASE("every strategy is valid and above the lower bound on random instances",
          "[pack][property]") {
  // Thousands of small cases; greedy rules on all of them, search on a share (it costs more).
  const std::uint64_t base_seed = 20261125;
  std::size_t cases = 0;
  for (std::uint64_t c = 0; c < 1500; ++c) {
    const std::uint64_t seed = base_seed + c;
    std::mt19937_64 shape(seed);
    const std::size_t n = 1 + shape() % 14;
    const std::size_t d = 1 + shape() % 4;
    const std::int64_t cap = 5 + static_cast<std::int64_t>(shape() % 60);
    const std::int64_t lo = static_cast<std::int64_t>(shape() % 3);
    const Instance in = pack_test::random_instance(seed, n, d, cap, lo, cap);
    const std::size_t lb = lower_bounds(in).best;
    for (const auto& name : strategy_names()) {
      if (name == kDefaultStrategy && c % 3 != 0) continue;
      const SolveResult r = solve(in, name, deterministic(300, seed));
      INFO(fmt::format("seed {} n {} d {} cap {} strategy {}", seed, n, d, cap, name));
      const auto err = validate(in, r.solution);
      REQUIRE_FALSE(err.has_value());
      REQUIRE(r.solution.bins >= lb);
      REQUIRE(r.lower_bound >= lb);  // search may prove a stronger bound
      REQUIRE(r.solution.bins >= r.lower_bound);
      REQUIRE(r.solution.bins <= n);
      ++cases;
    }
  }
  CHECK(cases > 10000);
}

TEST_CASE("search is deterministic for a seed and an iteration limit", "[pack][search]") {
  const Instance in = pack_test::random_instance(7, 120, 3, 100, 10, 60);
  const SolveResult a = solve(in, kDefaultStrategy, deterministic(3000, 5));
  const SolveResult b = solve(in, kDefaultStrategy, deterministic(3000, 5));
  CHECK(a.solution.bin_of == b.solution.bin_of);
  CHECK_FALSE(validate(in, a.solution).has_value());
  // And it never loses to the best greedy start.
  const SolveResult g = solve(in, "best-greedy");
  CHECK(a.solution.bins <= g.solution.bins);
}

TEST_CASE("the default work budget is deterministic", "[pack][search]") {
  // What `berth pack` does without --time-limit: the budget is counted work, not the clock,
  // so two runs agree exactly (a CPU-time budget would stop at a load-dependent point). A
  // short budget keeps it cheap; the instance is one the search does not finish early.
  const Instance in = pack_test::random_instance(11, 60, 5, 100, 10, 60);
  SolveOptions o;
  o.time_limit = 0.05;
  o.work_budget = true;
  const SolveResult a = solve(in, kDefaultStrategy, o);
  const SolveResult b = solve(in, kDefaultStrategy, o);
  CHECK(a.solution.bin_of == b.solution.bin_of);
  CHECK(a.lower_bound == b.lower_bound);
  CHECK_FALSE(validate(in, a.solution).has_value());
}

TEST_CASE("minimum bin slack packs every item validly", "[pack][heuristics]") {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const std::size_t n = 1 + seed % 40;
    const Instance in =
        pack_test::random_instance(seed, n, 1 + seed % 5, 100, seed % 3 == 0 ? 0 : 5, 70);
    for (const bool squared : {false, true}) {
      const Solution s = min_bin_slack(in, squared, 200);
      INFO("seed " << seed << " squared " << squared);
      CHECK_FALSE(validate(in, s).has_value());
      CHECK(s.bins >= lower_bounds(in).best);
    }
  }
}

TEST_CASE("search reaches n/3 on generated triplet instances", "[pack][search]") {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    const std::size_t d = 3 + seed % 3;
    const Instance in = pack_test::triplet_instance(seed, 20 + 10 * seed, d);
    const SolveResult r = solve(in, kDefaultStrategy, deterministic(20000, seed));
    INFO(fmt::format("seed {} d {}", seed, d));
    CHECK_FALSE(validate(in, r.solution).has_value());
    CHECK(r.lower_bound == in.item_count() / 3);
    CHECK(r.solution.bins == in.item_count() / 3);
    CHECK(r.proven_optimal);
  }
}

TEST_CASE("exact fill's partial cover is a valid packing when no cover is found",
          "[pack][search]") {
  // A node budget far too small to find the exact cover of 150 triplet items: the fallback
  // (best partial cover of exactly full bins, first fit for the rest) must still be valid.
  std::size_t partials = 0;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const Instance in = pack_test::triplet_instance(seed, 50, 3);
    Solution partial;
    const Solution fill = exact_fill(in, 50, 40, 1e9, &partial);
    INFO(fmt::format("seed {} fill {} partial {}", seed, fill.bins, partial.bins));
    if (fill.bins == 50) {
      CHECK_FALSE(validate(in, fill).has_value());
      continue;
    }
    CHECK(fill.bins == 0);
    if (partial.bins == 0) continue;
    ++partials;
    CHECK_FALSE(validate(in, partial).has_value());
    CHECK(partial.bins >= 50);
  }
  CHECK(partials > 0);
}

TEST_CASE("unknown strategies and unusable instances are errors", "[pack][solve]") {
  const Instance in = parse_vbp("1\n10\n1\n3 1\n");
  CHECK_THROWS_AS(solve(in, "nope"), berth::UsageError);
  Instance bad = in;
  bad.sizes[0] = 11;
  CHECK_THROWS_AS(solve(bad, "ffd-max"), berth::ValidationError);
  const Instance empty = parse_vbp("1\n10\n0\n");
  CHECK(solve(empty, kDefaultStrategy).solution.bins == 0);
}

TEST_CASE("every strategy on real instances from ../shared/data", "[pack][data]") {
  const auto data = pack_test::shared_data();
  if (data.empty()) {
    WARN("skipped: ../shared/data/vbp is absent");
    return;
  }
  std::ifstream csv(data / "optima.csv");
  std::string line;
  std::getline(csv, line);
  // Replicate 0 of every class and dimension with up to 120 items (fast enough for a unit test).
  std::size_t checked = 0;
  while (std::getline(csv, line)) {
    std::stringstream ss(line);
    std::string path, opt_text;
    std::getline(ss, path, ',');
    std::getline(ss, opt_text, ',');
    if (path.rfind("vbp/", 0) != 0 || path.find("_0.vbp") == std::string::npos) continue;
    const Instance in = load_vbp(data / path);
    if (in.item_count() > 120) continue;
    const std::size_t optimum = std::stoul(opt_text);
    for (const auto& name : strategy_names()) {
      const SolveResult r = solve(in, name, deterministic(name == kDefaultStrategy ? 30000 : 0));
      INFO(path << " strategy " << name);
      REQUIRE_FALSE(validate(in, r.solution).has_value());
      REQUIRE(r.lower_bound <= optimum);  // a bound above the optimum would be a bug
      REQUIRE(r.solution.bins >= r.lower_bound);
      if (name == kDefaultStrategy) CHECK(r.solution.bins <= optimum + 2);  // 30000 iterations only
    }
    ++checked;
  }
  CHECK(checked > 20);
}
