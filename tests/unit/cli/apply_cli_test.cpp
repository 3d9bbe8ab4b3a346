// The CLI contract of `berth apply` and the state verbs (`state remove unit|machine`,
// `state set-machine`): JSON answer = place's JSON + "changes", exit codes as place, the default
// store, one-line errors that change nothing.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/cli.hpp"

#ifdef BERTH_CLI

namespace {

using Run = berth::testing::CliOutput;

class Dir {
 public:
  Dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "berth-apply-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~Dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& n) const { return (path_ / n).string(); }
  void write(const std::string& n, const std::string& text) const {
    std::ofstream(file(n)) << text;
  }
  // `berth ARGS` run in this directory, without BERTH_STORE (so the default store is ./berth.db).
  Run berth(const std::string& args) const {
    return berth::testing::run_cli_in(path_.string(), args);
  }

 private:
  std::filesystem::path path_;
};

const char* kV1 = R"({
  "machines": [{"name": "m1", "capacity": {"cpu": "4", "memory": "8Gi"}},
               {"name": "m2", "capacity": {"cpu": "4", "memory": "8Gi"}},
               {"name": "m3", "capacity": {"cpu": "4", "memory": "8Gi"}}],
  "units": [{"name": "web", "requests": {"cpu": "1", "memory": "1Gi"}, "replicas": 3,
             "constraints": {"conflicts": ["web@*"]}},
            {"name": "db", "requests": {"cpu": "2", "memory": "4Gi"}},
            {"name": "cache", "requests": {"cpu": "500m", "memory": "1Gi"}}]
})";

const char* kV2 = R"({
  "machines": [{"name": "m1", "capacity": {"cpu": "4", "memory": "8Gi"}},
               {"name": "m2", "capacity": {"cpu": "4", "memory": "8Gi"}},
               {"name": "m3", "capacity": {"cpu": "4", "memory": "8Gi"}}],
  "units": [{"name": "web", "requests": {"cpu": "1500m", "memory": "1Gi"}, "replicas": 2,
             "constraints": {"conflicts": ["web@*"]}},
            {"name": "cache", "requests": {"cpu": "500m", "memory": "1Gi"}},
            {"name": "worker", "requests": {"cpu": "1", "memory": "1Gi"}, "replicas": 2}]
})";

nlohmann::json exported(const Dir& d) {
  Run r = d.berth("state export");
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

}  // namespace

TEST_CASE("apply: JSON answer, changes, default store, idempotent", "[cli][apply]") {
  Dir d;
  d.write("v1.json", kV1);
  d.write("v2.json", kV2);
  Run r1 = d.berth("apply v1.json --format json");
  INFO(r1.err);
  REQUIRE(r1.exit_code == 0);
  auto j1 = nlohmann::json::parse(r1.out);
  CHECK(j1["placements"].size() == 5);
  CHECK(j1["pending"].empty());
  CHECK(j1["changes"]["added"] == nlohmann::json({"cache", "db", "m1", "m2", "m3", "web"}));
  CHECK(j1["changes"]["moved"].empty());
  CHECK(j1["commit"]["status"] == "committed");
  CHECK(std::filesystem::exists(d.file("berth.db")));  // no --store: the default store

  Run r2 = d.berth("apply v2.json --format json");
  REQUIRE(r2.exit_code == 0);
  auto j2 = nlohmann::json::parse(r2.out);
  CHECK(j2["changes"]["removed"] == nlohmann::json({"db"}));
  CHECK(j2["changes"]["updated"] == nlohmann::json({"web"}));
  CHECK(j2["changes"]["added"] == nlohmann::json({"worker"}));
  CHECK(j2["placements"]["web@1"] == j1["placements"]["web@1"]);
  auto e2 = exported(d);
  CHECK(e2["units"].size() == 3);
  CHECK(e2["placements"] == j2["placements"]);

  // The same spec again: nothing to commit, said on stderr; exit 0.
  Run again = d.berth("apply v2.json --format json");
  CHECK(again.exit_code == 0);
  CHECK(again.err.find("already holds this state") != std::string::npos);
  CHECK(nlohmann::json::parse(again.out)["commit"]["status"] == "unchanged");
  CHECK(exported(d) == e2);

  // Text answer names the changes.
  d.write("v3.json", std::string(kV2).replace(std::string(kV2).find("\"replicas\": 2}"), 14,
                                              "\"replicas\": 3}"));
  Run r3 = d.berth("apply v3.json");
  CHECK(r3.exit_code == 0);
  CHECK(r3.out.find("updated: worker") != std::string::npos);
  CHECK(r3.out.find("committed to sqlite:./berth.db at revision") != std::string::npos);
}

TEST_CASE("state verbs: set-machine, remove machine, remove unit", "[cli][apply]") {
  Dir d;
  d.write("v2.json", kV2);
  REQUIRE(d.berth("--store sqlite:s.db apply v2.json").exit_code == 0);
  auto before = exported(d);  // the default store is empty: --store was honoured
  CHECK(before["machines"].empty());

  Run down = d.berth("--store sqlite:s.db state set-machine m1 --state down --format json");
  INFO(down.err);
  REQUIRE(down.exit_code == 0);
  auto jd = nlohmann::json::parse(down.out);
  CHECK(jd["changes"]["updated"] == nlohmann::json({"m1"}));
  for (const auto& [inst, m] : jd["placements"].items()) CHECK(m != "m1");
  for (const auto& [inst, mv] : jd["changes"]["moved"].items()) CHECK(mv["from"] == "m1");

  // Removing a second machine leaves one up: the webs' anti-affinity leaves one pending (exit 2).
  Run rm = d.berth("--store sqlite:s.db state remove machine m2 --format json");
  CHECK(rm.exit_code == 2);
  auto jr = nlohmann::json::parse(rm.out);
  CHECK(jr["changes"]["removed"] == nlohmann::json({"m2"}));
  CHECK_FALSE(jr["pending"].empty());

  // m1 up again: the pending instance is placed.
  Run up = d.berth("--store sqlite:s.db state set-machine m1 --state up --format json");
  CHECK(up.exit_code == 0);
  CHECK(nlohmann::json::parse(up.out)["pending"].empty());

  Run ru = d.berth("--store sqlite:s.db state remove unit worker --format json");
  CHECK(ru.exit_code == 0);
  auto ju = nlohmann::json::parse(ru.out);
  CHECK(ju["changes"]["removed"] == nlohmann::json({"worker"}));
  CHECK(ju["changes"]["removed_instances"] == nlohmann::json({"worker@1", "worker@2"}));
  Run ex = d.berth("--store sqlite:s.db state export");
  auto e = nlohmann::json::parse(ex.out);
  for (const auto& [inst, m] : e["placements"].items()) CHECK(inst.rfind("worker", 0) != 0);
}

TEST_CASE("apply and state verbs: bad input is one line, exit 1, nothing changed",
          "[cli][apply][bad_input]") {
  Dir d;
  d.write("v1.json", kV1);
  REQUIRE(d.berth("apply v1.json").exit_code == 0);
  auto before = exported(d);

  d.write(
      "dup.json",
      R"({"machines": [{"name": "m1", "capacity": {"cpu": "1"}}, {"name": "m1", "capacity": {"cpu": "1"}}]})");
  Run dup = d.berth("apply dup.json");
  CHECK(dup.exit_code == 1);
  CHECK(dup.err.find("[berth.invalid.216]") != std::string::npos);

  d.write("dangling.json", R"({"machines": [{"name": "m1", "capacity": {"cpu": "1"}}],
    "units": [{"name": "a", "requests": {"cpu": "100m"}}], "placements": {"a": "m9"}})");
  Run dangling = d.berth("apply dangling.json");
  CHECK(dangling.exit_code == 1);
  CHECK(dangling.err.find("[berth.invalid.273] placements.a: unknown machine \"m9\"") !=
        std::string::npos);

  Run typo = d.berth("state remove unit webb");
  CHECK(typo.exit_code == 1);
  CHECK(typo.err ==
        "berth: error: [berth.store.420] store sqlite:./berth.db: no unit \"webb\" in the store "
        "(did you mean \"web\"?)\n");
  Run nom = d.berth("state set-machine m7 --state down");
  CHECK(nom.exit_code == 1);
  CHECK(nom.err.find("[berth.store.421]") != std::string::npos);
  Run bad_state = d.berth("state set-machine m1 --state sideways");
  CHECK(bad_state.exit_code == 1);
  CHECK(bad_state.err.find("[berth.usage.300]") != std::string::npos);
  Run missing = d.berth("apply nope.json");
  CHECK(missing.exit_code == 1);

  CHECK(exported(d) == before);
}

// The commands of docs/stores.md ("The Done means sequence") and the README tour, on the
// example files they name, with the exit codes and the outcomes the docs show.
TEST_CASE("apply: the documented sequence on examples/apply", "[cli][apply]") {
  Dir d;
  const std::string ex = std::string(BERTH_SOURCE_DIR) + "/examples/apply/";
  REQUIRE(d.berth("--store sqlite:a.db apply " + ex + "v1.json").exit_code == 0);
  Run v2 = d.berth("--store sqlite:a.db apply " + ex + "v2.json --format json");
  REQUIRE(v2.exit_code == 0);
  auto j = nlohmann::json::parse(v2.out);
  CHECK(j["changes"]["moved"].empty());
  CHECK(j["changes"]["removed_instances"] == nlohmann::json({"db", "web@3"}));
  Run down = d.berth("--store sqlite:a.db state set-machine m1 --state down");
  CHECK(down.exit_code == 0);
  CHECK(down.out.find("moved: web@1 m1 -> m3") != std::string::npos);
  Run rm = d.berth("--store sqlite:a.db state remove machine m2");
  CHECK(rm.exit_code == 2);
  CHECK(rm.out.find("moved: web@2 m2 -> pending") != std::string::npos);
  Run up = d.berth("--store sqlite:a.db state set-machine m1 --state up --format json");
  CHECK(up.exit_code == 0);
  CHECK(nlohmann::json::parse(up.out)["placements"]["web@2"] == "m1");
}

TEST_CASE("place --store: pending units are state, placed by a later place or apply",
          "[cli][apply]") {
  Dir d;
  // The sidekick arrives before its machine_of target; a contradictory unit comes along.
  d.write("side.json", R"({"machines": [{"name": "m1", "capacity": {"cpu": "2", "memory": "2Gi"}}],
    "units": [{"name": "shipper", "requests": {"cpu": "100m"}, "constraints": {"machine_of": "app"}},
              {"name": "loop", "requests": {"cpu": "100m"}, "constraints": {"machine_of": "loop"}}]})");
  Run first = d.berth("--store sqlite:s.db place side.json --format json");
  INFO(first.err);
  CHECK(first.exit_code == 2);
  auto j = nlohmann::json::parse(first.out);
  CHECK(j["pending"].size() == 2);
  Run ex = d.berth("--store sqlite:s.db state export");
  CHECK(nlohmann::json::parse(ex.out)["units"].size() == 2);  // stored, though pending

  d.write("app.json", R"({"units": [{"name": "app", "requests": {"cpu": "500m"}}]})");
  Run second = d.berth("--store sqlite:s.db place app.json --format json");
  CHECK(second.exit_code == 2);  // loop contradicts itself: still pending, alone
  auto j2 = nlohmann::json::parse(second.out);
  CHECK(j2["placements"]["shipper"] == "m1");
  CHECK(j2["placements"]["app"] == "m1");
  REQUIRE(j2["pending"].size() == 1);
  CHECK(j2["pending"][0]["unit"] == "loop");

  // --strict still refuses a contradiction, and stores nothing.
  d.write("loop2.json",
          R"({"units": [{"name": "loop2", "constraints": {"machine_of": "loop2"}}]})");
  Run strict = d.berth("--store sqlite:s.db place loop2.json --strict");
  CHECK(strict.exit_code == 1);
  CHECK(strict.err.find("[berth.invalid.245]") != std::string::npos);
  CHECK(nlohmann::json::parse(d.berth("--store sqlite:s.db state export").out)["units"].size() ==
        3);
}

#endif
