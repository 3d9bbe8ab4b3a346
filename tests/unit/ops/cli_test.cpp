// The CLI contract of the ops verbs: reboot-plan JSON and exit codes, simulate, drain, rebalance.
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include <vector>
#include "support/cli.hpp"

namespace {

using Run = berth::testing::CliRun;

Run run(const std::string& args, bool with_stderr = true) {
  return berth::testing::run_cli(args, with_stderr);
}

std::string write_temp(const std::string& name, const std::string& text) {
  return berth::testing::write_temp_file("berth_ops_cli_test_", name, text);
}

const std::string kDir = std::string(BERTH_SOURCE_DIR) + "/examples/ops/";
const std::string kSpec = kDir + "coreos-reboot.json";

const char* kFull = R"({
  "machines": [{"name": "m1", "capacity": {"cpu": "2", "memory": "4GiB"}},
               {"name": "m2", "capacity": {"cpu": "2", "memory": "4GiB"}}],
  "units": [{"name": "a", "requests": {"memory": "3GiB"}}, {"name": "b", "requests": {"memory": "3GiB"}}],
  "placements": {"a": "m1", "b": "m2"}
})";

}  // namespace

TEST_CASE("reboot-plan prints the JSON contract and exits 0 when safe", "[ops][cli]") {
  Run r = run("reboot-plan " + kSpec + " --format json", false);
  CHECK(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["safe"] == true);
  REQUIRE(j["waves"].size() == 3);
  CHECK(j["waves"][0]["machines"] == nlohmann::json::array({"m1"}));
  CHECK(j["waves"][0]["moves"] ==
        nlohmann::json({{"api@1", "m3"}, {"api@2", "m3"}, {"api@3", "m3"}}));
  CHECK(j["blocked"].empty());
}

TEST_CASE("reboot-plan exits 2 and names the blocking unit and the capacity it needs",
          "[ops][cli]") {
  const std::string spec = write_temp("full.json", kFull);
  Run r = run("reboot-plan " + spec + " --format json", false);
  CHECK(r.exit_code == 2);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["safe"] == false);
  REQUIRE(j["blocked"].size() == 2);
  CHECK(j["blocked"][0]["unit"] == "a");
  CHECK(j["blocked"][0]["summary"].get<std::string>().find("short of memory") != std::string::npos);
  CHECK(j["blocked"][0]["needs"]["memory"] == "2 GiB");
  Run text = run("reboot-plan " + spec);
  CHECK(text.exit_code == 2);
  CHECK(text.out.find("BLOCKED") != std::string::npos);
  CHECK(text.out.find("unblock: 2 GiB memory more on m2") != std::string::npos);
}

TEST_CASE("reboot-plan takes --machines, --max-unavailable and --budget", "[ops][cli]") {
  Run r = run("reboot-plan " + kSpec +
                  " --machines 'm1,m2' --max-unavailable 2 --budget api=1 --format json",
              false);
  CHECK(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  std::size_t machines = 0;
  for (const auto& w : j["waves"]) machines += w["machines"].size();
  CHECK(machines == 2);
}

TEST_CASE("ops verbs reject invalid input with exit 1 and one line", "[ops][cli]") {
  for (const std::string& args : std::vector<std::string>{
           "reboot-plan /nonexistent.json", "reboot-plan " + kSpec + " --machines 'zz*'",
           "reboot-plan " + kSpec + " --budget api", "drain " + kSpec + " m9",
           "simulate " + kSpec + " --events /nonexistent.json"}) {
    Run r = run(args);
    INFO(args << " -> " << r.out);
    CHECK(r.exit_code == 1);
    CHECK(r.out.rfind("berth: error: ", 0) == 0);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
  }
  const std::string bad = write_temp("bad-events.json", R"({"events":[{"type":"explode"}]})");
  Run r = run("simulate " + kSpec + " --events " + bad);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("events[0].type") != std::string::npos);
}

TEST_CASE("simulate prints a log and a summary; fleet mode overcommits", "[ops][cli]") {
  const std::string events = kDir + "coreos-reboot-events.json";
  Run berth = run("simulate " + kSpec + " --events " + events);
  CHECK(berth.exit_code == 0);
  CHECK(berth.out.find("reboot wave 1 down (m1)") != std::string::npos);
  CHECK(berth.out.find("overcommit 0") != std::string::npos);
  Run fleet =
      run("simulate " + kSpec + " --events " + events + " --mode fleet --format json", false);
  CHECK(fleet.exit_code == 2);
  auto j = nlohmann::json::parse(fleet.out);
  CHECK(j["summary"]["overcommit"] == 6);
  CHECK(j["summary"]["mode"] == "fleet");
}

TEST_CASE("drain and rebalance print plans", "[ops][cli]") {
  Run d = run("drain " + kSpec + " m1 --budget api=1 --format json", false);
  CHECK(d.exit_code == 0);
  auto j = nlohmann::json::parse(d.out);
  CHECK(j["complete"] == true);
  CHECK(j["steps"].size() == 3);
  CHECK(j["remaining"] == nlohmann::json::array({"node-exporter@m1"}));
  Run b = run("rebalance " + kSpec + " --max-moves 3 --format json", false);
  CHECK(b.exit_code == 0);
  auto k = nlohmann::json::parse(b.out);
  CHECK(k["moves"].size() <= 3);
  CHECK(k["peak_after"].get<double>() <= k["peak_before"].get<double>());
}

// Issue 16 item 2: kube DaemonSet pods (imported pinned to their node) made `whatif --remove
// NODE` fail with invalid.240 and `drain NODE` INCOMPLETE, while reboot-plan stopped them.
TEST_CASE("kube DaemonSet pods stop with their node and go with it", "[ops][cli][kube][data]") {
  const std::string d = std::string(BERTH_SHARED_DATA) + "/kube/sonobuoy/healthsummary/resources/";
  std::ifstream probe(d + "cluster/core_v1_nodes.json");
  if (!probe) return;  // the public data set is optional
  const std::string spec = "/tmp/berth_ops_cli_test_kind.json";
  Run imported = run("import kube --nodes " + d + "cluster/core_v1_nodes.json --pods " + d +
                     "ns/kube-system/core_v1_pods.json -o " + spec);
  REQUIRE(imported.exit_code == 0);
  Run drain = run("drain " + spec + " kind-worker2 --format json", false);
  CHECK(drain.exit_code == 0);
  auto dj = nlohmann::json::parse(drain.out);
  CHECK(dj["complete"] == true);
  CHECK(dj["blocked"].empty());
  CHECK(dj["stopped"] ==
        nlohmann::json::array({"kube-system/kindnet-hknk7", "kube-system/kube-proxy-8jj5r"}));
  Run whatif = run("whatif " + spec + " --remove kind-worker2 --format json", false);
  CHECK(whatif.exit_code == 0);
  auto wj = nlohmann::json::parse(whatif.out);
  CHECK(wj["removed_with_machines"] ==
        nlohmann::json::array({"kube-system/kindnet-hknk7", "kube-system/kube-proxy-8jj5r"}));
  CHECK(wj["placements"].count("kube-system/kube-proxy-8jj5r") == 0);
  // reboot-plan stops the same pods with their node: the three verbs agree.
  Run reboot = run("reboot-plan " + spec + " --machines kind-worker2 --format json", false);
  CHECK(reboot.exit_code == 0);
  auto rj = nlohmann::json::parse(reboot.out);
  REQUIRE(rj["waves"].size() == 1);
  CHECK(rj["waves"][0]["stopped"] == dj["stopped"]);
}

// Issue 16 item 7: simulate folds identical pending lines as place does.
TEST_CASE("simulate folds pending replicas that fail for the same reason", "[ops][cli]") {
  const std::string spec =
      write_temp("fold.json", R"({"machines":[{"name":"m1","capacity":{"cpu":"1","memory":"1GiB"}}],
    "units":[{"name":"big","replicas":4,"requests":{"memory":"2GiB"}}]})");
  const std::string events =
      write_temp("fold-events.json", R"({"events":[{"at":1,"type":"rebalance","max_moves":1}]})");
  Run r = run("simulate " + spec + " --events " + events, false);
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("pending big@1 .. big@4 (4 instances): 0/1 machines fit") != std::string::npos);
  CHECK(r.out.find("pending big@2:") == std::string::npos);
}

// Issue 16 item 8: fleet unit files reached the ops and planning verbs only through a store
// export; `--machines FILE UNITS...` now works on every verb, and unit files without
// --machines are a usage error instead of "0/0 machines fit".
TEST_CASE("every verb takes fleet unit files with --machines", "[ops][cli][fleet]") {
  const std::string ex = std::string(BERTH_SOURCE_DIR) + "/examples/coreos-fleet/";
  const std::string fleet = "--machines " + ex + "machines " + ex + "units";
  Run drain = run("drain " + fleet + " etcd-01 --format json", false);
  CHECK(drain.exit_code == 0);
  auto dj = nlohmann::json::parse(drain.out);
  CHECK(dj["machine"] == "etcd-01");
  CHECK(dj["complete"] == true);
  // The units were placed first: etcd-01 held etcd helpers, which moved.
  CHECK_FALSE(dj["moves"].empty());

  Run reboot = run("reboot-plan " + fleet + " --reboot 'etcd-*' --format json", false);
  CHECK((reboot.exit_code == 0 || reboot.exit_code == 2));
  auto rj = nlohmann::json::parse(reboot.out);
  std::size_t rebooted = 0;
  for (const auto& w : rj["waves"]) rebooted += w["machines"].size();
  CHECK(rebooted + rj["not_rebooted"].size() == 3);

  Run rebalance = run("rebalance " + fleet + " --format json", false);
  CHECK(rebalance.exit_code == 0);
  CHECK(nlohmann::json::parse(rebalance.out).contains("moves"));

  Run explain = run("explain " + fleet + " etcd-backup.service etcd-01 --format json", false);
  CHECK((explain.exit_code == 0 || explain.exit_code == 2));
  CHECK(nlohmann::json::parse(explain.out)["machine"] == "etcd-01");

  const std::string events =
      write_temp("fleet-events.json", R"({"events":[{"at":1,"type":"fail","machine":"etcd-02"}]})");
  Run sim = run("simulate " + fleet + " --events " + events + " --format json", false);
  CHECK((sim.exit_code == 0 || sim.exit_code == 2));
  CHECK(nlohmann::json::parse(sim.out)["log"].size() >= 1);

  Run whatif = run("whatif " + fleet + " --remove etcd-03 --format json", false);
  CHECK((whatif.exit_code == 0 || whatif.exit_code == 2));

  // Without --machines: a usage error naming the flag, on every verb that needs machines.
  for (const std::string& verb :
       {"place " + ex + "units", "drain " + ex + "units etcd-01", "rebalance " + ex + "units",
        "explain " + ex + "units log-shipper.service etcd-01",
        "simulate " + ex + "units --events " + events, "whatif " + ex + "units",
        "reboot-plan " + ex + "units"}) {
    Run bad = run(verb);
    INFO(verb << ": " << bad.out);
    CHECK(bad.exit_code == 1);
    CHECK(bad.out.rfind("berth: error: [berth.usage.309] --machines: unit files (", 0) == 0);
    CHECK(std::count(bad.out.begin(), bad.out.end(), '\n') == 1);
  }
  // With a JSON spec, --machines on reboot-plan keeps choosing the machines to reboot.
  Run globs = run("reboot-plan " + kSpec + " --machines m1 --format json", false);
  auto gj = nlohmann::json::parse(globs.out);
  REQUIRE(gj["waves"].size() == 1);
  CHECK(gj["waves"][0]["machines"] == nlohmann::json::array({"m1"}));
  Run same = run("reboot-plan " + kSpec + " --reboot m1 --format json", false);
  CHECK(nlohmann::json::parse(same.out)["waves"] == gj["waves"]);
  Run both = run("reboot-plan " + kSpec + " --reboot m2 --machines m1");
  CHECK(both.exit_code == 1);
  CHECK(both.out.find("[berth.usage.364]") != std::string::npos);
}

// Issue 16 item 1 for fleet users: api@1..3.service (Conflicts=api@*.service, one per machine)
// are three units of one service; --budget 'api@*:min_available=2' lets one stop per wave.
TEST_CASE("reboot-plan stops one fleet template instance per wave within its budget",
          "[ops][cli][fleet]") {
  const std::string dir = "/tmp/berth_ops_cli_test_fleet_api/";
  std::system(("mkdir -p " + dir).c_str());
  write_temp("fleet_api/api@.service",
             "[Service]\nExecStart=/usr/bin/docker run --rm -m 512m --cpus 0.5 "
             "api\n[X-Fleet]\nConflicts=api@*.service\n");
  write_temp("fleet_api/db.service",
             "[Service]\nExecStart=/usr/bin/docker run --rm -m 512m --cpus 0.5 db\n");
  write_temp("fleet_api/machines",
             "m1 capacity=\"cpu=2,memory=4Gi\"\nm2 capacity=\"cpu=2,memory=4Gi\"\nm3 "
             "capacity=\"cpu=2,memory=4Gi\"\n");
  const std::string units =
      "--machines " + dir + "machines '" + dir + "api@{1..3}.service' " + dir + "db.service";
  for (const std::string& budget :
       {std::string(), std::string(" --budget 'api@*:min_available=2'")}) {
    Run r = run("reboot-plan " + units + budget + " --format json", false);
    INFO(budget << ": " << r.out);
    CHECK(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["safe"] == true);
    REQUIRE(j["waves"].size() == 3);
    for (const auto& w : j["waves"]) {
      REQUIRE(w["stopped"].size() == 1);
      CHECK(w["stopped"][0].get<std::string>().rfind("api@", 0) == 0);
    }
  }
  Run none = run("reboot-plan " + units + " --budget 'api@*:min_available=3'");
  CHECK(none.exit_code == 2);
  CHECK(none.out.find("it cannot stop with the machine either: disruption budget "
                      "api@*:min_available=3 allows 0 down") != std::string::npos);
}
