// berth lint (fleet/lint.hpp): every problem in a set of unit files, without placing anything.
#include "berth/fleet/lint.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "fleet_test_util.hpp"

using namespace berth;
using namespace berth::fleet;

namespace {

constexpr const char* kSizedUnit = "[X-Fleet]\nRequests=cpu=100m,memory=64Mi\n";

}  // namespace

TEST_CASE("a lint report counts errors and warnings apart", "[fleet][lint]") {
  LintReport r;
  CHECK(r.clean());
  CHECK(r.errors() == 0);
  CHECK(r.warnings() == 0);
  r.problems.push_back(Problem{Severity::Warning, 238, "a.service", {}, "no request"});
  CHECK_FALSE(r.clean());  // a warning is a problem too
  CHECK(r.errors() == 0);
  CHECK(r.warnings() == 1);
  r.problems.push_back(Problem{Severity::Error, 123, "", {"b.service", 2, 1}, "bad line"});
  r.problems.push_back(Problem{Severity::Warning, 271, "", {}, "copies"});
  CHECK(r.errors() == 1);
  CHECK(r.warnings() == 2);
}

TEST_CASE("lint reports every problem and keeps going", "[fleet][lint]") {
  fleet_test::TempDir dir;
  dir.write("a.service",
            "[Unit]\nbroken line\n[X-Fleet]\nMachinOf=b.service\nGlobal=true\nMachineID=x\n");
  dir.write("b.service",
            "[Unit]\nBindsTo=c.service\n[Service]\nExecStart=docker run --cpus 1 img\n");
  dir.write("c.service", kSizedUnit);
  dir.write("d.service", std::string(kSizedUnit) + "MachineOf=nowhere.service\n");
  const auto r = lint({dir.path(), dir / "missing.service"});
  CHECK(r.units == 4);
  const auto& ps = r.problems;
  CHECK(fleet_test::has_code(ps, 123));  // syntax
  CHECK(fleet_test::has_code(ps, 229));  // MachinOf: did you mean MachineOf
  CHECK(fleet_test::has_code(ps, 220));  // Global + MachineID
  CHECK(fleet_test::has_code(ps, 238));  // a: no request; b: no memory
  CHECK(fleet_test::has_code(ps, 239));  // b BindsTo c without MachineOf; d MachineOf nowhere
  CHECK(fleet_test::has_code(ps, 126));  // missing file
  CHECK(r.errors() >= 4);
  CHECK(r.warnings() >= 3);
  CHECK_FALSE(r.clean());
  for (const auto& p : ps) CHECK_FALSE(format_problem(p).empty());
  fleet_test::TempDir clean;
  clean.write("ok.service", kSizedUnit);
  CHECK(lint({clean.path()}).clean());
}

// Issue 16 item 11: lint points out near-identical files that could be one template.
TEST_CASE("lint points out copies that differ only by their instance number", "[fleet][lint]") {
  fleet_test::TempDir dir;
  const std::string body =
      "[Service]\nExecStart=/usr/bin/docker run --name registry{} -m 64m registry:0.7.1\n"
      "ExecStop=/usr/bin/docker stop registry{}\n";
  auto copy = [&](const std::string& n, const std::string& extra = "") {
    std::string text = body;
    for (std::size_t pos; (pos = text.find("{}")) != std::string::npos;) text.replace(pos, 2, n);
    return text + extra;
  };
  dir.write("a/registry.1.service", copy("1", " \n"));
  dir.write("a/registry.2.service", copy("2"));
  dir.write("a/registry.3.service", copy("3", "\n"));
  dir.write("a/registry.4.service",
            copy("4", "[X-Fleet]\nMachineMetadata=disk=ssd\n"));  // really different
  dir.write("a/other.1.service", copy("1"));                      // no sibling
  const auto report = lint({dir / "a"});
  std::vector<std::string> hints;
  for (const auto& p : report.problems) {
    if (p.code == 271) hints.push_back(format_problem(p));
  }
  REQUIRE(hints.size() == 1);
  CHECK(
      hints[0].find(
          "registry.1.service, registry.2.service, registry.3.service: 3 files differ only by "
          "their "
          "instance number: one template registry@.service (with %i where they differ) started as "
          "'registry@{1,2,3}.service' would replace them") != std::string::npos);
  CHECK(hints[0].find("registry.4.service") == std::string::npos);
  // A digit that differs anywhere else is a real difference, not an instance number.
  fleet_test::TempDir other;
  other.write("web.1.service", "[Service]\nExecStart=/bin/web --port 8081 --id 1\n");
  other.write("web.2.service", "[Service]\nExecStart=/bin/web --port 8082 --id 2\n");
  for (const auto& p : lint({other.path()}).problems) CHECK(p.code != 271);
}
