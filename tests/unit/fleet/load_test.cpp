// load_spec / load_fleet: arguments, templates, directories, sidekicks, warnings (and lint on
// contradictions; the rest of lint is in lint_test.cpp).
#include "berth/fleet/load.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "berth/error.hpp"
#include "berth/fleet/lint.hpp"
#include "berth/place/place.hpp"
#include "fleet_test_util.hpp"

using namespace berth;
using namespace berth::fleet;

namespace {

constexpr const char* kSized = "[X-Fleet]\nRequests=cpu=100m,memory=64Mi\n";

const Unit* find_unit(const Spec& s, const std::string& name) {
  for (const auto& u : s.units) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

std::vector<std::string> names(const Spec& s) {
  std::vector<std::string> out;
  for (const auto& u : s.units) out.push_back(u.name);
  return out;
}

bool warned(const Spec& s, const std::string& needle) {
  return std::any_of(s.warnings.begin(), s.warnings.end(),
                     [&](const std::string& w) { return w.find(needle) != std::string::npos; });
}

}  // namespace

TEST_CASE("looks_like_unit_input", "[fleet][load]") {
  fleet_test::TempDir dir;
  CHECK(looks_like_unit_input("a.service"));
  CHECK(looks_like_unit_input("x/web@1.service"));
  CHECK(looks_like_unit_input("web@{1..10}.service"));
  CHECK(looks_like_unit_input("a.socket"));
  CHECK(looks_like_unit_input(dir.path()));
  CHECK_FALSE(looks_like_unit_input("spec.json"));
  CHECK_FALSE(looks_like_unit_input("-"));
}

TEST_CASE("templates: ranges, instances, and an instance file on disk wins",
          "[fleet][load][templates]") {
  fleet_test::TempDir dir;
  dir.write("web@.service", std::string(kSized) + "Conflicts=web@*.service\n");
  dir.write("web@2.service", "[X-Fleet]\nRequests=cpu=2,memory=1Gi\n");
  const Spec s = load_spec({dir / "web@{1..3}.service"}, "");
  CHECK(names(s) == std::vector<std::string>{"web@1.service", "web@2.service", "web@3.service"});
  CHECK(find_unit(s, "web@1.service")->requests.cpu == 100);
  CHECK(find_unit(s, "web@1.service")->constraints.conflicts ==
        std::vector<std::string>{"web@*.service"});
  CHECK(find_unit(s, "web@2.service")->requests.cpu == 2000);  // its own file
  CHECK(find_unit(s, "web@3.service")->requests.cpu == 100);
  const Spec one = load_spec({dir / "web@7.service"}, "");
  CHECK(names(one) == std::vector<std::string>{"web@7.service"});
}

TEST_CASE("directories: all *.service sorted, templates skipped with a warning", "[fleet][load]") {
  fleet_test::TempDir dir;
  dir.write("b.service", kSized);
  dir.write("a.service", kSized);
  dir.write("t@.service", kSized);
  dir.write("README.md", "not a unit");
  dir.write("c.socket", "[Socket]\nListenStream=80\n");
  const Spec s = load_spec({dir.path()}, "");
  CHECK(names(s) == std::vector<std::string>{"a.service", "b.service"});
  CHECK(warned(s, "template t@.service skipped"));
}

TEST_CASE("argument errors", "[fleet][load][errors]") {
  fleet_test::TempDir dir;
  dir.write("t@.service", kSized);
  auto code_of = [](const std::vector<std::string>& args) {
    try {
      load_spec(args, "");
    } catch (const Error& e) {
      return e.code();
    }
    return 0;
  };
  CHECK(code_of({dir / "missing.service"}) == 126);
  CHECK(code_of({dir / "nothing@1.service"}) == 126);
  CHECK(code_of({dir / "notes.txt"}) == 126);
  CHECK(code_of({dir / "t@.service"}) == 235);
  CHECK(code_of({dir / "t@{1..}.service"}) == 127);
  fleet_test::TempDir other;
  other.write("t@1.service", kSized);
  CHECK(code_of({dir / "t@1.service", other / "t@1.service"}) == 234);
  CHECK(code_of({dir / "t@1.service", dir / "t@{1..2}.service"}) == 0);  // same file twice is fine
}

TEST_CASE("errors in a unit file stop loading with file:line", "[fleet][load][errors]") {
  fleet_test::TempDir dir;
  const auto path = dir.write(
      "bad.service", "[Unit]\nDescription=x\n[X-Fleet]\nGlobal=true\nMachineOf=a.service\n");
  try {
    load_spec({path}, "");
    FAIL("expected ValidationError");
  } catch (const ValidationError& e) {
    CHECK(e.code() == 221);
    CHECK(e.subject().find("bad.service") == 0);
    CHECK(std::string(e.what()).find(path + ":3") != std::string::npos);
  }
  const auto syntax = dir.write("syntax.service", "[Unit]\nDescription x\n");
  try {
    load_spec({syntax}, "");
    FAIL("expected ParseError");
  } catch (const ParseError& e) {
    CHECK(e.code() == 123);
    CHECK(e.where().line == 2);
  }
}

TEST_CASE("sidekicks: MachineOf + BindsTo recorded as links", "[fleet][load][sidekick]") {
  fleet_test::TempDir dir;
  dir.write("api@.service", kSized);
  dir.write("api-lb@.service", std::string("[Unit]\nBindsTo=api@%i.service\n") + kSized +
                                   "MachineOf=api@%i.service\n");
  const auto f = load_fleet({dir / "api@{1..2}.service", dir / "api-lb@{1..2}.service"}, "");
  CHECK(find_unit(f.spec, "api-lb@2.service")->constraints.machine_of == "api@2.service");
  REQUIRE(f.links.count("api-lb@1.service"));
  CHECK(f.links.at("api-lb@1.service").binds_to == std::vector<std::string>{"api@1.service"});
  CHECK(f.links.count("api@1.service") == 0);
  CHECK(f.spec.warnings.empty());
}

TEST_CASE("machines and units together; zero-sized units are named in warnings", "[fleet][load]") {
  fleet_test::TempDir dir;
  const auto machines = dir.write("machines", "m1 metadata=role=api capacity=cpu=2,memory=2Gi\n");
  const auto unit = dir.write("hello.service", "[Service]\nExecStart=/bin/true\n");
  const Spec s = load_spec({unit}, machines);
  REQUIRE(s.machines.size() == 1);
  REQUIRE(s.units.size() == 1);
  CHECK(warned(s, "hello.service: no resource request"));
  CHECK(warned(s, "[berth.invalid.238]"));
}

TEST_CASE("one warning line names every unit that shares it", "[fleet][load]") {
  fleet_test::TempDir dir;
  dir.write("a.service", "[Service]\nExecStart=/bin/true\n");
  dir.write("b.service", "[Service]\nExecStart=/bin/true\n");
  dir.write("t@.service", "[Service]\nExecStart=/bin/true\n");
  const Spec s = load_spec({dir.path(), dir / "t@{1..5}.service"}, "");
  REQUIRE(s.warnings.size() == 3);  // the skipped template, a+b, t@1..t@5
  CHECK(warned(s, "a.service, b.service (2 units): no resource request"));
  CHECK(warned(s, "t@1.service .. t@5.service (5 instances): no resource request"));
}

// Issue 20 item 2: a unit whose MachineOf= contradicts its own Conflicts= (or names itself)
// no longer stops the reader; the engine makes it pending unresolvable and places the rest, and
// lint reports the engine's line: a warning by default, an error with strict.
TEST_CASE("contradictions are the engine's: pending for place, warnings or strict errors for lint",
          "[fleet][lint][contradiction]") {
  fleet_test::TempDir dir;
  dir.write("c.service", kSized);
  dir.write("b.service", std::string(kSized) + "MachineOf=c.service\nConflicts=c.service\n");
  dir.write("self.service", std::string(kSized) + "MachineOf=self.service\n");
  dir.write("ok.service", kSized);
  dir.write("d.service", std::string(kSized) + "MachineOf=nowhere.service\n");

  auto codes = [](const LintReport& r, Severity sev) {
    std::multiset<int> out;
    for (const auto& p : r.problems) {
      if (p.severity == sev) out.insert(p.code);
    }
    return out;
  };
  const auto lax = lint({dir.path()});
  CHECK(lax.errors() == 0);
  CHECK(codes(lax, Severity::Warning) == std::multiset<int>{239, 245, 247, 247});
  const auto strict = lint({dir.path()}, LintOptions{true});
  CHECK(codes(strict, Severity::Error) == std::multiset<int>{241, 245, 247, 247});
  for (const auto& p : strict.problems) {
    if (p.code == 247) CHECK((p.unit == "b.service" || p.unit == "c.service"));
    if (p.code == 245) CHECK(p.unit == "self.service");
  }

  fleet_test::TempDir other;
  const auto machines = other.write("machines", "m1 capacity=cpu=8,memory=8Gi\n");
  const Spec spec = load_spec({dir.path()}, machines);
  PlaceOptions options;
  options.strict = false;
  const auto result = place(spec, options);
  std::set<std::string> placed, unresolvable;
  for (const auto& [inst, m] : result.placements) placed.insert(inst);
  for (const auto& p : result.pending) {
    if (p.diagnosis.unresolvable) unresolvable.insert(p.unit);
  }
  CHECK(placed == std::set<std::string>{"ok.service"});
  CHECK(unresolvable ==
        std::set<std::string>{"b.service", "c.service", "d.service", "self.service"});
  options.strict = true;
  CHECK_THROWS_AS(place(spec, options), ValidationError);
}

// Issue 16 item 10: .timer units were skipped silently in directories; they are read, placed
// beside the service they start, with no resources and no "no resource request" warning.
TEST_CASE("timers are read from directories and run beside the service they start",
          "[fleet][load]") {
  fleet_test::TempDir dir;
  const auto machines =
      dir.write("machines", "m1 capacity=cpu=2,memory=2Gi\nm2 capacity=cpu=2,memory=2Gi\n");
  dir.write("units/backup.service",
            std::string("[Service]\nType=oneshot\nExecStart=/bin/backup\n") + kSized);
  dir.write("units/backup.timer", "[Timer]\nOnCalendar=daily\n");
  dir.write("units/report.timer", "[Timer]\nOnCalendar=weekly\nUnit=backup.service\n");
  dir.write("units/orphan.timer", "[Timer]\nOnCalendar=hourly\n");
  const Spec s = load_spec({dir / "units"}, machines);
  REQUIRE(names(s) == std::vector<std::string>{"backup.service", "backup.timer", "orphan.timer",
                                               "report.timer"});
  const Unit* timer = find_unit(s, "backup.timer");
  REQUIRE(timer);
  CHECK(timer->constraints.machine_of == "backup.service");
  CHECK(timer->requests.cpu == 0);  // no default request for a timer
  CHECK(timer->requests.memory == 0);
  CHECK(find_unit(s, "report.timer")->constraints.machine_of == "backup.service");  // [Timer] Unit=
  CHECK(find_unit(s, "orphan.timer")->constraints.machine_of.empty());
  CHECK(warned(s, "orphan.timer: timer starts orphan.service, which is not among the units given"));
  CHECK_FALSE(warned(s, "backup.timer: no resource request"));
  CHECK_FALSE(warned(s, "timer: no resource request"));
  // The service keeps its own request: reserved all the time (a timer can fire at any moment).
  CHECK(find_unit(s, "backup.service")->requests.memory == 64LL << 20);
  const PlacementResult r = place(s);
  CHECK(r.all_placed());
  CHECK(r.placements.at("backup.timer") == r.placements.at("backup.service"));
  CHECK(r.placements.at("report.timer") == r.placements.at("backup.service"));
  // lint sees them too, without the false warning.
  for (const auto& p : lint({dir / "units"}).problems)
    CHECK(p.message.find("no resource request") == std::string::npos);
}
