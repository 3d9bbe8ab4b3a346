// Rolling reboot planner: waves, proofs, blockers with the capacity that would unblock them,
// zone and budget rules.
#include "berth/ops/reboot_plan.hpp"

#include <catch2/catch.hpp>
#include <set>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"
#include "ops_test_util.hpp"

using namespace berth;
using namespace berth::ops;
using namespace berth::ops::test;

namespace {

const std::string kCoreos = std::string(BERTH_SOURCE_DIR) + "/examples/ops/coreos-reboot.json";

RebootPlan plan_all(const Spec& s, int max_unavailable = 1, OpsOptions o = {}) {
  const Cluster c = Cluster::build(s);
  RebootOptions r;
  r.max_unavailable = max_unavailable;
  return plan_reboot(c, match_machines(c, "*"), r, o);
}

}  // namespace

TEST_CASE("the CoreOS example reboots in three safe waves", "[ops][reboot]") {
  const RebootPlan plan = plan_all(read_spec_file(kCoreos));
  CHECK(plan.safe);
  REQUIRE(plan.waves.size() == 3);
  CHECK(plan.waves[0].machines == std::vector<std::string>{"m1"});
  for (const Move& mv : plan.waves[0].moves) {
    CHECK(mv.from == "m1");
    CHECK(mv.to == "m3");  // the only machine with room; fleet would pick m2
  }
  CHECK(plan.waves[0].stopped == std::vector<std::string>{"node-exporter@m1"});
  CHECK(plan.blocked.empty());
}

TEST_CASE("each wave's moves empty its machines onto machines that stay up", "[ops][reboot]") {
  const Spec s = read_spec_file(kCoreos);
  const RebootPlan plan = plan_all(s, 2);
  REQUIRE(plan.safe);
  Cluster c = Cluster::build(s);
  for (const Wave& w : plan.waves) {
    const std::set<std::string> down(w.machines.begin(), w.machines.end());
    for (const Move& mv : w.moves) {
      CHECK(down.count(mv.from) == 1);
      CHECK(down.count(mv.to) == 0);
      c.assign(c.find_instance(mv.instance), c.find_machine(mv.to));
    }
    CHECK(c.overcommitted().empty());
    for (const auto& m : w.machines) {
      for (InstanceId i : c.instances_on(c.find_machine(m))) CHECK(c.instance(i).global);
    }
  }
}

TEST_CASE("a blocked plan names the unit and the capacity that would unblock it", "[ops][reboot]") {
  Spec s;
  s.machines = {machine("m1", 4), machine("m2", 4)};
  s.units = {unit("a", 3072), unit("b", 3072)};
  s.placements = {{"a", "m1"}, {"b", "m2"}};
  const RebootPlan plan = plan_all(s);
  CHECK_FALSE(plan.safe);
  CHECK(plan.waves.empty());
  REQUIRE(plan.blocked.size() == 2);
  CHECK(plan.blocked[0].unit == "a");
  CHECK(plan.blocked[0].machine == "m1");
  CHECK(plan.blocked[0].reason == BlockReason::NoMachine);
  CHECK(plan.blocked[0].needs_on == "m2");
  CHECK(plan.blocked[0].needs.at("memory") == 2 * kGi);  // 3 GiB wanted, 1 GiB free
  CHECK(plan.blocked[0].summary.find("a: 0/2 machines fit") == 0);
  CHECK(plan.not_rebooted == std::vector<std::string>{"m1", "m2"});
}

TEST_CASE("machines that become safe after earlier waves are rebooted; the rest are named",
          "[ops][reboot]") {
  // m3 is empty: m1's unit moves there, then m2's unit moves to the rebooted m1.
  Spec s;
  s.machines = {machine("m1", 4), machine("m2", 4), machine("m3", 4)};
  s.units = {unit("a", 3072), unit("b", 3072)};
  s.placements = {{"a", "m1"}, {"b", "m2"}};
  const RebootPlan plan = plan_all(s);
  CHECK(plan.safe);
  REQUIRE(plan.waves.size() == 3);
  CHECK(plan.waves[0].moves == std::vector<Move>{{"a", "m1", "m3"}});
  CHECK(plan.waves[1].moves == std::vector<Move>{{"b", "m2", "m1"}});
  CHECK(plan.waves[2].moves == std::vector<Move>{{"a", "m3", "m2"}});
}

TEST_CASE("max_unavailable machines go down together, one zone at a time", "[ops][reboot]") {
  Spec s;
  s.machines = {machine("a1", 8, "a"), machine("a2", 8, "a"), machine("b1", 8, "b"),
                machine("b2", 8, "b"), machine("c1", 16, "c")};
  s.units = {unit("x", 512, 0, 4)};
  s.placements = {{"x@1", "a1"}, {"x@2", "a2"}, {"x@3", "b1"}, {"x@4", "b2"}};
  OpsOptions o;
  const RebootPlan plan = plan_all(s, 3, o);
  REQUIRE(plan.safe);
  for (const Wave& w : plan.waves) {
    CHECK(w.machines.size() <= 3);
    std::set<char> zones;
    for (const auto& m : w.machines) zones.insert(m[0]);
    CHECK(zones.size() == 1);
  }
}

TEST_CASE("a wave never takes down every replica a service runs in a zone", "[ops][reboot]") {
  Spec s;
  s.machines = {machine("a1", 8, "a"), machine("a2", 8, "a"), machine("a3", 8, "a"),
                machine("b1", 8, "b")};
  s.units = {unit("web", 512, 0, 3)};
  s.placements = {{"web@1", "a1"}, {"web@2", "a2"}, {"web@3", "b1"}};
  const RebootPlan plan = plan_all(s, 2);
  REQUIRE(plan.safe);
  for (const Wave& w : plan.waves) {
    const std::set<std::string> down(w.machines.begin(), w.machines.end());
    CHECK_FALSE((down.count("a1") && down.count("a2")));
  }
}

TEST_CASE("budgets keep two machines holding one service's replicas apart", "[ops][reboot]") {
  Spec s;
  s.machines = {machine("m1", 8), machine("m2", 8), machine("m3", 8), machine("m4", 8)};
  s.units = {unit("web", 512, 0, 2), unit("db", 512)};
  s.placements = {{"web@1", "m1"}, {"web@2", "m2"}, {"db", "m3"}};
  OpsOptions o;
  o.budgets = {parse_budget("web=1")};
  const RebootPlan plan = plan_all(s, 2, o);
  REQUIRE(plan.safe);
  for (const Wave& w : plan.waves) {
    // Two machines holding a web each never go down together...
    int holders = 0;
    for (const auto& m : w.machines) {
      for (const Move& mv : w.moves) {
        if (mv.from == m && mv.instance.rfind("web@", 0) == 0) {
          ++holders;
          break;
        }
      }
    }
    CHECK(holders <= 1);
    // ...and every step moves at most one web.
    for (const auto& step : w.steps) {
      int webs = 0;
      for (const auto& name : step) webs += name.rfind("web@", 0) == 0 ? 1 : 0;
      CHECK(webs <= 1);
    }
  }
}

TEST_CASE("a lone machine holding more than a budget allows moves them in steps", "[ops][reboot]") {
  Spec s;
  s.machines = {machine("m1", 8), machine("m2", 8)};
  s.units = {unit("web", 512, 0, 3)};
  s.placements = {{"web@1", "m1"}, {"web@2", "m1"}, {"web@3", "m1"}};
  OpsOptions o;
  o.budgets = {parse_budget("web=1")};
  const Cluster c = Cluster::build(s);
  const RebootPlan plan = plan_reboot(c, match_machines(c, "m1"), {}, o);
  REQUIRE(plan.safe);
  REQUIRE(plan.waves.size() == 1);
  CHECK(plan.waves[0].steps.size() == 3);
}

TEST_CASE("a budget that allows nothing down blocks with the budget named", "[ops][reboot]") {
  Spec s;
  s.machines = {machine("m1", 8), machine("m2", 8)};
  s.units = {unit("db", 512)};
  s.placements = {{"db", "m1"}};
  OpsOptions o;
  o.budgets = {parse_budget("db:min_available=1")};
  const RebootPlan plan = plan_all(s, 1, o);
  CHECK_FALSE(plan.safe);
  REQUIRE(plan.blocked.size() == 1);
  CHECK(plan.blocked[0].reason == BlockReason::Budget);
  CHECK(plan.blocked[0].summary.find("db:min_available=1") != std::string::npos);
  CHECK(plan.waves.size() == 1);  // m2 (empty) still reboots
  CHECK(plan.waves[0].machines == std::vector<std::string>{"m2"});
}

TEST_CASE("machine selection takes globs and lists and refuses what matches nothing",
          "[ops][reboot]") {
  Spec s;
  s.machines = {machine("web-1", 4), machine("web-2", 4), machine("db-1", 4)};
  const Cluster c = Cluster::build(s);
  CHECK(match_machines(c, "web-*").size() == 2);
  CHECK(match_machines(c, "web-1, db-1").size() == 2);
  CHECK(match_machines(c, "").size() == 3);
  CHECK_THROWS_AS(match_machines(c, "cache-*"), UsageError);
  CHECK_THROWS_AS(plan_reboot(c, {}, RebootOptions{0}, {}), UsageError);
}

namespace {

// Three machines each holding one `api` instance (anti-affinity: one per machine) and a
// singleton that can move.
Spec one_per_machine() {
  return parse_spec_json(R"({
    "machines": [{"name": "m1", "capacity": {"cpu": "2", "memory": "4GiB"}},
                 {"name": "m2", "capacity": {"cpu": "2", "memory": "4GiB"}},
                 {"name": "m3", "capacity": {"cpu": "2", "memory": "4GiB"}}],
    "units": [{"name": "api", "replicas": 3, "requests": {"cpu": "500m", "memory": "1GiB"},
               "constraints": {"conflicts": ["api@*"]}},
              {"name": "db", "requests": {"cpu": "500m", "memory": "1GiB"}}],
    "placements": {"api@1": "m1", "api@2": "m2", "api@3": "m3", "db": "m1"}})",
                         "one-per-machine.json");
}

}  // namespace

// Issue 16 item 1: every reboot of a one-instance-per-machine service was BLOCKED. An instance
// with no other home stops with its machine and restarts after it, within its budget (by
// default one instance of a replicated service down at a time).
TEST_CASE("a one-instance-per-machine service reboots one instance per wave", "[ops][reboot]") {
  const RebootPlan plan = plan_all(one_per_machine());
  REQUIRE(plan.safe);
  REQUIRE(plan.waves.size() == 3);
  std::set<std::string> stopped;
  for (const Wave& w : plan.waves) {
    REQUIRE(w.stopped.size() == 1);
    CHECK(w.stopped[0].rfind("api@", 0) == 0);
    stopped.insert(w.stopped[0]);
    for (const Move& mv : w.moves) CHECK(mv.instance == "db");
  }
  CHECK(stopped == std::set<std::string>{"api@1", "api@2", "api@3"});
  CHECK(plan.blocked.empty());

  // A budget that allows no api instance down blocks it, and says so.
  OpsOptions none;
  none.budgets = {parse_budget("api:min_available=3")};
  const RebootPlan blocked = plan_all(one_per_machine(), 1, none);
  CHECK_FALSE(blocked.safe);
  REQUIRE_FALSE(blocked.blocked.empty());
  CHECK(blocked.blocked[0].reason == BlockReason::NoMachine);
  CHECK(blocked.blocked[0].summary.find(
            "it cannot stop with the machine either: disruption budget api:min_available=3") !=
        std::string::npos);

  // Two machines at once would stop two api instances: more than the default allows.
  const RebootPlan two = plan_all(one_per_machine(), 2);
  REQUIRE(two.safe);
  for (const Wave& w : two.waves) {
    std::size_t apis = 0;
    for (const auto& s : w.stopped) apis += s.rfind("api@", 0) == 0 ? 1 : 0;
    CHECK(apis <= 1);
  }
}

TEST_CASE("by default a replicated service loses one instance at a time, a singleton none",
          "[ops][reboot]") {
  // Both web replicas live on m1 and fit nowhere else: stopping both would take two down.
  Spec s;
  s.machines = {machine("m1", 8), machine("m2", 1)};
  s.units = {unit("web", 3000, 0, 2), unit("solo", 3000)};
  s.placements = {{"web@1", "m1"}, {"web@2", "m1"}};
  RebootPlan plan = plan_all(s);
  CHECK_FALSE(plan.safe);
  // web@1 may stop (one down); web@2 would be the second.
  REQUIRE(plan.blocked.size() == 1);
  CHECK(plan.blocked[0].unit == "web@2");
  CHECK(plan.blocked[0].reason == BlockReason::NoMachine);
  CHECK(plan.blocked[0].summary.find(
            "no --budget, so 1 may be down at once (one of a replicated service, none of a "
            "singleton), and 2 would be") != std::string::npos);
  OpsOptions o;
  o.budgets = {parse_budget("web=2")};
  plan = plan_all(s, 1, o);
  CHECK(plan.safe);
  // A singleton with no home is blocked without a budget that lets it stop.
  s.units = {unit("solo", 3000)};
  s.placements = {{"solo", "m1"}};
  plan = plan_all(s);
  CHECK_FALSE(plan.safe);
  REQUIRE(plan.blocked.size() == 1);
  CHECK(plan.blocked[0].summary.find("so 0 may be down at once") != std::string::npos);
  o.budgets = {parse_budget("solo:max_unavailable=1")};
  plan = plan_all(s, 1, o);
  CHECK(plan.safe);
  REQUIRE(plan.waves.size() == 2);
}
