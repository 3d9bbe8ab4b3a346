// Resource requests: each source, each precedence rule, and what happens with none.
#include "berth/fleet/requests.hpp"

#include <catch2/catch.hpp>

#include "berth/error.hpp"
#include "berth/fleet/x_fleet.hpp"
#include "fleet_test_util.hpp"

using namespace berth;
using namespace berth::fleet;

namespace {

constexpr std::int64_t kMi = 1024 * 1024;

ResolvedRequests resolve(const std::string& text, std::vector<Problem>* ps = nullptr) {
  return resolve_requests(parse_unit_file(text, "r.service"), "r.service", ps);
}

}  // namespace

TEST_CASE("[X-Fleet] Requests= uses berth quantities", "[fleet][requests]") {
  const auto r = resolve("[X-Fleet]\nRequests=cpu=500m,memory=512M disk=1Gi gpu=2\n");
  CHECK(r.requests.cpu == 500);
  CHECK(r.requests.memory == 512'000'000);  // berth: M is 10^6, Mi is 2^20
  CHECK(r.requests.disk == 1024 * kMi);
  CHECK(r.requests.get("gpu") == 2);
  CHECK(r.source.at("cpu") == RequestSource::FleetRequests);
  // Later lines override the dimensions they name.
  const auto s = resolve("[X-Fleet]\nRequests=cpu=1,memory=1Gi\nRequests=cpu=2\n");
  CHECK(s.requests.cpu == 2000);
  CHECK(s.requests.memory == 1024 * kMi);
}

TEST_CASE("[X-Berth] Requests= is the same key where fleet never looks", "[fleet][requests]") {
  const auto r = resolve("[X-Berth]\nRequests=cpu=250m,memory=128Mi\n[X-Fleet]\nRequests=cpu=1\n");
  CHECK(r.requests.cpu == 250);  // [X-Berth] is read after [X-Fleet]
  CHECK(r.requests.memory == 128 * kMi);
  CHECK(r.source.at("memory") == RequestSource::FleetRequests);
  CHECK_THROWS_AS(convert_unit(parse_unit_file("[X-Berth]\nRequest=cpu=1\n", "b.service"),
                               *parse_unit_name("b.service"), nullptr),
                  ValidationError);
}

TEST_CASE("bad Requests= is an error naming the unit", "[fleet][requests][errors]") {
  for (const char* bad : {"cpu", "cpu=lots", "memory=-1", "=5"}) {
    INFO(bad);
    try {
      resolve(std::string("[X-Fleet]\nRequests=") + bad + "\n");
      FAIL("expected ValidationError");
    } catch (const ValidationError& e) {
      CHECK(e.code() == 231);
      CHECK(e.subject().find("r.service") == 0);
    }
  }
}

TEST_CASE("systemd resource control: CPUQuota, MemoryMax/MemoryLimit/MemoryHigh, MemoryLow",
          "[fleet][requests]") {
  CHECK(parse_cpu_quota("50%") == 500);
  CHECK(parse_cpu_quota("200%") == 2000);
  CHECK(parse_cpu_quota("12.5%") == 125);
  CHECK(parse_cpu_quota("0.01%") == 1);  // rounded up, never zero
  CHECK_FALSE(parse_cpu_quota("50"));
  CHECK(parse_systemd_bytes("512M") == 512 * kMi);  // systemd: M is 1024^2
  CHECK(parse_systemd_bytes("1G") == 1024 * kMi);
  CHECK(parse_systemd_bytes("1.5K") == 1536);
  CHECK(parse_systemd_bytes("100") == 100);
  CHECK_FALSE(parse_systemd_bytes("infinity"));
  CHECK_FALSE(parse_systemd_bytes("50%"));
  CHECK_FALSE(parse_systemd_bytes("1Q"));

  auto r = resolve("[Service]\nCPUQuota=50%\nMemoryMax=512M\nMemoryLow=128M\n");
  CHECK(r.requests.cpu == 500);
  CHECK(r.requests.memory == 512 * kMi);
  CHECK(r.source.at("memory") == RequestSource::SystemdResourceControl);
  CHECK(resolve("[Service]\nMemoryLimit=256M\n").requests.memory == 256 * kMi);
  CHECK(resolve("[Service]\nMemoryMax=1G\nMemoryLimit=256M\n").requests.memory == 1024 * kMi);
  CHECK(resolve("[Service]\nMemoryHigh=300M\n").requests.memory == 300 * kMi);
  // Only a protection: reserve the larger of MemoryMin/MemoryLow.
  CHECK(resolve("[Service]\nMemoryLow=128M\nMemoryMin=64M\n").requests.memory == 128 * kMi);
  // infinity means no limit: fall through to the next key.
  CHECK(resolve("[Service]\nMemoryMax=infinity\nMemoryLow=64M\n").requests.memory == 64 * kMi);
  // The last assignment wins; an empty one unsets.
  CHECK(resolve("[Service]\nCPUQuota=50%\nCPUQuota=\n").source.count("cpu") == 0);
}

TEST_CASE("unusable systemd values are warnings, the key is skipped", "[fleet][requests]") {
  std::vector<Problem> ps;
  const auto r = resolve("[Service]\nCPUQuota=half\nMemoryMax=50%\n", &ps);
  CHECK_FALSE(r.any());
  REQUIRE(ps.size() == 2);
  CHECK(ps[0].severity == Severity::Warning);
  CHECK(ps[0].code == 237);
  CHECK(ps[0].where.line == 2);
}

TEST_CASE("docker run flags in ExecStart=", "[fleet][requests][docker]") {
  auto c = scan_exec_start("/usr/bin/docker run --rm --name x -m 512m --cpus=1.5 nginx");
  CHECK(c.kind == RequestSource::DockerRun);
  CHECK(c.memory == 512 * kMi);
  CHECK(c.cpu == 1500);
  CHECK(scan_exec_start("docker run --memory=1g img").memory == 1024 * kMi);
  CHECK(scan_exec_start("docker run -m256m img").memory == 256 * kMi);
  CHECK(scan_exec_start("docker run --memory 2GB img").memory == 2048 * kMi);
  CHECK(scan_exec_start("-/usr/bin/docker run --memory-reservation 64m img").memory == 64 * kMi);
  CHECK(scan_exec_start("docker run -m 1g --memory-reservation 64m img").memory == 1024 * kMi);
  // --cpu-shares approximation: 1024 shares = 1 CPU.
  CHECK(scan_exec_start("docker run --cpu-shares 512 img").cpu == 500);
  CHECK(scan_exec_start("docker run -c 1024 img").cpu == 1000);
  CHECK(scan_exec_start("docker run --cpu-shares=800 img").cpu == 781);
  CHECK(cpu_shares_to_millicores(2048) == 2000);
  // --cpus beats --cpu-quota beats --cpu-shares.
  CHECK(scan_exec_start("docker run --cpu-shares 512 --cpus 2 img").cpu == 2000);
  CHECK(scan_exec_start("docker run --cpu-shares 512 --cpu-quota 50000 img").cpu == 500);
  CHECK(scan_exec_start("docker run --cpu-quota 25000 --cpu-period 50000 img").cpu == 500);
  // Flags after the image belong to the container's command, not to docker.
  auto after = scan_exec_start("docker run --name web -p 80:80 python:3 python -m http.server");
  CHECK_FALSE(after.memory);
  CHECK(after.kind == RequestSource::DockerRun);
  // Old single-dash flags (2014 units) and global options before `run`.
  CHECK(scan_exec_start("docker -H tcp://x:2375 run -rm -name x -m 128m img").memory == 128 * kMi);
  // Nested in sh -c, as deis wrote them.
  CHECK(scan_exec_start("/bin/sh -c \"IMAGE=`get` && docker run --name a --cpu-shares 800 $IMAGE\"")
            .cpu == 781);
  // Unreadable values are reported, never thrown.
  auto var = scan_exec_start("docker run -m $MEM img");
  CHECK_FALSE(var.memory);
  CHECK(var.unusable.size() == 1);
  CHECK_FALSE(scan_exec_start("/bin/true").kind);
  CHECK_FALSE(scan_exec_start("\"unterminated").kind);
}

TEST_CASE("rkt run flags in ExecStart=", "[fleet][requests][rkt]") {
  auto c = scan_exec_start(
      "/usr/bin/rkt run --insecure-options=image docker://nginx --cpu=250m --memory=512Mi");
  CHECK(c.kind == RequestSource::RktRun);
  CHECK(c.cpu == 250);
  CHECK(c.memory == 512 * kMi);
}

TEST_CASE("precedence: Requests= > [Service] > docker flags, per dimension",
          "[fleet][requests][precedence]") {
  const std::string docker = "[Service]\nExecStart=/usr/bin/docker run -m 100m --cpus 0.1 img\n";
  // docker alone
  auto d = resolve(docker);
  CHECK(d.requests.cpu == 100);
  CHECK(d.requests.memory == 100 * kMi);
  CHECK(d.source.at("cpu") == RequestSource::DockerRun);
  // [Service] beats docker
  auto s = resolve(docker + "CPUQuota=50%\nMemoryMax=200M\n");
  CHECK(s.requests.cpu == 500);
  CHECK(s.requests.memory == 200 * kMi);
  CHECK(s.source.at("memory") == RequestSource::SystemdResourceControl);
  // Requests= beats both
  auto r = resolve(docker + "CPUQuota=50%\nMemoryMax=200M\n[X-Fleet]\nRequests=cpu=2,memory=1Gi\n");
  CHECK(r.requests.cpu == 2000);
  CHECK(r.requests.memory == 1024 * kMi);
  CHECK(r.source.at("cpu") == RequestSource::FleetRequests);
  // Per dimension: Requests= names only cpu, memory still comes from [Service], then docker.
  auto m = resolve(docker + "MemoryMax=200M\n[X-Fleet]\nRequests=cpu=2\n");
  CHECK(m.requests.cpu == 2000);
  CHECK(m.requests.memory == 200 * kMi);
  auto k = resolve(docker + "[X-Fleet]\nRequests=cpu=2\n");
  CHECK(k.requests.memory == 100 * kMi);
  CHECK(k.source.at("memory") == RequestSource::DockerRun);
  // Several ExecStart= (oneshot): the largest.
  auto two = resolve("[Service]\nExecStart=docker run -m 1g a\nExecStart=docker run -m 2g b\n");
  CHECK(two.requests.memory == 2048 * kMi);
}

TEST_CASE("a unit with no request is zero-sized with a warning naming it", "[fleet][requests]") {
  std::vector<Problem> ps;
  const auto u = convert_unit(parse_unit_file("[Service]\nExecStart=/bin/true\n", "z.service"),
                              *parse_unit_name("z.service"), &ps);
  CHECK(u.unit.requests.is_zero());
  REQUIRE(ps.size() == 1);
  CHECK(ps[0].severity == Severity::Warning);
  CHECK(ps[0].code == 238);
  CHECK(ps[0].unit == "z.service");
  CHECK(ps[0].message.find("zero-sized") != std::string::npos);
}
