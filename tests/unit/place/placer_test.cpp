// Placer on small hand-built clusters: which machine select() picks and why, fits(), explain()
// and points_of(), each asked directly (place_test and the property tests go through place()).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "berth/explain/diagnosis.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/placer.hpp"
#include "support/builders.hpp"

using namespace berth;
using berth::testing::kGi;
using berth::testing::kMi;
using berth::testing::machine;
using berth::testing::unit;

namespace {

GroupId group_of(const Cluster& c, const std::string& instance) {
  const InstanceId i = c.find_instance(instance);
  REQUIRE(i != kNone);
  return c.instance(i).group;
}

std::string name_of(const Cluster& c, MachineId m) {
  return m == kNone ? "none" : c.machine_name(m);
}

// m1 4 cpu 8 GiB (half used by `base`), m2 4 cpu 8 GiB empty, m3 2 cpu 4 GiB, role=db.
Spec three_machines() {
  Spec s;
  s.machines = {machine("m1", 4000, 8 * kGi, {{"role", {"web"}}}),
                machine("m2", 4000, 8 * kGi, {{"role", {"web"}}}),
                machine("m3", 2000, 4 * kGi, {{"role", {"db"}}})};
  s.units = {unit("base", 2000, 4 * kGi), unit("web", 1000, 2 * kGi)};
  s.placements = {{"base", "m1"}};
  return s;
}

}  // namespace

TEST_CASE("select: best-fit packs onto the fuller machine, spread onto the emptier one") {
  const Spec s = three_machines();
  {
    Cluster c = Cluster::build(s);
    Placer p(c, StrategyKind::BestFit);
    CHECK(name_of(c, p.select(group_of(c, "web"))) ==
          "m1");  // most allocated after: 75% against 50% on m3
  }
  {
    Cluster c = Cluster::build(s);
    Placer p(c, StrategyKind::Spread);
    CHECK(name_of(c, p.select(group_of(c, "web"))) == "m2");  // the emptiest
  }
  {
    Cluster c = Cluster::build(s);
    Placer p(c, StrategyKind::FirstFit);
    CHECK(name_of(c, p.select(group_of(c, "web"))) == "m1");  // the first in name order
  }
}

TEST_CASE("select: ties go to the lower machine id (natural name order)") {
  Spec s;
  s.machines = {machine("m10", 4000, 8 * kGi), machine("m9", 4000, 8 * kGi),
                machine("m2", 4000, 8 * kGi)};
  s.units = {unit("u", 1000, kGi)};
  for (StrategyKind k : {StrategyKind::BestFit, StrategyKind::Spread, StrategyKind::LeastLoaded,
                         StrategyKind::DotProduct}) {
    Cluster c = Cluster::build(s);
    Placer p(c, k);
    INFO(to_string(k));
    CHECK(name_of(c, p.select(group_of(c, "u"))) == "m2");
  }
}

TEST_CASE("select: the diagnosis counts every machine once, and every way of selecting agrees") {
  Spec s = three_machines();
  s.units.push_back(unit("big", 1000, 6 * kGi));  // m1 is short of memory only
  s.units.back().constraints.metadata = {MetadataRequirement{"role", MetadataOp::In, {"web"}}};
  Cluster c = Cluster::build(s);
  Placer p(c, StrategyKind::BestFit);
  const GroupId g = group_of(c, "big");
  Diagnosis scan, diagnosed;
  const MachineId by_scan = p.select_scan(g, &scan);
  const MachineId by_index = p.select_diagnosed(g, &diagnosed);
  CHECK(name_of(c, by_scan) == "m2");
  CHECK(by_index == by_scan);
  CHECK(p.select_indexed(g) == by_scan);
  CHECK(scan == diagnosed);  // field by field (Diagnosis::operator==)
  CHECK(scan.considered == 3);
  CHECK(scan.fit == 1);
  std::size_t rejected = 0;
  for (const auto& [code, n] : scan.rejections) rejected += n;
  CHECK(rejected == scan.considered - scan.fit);
  CHECK(scan.rejections.at(reason::kMetadata) == 1);      // m3 is role=db
  CHECK(scan.rejections.at("insufficient_memory") == 1);  // m1 has 4 GiB left
  CHECK(scan.metadata_failures == std::map<std::string, std::size_t>{{"role!=web", 1}});
}

TEST_CASE("select: nothing fits, and the diagnosis says by how much") {
  Spec s = three_machines();
  s.units.push_back(unit("huge", 1000, 12 * kGi));
  Cluster c = Cluster::build(s);
  Placer p(c, StrategyKind::BestFit);
  Diagnosis d;
  CHECK(p.select(group_of(c, "huge"), &d) == kNone);
  CHECK(d.fit == 0);
  CHECK(d.rejections.at("insufficient_memory") == 3);
  REQUIRE(d.shortfalls.size() == 1);
  CHECK(d.shortfalls[0].needs == 12 * kGi);
  CHECK(d.shortfalls[0].most_free == 8 * kGi);
  CHECK(d.shortfalls[0].most_free_on == "m2");
  REQUIRE(d.closest);
  CHECK(d.closest->machine == "m2");
  CHECK(d.closest->missing == std::map<std::string, std::int64_t>{{"memory", 4 * kGi}});
}

TEST_CASE("fits: the same filters as select, on one machine") {
  Spec s = three_machines();
  s.units.push_back(unit("db", 500, kGi));
  s.units.back().constraints.metadata = {MetadataRequirement{"role", MetadataOp::In, {"db"}}};
  s.units.push_back(unit("lonely", 100, kMi));
  s.units.back().constraints.conflicts = {"base"};
  s.machines[1].state = MachineState::Draining;
  Cluster c = Cluster::build(s);
  Placer p(c, StrategyKind::BestFit);
  const MachineId m1 = c.find_machine("m1"), m2 = c.find_machine("m2"), m3 = c.find_machine("m3");
  CHECK(p.fits(group_of(c, "web"), m1));
  CHECK_FALSE(p.fits(group_of(c, "web"), m2));  // draining
  CHECK(p.fits(group_of(c, "web"), m3));
  CHECK_FALSE(p.fits(group_of(c, "db"), m1));  // role=web
  CHECK(p.fits(group_of(c, "db"), m3));
  CHECK_FALSE(p.fits(group_of(c, "lonely"), m1));  // base runs there
  CHECK(p.fits(group_of(c, "lonely"), m3));
  // fits() agrees with select(): the machine select picks fits.
  for (const char* u : {"web", "db", "lonely"}) {
    const MachineId m = p.select(group_of(c, u));
    REQUIRE(m != kNone);
    CHECK(p.fits(group_of(c, u), m));
  }
}

TEST_CASE("explain: one line per reason, with the numbers") {
  Spec s = three_machines();
  s.units.push_back(unit("db", 500, 6 * kGi));
  s.units.back().constraints.metadata = {MetadataRequirement{"role", MetadataOp::In, {"db"}}};
  s.units.back().constraints.conflicts = {"base"};
  s.machines[1].state = MachineState::Down;
  Cluster c = Cluster::build(s);
  Placer p(c, StrategyKind::BestFit);
  const InstanceId db = c.find_instance("db");
  CHECK(p.explain(db, c.find_machine("m1")) ==
        std::vector<std::string>{"metadata: db requires role=db, but m1 has role!=db",
                                 "conflict: db and base (on m1) must not share a machine",
                                 "short of memory: needs 6 GiB, m1 has 4 GiB free of 8 GiB"});
  const auto on_m2 = p.explain(db, c.find_machine("m2"));
  REQUIRE(on_m2.size() >= 2);
  // Pipeline order (src/place/pipeline/filters.hpp): metadata before state.
  CHECK(on_m2[0] == "metadata: db requires role=db, but m2 has role!=db");
  CHECK(on_m2[1] == "m2 is down: only up machines take new units");
  CHECK(p.explain(db, c.find_machine("m3")) ==
        std::vector<std::string>{"short of memory: needs 6 GiB, m3 has 4 GiB free of 4 GiB"});
  CHECK(p.explain(c.find_instance("web"), c.find_machine("m3")).empty());
}

TEST_CASE("explain: a full spread domain is named as key=value") {
  Spec s;
  s.machines = {machine("a1", 4000, 8 * kGi, {{"zone", {"a"}}}),
                machine("b1", 4000, 8 * kGi, {{"zone", {"b"}}}),
                machine("c1", 4000, 8 * kGi, {{"zone", {"c"}}})};
  s.units = {unit("s", 100, kMi, 3)};
  s.units[0].constraints.spread = SpreadConstraint{"zone", 1};
  s.placements = {{"s@1", "a1"}, {"s@2", "b1"}};
  Cluster c = Cluster::build(s);
  Placer p(c, StrategyKind::BestFit);
  const InstanceId s3 = c.find_instance("s@3");
  // A third instance in zone a or b would leave zone c two behind.
  CHECK(p.explain(s3, c.find_machine("a1")) ==
        std::vector<std::string>{"spread: another instance in zone=a would exceed max_skew 1"});
  CHECK(p.explain(s3, c.find_machine("b1")) ==
        std::vector<std::string>{"spread: another instance in zone=b would exceed max_skew 1"});
  CHECK(p.explain(s3, c.find_machine("c1")).empty());
  Diagnosis d;
  CHECK(name_of(c, p.select(c.instance(s3).group, &d)) == "c1");
  CHECK(d.spread_failures == std::map<SpreadDomain, std::size_t>{{SpreadDomain{"zone", "a"}, 1},
                                                                 {SpreadDomain{"zone", "b"}, 1}});
}

TEST_CASE("points_of: the weights of the preferences a machine meets") {
  Spec s = three_machines();
  Unit w = unit("pref", 100, kMi);
  Preference near_db;
  near_db.kind = Preference::Kind::Metadata;
  near_db.metadata = {MetadataRequirement{"role", MetadataOp::In, {"db"}}};
  near_db.weight = 40;
  Preference avoid_web;
  avoid_web.kind = Preference::Kind::Metadata;
  avoid_web.metadata = {MetadataRequirement{"role", MetadataOp::In, {"web"}}};
  avoid_web.weight = -30;
  w.preferences = {near_db, avoid_web};
  s.units.push_back(w);
  s.machines[1].taints = {Taint{"slow", "", TaintEffect::PreferNoSchedule}};
  Cluster c = Cluster::build(s);
  Placer p(c, StrategyKind::BestFit);
  const GroupId g = group_of(c, "pref");
  CHECK(p.scores_preferences(g));
  CHECK(p.points_of(g, c.find_machine("m1")) == -30);
  CHECK(p.points_of(g, c.find_machine("m2")) == -30 + Placer::kPreferNoSchedulePoints);
  CHECK(p.points_of(g, c.find_machine("m3")) == 40);
  CHECK(name_of(c, p.select(g)) == "m3");  // points first, whatever the strategy
  // m2's PreferNoSchedule taint scores every group; without it, a group without preferences
  // is not scored at all.
  CHECK(p.scores_preferences(group_of(c, "web")));
  Cluster plain = Cluster::build(three_machines());
  Placer q(plain, StrategyKind::BestFit);
  CHECK_FALSE(q.scores_preferences(group_of(plain, "web")));
}
