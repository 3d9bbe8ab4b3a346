// berth explain's JSON answer (io/explain_json.hpp; docs/cli.md#explain).
#include "berth/io/explain_json.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace berth;
using nlohmann::json;

TEST_CASE("explain JSON: fits, reasons, and placed_on null when unplaced", "[io][explain]") {
  // Built whole: assigning short literals to a default-constructed answer's strings trips
  // GCC 12's -Wmaybe-uninitialized at -O3 (a false positive inside libstdc++).
  const ExplainAnswer a{"db", "m1", {"cpu: needs 3, m1 has 2 free", "zone!=b"}, {}, {}};
  const json j = explain_to_json(a);
  CHECK(j == json{{"unit", "db"},
                  {"machine", "m1"},
                  {"fits", false},
                  {"reasons", {"cpu: needs 3, m1 has 2 free", "zone!=b"}},
                  {"placed_on", nullptr}});
  CHECK_FALSE(j.contains("preferences_met"));  // only for a unit with preferences
}

TEST_CASE("explain JSON: a unit with preferences says which the machine meets", "[io][explain]") {
  ExplainAnswer a{"web@1", "m2", {}, "m2", std::vector<std::string>{}};
  json j = explain_to_json(a);
  CHECK(j["fits"] == true);
  CHECK(j["reasons"] == json::array());
  CHECK(j["placed_on"] == "m2");
  CHECK(j["preferences_met"] == json::array());  // has preferences, meets none: [] not absent
  a.preferences_met = std::vector<std::string>{"zone=b (+50)"};
  CHECK(explain_to_json(a)["preferences_met"] == json{"zone=b (+50)"});
}
