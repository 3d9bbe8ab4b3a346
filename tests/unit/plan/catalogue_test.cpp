#include "berth/plan/catalogue.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"

using namespace berth;
using namespace berth::plan;

namespace {

/// The error message of parsing `text`, or "" when it parses.
std::string error_of(const std::string& text) {
  try {
    parse_catalogue_json(text, "types.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("catalogue: the documented example parses with exact costs", "[plan][catalogue]") {
  Catalogue c = parse_catalogue_json(R"({"machine_types":[
    {"name":"m5.large","capacity":{"cpu":"2","memory":"8GiB"},"metadata":{"zone":"a"},"cost":0.096,"max_count":50},
    {"name":"gpu","capacity":{"cpu":8,"memory":"61GiB","gpu":"1"},"reserved":{"cpu":"500m"},
     "metadata":{"zone":["a","b"],"accel":true},"cost":"0.9"}]})");
  REQUIRE(c.types.size() == 2);
  CHECK(c.types[0].name == "m5.large");
  CHECK(c.types[0].capacity.cpu == 2000);
  CHECK(c.types[0].capacity.memory == 8LL << 30);
  CHECK(c.types[0].metadata.at("zone") == std::vector<std::string>{"a"});
  CHECK(c.types[0].cost == 96000);
  CHECK(c.types[0].max_count == 50);
  CHECK(c.types[1].cost == 900000);
  CHECK_FALSE(c.types[1].max_count.has_value());
  CHECK(c.types[1].allocatable().cpu == 7500);
  CHECK(c.types[1].capacity.extended.at("gpu") == 1);
  CHECK(c.types[1].metadata.at("accel") == std::vector<std::string>{"true"});
  CHECK(c.find("gpu") == 1);
  CHECK(c.find("nope") == -1);
  Machine m = c.types[0].make_machine("m5.large-1");
  CHECK(m.name == "m5.large-1");
  CHECK(m.capacity == c.types[0].capacity);
}

TEST_CASE("catalogue: costs are exact decimals in micro-units", "[plan][catalogue]") {
  CHECK(parse_cost("0.096", "cost") == 96000);
  CHECK(parse_cost("12", "cost") == 12000000);
  CHECK(parse_cost("0.000001", "cost") == 1);
  CHECK(parse_cost("1.5000000", "cost") == 1500000);  // trailing zeros past 6 decimals are fine
  CHECK(parse_cost("0", "cost") == 0);
  CHECK_THROWS_AS(parse_cost("-1", "cost"), ValidationError);
  CHECK_THROWS_AS(parse_cost("0.0000001", "cost"), ValidationError);
  CHECK_THROWS_AS(parse_cost("1e-3", "cost"), ValidationError);
  CHECK_THROWS_AS(parse_cost("", "cost"), ValidationError);
  CHECK_THROWS_AS(parse_cost("abc", "cost"), ValidationError);
  CHECK(format_cost(96000) == "0.096");
  CHECK(format_cost(2000000) == "2");
  CHECK(format_cost(1) == "0.000001");
  CHECK(format_cost(0) == "0");
}

TEST_CASE("catalogue: errors name the file, the field and the fix", "[plan][catalogue]") {
  std::string e = error_of("{\"machine_types\": [\n  {\"name\": \"a\",, }]}");
  CHECK(e.find("[berth.parse_error.180]") != std::string::npos);
  CHECK(e.find("types.json:2:") != std::string::npos);

  e = error_of(R"({"machine_types":[{"name":"a","capacity":{"cpu":"2"},"cost":1,"max_cuont":3}]})");
  // One id per failure kind: the spec's unknown-field id (280 is retired, docs/errors.md).
  CHECK(e.find("[berth.invalid.203]") != std::string::npos);
  CHECK(e.find("machine_types[0].max_cuont") != std::string::npos);
  CHECK(e.find("did you mean \"max_count\"") != std::string::npos);
  CHECK(e.find("types.json") != std::string::npos);

  e = error_of(R"({"machine_typos":[]})");
  CHECK(e.find("did you mean \"machine_types\"") != std::string::npos);

  e = error_of(R"({"machine_types":[{"name":"a","capacity":{"cpu":"2"},"cost":-0.5}]})");
  CHECK(e.find("[berth.invalid.283]") != std::string::npos);
  CHECK(e.find("machine_types[0].cost") != std::string::npos);

  e = error_of(R"({"machine_types":[{"name":"a","capacity":{"cpu":"2"},"cost":0.00000001}]})");
  CHECK(e.find("[berth.invalid.283]") != std::string::npos);

  e = error_of(R"({"machine_types":[{"name":"a","capacity":{"cpu":"2"}}]})");
  CHECK(e.find("[berth.invalid.284]") != std::string::npos);
  CHECK(e.find("\"cost\"") != std::string::npos);

  e = error_of(R"({"machine_types":[{"name":"a","cost":1}]})");
  CHECK(e.find("\"capacity\"") != std::string::npos);

  e = error_of(R"({"machine_types":[]})");
  CHECK(e.find("no machine types") != std::string::npos);

  e = error_of(
      R"({"machine_types":[{"name":"a","capacity":{"cpu":"2"},"cost":1},{"name":"a","capacity":{"cpu":"2"},"cost":1}]})");
  CHECK(e.find("[berth.invalid.285]") != std::string::npos);
  CHECK(e.find("duplicate machine type \"a\"") != std::string::npos);

  e = error_of(
      R"({"machine_types":[{"name":"a","capacity":{"cpu":"2"},"reserved":{"cpu":"3"},"cost":1}]})");
  CHECK(e.find("[berth.invalid.286]") != std::string::npos);
  CHECK(e.find("reserved") != std::string::npos);

  e = error_of(
      R"({"machine_types":[{"name":"a","capacity":{"cpu":"2"},"cost":1,"max_count":-1}]})");
  CHECK(e.find("[berth.invalid.285]") != std::string::npos);

  e = error_of(R"({"machine_types":[{"name":"a","capacity":{"memory":"lots"},"cost":1}]})");
  CHECK(e.find("machine_types[0].capacity.memory") != std::string::npos);

  e = error_of(R"({"machine_types":[{"name":"a","capacity":{},"cost":1}]})");
  CHECK(e.find("needs some capacity") != std::string::npos);

  e = error_of(R"({"machine_types":[{"name":"","capacity":{"cpu":"1"},"cost":1}]})");
  CHECK(e.find("must not be empty") != std::string::npos);

  e = error_of(R"({"machine_types":[{"name":"a","capacity":{"cpu":"1"},"cost":true}]})");
  CHECK(e.find("machine_types[0].cost") != std::string::npos);

  e = error_of(R"([1,2])");
  CHECK(e.find("[berth.invalid.202]") != std::string::npos);
}

namespace {

/// The spec's error line for `machine` as the only machine of a spec ("" when it reads).
std::string spec_error_of(const std::string& machine) {
  try {
    parse_spec_json(R"({"machines":[)" + machine + "]}", "s.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("catalogue: a failure a spec can have too has the spec's id and message",
          "[plan][catalogue]") {
  // Issue 18, one error id per failure kind: the catalogue reads resources, metadata and wrong
  // types with the spec reader's parsers, so the text after the field path is the same; only
  // the path differs (a spec names the machine, a catalogue the list index).
  struct Case {
    std::string resources_json;  // a capacity object, written into both inputs
    std::string id;
    std::string what;  // the message after the path, as the spec reader says it
  };
  for (
      const Case& c : std::vector<Case>{
          {R"({"cpu":true})", "[berth.invalid.202]",
           R"(capacity.cpu: expected a quantity (a string such as "512Mi" or a number), got true)"},
          {R"({"":"1"})", "[berth.invalid.204]", "capacity: resource names must not be empty"},
          {R"([1])", "[berth.invalid.202]", "capacity: expected an object, got an array"},
          {R"({"memory":"lots"})", "[berth.invalid.201]", "capacity.memory: invalid quantity"},
      }) {
    const std::string cat = error_of(R"({"machine_types":[{"name":"a","capacity":)" +
                                     c.resources_json + R"(,"cost":1}]})");
    const std::string spec = spec_error_of(R"({"name":"a","capacity":)" + c.resources_json + "}");
    INFO(cat);
    INFO(spec);
    CHECK(cat.find(c.id + " machine_types[0]." + c.what) != std::string::npos);
    CHECK(spec.find(c.id + " machine a: " + c.what) != std::string::npos);
  }
  // A metadata value of the wrong type, and a wrong type elsewhere: the spec's 202 and wording.
  CHECK(
      error_of(
          R"({"machine_types":[{"name":"a","capacity":{"cpu":"1"},"metadata":{"zone":{}},"cost":1}]})")
          .find("[berth.invalid.202] machine_types[0].metadata.zone: expected a string or a list "
                "of strings, got an object") != std::string::npos);
  CHECK(error_of(R"({"machine_types":[{"name":"a","capacity":{"cpu":"1"},"cost":[1]}]})")
            .find("[berth.invalid.202] machine_types[0].cost: expected a cost (a number such as "
                  "0.096), got an array") != std::string::npos);
}
