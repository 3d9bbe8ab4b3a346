// place_in_batch_order: the one batch-order loop. It visits groups in Placer::batch_order,
// tells the caller which members each placement gave a machine, leaves a group that fits
// nowhere untouched, and stops when the caller says so.
#include <catch2/catch.hpp>

#include "berth/io/spec_json.hpp"
#include "berth/place/schedule.hpp"

using namespace berth;

namespace {

Spec spec() {
  // big (priority 5) first, then web@1, web@2 by name; huge fits nowhere.
  return parse_spec_json(
      R"({"machines": [{"name": "m1", "capacity": {"cpu": "4", "memory": "8GiB"}}],
    "units": [{"name": "web", "replicas": 2, "requests": {"cpu": "1"}},
              {"name": "big", "priority": 5, "requests": {"cpu": "2"}},
              {"name": "huge", "requests": {"cpu": "64"}}]})");
}

}  // namespace

TEST_CASE("place_in_batch_order: batch order, members placed, misses left alone",
          "[place][schedule]") {
  Cluster c = Cluster::build(spec());
  Placer placer(c, StrategyKind::BestFit);
  std::vector<std::string> seen;
  std::vector<std::string> missed;
  const bool finished =
      place_in_batch_order(placer, c.unplaced_groups(), [&](const GroupPlacement& p) {
        const std::string name = c.instance(c.group(p.group).members.front()).name;
        seen.push_back(name);
        REQUIRE(p.unassigned.size() == 1);
        if (!p.placed()) {
          missed.push_back(name);
          CHECK(c.assignment(p.unassigned.front()) == kNone);
          return;
        }
        CHECK(p.machine == c.find_machine("m1"));
        CHECK(c.assignment(p.unassigned.front()) == p.machine);
      });
  CHECK(finished);
  CHECK(seen == std::vector<std::string>{"big", "huge", "web@1",
                                         "web@2"});  // priority, then share, then name
  CHECK(missed == std::vector<std::string>{"huge"});
}

TEST_CASE("place_in_batch_order stops when the caller returns false", "[place][schedule]") {
  Cluster c = Cluster::build(spec());
  Placer placer(c, StrategyKind::BestFit);
  int calls = 0;
  const bool finished =
      place_in_batch_order(placer, c.unplaced_groups(), [&](const GroupPlacement& p) {
        ++calls;
        return p.placed();  // stops at huge, the first miss
      });
  CHECK_FALSE(finished);
  CHECK(calls == 2);
  CHECK(c.assignment(c.find_instance("web@1")) == kNone);  // never reached
}
