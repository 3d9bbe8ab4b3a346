// JSON of the operations (ops/ops_json.hpp): the events file and the shared pieces of the answers.
#include "berth/ops/ops_json.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "berth/error.hpp"
#include "ops_test_util.hpp"

using namespace berth;
using namespace berth::ops;
using namespace berth::ops::test;

TEST_CASE("the events file: every type, and errors that name the field", "[ops][simulate][json]") {
  const Scenario s = parse_scenario_json(R"({
    "mode": "fleet", "strategy": "spread", "preemption": true, "zone_key": "rack",
    "budgets": ["web=1", {"units": "db", "min_available": 2}],
    "events": [
      {"at": 1, "type": "fail", "machine": "m1"},
      {"at": 2, "type": "recover", "machine": "m1"},
      {"at": 3, "type": "drain", "machine": "m2"},
      {"at": 4, "type": "reboot", "machines": ["m1", "m2"], "max_unavailable": 2},
      {"at": 5, "type": "rebalance", "max_moves": 3},
      {"at": 6, "type": "arrive", "unit": {"name": "x", "replicas": 2, "requests": {"memory": "1Gi"}}},
      {"at": 7, "type": "depart", "unit": "x"}
    ]})");
  CHECK(s.mode == SimMode::Fleet);
  CHECK(s.options.strategy == StrategyKind::Spread);
  CHECK(s.options.zone_key == "rack");
  REQUIRE(s.events.size() == 7);
  CHECK(s.events[3].machines == "m1,m2");
  CHECK(s.events[3].max_unavailable == 2);
  CHECK(s.events[4].max_moves == 3);
  REQUIRE(s.events[5].unit);
  CHECK(s.events[5].unit->requests.memory == kGi);
  CHECK(s.events[6].unit_name == "x");

  CHECK_THROWS_WITH(
      parse_scenario_json(R"({"events":[{"type":"fial","machine":"m1"}]})", "ev.json"),
      Catch::Contains("events[0].type") && Catch::Contains("did you mean \"fail\"") &&
          Catch::Contains("ev.json"));
  CHECK_THROWS_WITH(parse_scenario_json(R"({"events":[{"type":"fail"}]})"),
                    Catch::Contains("needs \"machine\""));
  CHECK_THROWS_WITH(
      parse_scenario_json(R"({"events":[{"type":"fail","machine":"m1","machnie":"x"}]})"),
      Catch::Contains("events[0].machnie"));
  CHECK_THROWS_WITH(
      parse_scenario_json(R"({"events":[{"type":"arrive","unit":{"name":"x","replicas":-1}}]})"),
      Catch::Contains("events[0].unit"));
  CHECK_THROWS_WITH(parse_scenario_json(R"({"budgets":["web"],"events":[]})"),
                    Catch::Contains("budgets[0]"));
  CHECK_THROWS_AS(parse_scenario_json("{\"events\": [\n  {\"type\": }]}", "bad.json"), ParseError);
  CHECK_THROWS_WITH(parse_scenario_json("{\"events\": [\n  {\"type\": }]}", "bad.json"),
                    Catch::Contains("bad.json:2"));
}

TEST_CASE("an unknown field in an events file has the spec's unknown-field id", "[ops][simulate]") {
  // One failure kind, one id (docs/errors.md): 203, as in a spec; 290 is a field's wrong type.
  try {
    parse_scenario_json(R"({"events":[{"at":1,"type":"fail","machnie":"m1"}]})", "ev.json");
    FAIL("no error");
  } catch (const ValidationError& e) {
    CHECK(e.code() == 203);
    CHECK_THAT(e.what(),
               Catch::Contains("events[0].machnie") && Catch::Contains("did you mean \"machine\""));
  }
  try {
    parse_scenario_json(R"({"events":[{"at":1,"type":"fail","machine":7}]})", "ev.json");
    FAIL("no error");
  } catch (const ValidationError& e) {
    CHECK(e.code() == 290);
  }
}

TEST_CASE("a blocked instance's JSON: reason code, and what would unblock it", "[ops][json]") {
  // Built whole: assigning short literals to a default-constructed Blocked's strings trips
  // GCC 12's -Wmaybe-uninitialized at -O3 (a false positive inside libstdc++).
  const Blocked b{"db@1",
                  "m1",
                  BlockReason::NoMachine,
                  "db@1: 0/2 machines fit",
                  {{"memory", 3 * kGi / 2}, {"cpu", 250}},
                  "m2",
                  std::nullopt};
  const nlohmann::json j = blocked_to_json(b);
  CHECK(j["unit"] == "db@1");
  CHECK(j["machine"] == "m1");
  CHECK(j["reason"] == "no_machine");
  CHECK(j["summary"] == "db@1: 0/2 machines fit");
  // People read "needs"; programs read the exact integers.
  CHECK(j["needs"] == nlohmann::json{{"cpu", "250m"}, {"memory", "1.5 GiB"}});
  CHECK(j["needs_exact"] == nlohmann::json{{"cpu", 250}, {"memory", 3 * kGi / 2}});
  CHECK(j["needs_on"] == "m2");
  CHECK_FALSE(j.contains("diagnosis"));

  const Blocked budget{"web@2", "m3", BlockReason::Budget, "", {}, "", std::nullopt};
  const nlohmann::json k = blocked_to_json(budget);
  CHECK(k["reason"] == "budget");
  // Nothing would unblock it by capacity: no "needs" at all.
  CHECK_FALSE(k.contains("needs"));
  CHECK_FALSE(k.contains("needs_on"));
}
