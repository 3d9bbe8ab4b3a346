#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "berth/model/instance_name.hpp"
#include "berth/model/unit.hpp"
#include "berth/place/cluster.hpp"

using namespace berth;
using Kind = InstanceName::Kind;

namespace {

Unit named(std::string name, std::optional<int> replicas = std::nullopt, bool global = false) {
  Unit u;
  u.name = std::move(name);
  u.replicas = replicas;
  u.constraints.global = global;
  return u;
}

}  // namespace

TEST_CASE("instance names format as the engine writes them") {
  CHECK(InstanceName::single("web").format() == "web");
  CHECK(InstanceName::replica_of("web", 3).format() == "web@3");
  CHECK(InstanceName::global_on("agent", "m1").format() == "agent@m1");
  CHECK(InstanceName::replica_of("web@1.service", 2).format() == "web@1.service@2");
  CHECK(InstanceName::global_on("agent", "rack@1").format() == "agent@rack@1");
  CHECK(InstanceName::replica_of("web", 3) != InstanceName::global_on("web", "3"));
}

TEST_CASE("parse splits by the units, not by the first or last '@'") {
  const std::vector<Unit> units = {named("web", 3), named("web@1.service", 2),
                                   named("agent.service", {}, true), named("db"),
                                   named("web@.service")};
  const UnitNameIndex idx(units);
  SECTION("plain cases") {
    CHECK(idx.parse("db") == InstanceName::single("db"));
    CHECK(idx.parse("web@2") == InstanceName::replica_of("web", 2));
    CHECK(idx.parse("agent.service@m1") == InstanceName::global_on("agent.service", "m1"));
  }
  SECTION("a unit whose own name holds '@' (fleet template instance) with replicas") {
    // The first '@' would give unit "web", replica "1.service@2".
    CHECK(idx.parse("web@1.service@2") == InstanceName::replica_of("web@1.service", 2));
    CHECK(idx.parse("web@1.service") == InstanceName::single("web@1.service"));
    CHECK(idx.parse("web@.service") == InstanceName::single("web@.service"));
  }
  SECTION("a global unit on a machine whose name holds '@'") {
    // The last '@' would give unit "agent.service@rack", which is no unit.
    CHECK(idx.parse("agent.service@rack@1") == InstanceName::global_on("agent.service", "rack@1"));
    CHECK(idx.parse("agent.service@@") == InstanceName::global_on("agent.service", "@"));
  }
  SECTION("names left by an earlier definition still find their unit") {
    // db had replicas once; web was global once.
    CHECK(idx.parse("db@4") == InstanceName::replica_of("db", 4));
    CHECK(idx.parse("web@m7") == InstanceName::global_on("web", "m7"));
    // Not written as the engine writes a replica number: read as a machine.
    CHECK(idx.parse("web@01") == InstanceName::global_on("web", "01"));
    CHECK(idx.parse("web@-1") == InstanceName::global_on("web", "-1"));
  }
  SECTION("no unit, no instance") {
    CHECK_FALSE(idx.parse("cache@1"));
    CHECK_FALSE(idx.parse("@web"));
    CHECK_FALSE(idx.parse("web@"));
    CHECK_FALSE(idx.parse(""));
    CHECK(idx.unit_of("cache@1").empty());
  }
}

TEST_CASE(
    "a lookup that knows only names reads a number as a replica and anything else as a machine") {
  auto names_only = [](std::string_view n) {
    return n == "a" || n == "a@b" ? NameIs::Unit : NameIs::NotAUnit;
  };
  CHECK(parse_instance_name("a@b@3", names_only) == InstanceName::replica_of("a@b", 3));
  CHECK(parse_instance_name("a@c@3", names_only) == InstanceName::global_on("a", "c@3"));
  // Neither rest is a replica number; both prefixes are units: the longer unit wins.
  CHECK(parse_instance_name("a@b@x", names_only) == InstanceName::global_on("a@b", "x"));
  CHECK(unit_of_instance("a@7", names_only) == "a");
}

TEST_CASE("parse inverts the names a built cluster gives its instances") {
  Spec spec;
  for (const char* m : {"m1", "rack@2", "m@@3"}) {
    Machine x;
    x.name = m;
    x.capacity.cpu = 64000;
    x.capacity.memory = std::int64_t{1} << 36;
    spec.machines.push_back(x);
  }
  spec.units = {named("web", 12),         named("web@1.service", 3), named("web@1.service@2.x"),
                named("agent", {}, true), named("agent@rack"),       named("solo")};
  const Cluster c = Cluster::build(spec);
  const UnitNameIndex idx(spec.units);
  REQUIRE(c.instance_count() == 12 + 3 + 1 + 3 + 1 + 1);
  for (InstanceId i = 0; i < c.instance_count(); ++i) {
    const Instance& inst = c.instance(i);
    INFO(inst.name);
    const auto n = idx.parse(inst.name);
    REQUIRE(n);
    CHECK(n->unit == c.unit(inst.unit).name);
    CHECK(n->format() == inst.name);
    if (inst.global) {
      CHECK(n->kind == Kind::Global);
      CHECK(n->machine == c.machine_name(inst.pinned));
    } else if (inst.replica > 0) {
      CHECK(n->kind == Kind::Replica);
      CHECK(n->replica == inst.replica);
    } else {
      CHECK(n->kind == Kind::Single);
    }
  }
}
