// [X-Fleet] with fleet's semantics and the combinations fleet rejected.
#include "berth/fleet/x_fleet.hpp"

#include <catch2/catch.hpp>

#include "berth/error.hpp"
#include "fleet_test_util.hpp"

using namespace berth;
using namespace berth::fleet;

namespace {

FleetUnit convert(const std::string& text, const std::string& name = "u.service",
                  std::vector<Problem>* ps = nullptr) {
  const auto file = parse_unit_file(text, name);
  return convert_unit(file, *parse_unit_name(name), ps);
}

constexpr const char* kReq = "[X-Fleet]\nRequests=cpu=1,memory=1Gi\n";

int rejection(const std::string& x_fleet) {
  try {
    convert(std::string(kReq) + x_fleet, "u@1.service");
  } catch (const ValidationError& e) {
    CHECK(e.subject().find("u@1.service") == 0);  // names the unit
    return e.code();
  }
  return 0;
}

}  // namespace

TEST_CASE("MachineMetadata: values of one key OR'ed, keys AND'ed", "[fleet][xfleet]") {
  const auto u = convert(
      "[X-Fleet]\nMachineMetadata=region=west\nMachineMetadata=region=east\n"
      "MachineMetadata=\"disk=ssd\" \"role=api\"\nX-ConditionMachineMetadata=region=west\n");
  const auto& m = u.unit.constraints.metadata;
  REQUIRE(m.size() == 3);
  CHECK(m[0] == MetadataRequirement{"region", MetadataOp::In, {"west", "east"}});
  CHECK(m[1] == MetadataRequirement{"disk", MetadataOp::In, {"ssd"}});
  CHECK(m[2] == MetadataRequirement{"role", MetadataOp::In, {"api"}});
  Metadata west_ssd_api{{"region", {"west"}}, {"disk", {"ssd"}}, {"role", {"api"}}};
  Metadata east_hdd{{"region", {"east"}}, {"disk", {"hdd"}}, {"role", {"api"}}};
  CHECK(std::all_of(m.begin(), m.end(), [&](auto& r) { return r.matches(west_ssd_api); }));
  CHECK_FALSE(std::all_of(m.begin(), m.end(), [&](auto& r) { return r.matches(east_hdd); }));
}

TEST_CASE("an empty MachineMetadata= resets earlier ones", "[fleet][xfleet]") {
  const auto u = convert("[X-Fleet]\nMachineMetadata=a=1\nMachineMetadata=\nMachineMetadata=b=2\n");
  REQUIRE(u.unit.constraints.metadata.size() == 1);
  CHECK(u.unit.constraints.metadata[0].key == "b");
}

TEST_CASE("Conflicts: globs, repeatable, space separated, old spelling", "[fleet][xfleet]") {
  const auto u =
      convert("[X-Fleet]\nConflicts=a.service b@*.service\nConflicts=c.*\nX-Conflicts=d\n");
  CHECK(u.unit.constraints.conflicts ==
        std::vector<std::string>{"a.service", "b@*.service", "c.*", "d"});
}

TEST_CASE("MachineOf, MachineID, Global, Replaces and their old spellings", "[fleet][xfleet]") {
  CHECK(convert("[X-Fleet]\nMachineOf=a.service\n").unit.constraints.machine_of == "a.service");
  CHECK(convert("[X-Fleet]\nX-ConditionMachineOf=a.service\n").unit.constraints.machine_of ==
        "a.service");
  CHECK(convert("[X-Fleet]\nMachineID=abc\n").unit.constraints.machine_id == "abc");
  CHECK(convert("[X-Fleet]\nX-ConditionMachineID=abc\n").unit.constraints.machine_id == "abc");
  CHECK(convert("[X-Fleet]\nX-ConditionMachineBootID=abc\n").unit.constraints.machine_id == "abc");
  CHECK(convert("[X-Fleet]\nGlobal=true\n").unit.constraints.global);
  CHECK_FALSE(convert("[X-Fleet]\nGlobal=true\nGlobal=no\n").unit.constraints.global);
  const auto r = convert("[X-Fleet]\nReplaces=old.service\n");
  CHECK(r.links.replaces == std::vector<std::string>{"old.service"});
  CHECK(r.unit.constraints.conflicts == std::vector<std::string>{"old.service"});
}

TEST_CASE("specifiers expand in every [X-Fleet] value", "[fleet][xfleet][specifiers]") {
  const auto u = convert(
      "[X-Fleet]\nMachineOf=api@%i.service\nMachineMetadata=host=%p-%i\nConflicts=%p@*.service\n",
      "api-lb@3.service");
  CHECK(u.unit.constraints.machine_of == "api@3.service");
  CHECK(u.unit.constraints.metadata[0].values == std::vector<std::string>{"api-lb-3"});
  CHECK(u.unit.constraints.conflicts == std::vector<std::string>{"api-lb@*.service"});
  const auto n = convert("[X-Fleet]\nConflicts=%n\n", "x@y.service");
  CHECK(n.unit.constraints.conflicts == std::vector<std::string>{"x@y.service"});
  CHECK(convert("[X-Fleet]\nMachineID=%N\n", "x@y.service").unit.constraints.machine_id == "x@y");
}

TEST_CASE("BindsTo and PartOf are recorded for sidekicks", "[fleet][xfleet][sidekick]") {
  const auto u = convert(
      "[Unit]\nBindsTo=api@%i.service\nPartOf=a.service b.service\n"
      "[X-Fleet]\nMachineOf=api@%i.service\n",
      "api-lb@2.service");
  CHECK(u.links.binds_to == std::vector<std::string>{"api@2.service"});
  CHECK(u.links.part_of == std::vector<std::string>{"a.service", "b.service"});
  CHECK(u.unit.constraints.machine_of == "api@2.service");
}

TEST_CASE("each combination fleet rejected is a ValidationError naming the unit",
          "[fleet][xfleet][errors]") {
  CHECK(rejection("Global=true\nMachineID=m1\n") == 220);
  CHECK(rejection("Global=true\nMachineOf=a.service\n") == 221);
  CHECK(rejection("Global=true\nReplaces=a.service\n") == 222);
  CHECK(rejection("MachineID=m1\nMachineOf=a.service\n") == 223);
  CHECK(rejection("MachineID=m1\nConflicts=a.service\n") == 224);
  CHECK(rejection("MachineID=m1\nReplaces=a.service\n") == 225);
  CHECK(rejection("Conflicts=a.service\nReplaces=b.service\n") == 226);
  // Contradictions are the engine's (Cluster::build): the reader accepts them, and `place`
  // leaves the unit pending unresolvable (fleet/load_test.cpp checks that and lint's report).
  CHECK(rejection("MachineOf=a@1.service\nConflicts=a@*.service\n") == 0);
  CHECK(rejection("MachineOf=u@%i.service\n") == 0);
  CHECK(rejection("MachinOf=a.service\n") == 229);
  CHECK(rejection("Global=maybe\n") == 230);
  CHECK(rejection("MachineMetadata=novalue\n") == 232);
  CHECK(rejection("MachineMetadata=a=b=c\n") == 232);
  CHECK(rejection("MachineOf=a.service b.service\n") == 233);
  CHECK(rejection("MachineID=m1\nMachineID=m2\n") == 233);
  // Allowed by fleet: Global with Conflicts (fleet's own conflict-global fixtures), with metadata.
  CHECK(rejection("Global=true\nConflicts=x.*.service\nMachineMetadata=role=etcd\n") == 0);
}

TEST_CASE("unknown keys get a did-you-mean; collecting mode keeps every problem",
          "[fleet][xfleet][errors]") {
  std::vector<Problem> ps;
  convert("[X-Fleet]\nMachineMetdata=a=b\nconflicts=x\nGlobal=true\nMachineID=m\nMachineOf=%H\n",
          "u.service", &ps);
  REQUIRE(fleet_test::has_code(ps, 229));
  CHECK(ps[0].message.find("did you mean \"MachineMetadata\"") != std::string::npos);
  CHECK(ps[0].where.line == 2);
  CHECK(ps[1].message.find("did you mean \"Conflicts\"") != std::string::npos);
  CHECK(fleet_test::has_code(ps, 236));  // %H is not expanded
  CHECK(fleet_test::has_code(ps, 220));
  CHECK(fleet_test::has_code(ps, 223));
}

TEST_CASE("a misspelt section is a warning with a did-you-mean", "[fleet][xfleet]") {
  std::vector<Problem> ps;
  const auto u = convert("[X-fleet]\nGlobal=true\n[X-Custom]\nA=1\n", "u.service", &ps);
  CHECK_FALSE(u.unit.constraints.global);
  REQUIRE(fleet_test::has_code(ps, 229));
  const auto it =
      std::find_if(ps.begin(), ps.end(), [](const Problem& p) { return p.code == 229; });
  CHECK(it->severity == Severity::Warning);
  CHECK(it->message.find("did you mean [X-Fleet]?") != std::string::npos);
  CHECK(it->where.line == 1);
  CHECK(std::count_if(ps.begin(), ps.end(), [](const Problem& p) { return p.code == 229; }) == 1);
}
