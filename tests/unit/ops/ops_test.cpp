// The operations' shared vocabulary (ops/ops.hpp).
#include "berth/ops/ops.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace berth;
using namespace berth::ops;

TEST_CASE("block reasons print as the JSON answers' stable codes", "[ops]") {
  CHECK(std::string(to_string(BlockReason::NoMachine)) == "no_machine");
  CHECK(std::string(to_string(BlockReason::Budget)) == "budget");
}

TEST_CASE("options default to what the CLI does without flags", "[ops]") {
  const OpsOptions o;
  CHECK(o.strategy == StrategyKind::BestFit);
  CHECK_FALSE(o.preemption);  // preemption is opt-in (docs/ops.md)
  CHECK(o.budgets.empty());
  CHECK(o.zone_key == "zone");
}

TEST_CASE("moves compare by instance, source and destination", "[ops]") {
  const Move a{"web@1", "m1", "m2"};
  CHECK(a == Move{"web@1", "m1", "m2"});
  CHECK_FALSE(a == Move{"web@2", "m1", "m2"});
  CHECK_FALSE(a == Move{"web@1", "", "m2"});  // from no machine is another move
  CHECK_FALSE(a == Move{"web@1", "m1", "m3"});
}
