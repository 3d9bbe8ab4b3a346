// A what-if result as text, JSON and HTML (plan/whatif_report.hpp): the same numbers in each,
// worked out by hand on three machines.
#include "berth/plan/whatif_report.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

#include "berth/plan/whatif.hpp"
#include "plan_test_util.hpp"
#include "support/builders.hpp"

using namespace berth;
using namespace berth::plan;
using testing::kMi;

namespace {

// m1, m2: 2 cpu; m3: 1 cpu (4 GiB each). web x4 (750m, 1 GiB): web@1, web@2 on m1, web@3,
// web@4 on m2. Without m2, m1 has 500m free and m3 1 cpu: one of the two evicted instances
// goes to m3, the other stops fitting.
Spec three_machines() {
  Spec s;
  s.machines = {testing::machine("m1", 2000, 4096 * kMi), testing::machine("m2", 2000, 4096 * kMi),
                testing::machine("m3", 1000, 4096 * kMi)};
  s.units = {plan_test::unit("web", 4, 750, 1024)};
  s.placements = {{"web@1", "m1"}, {"web@2", "m1"}, {"web@3", "m2"}, {"web@4", "m2"}};
  return s;
}

WhatIfResult without_m2() {
  WhatIf w;
  w.remove = {"m2"};
  return what_if(three_machines(), w);
}

}  // namespace

TEST_CASE("whatif report: the JSON answer counts before and after", "[plan][whatif][report]") {
  const WhatIfResult r = without_m2();
  REQUIRE(r.newly_pending.size() == 1);
  const nlohmann::json j = whatif_to_json(r, report_after(r, nullptr));
  CHECK(j["fits"] == false);
  CHECK(j["applied"].size() == 1);
  CHECK(j["before"] == nlohmann::json{{"instances", 4}, {"placed", 4}, {"pending", 0}});
  CHECK(j["after"] == nlohmann::json{{"instances", 4}, {"placed", 3}, {"pending", 1}});
  CHECK(j["evicted"] == nlohmann::json{"web@3", "web@4"});
  REQUIRE(j["moved"].size() == 1);
  CHECK(j["moved"].begin().value() == "m3");
  REQUIRE(j["stops_fitting"].size() == 1);
  CHECK(j["stops_fitting"][0]["unit"] == r.newly_pending[0].unit);
  CHECK(j["stops_fitting"][0]["summary"] == r.newly_pending[0].summary());
  CHECK(j["stops_fitting"][0].contains("rejections"));
  CHECK(j["still_pending"].empty());
  CHECK(j["placements"].size() == 3);
  CHECK(j["placements"]["web@1"] == "m1");
  // The report is of the cluster after the change: m2 is gone.
  CHECK(j["report"]["machines"].size() == 2);
}

TEST_CASE("whatif report: report_after places what moved", "[plan][whatif][report]") {
  const WhatIfResult r = without_m2();
  const ClusterReport after = report_after(r, nullptr);
  REQUIRE(after.machines.size() == 2);
  CHECK(after.machines[0].name == "m1");
  CHECK(after.machines[0].used[0] == 1500);
  CHECK(after.machines[1].name == "m3");
  CHECK(after.machines[1].used[0] == 750);
  CHECK(after.pending == std::vector<std::string>{r.newly_pending[0].unit});
}

TEST_CASE("whatif report: text and HTML say the same", "[plan][whatif][report]") {
  const WhatIfResult r = without_m2();
  const ClusterReport after = report_after(r, nullptr);
  const std::string text = format_whatif_text(r, after);
  CHECK_THAT(text, Catch::StartsWith("what if:\n"));
  CHECK_THAT(text, Catch::Contains("before: 4/4 instances placed\n"));
  CHECK_THAT(text, Catch::Contains("after:  3/4 instances placed: 1 stop fitting\n"));
  CHECK_THAT(text, Catch::Contains("forced off their machine: 2 (1 placed again elsewhere)\n"));
  CHECK_THAT(text, Catch::Contains("stops fitting:\n  " + r.newly_pending[0].unit + ": "));
  const std::string html = whatif_html(r, after);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK_THAT(html, Catch::Contains("1 stop fitting") && Catch::Contains("4/4 placed") &&
                       Catch::Contains("3/4 placed") && Catch::Contains("id=\"stops\""));

  const WhatIfResult same = what_if(three_machines(), WhatIf{});
  const ClusterReport unchanged = report_after(same, nullptr);
  CHECK_THAT(format_whatif_text(same, unchanged),
             Catch::Contains("after:  4/4 instances placed: everything still fits\n") &&
                 !Catch::Contains("forced off"));
  CHECK_THAT(whatif_html(same, unchanged),
             Catch::Contains("everything still fits") && !Catch::Contains("id=\"stops\""));
}
