// Machine failure and recovery: eviction, re-placement, priorities, co-location, globals.
#include "berth/ops/reschedule.hpp"

#include <catch2/catch.hpp>

#include "berth/place/place.hpp"
#include "ops_test_util.hpp"

using namespace berth;
using namespace berth::ops;
using namespace berth::ops::test;

namespace {

/// m1 runs hi (priority 10) and lo (priority 0), 2 GiB each; only m2 has 2 GiB left after.
Spec crowded() {
  Spec s;
  s.machines = {machine("m1", 4), machine("m2", 4), machine("m3", 4)};
  s.units = {unit("hi", 2048, 10), unit("lo", 2048, 0), unit("fill2", 2048), unit("fill3", 3072)};
  s.placements = {{"hi", "m1"}, {"lo", "m1"}, {"fill2", "m2"}, {"fill3", "m3"}};
  return s;
}

}  // namespace

TEST_CASE("a failed machine's units are placed elsewhere, higher priority first",
          "[ops][reschedule]") {
  Cluster c = Cluster::build(crowded());
  RescheduleResult r = fail_machine(c, c.find_machine("m1"), {});
  CHECK(c.machine_state(c.find_machine("m1")) == MachineState::Down);
  CHECK(c.instances_on(c.find_machine("m1")).empty());
  CHECK(r.evicted == std::vector<std::string>{"hi", "lo"});
  CHECK(where(c, "hi") == "m2");
  REQUIRE(r.moves.size() == 1);
  CHECK(r.moves[0] == Move{"hi", "m1", "m2"});
  REQUIRE(r.pending.size() == 1);
  CHECK(r.pending[0].unit == "lo");
  CHECK(c.overcommitted().empty());
}

TEST_CASE("a unit left pending after a failure gets the explanation a fresh placement gives",
          "[ops][reschedule]") {
  Cluster c = Cluster::build(crowded());
  RescheduleResult r = fail_machine(c, c.find_machine("m1"), {});
  REQUIRE(r.pending.size() == 1);
  // The same cluster described from scratch: m1 down, the survivors where they are now.
  Spec fresh = crowded();
  fresh.machines[0].state = MachineState::Down;
  fresh.placements = {{"hi", "m2"}, {"fill2", "m2"}, {"fill3", "m3"}};
  PlacementResult p = place(fresh);
  REQUIRE(p.pending.size() == 1);
  CHECK(r.pending[0].summary() == p.pending[0].summary());
  CHECK(r.pending[0].diagnosis.rejections.at(reason::kNotUp) == 1);
  CHECK(r.pending[0].summary().find("short of memory") != std::string::npos);
}

TEST_CASE("sidekicks move with their main unit, and nothing lands on the failed machine",
          "[ops][reschedule]") {
  Spec s;
  s.machines = {machine("m1", 8), machine("m2", 8), machine("m3", 8)};
  Unit app = unit("app", 1024, 0, 3);
  Unit log = unit("log", 256, 0, 3);
  log.constraints.machine_of = "app";
  s.units = {app, log};
  s.placements = {{"app@1", "m1"}, {"log@1", "m1"}, {"app@2", "m1"},
                  {"log@2", "m1"}, {"app@3", "m2"}, {"log@3", "m2"}};
  Cluster c = Cluster::build(s);
  RescheduleResult r = fail_machine(c, c.find_machine("m1"), {});
  CHECK(r.pending.empty());
  for (int k = 1; k <= 3; ++k) {
    const std::string a = where(c, fmt::format("app@{}", k)),
                      l = where(c, fmt::format("log@{}", k));
    CHECK(a == l);
    CHECK(a != "m1");
    CHECK_FALSE(a.empty());
  }
  CHECK(r.moves.size() == 4);
}

TEST_CASE("global instances stop with their machine and start again when it recovers",
          "[ops][reschedule]") {
  Spec s;
  s.machines = {machine("m1", 4), machine("m2", 4)};
  Unit exporter = unit("exporter", 64);
  exporter.constraints.global = true;
  s.units = {exporter, unit("web", 1024)};
  s.placements = {{"exporter@m1", "m1"}, {"exporter@m2", "m2"}, {"web", "m1"}};
  Cluster c = Cluster::build(s);
  RescheduleResult r = fail_machine(c, c.find_machine("m1"), {});
  CHECK(r.stopped == std::vector<std::string>{"exporter@m1"});
  CHECK(r.pending.empty());  // stopped, not pending
  CHECK(is_stopped(c, c.find_instance("exporter@m1")));
  CHECK(where(c, "web") == "m2");
  CHECK(unplaced_groups(c).empty());

  RescheduleResult up = recover_machine(c, c.find_machine("m1"), {});
  CHECK(up.started == std::vector<std::string>{"exporter@m1"});
  CHECK(where(c, "exporter@m1") == "m1");
  CHECK(where(c, "web") == "m2");  // recovery does not move running units back
}

TEST_CASE("a unit pinned to a failed machine waits with a reason naming the pin",
          "[ops][reschedule]") {
  Spec s;
  s.machines = {machine("m1", 4), machine("m2", 4)};
  Unit db = unit("db", 1024);
  db.constraints.machine_id = "m1";
  s.units = {db};
  s.placements = {{"db", "m1"}};
  Cluster c = Cluster::build(s);
  RescheduleResult r = fail_machine(c, c.find_machine("m1"), {});
  REQUIRE(r.pending.size() == 1);
  CHECK(r.pending[0].diagnosis.rejections.count(reason::kPinned) == 1);
  CHECK(r.pending[0].diagnosis.rejections.count(reason::kNotUp) == 1);
  RescheduleResult up = recover_machine(c, c.find_machine("m1"), {});
  CHECK(where(c, "db") == "m1");
  CHECK(up.pending.empty());
}

TEST_CASE("several machines failing at once never send units to each other", "[ops][reschedule]") {
  Spec s;
  s.machines = {machine("m1", 4), machine("m2", 4), machine("m3", 16)};
  s.units = {unit("a", 1024, 0, 4)};
  s.placements = {{"a@1", "m1"}, {"a@2", "m1"}, {"a@3", "m2"}, {"a@4", "m2"}};
  Cluster c = Cluster::build(s);
  RescheduleResult r = fail_machines(c, {c.find_machine("m1"), c.find_machine("m2")}, {});
  CHECK(r.moves.size() == 4);
  for (const Move& mv : r.moves) CHECK(mv.to == "m3");
}
