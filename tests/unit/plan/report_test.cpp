// The report of a placed cluster (plan/report.hpp): per machine and per type, used, free and
// stranded capacity, worked out by hand for a two-machine cluster.
#include "berth/plan/report.hpp"

#include <catch2/catch.hpp>

#include <string>

#include "plan_test_util.hpp"
#include "support/builders.hpp"

using namespace berth;
using namespace berth::plan;
using testing::kMi;

namespace {

// m1, m2: 2 cpu, 4 GiB. web x2 (500m, 1 GiB) on m1; db (1800m, 1 GiB) on m2; big (3 cpu)
// fits nowhere and has no placement, so it is pending in the report.
Spec two_machines() {
  Spec s;
  s.machines = {testing::machine("m2", 2000, 4096 * kMi), testing::machine("m1", 2000, 4096 * kMi)};
  s.units = {plan_test::unit("web", 2, 500, 1024), testing::unit("db", 1800, 1024 * kMi),
             testing::unit("big", 3000, 1024 * kMi)};
  s.placements = {{"web@1", "m1"}, {"web@2", "m1"}, {"db", "m2"}};
  return s;
}

}  // namespace

TEST_CASE("report: used, units and stranded capacity per machine", "[plan][report]") {
  const ClusterReport rep = build_report(two_machines());
  // Nobody offers or asks for disk: the column is left out.
  CHECK(rep.dimensions == std::vector<std::string>{"cpu", "memory"});
  REQUIRE(rep.machines.size() == 2);
  const MachineUsage& m1 = rep.machines[0];  // natural name order, not the spec's
  const MachineUsage& m2 = rep.machines[1];
  CHECK(m1.name == "m1");
  CHECK(m2.name == "m2");
  CHECK(m1.type.empty());
  CHECK(m1.cost == 0);
  CHECK(m1.allocatable == std::vector<std::int64_t>{2000, 4096 * kMi});
  CHECK(m1.used == std::vector<std::int64_t>{1000, 2048 * kMi});
  CHECK(m1.instances == 2);
  REQUIRE(m1.units.size() == 1);
  CHECK(m1.units[0].unit == "web");
  CHECK(m1.units[0].instances == 2);
  CHECK(m1.units[0].amount == std::vector<std::int64_t>{1000, 2048 * kMi});
  // m1 still fits a web: nothing stranded.
  CHECK(m1.stranded == std::vector<std::int64_t>{0, 0});
  CHECK(m2.used == std::vector<std::int64_t>{1800, 1024 * kMi});
  // m2 has 200m and 3 GiB free: no unit fits (the smallest cpu request is 500m), cpu is full
  // (below that request), so its 3 GiB of memory are stranded.
  CHECK(m2.stranded == std::vector<std::int64_t>{0, 3072 * kMi});
  CHECK(rep.instances == 3);
  CHECK(rep.pending == std::vector<std::string>{"big"});
  CHECK(rep.total_cost == 0);
}

TEST_CASE("report: machines not from a catalogue are one type, summed", "[plan][report]") {
  const ClusterReport rep = build_report(two_machines());
  REQUIRE(rep.types.size() == 1);
  const TypeUsage& t = rep.types[0];
  CHECK(t.type.empty());
  CHECK(t.count == 2);
  CHECK(t.cost == 0);
  CHECK(t.allocatable == std::vector<std::int64_t>{4000, 8192 * kMi});
  CHECK(t.used == std::vector<std::int64_t>{2800, 3072 * kMi});
  CHECK(t.stranded == std::vector<std::int64_t>{0, 3072 * kMi});
}

TEST_CASE("report: ratio is 0 when nothing is allocatable", "[plan][report]") {
  CHECK(ClusterReport::ratio(1, 4) == 0.25);
  CHECK(ClusterReport::ratio(3, 3) == 1.0);
  CHECK(ClusterReport::ratio(1, 0) == 0.0);
  CHECK(ClusterReport::ratio(5, -1) == 0.0);
}

TEST_CASE("report: the type and machine tables show the report's numbers", "[plan][report]") {
  const ClusterReport rep = build_report(two_machines());
  const std::string types = format_type_table(rep);
  CHECK_THAT(types, Catch::StartsWith("type ") && Catch::Contains("cpu used") &&
                        Catch::Contains("memory used"));
  // The existing machines: 2800/4000 cpu = 70.0 %, 3/8 GiB = 37.5 %, 3 GiB stranded.
  CHECK_THAT(types, Catch::Contains("(existing)") && Catch::Contains("70.0%") &&
                        Catch::Contains("37.5%") && Catch::Contains("3 GiB"));
  CHECK_THAT(types, Catch::Contains("\ntotal "));
  const std::string machines = format_machine_table(rep);
  // m1: 2 instances, 50 % cpu, 50 % memory, web x2; m2: 90 % cpu, 25 % memory, db x1.
  CHECK_THAT(machines, Catch::Contains("50.0%") && Catch::Contains("web x2") &&
                           Catch::Contains("90.0%") && Catch::Contains("25.0%") &&
                           Catch::Contains("db x1"));
  CHECK(machines.find("\nm1 ") < machines.find("\nm2 "));
}

TEST_CASE("report: the HTML page is self-contained and escapes what it prints", "[plan][report]") {
  CHECK(html_escape("a<b>&\"c\"'") == "a&lt;b&gt;&amp;&quot;c&quot;'");
  CHECK(html_escape("plain") == "plain");
  const ClusterReport rep = build_report(two_machines());
  const std::string html =
      report_html(rep, "web & db <test>", {{"cost", "<b>0</b>"}}, "<p id=\"extra\"></p>");
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<title>web &amp; db &lt;test&gt;</title>") != std::string::npos);
  // Summary values are HTML already (callers format them); keys are escaped text.
  CHECK(html.find("<tr><td>cost</td><td><b>0</b></td></tr>") != std::string::npos);
  CHECK(html.find("<p id=\"extra\"></p>") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("(existing machines)") != std::string::npos);
}
