// examples/coreos-fleet loads as documented: every unit sized, sidekicks tied to their mains,
// etcd helpers pinned to role=etcd, and the 512 MB scenario.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

#include "berth/fleet/lint.hpp"
#include "berth/fleet/load.hpp"

using namespace berth;
using namespace berth::fleet;

namespace {

const std::string kExample = std::string(BERTH_SOURCE_DIR) + "/examples/coreos-fleet";

const Unit& unit(const Spec& s, const std::string& name) {
  for (const auto& u : s.units) {
    if (u.name == name) return u;
  }
  FAIL("no unit " << name);
  return s.units.front();
}

}  // namespace

TEST_CASE("examples/coreos-fleet loads with every unit sized", "[fleet][examples]") {
  const std::string u = kExample + "/units/";
  const FleetLoad f =
      load_fleet({u + "release-env.service", u + "api@{1..4}.service", u + "api-lb@{1..4}.service",
                  u + "kong@{1..2}.service", u + "etcd-backup.service", u + "etcd-metrics.service",
                  u + "log-shipper.service"},
                 kExample + "/machines");
  const Spec& s = f.spec;
  CHECK(s.machines.size() == 12);
  CHECK(s.units.size() == 14);
  for (const auto& w : s.warnings) FAIL_CHECK("unexpected warning: " << w);
  for (const auto& x : s.units) {
    INFO(x.name);
    CHECK(x.requests.cpu > 0);
    CHECK(x.requests.memory > 0);
  }
  CHECK(unit(s, "release-env.service").constraints.global);
  CHECK(unit(s, "release-env.service").requests.cpu == 50);        // CPUQuota=5%
  CHECK(unit(s, "api@3.service").requests.memory == 768LL << 20);  // docker --memory=768m
  CHECK(unit(s, "api@3.service").requests.cpu == 750);             // --cpus=0.75
  CHECK(unit(s, "api-lb@3.service").constraints.machine_of == "api@3.service");
  CHECK(f.links.at("api-lb@3.service").binds_to == std::vector<std::string>{"api@3.service"});
  CHECK(unit(s, "kong@1.service").requests.memory == 768LL << 20);  // Requests= beats docker -m 1g
  CHECK(unit(s, "etcd-backup.service").constraints.metadata ==
        std::vector<MetadataRequirement>{{"role", MetadataOp::In, {"etcd"}}});
  CHECK(unit(s, "log-shipper.service").constraints.metadata ==
        std::vector<MetadataRequirement>{{"role", MetadataOp::In, {"api", "kong"}}});
  const auto& etcd01 = s.machines.front();
  CHECK(etcd01.name == "etcd-01");
  CHECK(etcd01.metadata.at("role") == std::vector<std::string>{"etcd"});
  CHECK(etcd01.allocatable().memory == (2048LL - 256) << 20);
  CHECK(lint({kExample + "/units"}).clean());
}

TEST_CASE("the 512 MB scenario: 100 sized workers, 100 zero-sized legacy workers",
          "[fleet][examples]") {
  const std::string dir = kExample + "/scenario-512mb/";
  const Spec sized = load_spec({dir + "worker@{1..100}.service"}, dir + "machines");
  REQUIRE(sized.units.size() == 100);
  CHECK(sized.units[99].requests.memory == 64LL << 20);
  CHECK(sized.machines.at(0).capacity.memory == 512LL << 20);
  CHECK(sized.warnings.empty());
  const Spec legacy = load_spec({dir + "legacy-worker@{1..100}.service"}, dir + "machines");
  REQUIRE(legacy.warnings.size() == 1);  // one line for the 100 instances
  CHECK(legacy.warnings[0].find("legacy-worker@1.service .. legacy-worker@100.service (100 "
                                "instances): no resource request: placed "
                                "with the default request cpu 100m, memory 128 MiB") !=
        std::string::npos);
  // Issue 16 item 9: unsized units get the default request, so they no longer all "fit".
  CHECK(legacy.units[0].requests.memory == 128LL << 20);
  CHECK(legacy.units[0].requests.cpu == 100);
  LoadOptions fleet_like;
  fleet_like.default_requests = parse_default_requests("none");
  const Spec zero =
      load_spec({dir + "legacy-worker@{1..100}.service"}, dir + "machines", fleet_like);
  CHECK(zero.units[0].requests.memory == 0);
  CHECK(zero.warnings[0].find("placed as zero-sized") != std::string::npos);
}

#ifdef BERTH_CLI
namespace {

int run(const std::string& args, std::string* out = nullptr) {
  const std::string cmd = std::string(BERTH_CLI) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string text;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) text += buf;
  const int status = pclose(p);
  if (out) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("berth lint exit codes and output", "[fleet][cli]") {
  std::string out;
  CHECK(run("lint " + kExample + "/units", &out) == 0);
  CHECK(out.find("7 units checked: 0 errors, 0 warnings") != std::string::npos);
  CHECK(run("lint " + kExample + "/scenario-512mb", &out) == 1);
  CHECK(out.find("legacy-worker@1.service: no resource request") != std::string::npos);
  CHECK(run("lint --warnings-ok " + kExample + "/scenario-512mb") == 0);
  CHECK(run("lint --format json " + kExample + "/scenario-512mb", &out) == 1);
  CHECK(out.find("\"warnings\": 1") != std::string::npos);
  CHECK(run("lint /nonexistent/x.service", &out) == 1);
  CHECK(out.find("[berth.parse_error.126]") != std::string::npos);
}
#endif
