// check_headroom decides each loss scenario on one compiled cluster (machines down, evicted
// groups re-placed, rolled back). The oracle is the definition it replaced: place() on the
// spec without the lost machines (pending_after_loss). Both must fail exactly the same
// scenarios, with the same pending instances and diagnoses (typed, field by field), on random
// clusters.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <random>
#include <set>

#include "berth/io/spec_json.hpp"
#include "berth/place/place.hpp"
#include "berth/plan/capacity.hpp"
#include "support/random_spec.hpp"

using namespace berth;
using namespace berth::plan;

TEST_CASE(
    "headroom on one cluster fails exactly the scenarios re-placing from a rebuilt spec fails",
    "[property][plan]") {
  constexpr std::uint64_t kSeed = 20261206;
  std::mt19937_64 rng(kSeed);
  int checked = 0, scenarios = 0, failed = 0;
  for (int round = 0; round < 600; ++round) {
    const std::uint64_t case_seed = rng();
    std::mt19937_64 case_rng(case_seed);
    Spec spec = testing::random_spec(case_rng);
    const auto strategy = static_cast<StrategyKind>(round % 5);
    INFO("seed " << kSeed << ", case " << round << " (case seed " << case_seed << "), strategy "
                 << to_string(strategy));
    INFO("spec: " << write_spec_json(spec, -1));
    PlacementResult first = place(spec, PlaceOptions{strategy});
    Spec placed = spec;
    placed.placements = first.placements;
    std::vector<std::string> up;
    for (const Machine& m : placed.machines) {
      if (m.state == MachineState::Up) up.push_back(m.name);
    }
    const int k = 1 + static_cast<int>(case_rng() % 2);
    if (up.size() <= static_cast<std::size_t>(k))
      continue;  // "cannot lose k of k": no scenario runs
    CapacityOptions options;
    options.strategy = strategy;
    Headroom headroom = Headroom::parse(std::to_string(k), "zone");
    HeadroomReport rep = check_headroom(placed, headroom, options);
    auto diagnoses = [](const std::vector<PendingUnit>& pending) {
      std::vector<Diagnosis> out;
      for (const PendingUnit& p : pending) {
        CHECK(p.unit == p.diagnosis.unit);
        out.push_back(p.diagnosis);
      }
      return out;
    };
    std::map<std::vector<std::string>, std::vector<Diagnosis>> fast;
    for (const LossScenario& s : rep.failures) {
      CHECK(s.failure == LossScenario::Failure::Pending);
      CHECK(s.pending_lines().size() == s.pending.size());
      fast[s.lost] = diagnoses(s.pending);
    }
    // The oracle, scenario by scenario (every k-subset: the random clusters are small).
    std::map<std::vector<std::string>, std::vector<Diagnosis>> slow;
    std::size_t n = 0;
    for (std::size_t a = 0; a < up.size(); ++a) {
      for (std::size_t b = k == 2 ? a + 1 : up.size(); b <= up.size(); ++b) {
        std::vector<std::string> lost = {up[a]};
        if (k == 2) {
          if (b == up.size()) continue;
          lost.push_back(up[b]);
        }
        ++n;
        std::vector<PendingUnit> pending = pending_after_loss(placed, lost, strategy);
        if (!pending.empty()) slow[lost] = diagnoses(pending);
        if (k == 1) break;
      }
    }
    INFO("k " << k << ", up " << up.size() << ", n " << n << ", total " << rep.scenarios_total
              << ", holds " << rep.holds << ", failures " << rep.failures.size());
    REQUIRE(rep.exhaustive);
    REQUIRE(rep.scenarios_checked == n);
    REQUIRE(fast == slow);
    REQUIRE(rep.holds == slow.empty());
    ++checked;
    scenarios += static_cast<int>(n);
    failed += static_cast<int>(slow.size());
  }
  // Both verdicts must be exercised, or agreeing proves little.
  CHECK(checked > 400);
  CHECK(failed > 200);
  CHECK(scenarios - failed > 1000);
  WARN(checked << " random clusters, " << scenarios << " loss scenarios (" << failed
               << " failing) agree");
}
