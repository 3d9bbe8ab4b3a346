// The simulator and its events file, and the CoreOS write-up's failure reproduced: a rolling
// reboot under fleet's least-loaded, resource-blind scheduler overcommits; berth's plan does not.
#include "berth/ops/simulate.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/ops/ops_json.hpp"
#include "ops_test_util.hpp"

using namespace berth;
using namespace berth::ops;
using namespace berth::ops::test;

namespace {

const std::string kOpsExamples = std::string(BERTH_SOURCE_DIR) + "/examples/ops/";

SimSummary run_example(SimMode mode) {
  const Spec spec = read_spec_file(kOpsExamples + "coreos-reboot.json");
  Scenario sc = read_scenario_file(kOpsExamples + "coreos-reboot-events.json");
  Simulator sim(spec, mode, sc.options);
  sim.run(sc.events);
  return sim.summary();
}

}  // namespace

TEST_CASE("CoreOS reboot scenario: fleet overcommits, berth does not",
          "[ops][simulate][scenario]") {
  // Every machine reboots, one at a time. fleet sends m1's three api units to the machine
  // running the fewest units (m2, which holds the 3.5 GiB db: no room), then db and friends to
  // the freshly rebooted m1, and so on.
  const SimSummary fleet = run_example(SimMode::Fleet);
  CHECK(fleet.overcommit == 6);  // overcommitted machines summed over the 6 steps
  CHECK(fleet.max_overcommitted == 1);
  const SimSummary berth = run_example(SimMode::Berth);
  CHECK(berth.overcommit == 0);
  CHECK(berth.final_pending == 0);
  CHECK(berth.max_pending == 0);
  CHECK(berth.homeless == 0);
  CHECK(berth.failed_moves == 0);
  CHECK(berth.steps == 7);  // start + down/up for each of three waves
}

TEST_CASE("the timeline example runs clean", "[ops][simulate]") {
  const Spec spec = read_spec_file(kOpsExamples + "coreos-reboot.json");
  Scenario sc = read_scenario_file(kOpsExamples + "timeline-events.json");
  CHECK(sc.options.preemption);
  REQUIRE(sc.options.budgets.size() == 2);
  CHECK(sc.options.budgets[0].max_unavailable == 1);
  Simulator sim(spec, sc.mode, sc.options);
  sim.run(sc.events);
  const SimSummary s = sim.summary();
  CHECK(s.events == 8);
  CHECK(s.overcommit == 0);
  CHECK(s.final_pending == 0);
  const auto j = simulation_to_json(sim);
  CHECK(j["summary"]["overcommit"] == 0);
  CHECK(j["log"].size() == sim.log().size());
}

TEST_CASE("a failure and recovery are logged with evictions and pending counts",
          "[ops][simulate]") {
  Spec s;
  s.machines = {machine("m1", 4), machine("m2", 2)};
  s.units = {unit("a", 1536, 0, 2)};
  s.placements = {{"a@1", "m1"}, {"a@2", "m1"}};
  Simulator sim(s);
  Event fail;
  fail.at = 5;
  fail.type = EventType::Fail;
  fail.machine = "m1";
  sim.apply(fail);
  REQUIRE(sim.log().size() == 2);
  CHECK(sim.log()[1].evicted.size() == 2);
  CHECK(sim.log()[1].pending == 1);  // only one fits on m2
  REQUIRE(sim.pending().size() == 1);
  CHECK_FALSE(sim.pending()[0].summary().empty());
  Event recover = fail;
  recover.at = 9;
  recover.type = EventType::Recover;
  sim.apply(recover);
  CHECK(sim.pending().empty());
  const SimSummary sum = sim.summary();
  CHECK(sum.max_pending == 1);
  CHECK(sum.pending_over_time ==
        std::vector<std::pair<std::int64_t, std::size_t>>{{0, 0}, {5, 1}, {9, 0}});
}

TEST_CASE("arrivals and departures rebuild the cluster without losing placements",
          "[ops][simulate]") {
  Spec s;
  s.machines = {machine("m1", 4)};
  s.units = {unit("a", 1024)};
  Simulator sim(s);
  Event arrive;
  arrive.type = EventType::Arrive;
  arrive.unit = unit("b", 1024, 0, 2);
  sim.apply(arrive);
  CHECK(sim.snapshot().placements.size() == 3);
  Event depart;
  depart.type = EventType::Depart;
  depart.unit_name = "a";
  sim.apply(depart);
  CHECK(sim.snapshot().placements.size() == 2);
  CHECK_THROWS_AS(sim.apply(depart), ValidationError);  // already gone
  CHECK_THROWS_AS(sim.apply(arrive), ValidationError);  // already here
}

TEST_CASE("a departure that other units follow is refused", "[ops][simulate]") {
  Spec s;
  s.machines = {machine("m1", 4)};
  Unit side = unit("side", 64);
  side.constraints.machine_of = "main";
  s.units = {unit("main", 1024), side};
  Simulator sim(s);
  Event depart;
  depart.type = EventType::Depart;
  depart.unit_name = "main";
  CHECK_THROWS_WITH(sim.apply(depart), Catch::Contains("side") && Catch::Contains("follows"));
}

TEST_CASE("events naming unknown machines are invalid input", "[ops][simulate]") {
  Spec s;
  s.machines = {machine("m1", 4)};
  Simulator sim(s);
  Event e;
  e.type = EventType::Fail;
  e.machine = "m9";
  CHECK_THROWS_AS(sim.apply(e), ValidationError);
  e.type = EventType::Reboot;
  e.machines = "x*";
  CHECK_THROWS_AS(sim.apply(e), UsageError);
}

TEST_CASE("a machine down in the spec gets its global instance when it recovers",
          "[ops][simulate]") {
  Spec s;
  s.machines = {machine("m1", 4), machine("m2", 4)};
  s.machines[1].state = MachineState::Down;
  Unit agent = unit("agent", 64);
  agent.constraints.global = true;
  s.units = {agent, unit("web", 1024)};
  s.placements = {{"web", "m2"}};  // stale: m2 is down, so web is placed anew
  Simulator sim(s);
  CHECK(sim.pending().empty());  // agent@m2 is stopped, not pending
  CHECK(sim.snapshot().placements ==
        std::map<std::string, std::string>{{"agent@m1", "m1"}, {"web", "m1"}});
  Event recover;
  recover.type = EventType::Recover;
  recover.machine = "m2";
  sim.apply(recover);
  CHECK(sim.snapshot().placements.at("agent@m2") == "m2");
}

// Issue 16 item 1, "done means": the reboot of three machines each holding one api instance
// (anti-affinity) and a singleton that can move is a safe plan of three waves, each stopping
// one api instance, and the simulator replays it with nothing lost.
TEST_CASE("the simulator replays a reboot that stops one instance per wave, losing nothing",
          "[ops][simulate]") {
  const Spec spec = parse_spec_json(R"({
    "machines": [{"name": "m1", "capacity": {"cpu": "2", "memory": "4GiB"}},
                 {"name": "m2", "capacity": {"cpu": "2", "memory": "4GiB"}},
                 {"name": "m3", "capacity": {"cpu": "2", "memory": "4GiB"}}],
    "units": [{"name": "api", "replicas": 3, "requests": {"cpu": "500m", "memory": "1GiB"},
               "constraints": {"conflicts": ["api@*"]}},
              {"name": "db", "requests": {"cpu": "500m", "memory": "1GiB"}}],
    "placements": {"api@1": "m1", "api@2": "m2", "api@3": "m3", "db": "m1"}})",
                                    "t.json");
  Scenario sc =
      parse_scenario_json(R"({"events":[{"at":1,"type":"reboot","machines":"*"}]})", "ev.json");
  Simulator sim(spec, sc.mode, sc.options);
  sim.run(sc.events);
  const SimSummary sum = sim.summary();
  CHECK(sum.homeless == 0);
  CHECK(sum.failed_moves == 0);
  CHECK(sum.final_pending == 0);
  CHECK(sum.overcommit == 0);
  std::size_t downs = 0;
  for (const StepLog& step : sim.log()) {
    if (step.event.find("down") == std::string::npos) continue;
    ++downs;
    std::size_t apis = 0;
    for (const auto& s : step.stopped) apis += s.rfind("api@", 0) == 0 ? 1 : 0;
    CHECK(apis == 1);
  }
  CHECK(downs == 3);
  // Every instance runs again at the end, api one per machine.
  const Spec after = sim.snapshot();
  CHECK(after.placements.size() == 4);
  std::set<std::string> api_machines;
  for (const auto& [inst, m] : after.placements) {
    if (inst.rfind("api@", 0) == 0) api_machines.insert(m);
  }
  CHECK(api_machines.size() == 3);
}
