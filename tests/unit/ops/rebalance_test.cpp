// Rebalance: free whole machines, then lower the peak, within a move limit.
#include "berth/ops/rebalance.hpp"

#include <catch2/catch.hpp>

#include "ops_test_util.hpp"

using namespace berth;
using namespace berth::ops;
using namespace berth::ops::test;

TEST_CASE("rebalance frees lightly used machines", "[ops][rebalance]") {
  Spec s;
  s.machines = {machine("m1", 4), machine("m2", 4), machine("m3", 4)};
  s.units = {unit("a", 1024, 0, 3)};
  s.placements = {{"a@1", "m1"}, {"a@2", "m2"}, {"a@3", "m3"}};
  Cluster c = Cluster::build(s);
  RebalanceResult one = plan_rebalance(c, 1, {});
  CHECK(one.moves.size() == 1);
  CHECK(one.freed == std::vector<std::string>{"m1"});
  RebalanceResult r = rebalance(c, 10, {});
  CHECK(r.freed == std::vector<std::string>{"m1", "m2"});
  CHECK(r.moves.size() == 3);
  CHECK(c.instances_on(c.find_machine("m3")).size() == 3);
  CHECK(c.overcommitted().empty());
}

TEST_CASE("rebalance lowers the peak when no machine can be freed", "[ops][rebalance]") {
  Spec s;
  s.machines = {machine("m1", 4), machine("m2", 4)};
  s.units = {unit("big", 2048, 0, 2), unit("small", 1024)};
  s.placements = {{"big@1", "m1"}, {"big@2", "m1"}, {"small", "m2"}};
  Cluster c = Cluster::build(s);
  RebalanceResult r = rebalance(c, 5, {});
  CHECK(r.peak_before == 1000);
  CHECK(r.peak_after == 750);
  CHECK(r.moves.size() == 1);
  CHECK(r.freed.empty());
  CHECK(c.overcommitted().empty());
}

TEST_CASE("rebalance never moves more than asked, nor pinned or global units", "[ops][rebalance]") {
  Spec s;
  s.machines = {machine("m1", 4), machine("m2", 4)};
  Unit pinned = unit("pinned", 3072);
  pinned.constraints.machine_id = "m1";
  Unit g = unit("agent", 64);
  g.constraints.global = true;
  s.units = {pinned, g, unit("x", 512)};
  s.placements = {{"pinned", "m1"}, {"agent@m1", "m1"}, {"agent@m2", "m2"}, {"x", "m2"}};
  Cluster c = Cluster::build(s);
  CHECK(plan_rebalance(c, 0, {}).moves.empty());
  RebalanceResult r = rebalance(c, 10, {});
  for (const Move& mv : r.moves) {
    CHECK(mv.instance != "pinned");
    CHECK(mv.instance.rfind("agent@", 0) != 0);
  }
  CHECK(where(c, "pinned") == "m1");
}
