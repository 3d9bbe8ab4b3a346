// A plan (place/plan.hpp): what a scheduler wants to change. Stores skip empty plans, so
// empty() must see every kind of change.
#include "berth/place/plan.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <vector>

#include "support/builders.hpp"

using namespace berth;

TEST_CASE("a plan is empty only when it changes nothing", "[place][plan]") {
  CHECK(Plan{}.empty());
  const std::vector<std::function<void(Plan&)>> changes = {
      [](Plan& p) { p.assignments["web@1"] = "m1"; },
      [](Plan& p) { p.evictions.push_back("web@1"); },
      [](Plan& p) { p.machines.push_back(testing::machine("m1", 1000, testing::kGi)); },
      [](Plan& p) { p.units.push_back(testing::unit("web", 100, testing::kMi)); },
      [](Plan& p) { p.machine_states["m1"] = MachineState::Draining; },
      [](Plan& p) { p.removed_machines.push_back("m1"); },
      [](Plan& p) { p.removed_units.push_back("web"); },
  };
  for (std::size_t k = 0; k < changes.size(); ++k) {
    INFO("change " << k);
    Plan p;
    changes[k](p);
    CHECK_FALSE(p.empty());
  }
}
