// The umbrella header (berth/berth.hpp) alone gives a consumer every area: this file includes
// nothing else of berth and uses one thing from each. A header dropped from the umbrella, or
// one that only compiled thanks to an include before it, fails here at compile time.
#include "berth/berth.hpp"

#include <catch2/catch.hpp>

#include <string>

TEST_CASE("berth.hpp alone reaches every area", "[umbrella]") {
  // io + model + place + explain: read a spec, place it, print the placement.
  const berth::Spec spec = berth::parse_spec_json(R"({
    "machines": [{"name": "m1", "capacity": {"cpu": "2", "memory": "4Gi"}},
                 {"name": "m2", "capacity": {"cpu": "2", "memory": "4Gi"}}],
    "units": [{"name": "web", "replicas": 3, "requests": {"cpu": "1", "memory": "1Gi"}}]})");
  REQUIRE(spec.machines.size() == 2);
  CHECK(spec.machines[0].allocatable().cpu == 2000);
  CHECK(berth::format_resources(spec.units[0].requests) == "cpu 1, memory 1 GiB");
  const berth::PlacementResult result = berth::place(spec);
  CHECK(result.all_placed());
  CHECK(result.placements.size() == 3);
  CHECK_THAT(berth::format_placement_text(spec, result), Catch::Contains("web@1"));
  CHECK_THAT(berth::write_spec_json(spec), Catch::Contains("\"web\""));
  // constraint
  CHECK(berth::glob_match("web@*", "web@2"));
  // errors
  CHECK_THROWS_AS(berth::parse_strategy("nope"), berth::UsageError);
  // fleet
  CHECK(berth::fleet::looks_like_unit_input("web.service"));
  CHECK_FALSE(berth::fleet::looks_like_unit_input("cluster.json"));
  // ops
  CHECK(std::string(berth::ops::to_string(berth::ops::BlockReason::Budget)) == "budget");
  // pack
  CHECK(berth::pack::is_strategy(berth::pack::kDefaultStrategy));
  // plan
  CHECK(berth::plan::without_machines(spec, {"m1"}).machines.size() == 1);
  // state
  CHECK(std::string(berth::state::to_string(berth::state::CommitStatus::Conflict)) == "conflict");
}
