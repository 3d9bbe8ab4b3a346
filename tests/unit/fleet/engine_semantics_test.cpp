// fleet's meaning on the engine's own filters: Conflicts= globs take a global unit by its unit
// name (fleet names it `agent.service`, berth's instances `agent.service@m1`), and
// `docker run -p HOST:CONTAINER` binds a host port that two units can never share.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>

#include "berth/fleet/load.hpp"
#include "berth/fleet/requests.hpp"
#include "berth/place/place.hpp"
#include "fleet_test_util.hpp"
#include "support/invariants.hpp"

using namespace berth;
using namespace berth::fleet;

namespace {

constexpr const char* kMachines =
    "m1 metadata=\"role=web\" capacity=\"cpu=4,memory=4Gi\"\n"
    "m2 metadata=\"role=web\" capacity=\"cpu=4,memory=4Gi\"\n"
    "m3 metadata=\"role=db\" capacity=\"cpu=4,memory=4Gi\"\n";

std::map<std::string, std::set<std::string>> by_machine(const PlacementResult& r) {
  std::map<std::string, std::set<std::string>> out;
  for (const auto& [inst, m] : r.placements) out[m].insert(inst);
  return out;
}

}  // namespace

TEST_CASE("fleet: Conflicts=agent.service keeps a unit off every machine running the global agent",
          "[fleet][engine]") {
  fleet_test::TempDir dir;
  const std::string machines = dir.write("machines", kMachines);
  dir.write("agent.service",
            "[Service]\nExecStart=/bin/agent\n[X-Fleet]\nGlobal=true\nMachineMetadata=role=web\n"
            "Requests=cpu=100m,memory=64Mi\n");
  dir.write("loner.service",
            "[Service]\nExecStart=/bin/loner\n[X-Fleet]\nConflicts=agent.service\n"
            "Requests=cpu=100m,memory=64Mi\n");
  const Spec spec = load_spec({dir / "agent.service", dir / "loner.service"}, machines);
  const PlacementResult r = place(spec);
  for (const auto& b : testing::check_placement(spec, r)) FAIL(b);
  REQUIRE(r.placements.count("agent.service@m1") == 1);
  REQUIRE(r.placements.count("agent.service@m2") == 1);
  // The agent runs on m1 and m2: the loner can only go to m3.
  REQUIRE(r.placements.count("loner.service") == 1);
  CHECK(r.placements.at("loner.service") == "m3");
}

TEST_CASE("fleet: the conflict-global fixtures never share a machine", "[fleet][engine][data]") {
  const std::filesystem::path fixtures =
      std::filesystem::path(BERTH_SHARED_DATA) / "fleet-units/coreos-fleet/fixtures";
  if (!std::filesystem::exists(fixtures)) {
    WARN("skipped: " << fixtures << " not found");
    return;
  }
  fleet_test::TempDir dir;
  const std::string machines = dir.write("machines", kMachines);
  const Spec spec = load_spec({(fixtures / "conflict-global.0.service").string(),
                               (fixtures / "conflict-global.1.service").string()},
                              machines);
  const PlacementResult r = place(spec);
  for (const auto& b : testing::check_placement(spec, r)) FAIL(b);
  // Each machine runs exactly one of the two: both are global and conflict with each other.
  for (const char* m : {"m1", "m2", "m3"}) {
    const bool zero = r.placements.count(std::string("conflict-global.0.service@") + m) > 0;
    const bool one = r.placements.count(std::string("conflict-global.1.service@") + m) > 0;
    INFO(m);
    CHECK(zero != one);
  }
  // The instances that lost their machine say why.
  REQUIRE(r.pending.size() == 3);
  for (const auto& p : r.pending) {
    CHECK(p.diagnosis.rejections.count("conflict") == 1);
    CHECK_FALSE(p.diagnosis.unresolvable);
  }
}

TEST_CASE("fleet: docker run -p binds host ports; three units on two machines", "[fleet][engine]") {
  fleet_test::TempDir dir;
  const std::string machines = dir.write("machines",
                                         "m1 capacity=\"cpu=4,memory=4Gi\"\n"
                                         "m2 capacity=\"cpu=4,memory=4Gi\"\n");
  std::vector<std::string> files;
  for (int i = 1; i <= 3; ++i) {
    files.push_back(dir.write(
        fmt::format("web{}.service", i),
        "[Service]\nExecStart=/usr/bin/docker run --rm -p 80:8080 -m 256m --cpus 0.5 nginx\n"));
  }
  const Spec spec = load_spec(files, machines);
  for (const auto& u : spec.units)
    CHECK(u.constraints.ports == std::vector<HostPort>{{80, PortProtocol::Tcp}});
  const PlacementResult r = place(spec);
  for (const auto& b : testing::check_placement(spec, r)) FAIL(b);
  REQUIRE(r.placements.size() == 2);
  CHECK(by_machine(r).size() == 2);  // one per machine
  REQUIRE(r.pending.size() == 1);
  const Diagnosis& d = r.pending[0].diagnosis;
  CHECK(d.rejections.at("port_taken") == 2);
  CHECK_FALSE(d.unresolvable);  // evicting a web unit would make room
  CHECK(r.pending[0].summary().find("port 80/tcp taken by web") != std::string::npos);
}

TEST_CASE("fleet: -p forms (IP:HOST:CONTAINER, udp, ranges, docker-chosen ports)",
          "[fleet][engine]") {
  auto ports = [](const std::string& cmd) { return scan_exec_start(cmd).ports; };
  using P = std::vector<HostPort>;
  CHECK(ports("docker run -p 127.0.0.1:8080:80 img") == P{{8080, PortProtocol::Tcp}});
  CHECK(ports("docker run --publish 53:53/udp img") == P{{53, PortProtocol::Udp}});
  CHECK(ports("docker run --publish=9000-9002:9000-9002 img") ==
        P{{9000, PortProtocol::Tcp}, {9001, PortProtocol::Tcp}, {9002, PortProtocol::Tcp}});
  CHECK(ports("docker run -p 80 img").empty());             // docker picks the host port
  CHECK(ports("docker run -p 127.0.0.1::80 img").empty());  // likewise
  CHECK(ports("docker run -p [::1]:8443:443 img") == P{{8443, PortProtocol::Tcp}});
  const auto bad = scan_exec_start("docker run -p $PORT:80 img");
  CHECK(bad.ports.empty());
  CHECK(bad.unusable.size() == 1);  // reported, like an unreadable -m
}
