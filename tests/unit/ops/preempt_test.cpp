// Preemption: off unless asked; fewest victims, then lowest priorities; never equal priority.
#include "berth/ops/preempt.hpp"

#include <catch2/catch.hpp>

#include "berth/ops/reschedule.hpp"
#include "berth/place/placer.hpp"
#include "ops_test_util.hpp"

using namespace berth;
using namespace berth::ops;
using namespace berth::ops::test;

namespace {

/// A new 2 GiB unit of priority `p` that fits nowhere without evictions.
RescheduleResult place_new(Cluster& c, bool preemption) {
  OpsOptions o;
  o.preemption = preemption;
  return place_unplaced(c, o);
}

}  // namespace

TEST_CASE("preemption is off unless asked", "[ops][preempt]") {
  Spec s;
  s.machines = {machine("m1", 4)};
  s.units = {unit("big", 2048, 10), unit("a", 2048), unit("b", 2048)};
  s.placements = {{"a", "m1"}, {"b", "m1"}};
  Cluster c = Cluster::build(s);
  RescheduleResult r = place_new(c, false);
  REQUIRE(r.pending.size() == 1);
  CHECK(r.pending[0].unit == "big");
  CHECK(r.preemptions.empty());
}

TEST_CASE("preemption evicts the fewest units, then the lowest priorities", "[ops][preempt]") {
  Spec s;
  s.machines = {machine("m1", 4), machine("m2", 4), machine("m3", 4)};
  // m1: four 1 GiB units of priority 0 (two would have to go); m2: one 2 GiB of priority 5
  // and one of priority 1; m3: two 2 GiB of priority 3.
  s.units = {unit("big", 2048, 10), unit("small", 1024, 0, 4), unit("mid", 2048, 5),
             unit("low", 2048, 1), unit("three", 2048, 3, 2)};
  s.placements = {{"small@1", "m1"}, {"small@2", "m1"}, {"small@3", "m1"}, {"small@4", "m1"},
                  {"mid", "m2"},     {"low", "m2"},     {"three@1", "m3"}, {"three@2", "m3"}};
  Cluster c = Cluster::build(s);
  RescheduleResult r = place_new(c, true);
  REQUIRE(r.preemptions.size() == 1);
  CHECK(r.preemptions[0].preemptor == "big");
  CHECK(r.preemptions[0].machine == "m2");
  CHECK(r.preemptions[0].victims == std::vector<std::string>{"low"});
  CHECK(where(c, "big") == "m2");
  CHECK(where(c, "mid") == "m2");
  // The victim re-entered the queue and found no room: it is pending with a reason.
  REQUIRE(r.pending.size() == 1);
  CHECK(r.pending[0].unit == "low");
  CHECK(c.overcommitted().empty());
}

TEST_CASE("equal or higher priorities are never evicted", "[ops][preempt]") {
  Spec s;
  s.machines = {machine("m1", 4)};
  s.units = {unit("big", 2048, 5), unit("peer", 2048, 5), unit("boss", 2048, 9)};
  s.placements = {{"peer", "m1"}, {"boss", "m1"}};
  Cluster c = Cluster::build(s);
  RescheduleResult r = place_new(c, true);
  CHECK(r.preemptions.empty());
  REQUIRE(r.pending.size() == 1);
  CHECK(r.pending[0].unit == "big");
}

TEST_CASE("a victim may land elsewhere where the preemptor could not go", "[ops][preempt]") {
  Spec s;
  Machine web = machine("m1", 4);
  web.metadata["role"] = {"web"};
  Machine db = machine("m2", 4);
  db.metadata["role"] = {"db"};
  s.machines = {web, db};
  Unit front = unit("front", 3072, 10);
  front.constraints.metadata.push_back({"role", MetadataOp::In, {"web"}});
  s.units = {front, unit("batch", 2048, 0)};
  s.placements = {{"batch", "m1"}};
  Cluster c = Cluster::build(s);
  RescheduleResult r = place_new(c, true);
  REQUIRE(r.preemptions.size() == 1);
  CHECK(r.preemptions[0].victims == std::vector<std::string>{"batch"});
  CHECK(where(c, "front") == "m1");
  CHECK(where(c, "batch") == "m2");
  CHECK(r.pending.empty());
  CHECK(r.evicted == std::vector<std::string>{"batch"});
}

// Preemption asks the pipeline (Placer::fits) whether a group fits once victims are gone;
// ops::can_host, its own copy of the filters, is gone.
TEST_CASE("preemption's fit check is the placer's filters on one machine", "[ops][preempt]") {
  Spec s;
  s.machines = {machine("m1", 4), machine("m2", 1)};
  Unit a = unit("a", 2048, 0, 2);
  a.constraints.conflicts = {"a@*"};
  s.units = {a};
  s.placements = {{"a@1", "m1"}};
  Cluster c = Cluster::build(s);
  const GroupId g = c.instance(c.find_instance("a@2")).group;
  Placer placer(c, StrategyKind::FirstFit);
  CHECK_FALSE(placer.fits(g, c.find_machine("m1")));  // conflict
  CHECK_FALSE(placer.fits(g, c.find_machine("m2")));  // too small
  c.unassign(c.find_instance("a@1"));
  CHECK(placer.fits(g, c.find_machine("m1")));
}
