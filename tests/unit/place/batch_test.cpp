// Batch strategies (place/batch.hpp); the flow they use has flow_test.cpp.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "berth/error.hpp"
#include "berth/place/batch.hpp"
#include "berth/place/place.hpp"
#include "support/invariants.hpp"

using namespace berth;

namespace {

Spec uniform(int machines, std::int64_t machine_cpu, int units, std::int64_t unit_cpu) {
  Spec spec;
  for (int i = 1; i <= machines; ++i) {
    Machine m;
    m.name = fmt::format("m{}", i);
    m.capacity.cpu = machine_cpu;
    m.capacity.memory = std::int64_t{8} << 30;
    spec.machines.push_back(m);
  }
  Unit u;
  u.name = "web";
  u.replicas = units;
  u.requests.cpu = unit_cpu;
  u.requests.memory = std::int64_t{1} << 30;
  spec.units.push_back(u);
  return spec;
}

std::size_t machines_used(const PlacementResult& r) {
  std::set<std::string> used;
  for (const auto& [i, m] : r.placements) used.insert(m);
  return used.size();
}

}  // namespace

TEST_CASE("batch strategy names round-trip and mix with the online names", "[place][batch]") {
  for (const std::string& name : batch_strategy_names()) {
    auto s = find_batch_strategy(name);
    REQUIRE(s);
    CHECK(to_string(*s) == name);
    CHECK(strategy_name(place_options_for(name)) == name);
  }
  CHECK_FALSE(place_options_for("spread").batch);
  CHECK(place_options_for("spread").strategy == StrategyKind::Spread);
  try {
    place_options_for("flw");
    FAIL("no error");
  } catch (const UsageError& e) {
    CHECK(e.code() == 302);
    CHECK_THAT(e.what(), Catch::Contains("did you mean \"flow\"") && Catch::Contains("ffd-max"));
  }
}

TEST_CASE("every batch strategy packs identical units onto the fewest machines", "[place][batch]") {
  // 20 units of 1 CPU on 4-CPU machines: 5 machines are enough, and every rule finds it.
  const Spec spec = uniform(10, 4000, 20, 1000);
  for (const std::string& name : batch_strategy_names()) {
    INFO(name);
    PlacementResult r = place(spec, place_options_for(name));
    CHECK(r.all_placed());
    CHECK(machines_used(r) == 5);
    CHECK(testing::check_placement(spec, r).empty());
  }
}

TEST_CASE("batch strategies place higher priority first", "[place][batch]") {
  Spec spec = uniform(1, 2000, 0, 0);
  spec.units.clear();
  for (auto [name, prio] : {std::pair{"a", 0}, std::pair{"b", 5}}) {
    Unit u;
    u.name = name;
    u.priority = prio;
    u.requests.cpu = 2000;
    spec.units.push_back(u);
  }
  for (const std::string& name : batch_strategy_names()) {
    INFO(name);
    PlacementResult r = place(spec, place_options_for(name));
    CHECK(r.placements.count("b") == 1);
    REQUIRE(r.pending.size() == 1);
    CHECK(r.pending[0].unit == "a");
    CHECK(r.pending[0].summary() == place(spec).pending[0].summary());
  }
}

// Issue 20 item 3: preferences add to every strategy, batch ones included. Ten 4-cpu machines,
// the last five in zone b; web (6 x 1 cpu) prefers zone b, api (4 x 1 cpu) avoids it, and
// filler (no preference) may go anywhere. Every rule must meet both preferences and say so in
// preferences_met, while still placing everything and never overcommitting.
TEST_CASE("every batch strategy ranks machines by preference points first",
          "[place][batch][preferences]") {
  Spec spec = uniform(10, 4000, 6, 1000);
  for (std::size_t i = 0; i < spec.machines.size(); ++i) {
    spec.machines[i].metadata["zone"] = {i < 5 ? "a" : "b"};
  }
  Preference in_b;
  in_b.metadata = {MetadataRequirement{"zone", MetadataOp::In, {"b"}}};
  in_b.weight = 60;
  spec.units[0].preferences = {in_b};
  Unit api = spec.units[0];
  api.name = "api";
  api.replicas = 4;
  api.preferences[0].weight = -40;
  Unit filler = spec.units[0];
  filler.name = "filler";
  filler.replicas = 3;
  filler.preferences.clear();
  spec.units.push_back(api);
  spec.units.push_back(filler);
  for (const std::string& name : batch_strategy_names()) {
    INFO(name);
    const PlacementResult r = place(spec, place_options_for(name));
    CHECK(r.all_placed());
    CHECK(testing::check_placement(spec, r).empty());
    for (const auto& [inst, machine] : r.placements) {
      const bool in_zone_b = std::stoi(machine.substr(1)) > 5;
      INFO(inst << " on " << machine);
      if (inst.rfind("web@", 0) == 0) {
        CHECK(in_zone_b);
        CHECK(r.preferences_met.at(inst) == std::vector<std::string>{"zone=b (+60)"});
      }
      if (inst.rfind("api@", 0) == 0) {
        CHECK_FALSE(in_zone_b);
        CHECK(r.preferences_met.at(inst).empty());
      }
      if (inst.rfind("filler@", 0) == 0) CHECK(r.preferences_met.count(inst) == 0);
    }
  }
}
