// placement_json_text writes `berth place --format json` without building a DOM; it must stay
// byte-for-byte what placement_to_json(...).dump(2) writes.
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "berth/io/result_json.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/place/place.hpp"

using namespace berth;

namespace {

void check_same(const PlacementResult& r) {
  CHECK(placement_json_text(r) == placement_to_json(r).dump(2));
}

}  // namespace

TEST_CASE("placement JSON text equals the DOM dump", "[io][result]") {
  PlacementResult empty;
  check_same(empty);

  PlacementResult r;
  r.placements = {{"web@1", "m1"},
                  {"web@10", "m2"},
                  {"db", "m10"},
                  {"quote\"d", "back\\slash"},
                  {"ünï", "tab\there"}};
  r.utilization["m1"] = {{"cpu", 0.5}, {"memory", 1.0}, {"gpu", 1e-05}};
  r.utilization["m2"] = {};
  r.utilization["m10"] = {{"cpu", 0.1 + 0.2},    {"disk", 0.0},    {"gpu", 2.0 / 3.0},
                          {"nan", std::nan("")}, {"tiny", 5e-324}, {"big", 1e300},
                          {"neg", -0.25}};
  r.warnings = {"plain", "line\nbreak", "\x01 control"};
  check_same(r);

  // Pending units through the real pipeline, so every diagnosis field shows up.
  Spec spec = parse_spec_json(R"({
    "machines": [{"name": "m1", "capacity": {"cpu": 2, "memory": "4Gi"}, "metadata": {"role": "api"}},
                 {"name": "m2", "capacity": {"cpu": 1, "memory": "1Gi"}, "metadata": {"role": "web"}, "state": "draining"}],
    "units": [{"name": "web", "replicas": 3, "requests": {"cpu": 1, "memory": "1Gi"}, "constraints": {"conflicts": ["web@*"]}},
              {"name": "big", "requests": {"cpu": 8}},
              {"name": "side", "requests": {"cpu": "100m"}, "constraints": {"machine_of": "big"}},
              {"name": "api", "requests": {"cpu": "100m"}, "constraints": {"metadata": {"role": "db"}}}]
  })",
                              "t.json");
  PlacementResult placed = place(spec, PlaceOptions{});
  REQUIRE(!placed.pending.empty());
  check_same(placed);
}

TEST_CASE("the placement JSON is written in pieces that add up to the text", "[io][result]") {
  PlacementResult r;
  for (int i = 0; i < 20000; ++i) {
    r.placements[fmt::format("web@{}", i)] = fmt::format("m{}", i % 997);
    r.utilization[fmt::format("m{}", i % 997)] = {{"cpu", (i % 7) / 7.0}, {"memory", 0.5}};
  }
  r.warnings = {"one"};
  std::vector<std::string> pieces;
  write_placement_json(r, [&](std::string_view piece) { pieces.emplace_back(piece); });
  std::string joined;
  for (const auto& p : pieces) joined += p;
  CHECK(joined == placement_to_json(r).dump(2));
  // Written as it goes: many pieces, none much over 64 KiB (the answer here is about 700 KB).
  CHECK(pieces.size() > 5);
  for (const auto& p : pieces) CHECK(p.size() < (1u << 16) + 1024);
}
