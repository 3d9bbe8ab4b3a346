// Property-based tests over random clusters and workloads: whatever the strategy, placement
// never overcommits, every constraint holds, and every instance is placed or pending with
// reasons whose counts add up to the machines considered.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <random>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/place/place.hpp"
#include "support/invariants.hpp"
#include "support/random_spec.hpp"

using namespace berth;

namespace {

constexpr std::uint64_t kInvariantsSeed = 20261125;
using testing::random_spec;

}  // namespace

TEST_CASE("random clusters: no overcommit, constraints hold, nothing lost, reasons add up",
          "[property][place]") {
  std::mt19937_64 rng(kInvariantsSeed);
  int checked = 0, rejected_as_invalid = 0, with_pending = 0;
  for (int round = 0; round < 3000; ++round) {
    const std::uint64_t case_seed = rng();
    std::mt19937_64 case_rng(case_seed);
    Spec spec = random_spec(case_rng);
    const auto strategy = static_cast<StrategyKind>(round % 5);
    INFO("seed " << kInvariantsSeed << ", case " << round << " (case seed " << case_seed
                 << "), strategy " << to_string(strategy));
    INFO("spec: " << write_spec_json(spec, -1));
    PlacementResult result;
    try {
      result = place(spec, PlaceOptions{strategy});
    } catch (const ValidationError& e) {
      // The generator can write contradictions (conflicting pins, a sidekick that conflicts
      // with its main unit); those must be refused, never half-placed.
      ++rejected_as_invalid;
      continue;
    }
    ++checked;
    with_pending += result.pending.empty() ? 0 : 1;
    auto bad = testing::check_placement(spec, result);
    for (const auto& b : bad) FAIL(b);
    // Determinism: the same input gives the same answer.
    PlacementResult again = place(spec, PlaceOptions{strategy});
    REQUIRE(again.placements == result.placements);
    REQUIRE(again.pending.size() == result.pending.size());
  }
  // The generator must exercise both outcomes, or the test proves little.
  CHECK(checked > 2500);
  CHECK(with_pending > 300);
  CHECK(checked - with_pending > 300);
  WARN("checked " << checked << " random specs (" << with_pending << " with pending units, "
                  << rejected_as_invalid << " refused as contradictory)");
}

TEST_CASE("random specs survive a JSON round trip", "[property][io]") {
  std::mt19937_64 rng(kInvariantsSeed + 1);
  for (int round = 0; round < 500; ++round) {
    Spec spec = random_spec(rng);
    Spec back = parse_spec_json(write_spec_json(spec), "roundtrip.json");
    INFO("case " << round);
    REQUIRE(write_spec_json(back) == write_spec_json(spec));
  }
}
