// Machines from fleet configuration: metadata strings, the machines file, fleet.conf files, JSON.
#include "berth/fleet/machines.hpp"

#include <catch2/catch.hpp>

#include "berth/error.hpp"
#include "fleet_test_util.hpp"

using namespace berth;
using namespace berth::fleet;

namespace {

constexpr std::int64_t kGi = 1024LL * 1024 * 1024;

int machines_error(const std::string& text, std::string* where = nullptr) {
  try {
    parse_machines_file(text, "m.txt");
  } catch (const ParseError& e) {
    if (where) *where = e.where().to_string();
    return e.code();
  }
  return 0;
}

}  // namespace

TEST_CASE("fleet's metadata string", "[fleet][machines]") {
  const auto m =
      parse_fleet_metadata(" class=network, cpu=2,disk=ssd,region=west ,region=east", {});
  CHECK(m.at("class") == std::vector<std::string>{"network"});
  CHECK(m.at("cpu") == std::vector<std::string>{"2"});
  CHECK(m.at("region") == std::vector<std::string>{"west", "east"});
  CHECK(parse_fleet_metadata("", {}).empty());
  CHECK(parse_fleet_metadata("a=", {}).at("a") == std::vector<std::string>{""});
  CHECK_THROWS_AS(parse_fleet_metadata("novalue", {}), ParseError);
  CHECK_THROWS_AS(parse_fleet_metadata("=x", {}), ParseError);
}

TEST_CASE("machines file: one machine per line", "[fleet][machines]") {
  std::vector<std::string> warnings;
  const auto ms = parse_machines_file(
      "# name  metadata  capacity\n"
      "core-01 metadata=\"class=network,cpu=2,region=west\" "
      "capacity=\"cpu=2,memory=2Gi,disk=40G\"\n"
      "\n"
      "core-02 FLEET_METADATA=role=etcd capacity=cpu=1,memory=1Gi reserved=memory=128Mi \\\n"
      "        state=draining\n"
      "core-03 metadata=\"cpu=4,ram=8GB\"\n"
      "core-04\n",
      "m.txt", &warnings);
  REQUIRE(ms.size() == 4);
  CHECK(ms[0].name == "core-01");
  CHECK(ms[0].metadata.at("class") == std::vector<std::string>{"network"});
  CHECK(ms[0].capacity.cpu == 2000);
  CHECK(ms[0].capacity.memory == 2 * kGi);
  CHECK(ms[0].capacity.disk == 40'000'000'000);
  CHECK(ms[1].metadata.at("role") == std::vector<std::string>{"etcd"});
  CHECK(ms[1].reserved.memory == 128LL * 1024 * 1024);
  CHECK(ms[1].state == MachineState::Draining);
  // No capacity=: taken from cpu/ram metadata, with a warning.
  CHECK(ms[2].capacity.cpu == 4000);
  CHECK(ms[2].capacity.memory == 8'000'000'000);
  CHECK(ms[3].capacity.is_zero());
  REQUIRE(warnings.size() == 2);
  CHECK(warnings[0].find("core-03") != std::string::npos);
  CHECK(warnings[1].find("core-04") != std::string::npos);
}

TEST_CASE("machines file errors carry file:line:col", "[fleet][machines][errors]") {
  std::string where;
  CHECK(machines_error("a metadata=\"x=1\n", &where) == 128);
  CHECK(where == "m.txt:1:12");
  CHECK(machines_error("a b\n") == 128);
  CHECK(machines_error("metadata=x=1\n") == 128);
  CHECK(machines_error("a\n\nb metdata=x=1\n", &where) == 129);
  CHECK(where == "m.txt:3:3");
  CHECK(machines_error("a metadata=novalue\n") == 130);
  CHECK(machines_error("a capacity=cpu=lots\n") == 131);
  CHECK(machines_error("a capacity=cpu\n") == 131);
  CHECK(machines_error("a state=sleeping\n") == 132);
  CHECK(machines_error("a\na\n") == 133);
  CHECK(machines_error("a metadata=role=\xbe\n", &where) == 128);
  CHECK(where == "m.txt:1:17");
  CHECK_THROWS_AS(parse_fleet_metadata("r=\xff", {}), ParseError);
}

TEST_CASE("a directory of fleet.conf / environment files, one machine each", "[fleet][machines]") {
  fleet_test::TempDir dir;
  dir.write("core-02.conf",
            "# fleet.conf\npublic_ip=\"10.0.0.2\"\nmetadata=\"role=etcd,region=west\"\n"
            "capacity=\"cpu=1,memory=1Gi\"\n");
  dir.write("core-01.env",
            "export FLEET_METADATA=\"role=api\"\nFLEET_PUBLIC_IP=10.0.0.1\n"
            "BERTH_IGNORED=1\nFLEET_CAPACITY=cpu=2,memory=2Gi\n");
  dir.write("core-03.conf", "Environment=\"FLEET_METADATA=role=kong,cpu=2,ram=2GiB\"\n");
  dir.write("notes.txt", "not a machine");
  const Spec s = load_machines(dir.path());
  REQUIRE(s.machines.size() == 3);
  CHECK(s.machines[0].name == "core-01");
  CHECK(s.machines[0].metadata.at("role") == std::vector<std::string>{"api"});
  CHECK(s.machines[0].capacity.cpu == 2000);
  CHECK(s.machines[1].name == "core-02");
  CHECK(s.machines[1].metadata.at("region") == std::vector<std::string>{"west"});
  CHECK(s.machines[2].metadata.at("role") == std::vector<std::string>{"kong"});
  CHECK(s.machines[2].capacity.memory == 2 * kGi);
  bool warned_unknown = false;
  for (const auto& w : s.warnings)
    warned_unknown = warned_unknown || w.find("BERTH_IGNORED") != std::string::npos;
  CHECK(warned_unknown);
}

TEST_CASE("the machines file may also be a JSON spec", "[fleet][machines]") {
  fleet_test::TempDir dir;
  const auto path = dir.write(
      "spec.json", R"({"machines": [{"name": "m1", "capacity": {"cpu": "2", "memory": "4Gi"},
    "metadata": {"role": "api"}}]})");
  const Spec s = load_machines(path);
  REQUIRE(s.machines.size() == 1);
  CHECK(s.machines[0].name == "m1");
  CHECK(s.machines[0].capacity.memory == 4 * kGi);
}
