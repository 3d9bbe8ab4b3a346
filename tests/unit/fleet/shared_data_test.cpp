// Every real fleet unit file in ../shared/data/fleet-units parses, and its [X-Fleet]
// constraints are what fleet meant. Expectations are written out here by hand from the files.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "berth/fleet/lint.hpp"
#include "berth/fleet/load.hpp"
#include "berth/fleet/x_fleet.hpp"
#include "berth/place/place.hpp"
#include "fleet_test_util.hpp"

// The expectation table names only the fields a file sets; the rest default to empty.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace berth;
using namespace berth::fleet;
namespace fs = std::filesystem;

namespace {

const fs::path kData = fs::path(BERTH_SHARED_DATA) / "fleet-units";

struct Expect {
  std::string machine_of;
  std::vector<std::string> conflicts;  ///< including Replaces (mapped to conflicts)
  bool global = false;
  std::string machine_id;
  std::vector<MetadataRequirement> metadata;
  std::vector<std::string> replaces;
  std::vector<std::string> binds_to;
};

using V = std::vector<std::string>;

/// Relative path -> expectation. Templates are read as the instance `name@x.service`.
std::map<std::string, Expect> expectations() {
  std::map<std::string, Expect> e;
  // coreos/fleet examples
  e["coreos-fleet/examples/hello.service"] = {};
  e["coreos-fleet/examples/ping.service"] = {};
  e["coreos-fleet/examples/pong.service"] = {.machine_of = "ping.service"};
  // coreos/fleet functional-test fixtures
  for (const char* n : {"0", "1"}) {
    e[fmt::format("coreos-fleet/fixtures/conflict-global.{}.service", n)] = {
        .conflicts = {"conflict-global.*.service"}, .global = true};
  }
  for (int i = 0; i <= 4; ++i) {
    e[fmt::format("coreos-fleet/fixtures/conflict.{}.service", i)] = {
        .conflicts = {"conflict.*.service"}};
  }
  for (int i = 0; i <= 2; ++i) {
    // .0 and .1 list the three on one line, .2 on three lines: same meaning.
    e[fmt::format("coreos-fleet/fixtures/conflict.multiple.{}.service", i)] = {
        .conflicts = {"conflict.2.service", "conflict.1.service", "conflict.0.service"}};
  }
  e["coreos-fleet/fixtures/conflicts-with-hello.service"] = {.conflicts = {"hello.service"}};
  e["coreos-fleet/fixtures/discovery.service"] = {.machine_of = "hello.service",
                                                  .binds_to = {"hello.service"}};
  e["coreos-fleet/fixtures/global.service"] = {.global = true};
  e["coreos-fleet/fixtures/global@.service"] = {.global = true};
  e["coreos-fleet/fixtures/goodbye.service"] = {};
  e["coreos-fleet/fixtures/hello.service"] = {};
  e["coreos-fleet/fixtures/hello@.service"] = {};
  e["coreos-fleet/fixtures/metadata@.service"] = {
      .metadata = {MetadataRequirement{"hostname", MetadataOp::In, {"x"}}}};  // hostname=%i
  e["coreos-fleet/fixtures/pin@.service"] = {.machine_id = "x"};              // MachineID=%i
  for (int i = 0; i <= 2; ++i) {
    e[fmt::format("coreos-fleet/fixtures/ping.{}.service", i)] = {};
    e[fmt::format("coreos-fleet/fixtures/pong.{}.service", i)] = {
        .machine_of = fmt::format("ping.{}.service", i)};
  }
  e["coreos-fleet/fixtures/replace-kick0.service"] = {.conflicts = {"replace.0.service"},
                                                      .replaces = {"replace.0.service"}};
  e["coreos-fleet/fixtures/replace-sync.service"] = {};
  e["coreos-fleet/fixtures/replace.0.service"] = {};
  e["coreos-fleet/fixtures/replace.1.service"] = {};
  e["coreos-fleet/fixtures/replace.2.service"] = {.machine_of = "replace.1.service"};
  e["coreos-fleet/fixtures/single@.service"] = {};
  // coreos/unit-examples (old spellings X-ConditionMachineOf, X-Conflicts)
  const std::string amb = "coreos-unit-examples/blog-dynamic-ambassador-etcd/";
  e[amb + "etcd-amb-redis.service"] = {.machine_of = "redis-demo.service"};
  e[amb + "etcd-amb-redis2.service"] = {.conflicts = {"redis-demo.service"}};
  e[amb + "redis-demo.service"] = {};
  e[amb + "redis-docker-reg.service"] = {.machine_of = "redis-demo.service"};
  e[amb + "redis-dyn-amb.service"] = {.machine_of = "etcd-amb-redis2.service"};
  for (int i = 1; i <= 3; ++i) {
    e[fmt::format("coreos-unit-examples/docker-registry-s3/registry.{}.service", i)] = {
        .conflicts = {"registry*.service"}};
  }
  for (int i = 1; i <= 2; ++i) {
    e[fmt::format("coreos-unit-examples/simple-fleet/apache-discovery.{}.service", i)] = {
        .machine_of = fmt::format("apache.{}.service", i),
        .binds_to = {fmt::format("apache.{}.service", i)}};
    e[fmt::format("coreos-unit-examples/simple-fleet/apache.{}.service", i)] = {
        .conflicts = {"apache.*.service"}};
  }
  e["coreos-unit-examples/simple-fleet/myapp.service"] = {};
  // deis v1 production units
  for (const char* n : {"builder", "controller", "database", "logger"})
    e[fmt::format("deis/deis-{}.service", n)] = {};
  for (const char* n : {"logspout", "publisher", "store-admin", "store-daemon", "store-metadata",
                        "store-monitor", "store-volume"}) {
    e[fmt::format("deis/deis-{}.service", n)] = {.global = true};
  }
  for (const char* n : {"registry", "router", "store-gateway"}) {
    e[fmt::format("deis/deis-{}.service", n)] = {
        .conflicts = {fmt::format("deis-{}@*.service", n)}};
  }
  return e;
}

std::vector<fs::path> data_files() {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(kData)) {
    if (entry.is_regular_file()) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// The name a file is loaded under: templates as the instance `x`.
std::string unit_name_for(const fs::path& p) {
  auto n = *parse_unit_name(p.filename().string());
  return n.is_template() ? n.prefix + "@x" + n.suffix : n.full;
}

}  // namespace

TEST_CASE("every shared fleet unit file parses to the expected [X-Fleet] constraints",
          "[fleet][data]") {
  if (!fs::is_directory(kData)) {
    WARN("skipped: " << kData << " is absent (public data lives in ../shared/data)");
    return;
  }
  const auto expected = expectations();
  std::set<std::string> seen;
  for (const auto& path : data_files()) {
    const std::string rel = fs::relative(path, kData).generic_string();
    INFO(rel);
    REQUIRE(expected.count(rel) == 1);  // a new file in the data needs an expectation here
    seen.insert(rel);
    std::vector<Problem> problems;
    const UnitFile file = read_unit_file(path.string(), &problems);
    const auto name = *parse_unit_name(unit_name_for(path));
    const FleetUnit u = convert_unit(file, name, &problems);
    for (const auto& p : problems) {
      INFO(format_problem(p));
      CHECK(p.severity == Severity::Warning);  // no errors in real files
    }
    const Expect& e = expected.at(rel);
    const auto& c = u.unit.constraints;
    CHECK(c.machine_of == e.machine_of);
    CHECK(c.conflicts == e.conflicts);
    CHECK(c.global == e.global);
    CHECK(c.machine_id == e.machine_id);
    CHECK(c.metadata == e.metadata);
    CHECK(u.links.replaces == e.replaces);
    CHECK(u.links.binds_to == e.binds_to);
  }
  CHECK(seen.size() == expected.size());
}

TEST_CASE("requests found in the real files", "[fleet][data]") {
  if (!fs::is_directory(kData)) {
    WARN("skipped: " << kData << " is absent");
    return;
  }
  // deis-builder runs `docker run ... --cpu-shares 800` inside sh -c: 800/1024 CPU.
  const auto builder = read_unit_file((kData / "deis/deis-builder.service").string());
  const auto r = resolve_requests(builder, "deis-builder.service", nullptr);
  CHECK(r.requests.cpu == 781);
  CHECK(r.source.at("cpu") == RequestSource::DockerRun);
  CHECK_FALSE(r.source.count("memory"));
  // Nothing else in the data asks for resources: that is how fleet overfilled machines.
  const auto hello = read_unit_file((kData / "coreos-fleet/examples/hello.service").string());
  CHECK_FALSE(resolve_requests(hello, "hello.service", nullptr).any());
}

TEST_CASE("each shared directory loads as a whole, and lint finds no errors", "[fleet][data]") {
  if (!fs::is_directory(kData)) {
    WARN("skipped: " << kData << " is absent");
    return;
  }
  for (const char* dir :
       {"coreos-fleet/examples", "coreos-fleet/fixtures", "deis",
        "coreos-unit-examples/simple-fleet", "coreos-unit-examples/docker-registry-s3",
        "coreos-unit-examples/blog-dynamic-ambassador-etcd"}) {
    INFO(dir);
    const auto path = (kData / dir).string();
    Spec s;
    REQUIRE_NOTHROW(s = load_spec({path}, ""));
    CHECK_FALSE(s.units.empty());
    const auto report = lint({path});
    for (const auto& p : report.problems) {
      INFO(format_problem(p));
      CHECK(p.severity == Severity::Warning);
    }
  }
  // Templates instantiate through ranges, with %i expanded.
  const auto pins = load_spec({(kData / "coreos-fleet/fixtures/pin@{1..3}.service").string()}, "");
  REQUIRE(pins.units.size() == 3);
  CHECK(pins.units[2].name == "pin@3.service");
  CHECK(pins.units[2].constraints.machine_id == "3");
}

// Issue 16 item 9: 60 of the 61 real unit files request nothing; placed zero-sized with the
// default strategy, all seven non-global deis units landed on the 512 MiB machine (exit 0).
// With the default request (cpu 100m, memory 128Mi) they do not all fit there, and the
// warning says what they were given; lint keeps its own warning.
TEST_CASE("unsized deis units get the default request and no longer pile onto one small machine",
          "[fleet][data]") {
  if (!fs::is_directory(kData / "deis")) return;
  fleet_test::TempDir dir;
  const auto machines = dir.write("machines",
                                  "small capacity=\"cpu=1,memory=512Mi\"\n"
                                  "big-1 capacity=\"cpu=4,memory=8Gi\"\n"
                                  "big-2 capacity=\"cpu=4,memory=8Gi\"\n");
  const Spec s = load_spec({(kData / "deis").string()}, machines);
  std::size_t sized = 0, non_global = 0;
  for (const Unit& u : s.units) {
    sized += u.requests.memory >= (128LL << 20) ? 1 : 0;
    non_global += u.constraints.global ? 0 : 1;
  }
  CHECK(sized == s.units.size());  // every unit has at least the default memory
  CHECK(non_global == 7);
  bool said = false;
  for (const auto& w : s.warnings)
    said = said || w.find(
                       "(13 units): no resource request: placed with the default request cpu 100m, "
                       "memory 128 MiB") != std::string::npos;
  CHECK(said);
  const PlacementResult r = place(s);
  std::size_t on_small = 0;
  for (const Unit& u : s.units) {
    if (u.constraints.global) continue;
    auto it = r.placements.find(u.name);
    on_small += it != r.placements.end() && it->second == "small" ? 1 : 0;
  }
  CHECK(on_small < 7);
  // Zero-sized, as fleet did, they all go to the small machine: what the default prevents.
  LoadOptions zero;
  zero.default_requests = Resources{};
  const Spec z = load_spec({(kData / "deis").string()}, machines, zero);
  const PlacementResult rz = place(z);
  std::size_t zero_on_small = 0;
  for (const Unit& u : z.units) {
    if (u.constraints.global) continue;
    auto it = rz.placements.find(u.name);
    zero_on_small += it != rz.placements.end() && it->second == "small" ? 1 : 0;
  }
  CHECK(zero_on_small == 7);
  bool linted = false;
  for (const auto& p : lint({(kData / "deis").string()}).problems)
    linted = linted || p.message.find("placed as zero-sized") != std::string::npos;
  CHECK(linted);
}

// Issue 16 item 11, on the real files: coreos/unit-examples' registry.1/2/3.service and
// apache.1/2.service are copies that one template would replace.
TEST_CASE("lint finds the real near-identical unit files", "[fleet][data]") {
  if (!fs::is_directory(kData / "coreos-unit-examples")) return;
  auto hint = [](const std::string& dir) {
    std::string out;
    for (const auto& p : lint({(kData / dir).string()}).problems) {
      if (p.code == 271) out += format_problem(p) + "\n";
    }
    return out;
  };
  const std::string registry = hint("coreos-unit-examples/docker-registry-s3");
  CHECK(registry.find("registry.1.service, registry.2.service, registry.3.service: 3 files differ "
                      "only by their instance number: one template registry@.service") !=
        std::string::npos);
  const std::string apache = hint("coreos-unit-examples/simple-fleet");
  CHECK(apache.find("apache.1.service, apache.2.service: 2 files differ only") !=
        std::string::npos);
  CHECK(
      apache.find("apache-discovery.1.service, apache-discovery.2.service: 2 files differ only") !=
      std::string::npos);
  CHECK(hint("deis").empty());
}
