// placement_json_text writes `berth place --format json` without building a DOM; it must stay
// byte-for-byte what placement_to_json(...).dump(2) writes.
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "berth/io/result_json.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/place/place.hpp"
#include "support/random_spec.hpp"

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

namespace {

// The answer `berth place --format json` writes: place_on_without_tables, then the tables read
// off the cluster.
std::string streamed_answer(const Spec& spec, const PlaceOptions& options) {
  Spec rest;
  rest.warnings = spec.warnings;
  Cluster cluster = Cluster::build(Spec(spec), BuildOptions{options.strict});
  const PlacementResult result = place_on_without_tables(rest, cluster, options);
  CHECK(result.placements.empty());
  CHECK(result.utilization.empty());
  std::string text;
  write_placement_json(result, cluster, [&](std::string_view piece) { text += piece; });
  return text;
}

}  // namespace

TEST_CASE("the answer written from the cluster equals the one written from place's maps",
          "[io][result][property]") {
  // Random clusters (pending units, overcommitted machines from existing placements, zero
  // capacities that leave a dimension out of the utilization, extended resources) through
  // every strategy, with and without preemption.
  const std::vector<std::string>& strategies = all_strategy_names();
  std::mt19937_64 rng(17);
  int with_pending = 0;
  int with_overcommit = 0;
  for (int round = 0; round < 240; ++round) {
    Spec spec = testing::random_spec(rng);
    if (round % 3 == 0) {
      // Existing placements, some of them overcommitting their machine.
      for (std::size_t u = 0; u < spec.units.size() && u < 4; ++u) {
        const Unit& unit = spec.units[u];
        const std::string name = unit.replicas ? unit.name + "@1" : unit.name;
        spec.placements[name] = spec.machines[u % spec.machines.size()].name;
      }
    }
    if (round % 5 == 0) spec.warnings = {"from the spec"};
    PlaceOptions options = place_options_for(strategies[round % strategies.size()]);
    options.preempt = round % 4 == 1;
    PlacementResult expected;
    try {
      expected = place(spec, options);
    } catch (const std::exception& e) {
      // A spec that place refuses is refused by Cluster::build the same way.
      CHECK_THROWS(streamed_answer(spec, options));
      continue;
    }
    with_pending += expected.pending.empty() ? 0 : 1;
    with_overcommit += expected.overcommitted.empty() ? 0 : 1;
    INFO("round " << round << ", strategy " << strategies[round % strategies.size()]);
    CHECK(streamed_answer(spec, options) == placement_json_text(expected));
  }
  // The rounds exercised what they are meant to.
  CHECK(with_pending > 20);
  CHECK(with_overcommit > 5);
}

TEST_CASE("the answer written from the cluster of an empty spec", "[io][result]") {
  Spec spec;
  CHECK(streamed_answer(spec, PlaceOptions{}) == placement_json_text(place(spec, PlaceOptions{})));
  spec.machines.push_back(Machine{});
  spec.machines.back().name = "m1";  // no capacity: an empty utilization object
  CHECK(streamed_answer(spec, PlaceOptions{}) == placement_json_text(place(spec, PlaceOptions{})));
}
