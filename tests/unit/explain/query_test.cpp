// The reverse question (explain/query.hpp): can instance U go on machine M after the rest of
// the spec is placed, and why not.
#include "berth/explain/query.hpp"

#include <catch2/catch.hpp>

#include "berth/error.hpp"
#include "support/builders.hpp"

using namespace berth;
using testing::kGi;

namespace {

// m1 (zone a) and m2 (zone b): 2 cpu, 4 GiB. web x2 (1 cpu) prefers zone b, so both replicas
// go to m2; db (3 cpu) fits nowhere.
Spec zones() {
  Spec s;
  s.machines = {testing::machine("m1", 2000, 4 * kGi, {{"zone", {"a"}}}),
                testing::machine("m2", 2000, 4 * kGi, {{"zone", {"b"}}})};
  Unit web = testing::unit("web", 1000, kGi, 2);
  Preference b;
  b.metadata = {MetadataRequirement{"zone", MetadataOp::In, {"b"}}};
  b.weight = 50;
  web.preferences = {b};
  s.units = {web, testing::unit("db", 3000, kGi)};
  return s;
}

}  // namespace

TEST_CASE("explain: a replicated unit's bare name is its first replica", "[explain][query]") {
  const ExplainAnswer a = explain_placement(zones(), "web", "m1");
  CHECK(a.unit == "web@1");
  CHECK(a.machine == "m1");
  CHECK(a.fits());  // m1 is empty: it could take web@1, it is just not preferred
  CHECK(a.reasons.empty());
  CHECK(a.placed_on == "m2");
  REQUIRE(a.preferences_met);
  CHECK(a.preferences_met->empty());  // m1 is in zone a
  const ExplainAnswer on_m2 = explain_placement(zones(), "web@2", "m2");
  CHECK(on_m2.unit == "web@2");
  REQUIRE(on_m2.preferences_met);
  CHECK(*on_m2.preferences_met == std::vector<std::string>{"zone=b (+50)"});
}

TEST_CASE("explain: every reason a unit cannot go there", "[explain][query]") {
  const ExplainAnswer a = explain_placement(zones(), "db", "m1");
  CHECK(a.unit == "db");
  CHECK_FALSE(a.fits());
  REQUIRE(a.reasons.size() == 1);
  CHECK_THAT(a.reasons[0], Catch::Contains("cpu"));
  CHECK_FALSE(a.placed_on);
  CHECK_FALSE(a.preferences_met);  // db has no preferences
}

TEST_CASE("explain: unknown names are usage errors 306 and 307 with a hint", "[explain][query]") {
  try {
    explain_placement(zones(), "dbb", "m1");
    FAIL("no error");
  } catch (const UsageError& e) {
    CHECK(e.code() == 306);
    CHECK_THAT(e.what(), Catch::Contains("no unit instance named \"dbb\"") &&
                             Catch::Contains("did you mean \"db\"?"));
  }
  try {
    explain_placement(zones(), "db", "m3");
    FAIL("no error");
  } catch (const UsageError& e) {
    CHECK(e.code() == 307);
    CHECK_THAT(e.what(), Catch::Contains("no machine named \"m3\"") &&
                             Catch::Contains("did you mean \"m1\"?"));
  }
}
