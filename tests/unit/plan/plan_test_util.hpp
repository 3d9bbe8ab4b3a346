#pragma once
// Helpers shared by the plan tests: small workloads and catalogues, and an independent check
// of a plan that re-runs placement after every loss (not using check_headroom).
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "berth/io/spec_json.hpp"
#include "berth/place/place.hpp"
#include "berth/plan/capacity.hpp"
#include "support/builders.hpp"

namespace plan_test {

inline berth::Resources res(std::int64_t millicores, std::int64_t mib) {
  berth::Resources r;
  r.cpu = millicores;
  r.memory = mib << 20;
  return r;
}

inline berth::plan::MachineType type(const std::string& name, std::int64_t millicores,
                                     std::int64_t mib, berth::plan::Micros cost,
                                     const std::string& zone = "") {
  berth::plan::MachineType t;
  t.name = name;
  t.capacity = res(millicores, mib);
  t.cost = cost;
  if (!zone.empty()) t.metadata["zone"] = {zone};
  return t;
}

// The plan tests' shorthand over the shared builder (support/builders.hpp): replicas first,
// memory in MiB.
inline berth::Unit unit(const std::string& name, int replicas, std::int64_t millicores,
                        std::int64_t mib) {
  return berth::testing::unit(name, millicores, mib << 20, replicas);
}

/// `spec` minus `lost`, survivors keep their units; true when placement places everything.
inline bool survives(const berth::Spec& spec, const std::set<std::string>& lost,
                     std::string* why = nullptr) {
  berth::Spec s;
  s.units = spec.units;
  for (const auto& m : spec.machines) {
    if (!lost.count(m.name)) s.machines.push_back(m);
  }
  for (const auto& [i, m] : spec.placements) {
    if (!lost.count(m)) s.placements.emplace(i, m);
  }
  berth::PlacementResult r = berth::place(s);
  if (!r.all_placed() && why) *why = r.pending.front().summary();
  return r.all_placed() && r.warnings.empty();
}

/// Every placement of the plan is exact: placing the plan's spec again changes nothing and
/// leaves nothing pending, and no machine is over capacity.
inline void check_places_everything(const berth::plan::CapacityPlan& plan) {
  berth::PlacementResult again = berth::place(plan.spec);
  INFO(fmt::format("pending: {}",
                   again.pending.empty() ? std::string() : again.pending.front().summary()));
  REQUIRE(again.all_placed());
  CHECK(again.newly_placed == 0);
  CHECK(again.warnings.empty());
  CHECK(again.placements == plan.placement.placements);
}

/// Loses every single machine in turn and re-places.
inline void check_single_losses(const berth::plan::CapacityPlan& plan) {
  for (const auto& m : plan.spec.machines) {
    std::string why;
    INFO("losing " << m.name);
    CHECK(survives(plan.spec, {m.name}, &why));
    if (!why.empty()) INFO(why);
  }
}

/// Loses every zone in turn and re-places.
inline void check_zone_losses(const berth::plan::CapacityPlan& plan,
                              const std::string& key = "zone") {
  std::map<std::string, std::set<std::string>> zones;
  for (const auto& m : plan.spec.machines) {
    auto it = m.metadata.find(key);
    if (it != m.metadata.end() && !it->second.empty()) zones[it->second.front()].insert(m.name);
  }
  for (const auto& [zone, machines] : zones) {
    std::string why;
    INFO("losing zone " << zone);
    CHECK(survives(plan.spec, machines, &why));
  }
}

}  // namespace plan_test
