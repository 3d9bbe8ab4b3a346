#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"

using namespace berth;

namespace {

std::string spec_error_of(const std::string& text) {
  try {
    parse_spec_json(text, "spec.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("the documented spec parses", "[spec]") {
  Spec spec = parse_spec_json(
      R"({"machines":[{"name":"m1","capacity":{"cpu":"2","memory":"2GiB","disk":"15GiB","gpu":2},
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
  CHECK_THAT(spec_error_of("{\n  \"machines\": [\n    {\"name\": \"m1\",}\n  ]\n}"),
             Catch::StartsWith("[berth.parse_error.101] spec.json:3:"));
  CHECK_THAT(spec_error_of("{\"machines\": ["),
             Catch::StartsWith("[berth.parse_error.101] spec.json:1:"));
  CHECK_THAT(spec_error_of(""), Catch::Contains("spec.json:1:1"));
}

TEST_CASE("meaning errors name the field and the value", "[spec][errors]") {
  CHECK_THAT(spec_error_of(R"({"machines":[{"name":"m1","capacity":{"memory":"-1"}}]})"),
             Catch::Contains("machine m1: capacity.memory") && Catch::Contains("\"-1\"") &&
                 Catch::Contains("negative"));
  CHECK_THAT(spec_error_of(R"({"units":[{"name":"w","requests":{"cpu":"abc"}}]})"),
             Catch::Contains("unit w: requests.cpu") && Catch::Contains("\"abc\""));
  CHECK_THAT(spec_error_of(R"({"units":[{"name":"w","requets":{}}]})"),
             Catch::Contains("did you mean \"requests\""));
  CHECK_THAT(spec_error_of(R"({"machine":[]})"), Catch::Contains("did you mean \"machines\""));
  CHECK_THAT(spec_error_of(R"({"units":[{"name":"w","replicas":"3"}]})"),
             Catch::Contains("unit w: replicas") && Catch::Contains("expected a whole number"));
  CHECK_THAT(spec_error_of(R"({"units":[{"name":"w","replicas":-1}]})"),
             Catch::Contains("must be between 0"));
  CHECK_THAT(spec_error_of(R"({"machines":[{"name":"m1"},{"name":"m1"}]})"),
             Catch::Contains("duplicate machine name \"m1\""));
  CHECK_THAT(spec_error_of(R"({"units":[{"name":"a"},{"name":"a"}]})"),
             Catch::Contains("duplicate unit name \"a\""));
  CHECK_THAT(spec_error_of(R"({"machines":[{"name":"m1","state":"sleeping"}]})"),
             Catch::Contains("unknown state \"sleeping\""));
  CHECK_THAT(
      spec_error_of(
          R"({"units":[{"name":"a","constraints":{"metadata":{"x":{"op":"gte","value":"1"}}}}]})"),
      Catch::Contains("did you mean \"gt\""));
  CHECK_THAT(
      spec_error_of(
          R"({"units":[{"name":"a","constraints":{"metadata":{"x":{"op":"gt","value":"one"}}}}]})"),
      Catch::Contains("needs an integer"));
  CHECK_THAT(
      spec_error_of(
          R"({"units":[{"name":"a","constraints":{"spread":{"key":"zone","max_skew":0}}}]})"),
      Catch::Contains("must be between 1 and 1000000, got 0"));
  CHECK_THAT(spec_error_of(R"([1,2])"), Catch::Contains("expected an object"));
  CHECK_THAT(spec_error_of(R"({"machines":[{"capacity":{}}]})"),
             Catch::Contains("missing required field \"name\""));
}

TEST_CASE("an empty top-level key is an unknown field like any other", "[spec][errors]") {
  // The streamed reader once kept "no unknown key yet" as "", so {"":[0]} read as an empty spec
  // (found by the spec fuzzer, which compares it with the whole-document reader).
  CHECK_THAT(spec_error_of(R"({"":[0]})"),
             Catch::StartsWith("[berth.invalid.203]") && Catch::Contains("unknown field \"\""));
  CHECK_THAT(spec_error_of(R"({"machines":[],"":5})"), Catch::Contains("unknown field \"\""));
}

TEST_CASE("quantities may be JSON numbers", "[spec]") {
  Spec spec =
      parse_spec_json(R"({"machines":[{"name":"m","capacity":{"cpu":0.5,"memory":1073741824}}]})");
  CHECK(spec.machines[0].capacity.cpu == 500);
  CHECK(spec.machines[0].capacity.memory == 1073741824);
}

namespace {

// A spec of `n` machines and `n` units written on one line each, as the generators write them;
// `unit_at` replaces the text of units[i] for one i.
std::string big_spec(int n, int bad_unit = -1, const std::string& unit_text = "",
                     const std::string& tail = "") {
  std::string text = "{\"machines\": [\n";
  for (int i = 0; i < n; ++i) {
    text += fmt::format(
        "{}{{\"name\": \"m{}\", \"capacity\": {{\"cpu\": \"8\", \"memory\": \"32Gi\"}}, "
        "\"metadata\": {{\"zone\": \"z{}\"}}}}",
        i ? ",\n" : "", i, i % 4);
  }
  text += "],\n\"units\": [\n";
  for (int i = 0; i < n; ++i) {
    text += i ? ",\n" : "";
    text += i == bad_unit ? unit_text
                          : fmt::format(
                                "{{\"name\": \"u{}\", \"replicas\": 2, \"requests\": {{\"cpu\": "
                                "\"500m\", \"memory\": \"1Gi\"}}}}",
                                i);
  }
  return text + "]" + tail + "}";
}

}  // namespace

TEST_CASE("errors deep inside a big spec are the same as in a small one", "[spec][errors]") {
  const int n = 20000;
  // A good big spec reads whole.
  const Spec good = parse_spec_json(big_spec(n), "big.json");
  CHECK(good.machines.size() == static_cast<std::size_t>(n));
  CHECK(good.units.size() == static_cast<std::size_t>(n));
  CHECK(good.units.back().requests.cpu == 500);
  auto error_in = [&](const std::string& text) {
    try {
      parse_spec_json(text, "big.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // A meaning error in the last unit names that unit and field.
  CHECK(error_in(big_spec(n, n - 1, R"({"name": "last", "requests": {"cpu": "abc"}})")) ==
        "[berth.invalid.201] unit last: requests.cpu: invalid quantity \"abc\": expected a number "
        "such as 2, 0.5, 500m, 512Mi or 2GiB "
        "(in big.json)");
  // Its path when the unit has no name yet.
  CHECK(error_in(big_spec(n, n - 2, R"({"requests": {}})")) ==
        "[berth.invalid.205] units[19998]: missing required field \"name\" (in big.json)");
  // A duplicate name found 19,999 units after the first.
  CHECK(error_in(big_spec(n, n - 1, R"({"name": "u0"})")) ==
        "[berth.invalid.217] units[19999].name: duplicate unit name \"u0\" (in big.json)");
  // An unknown field deep down, with its hint (named by its path: the check comes before the name
  // is read).
  CHECK(error_in(big_spec(n, n - 1, R"({"name": "x", "replica": 2})")) ==
        "[berth.invalid.203] units[19999].replica: unknown field \"replica\"; did you mean "
        "\"replicas\"? (in big.json)");
  // A syntax error after a meaning error wins, as when the whole document was read first: line
  // 2n + 2 is the last unit's line, where the warnings follow.
  CHECK(error_in(big_spec(n, 5, R"({"name": "early", "replicas": -1})", ", \"warnings\": [1,]")) ==
        fmt::format("[berth.parse_error.101] big.json:{}:98: parsing value - unexpected ']'; "
                    "expected '[', '{{', or a literal",
                    2 * n + 2));
  // A duplicate key inside the last unit: ParseError 102 at that key's line and column.
  CHECK(error_in(big_spec(n, n - 1, R"({"name": "dup", "replicas": 1, "replicas": 2})")) ==
        fmt::format("[berth.parse_error.102] big.json:{}:32: duplicate key \"replicas\": each key "
                    "may appear once in an object",
                    2 * n + 2));
  // An unknown top-level field written after every unit is reported before a unit's error (the
  // whole document's keys were checked first).
  CHECK(error_in(big_spec(n, 3, R"({"name": "bad", "replicas": -1})", ", \"unit\": []")) ==
        "[berth.invalid.203] unit: unknown field \"unit\"; did you mean \"units\"? (in big.json)");
  // Machines are checked before units wherever they are written.
  CHECK(
      spec_error_of(
          R"({"units": [{"name": "u", "replicas": -1}], "machines": [{"name": "m", "state": "asleep"}]})") ==
      "[berth.invalid.207] machine m: state: unknown state \"asleep\" (expected up, draining, down "
      "or rebooting) (in spec.json)");
  // Placements report the first bad one in key order, wherever it is written.
  CHECK(spec_error_of(R"({"placements": {"b@1": 2, "a@1": "m1", "a@2": false}})") ==
        "[berth.invalid.202] placements.a@2: expected a string, got false (in spec.json)");
  CHECK(
      spec_error_of(R"({"machines": {"name": "m"}})") ==
      "[berth.invalid.202] machines: expected an array of machines, got an object (in spec.json)");
}
