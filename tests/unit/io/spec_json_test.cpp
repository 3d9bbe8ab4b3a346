#include <catch2/catch.hpp>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"

using namespace berth;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_spec_json(text, "spec.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("the documented spec parses", "[spec]") {
  Spec spec = parse_spec_json(R"({"machines":[{"name":"m1","capacity":{"cpu":"2","memory":"2GiB","disk":"15GiB","gpu":2},
      "reserved":{"cpu":"100m"},"metadata":{"role":"api","region":["west"]},"state":"up"}],
    "units":[{"name":"web","replicas":3,"requests":{"cpu":"500m","memory":"512MiB"},"priority":0,
      "constraints":{"metadata":{"role":["api"],"zone":{"op":"not_in","values":["z9"]}},"conflicts":["web@*"],
        "machine_of":"x","machine_id":"m1","global":false,"spread":{"key":"zone","max_skew":1}}}],
    "placements":{"web@1":"m1"}})",
                              "spec.json");
  REQUIRE(spec.machines.size() == 1);
  const Machine& m = spec.machines[0];
  CHECK(m.capacity.cpu == 2000);
  CHECK(m.capacity.memory == 2LL << 30);
  CHECK(m.capacity.extended.at("gpu") == 2);
  CHECK(m.allocatable().cpu == 1900);
  CHECK(m.metadata.at("region") == std::vector<std::string>{"west"});
  const Unit& u = spec.units[0];
  CHECK(*u.replicas == 3);
  CHECK(u.requests.memory == 512LL << 20);
  CHECK(u.constraints.metadata.size() == 2);
  CHECK(u.constraints.metadata[1].op == MetadataOp::NotIn);
  CHECK(u.constraints.spread->max_skew == 1);
  CHECK(spec.placements.at("web@1") == "m1");
  // And it writes back to an equal spec.
  CHECK(write_spec_json(parse_spec_json(write_spec_json(spec))) == write_spec_json(spec));
}

TEST_CASE("syntax errors carry file:line:column", "[spec][errors]") {
  CHECK_THAT(error_of("{\n  \"machines\": [\n    {\"name\": \"m1\",}\n  ]\n}"), Catch::StartsWith("[berth.parse_error.101] spec.json:3:"));
  CHECK_THAT(error_of("{\"machines\": ["), Catch::StartsWith("[berth.parse_error.101] spec.json:1:"));
  CHECK_THAT(error_of(""), Catch::Contains("spec.json:1:1"));
}

TEST_CASE("meaning errors name the field and the value", "[spec][errors]") {
  CHECK_THAT(error_of(R"({"machines":[{"name":"m1","capacity":{"memory":"-1"}}]})"),
             Catch::Contains("machine m1: capacity.memory") && Catch::Contains("\"-1\"") && Catch::Contains("negative"));
  CHECK_THAT(error_of(R"({"units":[{"name":"w","requests":{"cpu":"abc"}}]})"), Catch::Contains("unit w: requests.cpu") && Catch::Contains("\"abc\""));
  CHECK_THAT(error_of(R"({"units":[{"name":"w","requets":{}}]})"), Catch::Contains("did you mean \"requests\""));
  CHECK_THAT(error_of(R"({"machine":[]})"), Catch::Contains("did you mean \"machines\""));
  CHECK_THAT(error_of(R"({"units":[{"name":"w","replicas":"3"}]})"), Catch::Contains("unit w: replicas") && Catch::Contains("expected a whole number"));
  CHECK_THAT(error_of(R"({"units":[{"name":"w","replicas":-1}]})"), Catch::Contains("must be between 0"));
  CHECK_THAT(error_of(R"({"machines":[{"name":"m1"},{"name":"m1"}]})"), Catch::Contains("duplicate machine name \"m1\""));
  CHECK_THAT(error_of(R"({"units":[{"name":"a"},{"name":"a"}]})"), Catch::Contains("duplicate unit name \"a\""));
  CHECK_THAT(error_of(R"({"machines":[{"name":"m1","state":"sleeping"}]})"), Catch::Contains("unknown state \"sleeping\""));
  CHECK_THAT(error_of(R"({"units":[{"name":"a","constraints":{"metadata":{"x":{"op":"gte","value":"1"}}}}]})"), Catch::Contains("did you mean \"gt\""));
  CHECK_THAT(error_of(R"({"units":[{"name":"a","constraints":{"metadata":{"x":{"op":"gt","value":"one"}}}}]})"), Catch::Contains("needs an integer"));
  CHECK_THAT(error_of(R"({"units":[{"name":"a","constraints":{"spread":{"key":"zone","max_skew":0}}}]})"), Catch::Contains("must be between 1 and 1000000, got 0"));
  CHECK_THAT(error_of(R"([1,2])"), Catch::Contains("expected an object"));
  CHECK_THAT(error_of(R"({"machines":[{"capacity":{}}]})"), Catch::Contains("missing required field \"name\""));
}

TEST_CASE("quantities may be JSON numbers", "[spec]") {
  Spec spec = parse_spec_json(R"({"machines":[{"name":"m","capacity":{"cpu":0.5,"memory":1073741824}}]})");
  CHECK(spec.machines[0].capacity.cpu == 500);
  CHECK(spec.machines[0].capacity.memory == 1073741824);
}
