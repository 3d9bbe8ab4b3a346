// what_if places the changed spec on one compiled cluster: the requests scaled there decide
// which kept instances leave their machine, then the placements that stay are applied to the
// same cluster and the engine places the rest (no second compile). The oracle is the definition
// it replaced: place() on the changed spec it reports (after_spec, whose placements are what
// stayed). Both must agree field by field on random clusters and random changes, and what
// stayed must fit its machines.
#include <catch2/catch.hpp>

#include <random>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/place/place.hpp"
#include "berth/plan/whatif.hpp"
#include "support/random_spec.hpp"

using namespace berth;
using namespace berth::plan;

namespace {

WhatIf random_changes(std::mt19937_64& rng, const Spec& spec) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto any_machine = [&] {
    return spec
        .machines[static_cast<std::size_t>(pick(0, static_cast<int>(spec.machines.size()) - 1))]
        .name;
  };
  auto any_unit = [&] {
    return spec.units[static_cast<std::size_t>(pick(0, static_cast<int>(spec.units.size()) - 1))]
        .name;
  };
  WhatIf w;
  for (int k = pick(0, 2); k > 0 && spec.machines.size() > 1; --k)
    w.remove.push_back(any_machine());
  if (pick(0, 2) == 0) w.add.push_back({any_machine(), pick(1, 2)});
  if (pick(0, 1) == 0) w.grow.push_back({any_unit(), pick(-2, 3), false});
  if (pick(0, 2) != 0) w.scale.push_back({pick(0, 1) == 0 ? "" : any_unit(), pick(-30, 80)});
  return w;
}

}  // namespace

TEST_CASE("what_if's answer after the changes is place() on the changed spec",
          "[property][plan][whatif]") {
  constexpr std::uint64_t kSeed = 20261218;
  std::mt19937_64 rng(kSeed);
  int checked = 0, scaled = 0, evicted = 0, pending = 0;
  for (int round = 0; round < 500; ++round) {
    const std::uint64_t case_seed = rng();
    std::mt19937_64 case_rng(case_seed);
    Spec spec = testing::random_spec(case_rng);
    const auto strategy = static_cast<StrategyKind>(round % 5);
    PlaceOptions options{strategy};
    spec.placements = place(spec, options).placements;
    const WhatIf changes = random_changes(case_rng, spec);
    INFO("seed " << kSeed << ", case " << round << " (case seed " << case_seed << ")");
    INFO("spec: " << write_spec_json(spec, -1));
    WhatIfResult r;
    try {
      r = what_if(spec, changes, nullptr, options);
    } catch (const UsageError&) {
      continue;  // a grown global unit, or one removed with its machine: refused, not placed
    }
    const PlacementResult oracle = place(r.after_spec, options);
    REQUIRE(r.after.placements == oracle.placements);
    REQUIRE(r.after.pending == oracle.pending);
    REQUIRE(r.after.warnings == oracle.warnings);
    REQUIRE(r.after.utilization == oracle.utilization);
    REQUIRE(r.after.newly_placed == oracle.newly_placed);
    REQUIRE(r.after.overcommitted.size() == oracle.overcommitted.size());
    // What stayed fits: the eviction rule leaves no machine over capacity.
    CHECK(oracle.overcommitted.empty());
    for (const std::string& inst : r.evicted) CHECK(r.after_spec.placements.count(inst) == 0);
    ++checked;
    scaled += changes.scale.empty() ? 0 : 1;
    evicted += r.evicted.empty() ? 0 : 1;
    pending += r.after.pending.empty() ? 0 : 1;
  }
  // Every path must be exercised, or agreeing proves little.
  CHECK(checked > 300);
  CHECK(scaled > 150);
  CHECK(evicted > 50);
  CHECK(pending > 50);
}
