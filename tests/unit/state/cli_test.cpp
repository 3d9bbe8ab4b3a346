// The CLI with a store: berth --store URL place / state import|export|show.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "berth/io/spec_json.hpp"
#include "fixtures.hpp"
#include "support/cli.hpp"

using namespace berth;
using namespace berth::state::testing;

#ifdef BERTH_CLI

namespace {

using Run = berth::testing::CliOutput;

// Runs the berth binary in `cwd` with `env` ("NAME=value ..." or "") and `args`.
Run berth_cli(const TempDir& cwd, const std::string& args, const std::string& env = "") {
  return berth::testing::run_cli_in(cwd.path().string(), args, env);
}

const char* kSpec = R"({
  "machines": [{"name": "m1", "capacity": {"cpu": "4", "memory": "8Gi"}},
               {"name": "m2", "capacity": {"cpu": "4", "memory": "8Gi"}}],
  "units": [{"name": "web", "requests": {"cpu": "1", "memory": "1Gi"}, "replicas": 3},
            {"name": "db", "requests": {"cpu": "2", "memory": "4Gi"}}]
})";

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace

TEST_CASE("cli: place with a sqlite store commits, export returns it as a spec", "[state][cli]") {
  TempDir dir;
  write(dir.file("spec.json"), kSpec);
  Run placed = berth_cli(dir, "--store sqlite:s.db place spec.json");
  INFO(placed.err);
  REQUIRE(placed.exit_code == 0);
  CHECK(placed.out.find("committed 4 placement(s) to sqlite:s.db at revision 1") !=
        std::string::npos);

  Run exported = berth_cli(dir, "--store sqlite:s.db state export --format json");
  REQUIRE(exported.exit_code == 0);
  Spec spec = parse_spec_json(exported.out, "export");
  CHECK(spec.machines.size() == 2);
  CHECK(spec.units.size() == 2);
  CHECK(spec.placements.size() == 4);
  CHECK(spec.placements.count("db") == 1);

  // Placing the same spec again finds nothing new; the store is unchanged.
  Run again = berth_cli(dir, "--store sqlite:s.db place spec.json --format json");
  REQUIRE(again.exit_code == 0);
  CHECK(nlohmann::json::parse(again.out)["placements"].size() == 4);
  CHECK(again.err.find("nothing new to commit") != std::string::npos);
  CHECK(berth_cli(dir, "--store sqlite:s.db state export").out == exported.out);

  // An export imported into an empty store exports the same.
  write(dir.file("exported.json"), exported.out);
  Run imported = berth_cli(dir, "--store sqlite:copy.db state import exported.json");
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);
  CHECK(imported.out.find("imported 2 machine(s), 2 unit(s), 4 placement(s)") != std::string::npos);
  CHECK(berth_cli(dir, "--store sqlite:copy.db state export --format json").out == exported.out);

  Run shown = berth_cli(dir, "--store sqlite:s.db state show");
  REQUIRE(shown.exit_code == 0);
  CHECK(shown.out.find("store sqlite:s.db at revision 1") != std::string::npos);
  CHECK(shown.out.find("2 machine(s) (2 up), 2 unit(s), 4 placed instance(s)") !=
        std::string::npos);
}

TEST_CASE("cli: which store: none, --store URL, bare --store, BERTH_STORE", "[state][cli]") {
  TempDir dir;
  write(dir.file("spec.json"), kSpec);
  // No store: a pure computation that writes nothing.
  REQUIRE(berth_cli(dir, "place spec.json").exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(dir.file("berth.db")));
  // Bare --store: the embedded default.
  Run bare = berth_cli(dir, "--store place spec.json");
  REQUIRE(bare.exit_code == 0);
  CHECK(bare.out.find("to sqlite:./berth.db") != std::string::npos);
  CHECK(std::filesystem::exists(dir.file("berth.db")));
  // BERTH_STORE=URL without --store.
  Run env = berth_cli(dir, "place spec.json", "BERTH_STORE=sqlite:env.db");
  REQUIRE(env.exit_code == 0);
  CHECK(std::filesystem::exists(dir.file("env.db")));
  // --store URL wins over BERTH_STORE.
  REQUIRE(berth_cli(dir, "--store sqlite:flag.db place spec.json", "BERTH_STORE=sqlite:other.db")
              .exit_code == 0);
  CHECK(std::filesystem::exists(dir.file("flag.db")));
  CHECK_FALSE(std::filesystem::exists(dir.file("other.db")));
  // state verbs default to the embedded store.
  CHECK(berth_cli(dir, "state show").out.find("sqlite:./berth.db") != std::string::npos);
  // memory: works (and forgets).
  CHECK(berth_cli(dir, "--store memory: place spec.json").exit_code == 0);
}

TEST_CASE("cli: pending units with a store exit 2 and stay stored, unplaced", "[state][cli]") {
  TempDir dir;
  write(dir.file("spec.json"),
        R"({"machines": [{"name": "m1", "capacity": {"cpu": "1", "memory": "1Gi"}}],
    "units": [{"name": "big", "requests": {"cpu": "2"}}, {"name": "small", "requests": {"cpu": "500m"}}]})");
  Run r = berth_cli(dir, "--store sqlite:s.db place spec.json");
  CHECK(r.exit_code == 2);
  Run show = berth_cli(dir, "--store sqlite:s.db state show");
  CHECK(show.out.find("not fully placed: big (0 of 1 placed)") != std::string::npos);
  // An import that would overcommit is refused, and says why.
  write(dir.file("over.json"), R"({"placements": {"big": "m1"}})");
  Run over = berth_cli(dir, "--store sqlite:s.db state import over.json");
  CHECK(over.exit_code == 1);
  CHECK(over.err.find("[berth.store.407]") != std::string::npos);
  CHECK(over.err.find("m1 would hold cpu") != std::string::npos);
}

TEST_CASE("cli: bad stores are one line on stderr, exit 1", "[state][cli][bad_input]") {
  TempDir dir;
  write(dir.file("spec.json"), kSpec);
  write(dir.file("garbage.db"), std::string(5000, 'g'));
  auto one_error_line = [](const Run& r, const std::string& id) {
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.rfind("berth: error: " + id, 0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  };
  one_error_line(berth_cli(dir, "--store sqlite:garbage.db place spec.json"), "[berth.store.402]");
  one_error_line(berth_cli(dir, "--store sqlite:garbage.db state show"), "[berth.store.402]");
  one_error_line(berth_cli(dir, "--store nosuch:x state show"), "[berth.store.406]");
  one_error_line(
      berth_cli(dir, fmt::format("--store etcd:http://127.0.0.1:{} state show", free_port())),
      "[berth.store.404]");
}

TEST_CASE("cli: an etcd store through the CLI", "[state][cli][etcd]") {
  EtcdServer& etcd = shared_etcd();
  if (!etcd.ok()) {
    WARN("etcd tests skipped: " << etcd.reason());
    return;
  }
  TempDir dir;
  write(dir.file("spec.json"), kSpec);
  // The CLI uses the default prefix /berth; no other test writes there.
  Run placed = berth_cli(dir, "--store " + etcd.url() + " place spec.json");
  INFO(placed.err);
  REQUIRE(placed.exit_code == 0);
  Spec spec = parse_spec_json(berth_cli(dir, "--store " + etcd.url() + " state export").out);
  CHECK(spec.placements.size() == 4);
}

TEST_CASE("cli: a 500-machine cluster through import, place, export on a default-flags etcd",
          "[state][cli][etcd][chunks]") {
  // Its own etcd, started like a real one (data dir and listen URLs only), and the CLI's
  // default prefix. Before chunked commits this import failed after 30 s of retries with
  // "connection lost while reading".
  EtcdServer etcd;
  if (!etcd.ok()) {
    WARN("etcd tests skipped: " << etcd.reason());
    return;
  }
  TempDir dir;
  nlohmann::json machines = nlohmann::json::array(), units = nlohmann::json::array();
  for (int i = 0; i < 500; ++i) {
    machines.push_back({{"name", fmt::format("m{:03}", i)},
                        {"capacity", {{"cpu", "4"}, {"memory", "8Gi"}}},
                        {"metadata", {{"zone", fmt::format("z{}", i % 3)}}}});
  }
  for (int i = 0; i < 1500; ++i) {
    units.push_back(
        {{"name", fmt::format("u{:04}", i)}, {"requests", {{"cpu", "1"}, {"memory", "1Gi"}}}});
  }
  write(dir.file("machines.json"), nlohmann::json{{"machines", machines}}.dump());
  write(dir.file("units.json"),
        nlohmann::json{{"machines", nlohmann::json::array()}, {"units", units}}.dump());
  Run imported = berth_cli(dir, "--store " + etcd.url() + " state import machines.json");
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);
  CHECK(imported.out.find("imported 500 machine(s)") != std::string::npos);
  CHECK(imported.out.find("chunks") != std::string::npos);

  Run placed = berth_cli(dir, "--store " + etcd.url() + " place units.json --format json");
  INFO(placed.err);
  REQUIRE(placed.exit_code == 0);
  nlohmann::json answer = nlohmann::json::parse(placed.out);
  REQUIRE(answer.contains("store"));
  CHECK(answer["store"]["chunks"].get<int>() > 10);
  CHECK(answer["store"]["chunks_retried"].get<int>() == 0);

  Spec spec = parse_spec_json(berth_cli(dir, "--store " + etcd.url() + " state export").out);
  CHECK(spec.machines.size() == 500);
  CHECK(spec.units.size() == 1500);
  CHECK(spec.placements.size() == 1500);
  CHECK(overcommit_of(spec).empty());
}

#endif  // BERTH_CLI
