// The CLI contract: verbs, exit codes and the JSON of `berth place`.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/cli.hpp"

namespace {

using PlaceRun = berth::testing::CliRun;

PlaceRun run(const std::string& args, bool with_stderr = true) {
  return berth::testing::run_cli(args, with_stderr);
}

std::string write_temp(const std::string& name, const std::string& text) {
  return berth::testing::write_temp_file("berth_cli_test_", name, text);
}

const std::string kExample = std::string(BERTH_SOURCE_DIR) + "/examples/coreos-fleet/cluster.json";

}  // namespace

TEST_CASE("place prints the JSON contract and exits 2 when units are pending", "[cli]") {
  PlaceRun r = run("place " + kExample + " --format json");
  REQUIRE(r.exit_code == 2);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["placements"]["etcd@1"] == "etcd-1");
  CHECK(j["placements"].size() == 27);
  REQUIRE(j["pending"].size() == 1);
  CHECK(j["pending"][0]["unit"] == "analytics");
  CHECK(j["pending"][0]["rejections"]["insufficient_memory"] == 12);
  CHECK(j["pending"][0]["summary"].get<std::string>().rfind(
            "analytics: 0/12 machines fit: 12 short of memory", 0) == 0);
  CHECK(j["utilization"]["etcd-1"]["cpu"].get<double>() > 0.5);
}

TEST_CASE("place exits 0 when everything is placed", "[cli]") {
  std::string path =
      write_temp("ok.json", R"({"machines":[{"name":"m1","capacity":{"cpu":"1","memory":"1Gi"}}],
    "units":[{"name":"a","requests":{"cpu":"500m"}}]})");
  PlaceRun r = run("place " + path);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("1 of 1 unit instances placed."));
}

TEST_CASE("bad input is one line and exit 1", "[cli]") {
  auto one_line_error = [](const PlaceRun& r) {
    CHECK(r.exit_code == 1);
    CHECK(r.out.rfind("berth: error: ", 0) == 0);
    CHECK(r.out.find('\n') == r.out.size() - 1);
  };
  PlaceRun truncated =
      run("place " + write_temp("trunc.json", "{\"machines\": [ {\"name\": \"m1\""));
  one_line_error(truncated);
  CHECK_THAT(truncated.out, Catch::Contains("trunc.json:1:"));
  PlaceRun strategy = run("place " + kExample + " --strategy fastest");
  one_line_error(strategy);
  CHECK_THAT(strategy.out, Catch::Contains("unknown strategy \"fastest\""));
  one_line_error(
      run("place " +
          write_temp("neg.json", R"({"machines":[{"name":"m1","capacity":{"memory":"-1"}}]})")));
  one_line_error(run(
      "place " + write_temp("abc.json", R"({"units":[{"name":"w","requests":{"cpu":"abc"}}]})")));
  // A dangling name is an error with --strict; without it, only that unit is pending.
  const std::string dangling = write_temp(
      "mo.json",
      R"({"machines":[{"name":"m1"}],"units":[{"name":"w","constraints":{"machine_of":"ghost"}},{"name":"ok"}]})");
  PlaceRun unknown = run("place " + dangling + " --strict");
  one_line_error(unknown);
  CHECK_THAT(unknown.out, Catch::Contains("unit w: machine_of") && Catch::Contains("\"ghost\""));
  PlaceRun lenient = run("place " + dangling + " --format json");
  CHECK(lenient.exit_code == 2);
  CHECK_THAT(lenient.out, Catch::Contains("\"unresolvable\": true") && Catch::Contains("\"ok\": "));
  PlaceRun misspelled =
      run("place " + write_temp("typo.json", R"({"units":[{"name":"w","replica":2}]})"));
  one_line_error(misspelled);
  CHECK_THAT(misspelled.out, Catch::Contains("did you mean \"replicas\""));
  one_line_error(run("place /nonexistent/spec.json"));
}

TEST_CASE("explain says why a unit cannot go on a machine", "[cli]") {
  PlaceRun r = run("explain " + kExample + " analytics api-3");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.out,
             Catch::Contains("analytics cannot go on api-3") && Catch::Contains("short of memory"));
  PlaceRun ok = run("explain " + kExample + " etcd@1 etcd-1 --format json");
  CHECK(ok.exit_code == 0);
  CHECK(nlohmann::json::parse(ok.out)["fits"] == true);
}

// Issue 16 item 13: existing placements that overcommit a machine were only a warning and
// `place` exited 0.
TEST_CASE("place exits 2 and lists machines the existing placements overcommit", "[cli]") {
  const std::string spec =
      write_temp("overcommit.json", R"({"machines":[{"name":"m1","capacity":{"cpu":"1"}},
      {"name":"m2","capacity":{"cpu":"4"}}],
    "units":[{"name":"a","requests":{"cpu":"1"}},{"name":"b","requests":{"cpu":"1"}}],
    "placements":{"a":"m1","b":"m1"}})");
  PlaceRun json_run = run("place " + spec + " --format json", false);
  CHECK(json_run.exit_code == 2);
  auto j = nlohmann::json::parse(json_run.out);
  REQUIRE(j["overcommitted"].size() == 1);
  CHECK(j["overcommitted"][0]["machine"] == "m1");
  CHECK(j["overcommitted"][0]["over"]["cpu"] == 1000);
  CHECK(j["overcommitted"][0]["must_move"] == nlohmann::json::array({"b"}));
  CHECK(j["pending"].empty());
  PlaceRun text = run("place " + spec);
  CHECK(text.exit_code == 2);
  CHECK(text.out.find("1 machine(s) overcommitted by existing placements:\n  m1: over cpu by 1; "
                      "must move: b\n") != std::string::npos);
  // A spec that fits has an empty list.
  PlaceRun fine = run("place " + kExample + " --format json", false);
  CHECK(nlohmann::json::parse(fine.out)["overcommitted"].empty());
}
