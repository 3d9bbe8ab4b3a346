#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "berth/error.hpp"
#include "berth/pack/bounds.hpp"
#include "berth/pack/solve.hpp"
#include "berth/pack/validate.hpp"
#include "berth/pack/vbp.hpp"
#include "pack_test_support.hpp"

using namespace berth::pack;

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
      const SolveResult r = solve(in, name, pack_test::deterministic(300, seed));
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
      const SolveResult r =
          solve(in, name, pack_test::deterministic(name == kDefaultStrategy ? 30000 : 0));
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
