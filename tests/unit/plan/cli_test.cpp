// The CLI contract of `berth capacity` and `berth whatif`: JSON names, exit codes, and a plan
// that anyone can rebuild from the JSON alone and check with `berth place`.
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "berth/io/spec_json.hpp"
#include "berth/plan/catalogue.hpp"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

struct Run {
  int code = -1;
  std::string out;
};

/// Runs the CLI with `args` (a shell fragment), capturing stdout; stderr goes to `err_file`.
Run run_cli(const std::string& args, const std::string& err_file = "/dev/null") {
  Run r;
  std::string cmd = std::string(BERTH_CLI) + " " + args + " 2>" + err_file;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / fmt::format("berth-plan-cli-{}", ::getpid());
  fs::create_directories(d);
  return d;
}

const std::string kExamples = std::string(BERTH_SOURCE_DIR) + "/examples/capacity/";

}  // namespace

TEST_CASE("cli: capacity --format json keeps the contract and rebuilds into a placeable spec",
          "[plan][cli]") {
  Run r = run_cli("capacity " + kExamples + "workload.json --machine-types " + kExamples +
                  "catalogue.json --headroom 1 --format json");
  REQUIRE(r.code == 0);
  json j = json::parse(r.out);
  for (const char* key :
       {"machines", "cost", "lower_bound", "placements", "gap", "feasible", "headroom", "report"}) {
    INFO(key);
    CHECK(j.contains(key));
  }
  CHECK(j["feasible"] == true);
  CHECK(j["lower_bound"].get<double>() <= j["cost"].get<double>());
  CHECK(j["headroom"]["holds"] == true);

  // Rebuild the cluster from the JSON and the catalogue only.
  berth::plan::Catalogue cat = berth::plan::read_catalogue_file(kExamples + "catalogue.json");
  berth::Spec spec = berth::read_spec_file(kExamples + "workload.json");
  std::int64_t cost = 0;
  for (const json& m : j["machines"]) {
    int t = cat.find(m["type"].get<std::string>());
    REQUIRE(t >= 0);
    CHECK(m["names"].size() == m["count"].get<std::size_t>());
    for (const json& name : m["names"]) {
      spec.machines.push_back(
          cat.types[static_cast<std::size_t>(t)].make_machine(name.get<std::string>()));
      cost += cat.types[static_cast<std::size_t>(t)].cost;
    }
  }
  CHECK(cost == j["cost_micros"].get<std::int64_t>());
  for (const auto& [inst, machine] : j["placements"].items())
    spec.placements[inst] = machine.get<std::string>();
  fs::path dir = temp_dir();
  std::ofstream(dir / "rebuilt.json") << berth::write_spec_json(spec);
  Run place = run_cli("place " + (dir / "rebuilt.json").string() + " --format json");
  CHECK(place.code == 0);
  json pj = json::parse(place.out);
  CHECK(pj["placements"] == j["placements"]);
  CHECK(pj["pending"].empty());

  // --spec-out writes the same cluster, ready for `berth place`.
  Run r2 = run_cli("capacity " + kExamples + "workload.json -t " + kExamples +
                   "catalogue.json --headroom 1 --format json --spec-out " +
                   (dir / "planned.json").string() + " -o " + (dir / "plan.json").string());
  CHECK(r2.code == 0);
  CHECK(r2.out.empty());
  CHECK(json::parse(slurp(dir / "plan.json"))["placements"] == j["placements"]);
  Run p2 = run_cli("place " + (dir / "planned.json").string());
  CHECK(p2.code == 0);
  fs::remove_all(dir);
}

TEST_CASE("cli: capacity exit codes and errors", "[plan][cli]") {
  fs::path dir = temp_dir();
  std::ofstream(dir / "bad.json")
      << R"({"machine_types":[{"name":"m","capacity":{"cpu":"1"},"cost":"cheap"}]})";
  Run bad = run_cli("capacity " + kExamples + "workload.json -t " + (dir / "bad.json").string(),
                    (dir / "err.txt").string());
  CHECK(bad.code == 1);
  std::string err = slurp(dir / "err.txt");
  CHECK(err.rfind("berth: error: [berth.invalid.283]", 0) == 0);
  CHECK(err.find("machine_types[0].cost") != std::string::npos);

  std::ofstream(dir / "tiny.json")
      << R"({"machine_types":[{"name":"tiny","capacity":{"cpu":"1","memory":"1GiB"},"cost":0.01}]})";
  Run none = run_cli("capacity " + kExamples + "workload.json -t " + (dir / "tiny.json").string());
  CHECK(none.code == 2);
  CHECK(none.out.find("no machine type can take it") != std::string::npos);

  Run usage = run_cli(
      "capacity " + kExamples + "workload.json -t " + kExamples + "catalogue.json --headroom lots",
      (dir / "err2.txt").string());
  CHECK(usage.code == 1);
  CHECK(slurp(dir / "err2.txt").find("[berth.usage.380]") != std::string::npos);

  // Text output, and no progress bar when stderr is not a terminal.
  Run text = run_cli("capacity " + kExamples + "workload.json -t " + kExamples + "catalogue.json",
                     (dir / "err3.txt").string());
  CHECK(text.code == 0);
  CHECK(text.out.find("lower bound") != std::string::npos);
  CHECK(slurp(dir / "err3.txt").empty());
  fs::remove_all(dir);
}

TEST_CASE("cli: whatif reports what stops fitting, exit 2", "[plan][cli]") {
  fs::path dir = temp_dir();
  Run plan =
      run_cli("capacity " + kExamples + "workload.json -t " + kExamples +
              "catalogue.json --spec-out " + (dir / "cluster.json").string() + " -o /dev/null");
  REQUIRE(plan.code == 0);
  Run ok = run_cli("whatif " + (dir / "cluster.json").string() + " --format json");
  CHECK(ok.code == 0);
  CHECK(json::parse(ok.out)["fits"] == true);
  Run bad = run_cli("whatif " + (dir / "cluster.json").string() +
                    " --grow web=+20 --scale-requests 30% --format json");
  CHECK(bad.code == 2);
  json j = json::parse(bad.out);
  CHECK(j["fits"] == false);
  CHECK_FALSE(j["stops_fitting"].empty());
  CHECK(j["stops_fitting"][0]["summary"].get<std::string>().find("short of") != std::string::npos);
  CHECK(j["applied"].size() == 2);
  Run fixed = run_cli(
      "whatif " + (dir / "cluster.json").string() + " -t " + kExamples +
      "catalogue.json --grow web=+4 --add-machines c5.xlarge-a=1 --add-machines c5.xlarge-b=1 "
      "--add-machines c5.xlarge-c=1 --format json");  // web spreads over the three zones
  CHECK(fixed.code == 0);
  Run html = run_cli("whatif " + (dir / "cluster.json").string() +
                     " --remove 'c5.xlarge-a-*' --format html");
  CHECK(html.code == 2);
  CHECK(html.out.find("<svg class=\"bars\"") != std::string::npos);
  fs::remove_all(dir);
}

// Issue 16 item 7: with nothing placeable the plan said "no new machines needed / cost 0" and
// listed every pending replica on its own line.
TEST_CASE("cli: a capacity plan that places nothing says so, and folds pending lines",
          "[plan][cli]") {
  fs::path dir = temp_dir();
  std::ofstream(dir / "tiny.json")
      << R"({"machine_types":[{"name":"tiny","capacity":{"cpu":"1","memory":"1GiB"},"cost":0.01}]})";
  std::ofstream(dir / "big.json")
      << R"({"units":[{"name":"big","replicas":5,"requests":{"cpu":"4","memory":"8GiB"}}]})";
  Run none =
      run_cli("capacity " + (dir / "big.json").string() + " -t " + (dir / "tiny.json").string());
  CHECK(none.code == 2);
  CHECK(none.out.find("no new machines needed") == std::string::npos);
  CHECK(none.out.find("nothing can be placed: none of the 5 instance(s) fits any machine type of "
                      "the catalogue") != std::string::npos);
  CHECK(none.out.find("big@1 .. big@5 (5 instances): 0/0 machines fit") != std::string::npos);
  CHECK(
      none.out.find(
          "big@1 .. big@5 (5 instances): no machine type can take it (tiny: cpu needs 4, has 1)") !=
      std::string::npos);
  CHECK(none.out.find("\n  big@2:") == std::string::npos);
  fs::remove_all(dir);
}
