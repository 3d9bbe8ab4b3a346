// What berth compare reads and prints (io/compare_json.hpp; docs/cli.md#compare).
#include "berth/io/compare_json.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "berth/error.hpp"
#include "berth/place/place.hpp"

using namespace berth;
using nlohmann::json;

namespace {

int usage_code(const std::string& text) {
  try {
    parse_strategy_list(text);
  } catch (const UsageError& e) {
    return e.code();
  }
  return 0;
}

}  // namespace

TEST_CASE("strategy lists: names in order, or all", "[io][compare]") {
  CHECK(parse_strategy_list("spread") == std::vector<std::string>{"spread"});
  CHECK(parse_strategy_list("best-fit,flow,spread") ==
        std::vector<std::string>{"best-fit", "flow", "spread"});
  CHECK(parse_strategy_list("all") == all_strategy_names());
  CHECK(parse_strategy_list("all").size() > 5);  // online and batch
}

TEST_CASE("strategy lists: each mistake has its own id, before anything is placed",
          "[io][compare]") {
  CHECK(usage_code("") == 390);
  CHECK(usage_code("spread,") == 390);
  CHECK(usage_code("spread,,flow") == 390);
  CHECK(usage_code("all,spread") == 391);
  CHECK(usage_code("spread,all") == 391);
  CHECK(usage_code("spread,flow,spread") == 392);
  CHECK(usage_code("spread,sprad") == 302);
  CHECK_THROWS_WITH(parse_strategy_list("flow,flow"),
                    Catch::Contains("[berth.usage.392]") && Catch::Contains("\"flow\" twice"));
}

TEST_CASE("compare JSON: one row per strategy with its dimensions", "[io][compare]") {
  CHECK(compare_to_json({}) == json{{"instances", 0}, {"strategies", json::array()}});
  PlacementMetrics m;
  m.strategy = "best-fit";
  m.instances = 7;
  m.placed = 6;
  m.pending = 1;
  m.machines_up = 3;
  m.machines_used = 2;
  m.seconds = 0.5;
  m.seconds_per_placement = 0.25;
  m.dimensions.push_back({"cpu", 6000, 0.75, 1.0, 500, 0.125});
  PlacementMetrics n = m;
  n.strategy = "spread";
  n.dimensions.clear();
  const json j = compare_to_json({m, n});
  CHECK(j["instances"] == 7);
  REQUIRE(j["strategies"].size() == 2);
  const json& row = j["strategies"][0];
  CHECK(row["strategy"] == "best-fit");
  CHECK(row["placed"] == 6);
  CHECK(row["pending"] == 1);
  CHECK(row["machines_up"] == 3);
  CHECK(row["machines_used"] == 2);
  CHECK(row["seconds"] == 0.5);
  CHECK(row["seconds_per_placement"] == 0.25);
  CHECK(row["dimensions"] == json{{"cpu",
                                   {{"allocatable", 6000},
                                    {"mean_utilization", 0.75},
                                    {"peak_utilization", 1.0},
                                    {"stranded", 500},
                                    {"stranded_fraction", 0.125}}}});
  CHECK(j["strategies"][1]["strategy"] == "spread");
  CHECK(j["strategies"][1]["dimensions"] == json::object());
}
