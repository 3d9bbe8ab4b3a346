// Drain: every unit leaves, in steps that respect disruption budgets; what cannot leave is named.
#include "berth/ops/drain.hpp"

#include <catch2/catch.hpp>

#include "berth/error.hpp"
#include "ops_test_util.hpp"

using namespace berth;
using namespace berth::ops;
using namespace berth::ops::test;

namespace {

Spec three_web_on_m1() {
  Spec s;
  s.machines = {machine("m1", 8), machine("m2", 8), machine("m3", 8)};
  Unit exporter = unit("exporter", 64);
  exporter.constraints.global = true;
  s.units = {unit("web", 1024, 0, 3), unit("db", 2048), exporter};
  s.placements = {{"web@1", "m1"},       {"web@2", "m1"},       {"web@3", "m1"},      {"db", "m1"},
                  {"exporter@m1", "m1"}, {"exporter@m2", "m2"}, {"exporter@m3", "m3"}};
  return s;
}

}  // namespace

TEST_CASE("a drain moves every unit off and leaves only global instances", "[ops][drain]") {
  Cluster c = Cluster::build(three_web_on_m1());
  DrainResult r = drain(c, c.find_machine("m1"), {});
  CHECK(r.complete());
  CHECK(r.move_count() == 4);
  CHECK(r.steps.size() == 1);  // no budgets: everything at once
  CHECK(r.remaining == std::vector<std::string>{"exporter@m1"});
  CHECK(c.machine_state(c.find_machine("m1")) == MachineState::Draining);
  CHECK(c.overcommitted().empty());
}

TEST_CASE("max_unavailable cuts the moves into steps", "[ops][drain]") {
  Cluster c = Cluster::build(three_web_on_m1());
  OpsOptions o;
  o.budgets = {parse_budget("web=1")};
  DrainResult r = plan_drain(c, c.find_machine("m1"), o);
  CHECK(r.complete());
  REQUIRE(r.steps.size() == 3);
  for (const auto& step : r.steps) {
    int webs = 0;
    for (const Move& mv : step) webs += mv.instance.rfind("web@", 0) == 0 ? 1 : 0;
    CHECK(webs == 1);
  }
  // plan_drain leaves the cluster alone.
  CHECK(where(c, "web@1") == "m1");
  CHECK(c.machine_state(c.find_machine("m1")) == MachineState::Up);
}

TEST_CASE("min_available counts instances already down", "[ops][drain]") {
  Spec s = three_web_on_m1();
  s.placements.erase("web@3");  // web@3 is pending: already one down
  s.machines[1].capacity.memory = 2 * kGi;
  s.machines[2].capacity.memory = 4 * kGi;
  Cluster c = Cluster::build(s);
  OpsOptions o;
  o.budgets = {parse_budget("web:min_available=2")};  // 3 instances: 1 may be down, 1 already is
  DrainResult r = drain(c, c.find_machine("m1"), o);
  CHECK_FALSE(r.complete());
  int budget_blocked = 0;
  for (const auto& b : r.blocked) budget_blocked += b.reason == BlockReason::Budget ? 1 : 0;
  CHECK(budget_blocked == 2);
  CHECK(where(c, "web@1") == "m1");
  CHECK(where(c, "web@2") == "m1");
  CHECK(where(c, "db") == "m3");
}

TEST_CASE("pinned units stop with the machine; units with no home stay and are explained",
          "[ops][drain]") {
  Spec s;
  s.machines = {machine("m1", 8), machine("m2", 2)};
  Unit pinned = unit("pinned", 512);
  pinned.constraints.machine_id = "m1";
  s.units = {pinned, unit("huge", 4096)};
  s.placements = {{"pinned", "m1"}, {"huge", "m1"}};
  Cluster c = Cluster::build(s);
  DrainResult r = drain(c, c.find_machine("m1"), {});
  // Issue 16 item 2: a pinned instance (a kube DaemonSet pod) stays and stops with its machine,
  // as reboot-plan stops it and as `kubectl drain --ignore-daemonsets` leaves it; it never blocks.
  CHECK(r.stopped == std::vector<std::string>{"pinned"});
  REQUIRE(r.blocked.size() == 1);
  CHECK(r.blocked[0].unit == "huge");
  CHECK(r.blocked[0].reason == BlockReason::NoMachine);
  CHECK(r.blocked[0].needs_on == "m2");
  CHECK(r.blocked[0].needs.at("memory") == 2 * kGi);
  CHECK(r.blocked[0].summary.find("short of memory") != std::string::npos);
  // A singleton with no home may stop only when a budget allows it (item 1).
  CHECK(r.blocked[0].summary.find("it cannot stop with the machine either") != std::string::npos);
  CHECK(where(c, "huge") == "m1");
  CHECK(r.remaining == std::vector<std::string>{"huge", "pinned"});

  OpsOptions allow;
  allow.budgets = {parse_budget("huge=1")};
  const DrainResult ok = plan_drain(Cluster::build(s), Cluster::build(s).find_machine("m1"), allow);
  CHECK(ok.complete());
  CHECK(ok.stopped == std::vector<std::string>{"huge", "pinned"});
}

TEST_CASE("an explicit budget covers pinned instances that stop with the machine", "[ops][drain]") {
  Spec s;
  s.machines = {machine("m1", 8), machine("m2", 8)};
  Unit ds = unit("ds", 64);
  ds.constraints.machine_id = "m1";
  s.units = {ds};
  s.placements = {{"ds", "m1"}};
  OpsOptions o;
  o.budgets = {parse_budget("ds=0")};
  const Cluster c = Cluster::build(s);
  const DrainResult r = plan_drain(c, c.find_machine("m1"), o);
  REQUIRE(r.blocked.size() == 1);
  CHECK(r.blocked[0].reason == BlockReason::Budget);
  CHECK(r.stopped.empty());
}
