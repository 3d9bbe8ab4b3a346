// Property-based tests over random clusters and workloads: whatever the strategy, placement
// never overcommits, every constraint holds, and every instance is placed or pending with
// reasons whose counts add up to the machines considered.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <random>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/place/place.hpp"
#include "support/invariants.hpp"

using namespace berth;

namespace {

constexpr std::uint64_t kSeed = 20261125;

Spec random_spec(std::mt19937_64& rng) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const char* roles[] = {"api", "web", "db"};
  const char* zones[] = {"a", "b", "c"};
  Spec spec;
  const int machines = pick(1, 24);
  for (int i = 0; i < machines; ++i) {
    Machine m;
    m.name = fmt::format("m{}", i + 1);
    m.capacity.cpu = pick(1, 16) * 500;
    m.capacity.memory = static_cast<std::int64_t>(pick(1, 32)) << 28;
    m.capacity.disk = pick(0, 3) * (std::int64_t{10} << 30);
    if (pick(0, 4) == 0) m.capacity.extended["gpu"] = pick(0, 2);
    if (pick(0, 3) == 0) m.reserved.cpu = pick(0, 2) * 100;
    m.metadata["role"] = {roles[pick(0, 2)]};
    if (pick(0, 5) != 0) m.metadata["zone"] = {zones[pick(0, 2)]};
    if (pick(0, 9) == 0) m.state = static_cast<MachineState>(pick(1, 3));
    spec.machines.push_back(std::move(m));
  }
  const int units = pick(1, 14);
  for (int i = 0; i < units; ++i) {
    Unit u;
    u.name = fmt::format("u{}", i + 1);
    u.requests.cpu = pick(0, 8) * 250;
    u.requests.memory = static_cast<std::int64_t>(pick(0, 16)) << 27;
    if (pick(0, 6) == 0) u.requests.disk = std::int64_t{pick(1, 20)} << 30;
    if (pick(0, 8) == 0) u.requests.extended["gpu"] = 1;
    u.priority = pick(0, 3);
    if (pick(0, 2) != 0) u.replicas = pick(0, 6);
    Constraints& c = u.constraints;
    if (pick(0, 2) == 0) c.metadata.push_back({"role", MetadataOp::In, {roles[pick(0, 2)]}});
    if (pick(0, 5) == 0) c.metadata.push_back({"role", MetadataOp::NotIn, {roles[pick(0, 2)]}});
    if (pick(0, 6) == 0) c.metadata.push_back({"zone", MetadataOp::Exists, {}});
    if (pick(0, 3) == 0) c.conflicts.push_back(u.name + "@*");
    if (pick(0, 6) == 0 && i > 0) c.conflicts.push_back(fmt::format("u{}*", pick(1, i)));
    if (pick(0, 4) == 0) c.spread = SpreadConstraint{"zone", pick(1, 2)};
    const int kind = pick(0, 9);
    if (kind == 0) {
      c.global = true;
      u.replicas.reset();
      c.spread.reset();
    } else if (kind == 1) {
      c.machine_id = fmt::format("m{}", pick(1, machines));
    } else if (kind <= 3 && i > 0) {
      // A sidekick of an earlier, non-global unit with the same replica count.
      const Unit& main = spec.units[static_cast<std::size_t>(pick(0, i - 1))];
      if (!main.constraints.global) {
        c.machine_of = main.replicas ? main.name + "@%i" : main.name;
        u.replicas = main.replicas;
        if (main.replicas && *main.replicas == 0) c.machine_of.clear();
      }
    }
    spec.units.push_back(std::move(u));
  }
  return spec;
}

}  // namespace

TEST_CASE("random clusters: no overcommit, constraints hold, nothing lost, reasons add up", "[property][place]") {
  std::mt19937_64 rng(kSeed);
  int checked = 0, rejected_as_invalid = 0, with_pending = 0;
  for (int round = 0; round < 3000; ++round) {
    const std::uint64_t case_seed = rng();
    std::mt19937_64 case_rng(case_seed);
    Spec spec = random_spec(case_rng);
    const auto strategy = static_cast<StrategyKind>(round % 5);
    INFO("seed " << kSeed << ", case " << round << " (case seed " << case_seed << "), strategy " << to_string(strategy));
    INFO("spec: " << write_spec_json(spec, -1));
    PlacementResult result;
    try {
      result = place(spec, PlaceOptions{strategy});
    } catch (const ValidationError& e) {
      // The generator can write contradictions (conflicting pins, a sidekick that conflicts
      // with its main unit); those must be refused, never half-placed.
      ++rejected_as_invalid;
      continue;
    }
    ++checked;
    with_pending += result.pending.empty() ? 0 : 1;
    auto bad = testing::check_placement(spec, result);
    for (const auto& b : bad) FAIL(b);
    // Determinism: the same input gives the same answer.
    PlacementResult again = place(spec, PlaceOptions{strategy});
    REQUIRE(again.placements == result.placements);
    REQUIRE(again.pending.size() == result.pending.size());
  }
  // The generator must exercise both outcomes, or the test proves little.
  CHECK(checked > 2500);
  CHECK(with_pending > 300);
  CHECK(checked - with_pending > 300);
  WARN("checked " << checked << " random specs (" << with_pending << " with pending units, " << rejected_as_invalid << " refused as contradictory)");
}

TEST_CASE("random specs survive a JSON round trip", "[property][io]") {
  std::mt19937_64 rng(kSeed + 1);
  for (int round = 0; round < 500; ++round) {
    Spec spec = random_spec(rng);
    Spec back = parse_spec_json(write_spec_json(spec), "roundtrip.json");
    INFO("case " << round);
    REQUIRE(write_spec_json(back) == write_spec_json(spec));
  }
}
