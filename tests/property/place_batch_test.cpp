// Property test for the batch strategies (place/batch.hpp): over random clusters and
// workloads, each batch strategy never overcommits, keeps every constraint, and leaves every
// instance placed or pending with a diagnosis, deterministically, and a pending instance is
// explained exactly as the online placer explains it on the same final state.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <random>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/place/batch.hpp"
#include "berth/place/place.hpp"
#include "support/invariants.hpp"
#include "support/random_spec.hpp"

using namespace berth;

namespace {
constexpr std::uint64_t kBatchSeed = 20261126;
}  // namespace

TEST_CASE("batch strategies on random clusters: no overcommit, constraints hold, nothing lost",
          "[property][place][batch]") {
  for (const std::string& name : batch_strategy_names()) {
    std::mt19937_64 rng(kBatchSeed);
    int checked = 0, with_pending = 0;
    for (int round = 0; round < 500; ++round) {
      const std::uint64_t case_seed = rng();
      std::mt19937_64 case_rng(case_seed);
      Spec spec = testing::random_spec(case_rng);
      INFO("seed " << kBatchSeed << ", case " << round << " (case seed " << case_seed
                   << "), strategy " << name);
      INFO("spec: " << write_spec_json(spec, -1));
      const PlaceOptions options = place_options_for(name);
      REQUIRE(options.batch);
      PlacementResult result;
      try {
        result = place(spec, options);
      } catch (const ValidationError&) {
        continue;  // contradictory specs are refused before any strategy runs
      }
      ++checked;
      with_pending += result.pending.empty() ? 0 : 1;
      for (const auto& b : testing::check_placement(spec, result)) FAIL(b);
      PlacementResult again = place(spec, options);
      REQUIRE(again.placements == result.placements);
      REQUIRE(again.pending.size() == result.pending.size());
      // The explanation is the online placer's: placing the leftovers online on the batch's
      // final state leaves the same instances pending, for the same reasons.
      if (!result.pending.empty()) {
        Spec after = spec;
        after.placements = result.placements;
        PlacementResult online = place(after, PlaceOptions{});
        REQUIRE(online.pending.size() == result.pending.size());
        for (std::size_t k = 0; k < online.pending.size(); ++k) {
          CHECK(online.pending[k].unit == result.pending[k].unit);
          CHECK(online.pending[k].diagnosis.kind() == result.pending[k].diagnosis.kind());
        }
      }
    }
    CHECK(checked > 400);
    CHECK(with_pending > 50);
  }
}
