// The indexed search must choose exactly what the exhaustive scan chooses (same machine, so
// the same score), and diagnoses from the scan must add up, on random clusters in random
// states, for every strategy.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <random>

#include "berth/error.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/placer.hpp"

using namespace berth;

namespace {

constexpr std::uint64_t kSeed = 8128;

Spec random_cluster(std::mt19937_64& rng) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Spec spec;
  const int machines = pick(1, 60);
  const int shapes = pick(1, 3);  // few shapes, so classes hold many machines
  for (int i = 0; i < machines; ++i) {
    Machine m;
    m.name = fmt::format("m{}", i + 1);
    const int shape = pick(1, shapes);
    m.capacity.cpu = 1000 * shape * 2;
    m.capacity.memory = static_cast<std::int64_t>(shape) << 32;
    if (pick(0, 3) == 0) m.capacity.extended["gpu"] = pick(0, 2);
    m.metadata["role"] = {pick(0, 1) ? "api" : "web"};
    m.metadata["zone"] = {pick(0, 1) ? "a" : "b"};
    if (pick(0, 12) == 0) m.state = MachineState::Draining;
    spec.machines.push_back(std::move(m));
  }
  const int units = pick(1, 12);
  for (int i = 0; i < units; ++i) {
    Unit u;
    u.name = fmt::format("u{}", i + 1);
    u.replicas = pick(1, 12);
    u.requests.cpu = pick(0, 6) * 250;
    u.requests.memory = static_cast<std::int64_t>(pick(0, 8)) << 28;
    if (pick(0, 6) == 0) u.requests.extended["gpu"] = 1;
    if (pick(0, 2) == 0) u.constraints.metadata.push_back({"role", MetadataOp::In, {"api"}});
    if (pick(0, 2) == 0) u.constraints.conflicts.push_back(u.name + "@*");
    if (pick(0, 4) == 0) u.constraints.spread = SpreadConstraint{"zone", pick(1, 2)};
    spec.units.push_back(std::move(u));
  }
  return spec;
}

}  // namespace

TEST_CASE("indexed search and exhaustive scan choose the same machine", "[property][index]") {
  std::mt19937_64 rng(kSeed);
  std::size_t decisions = 0, unplaceable = 0;
  for (int round = 0; round < 1500; ++round) {
    const std::uint64_t case_seed = rng();
    std::mt19937_64 case_rng(case_seed);
    Spec spec = random_cluster(case_rng);
    const auto strategy = static_cast<StrategyKind>(round % 5);
    INFO("seed " << kSeed << ", case " << round << " (case seed " << case_seed << "), strategy " << to_string(strategy));
    Cluster cluster = Cluster::build(spec);
    Placer placer(cluster, strategy);
    // Place group by group; before each placement compare the two searches, and now and then
    // remove a unit or flip a machine's state so the indexes see every kind of update.
    for (GroupId g = 0; g < cluster.group_count(); ++g) {
      Diagnosis diag;
      const MachineId scanned = placer.select_scan(g, &diag);
      const MachineId indexed = placer.select_indexed(g);
      REQUIRE(indexed == scanned);
      std::size_t sum = diag.fit;
      for (const auto& [code, count] : diag.rejections) sum += count;
      REQUIRE(sum == cluster.machine_count());
      ++decisions;
      if (indexed == kNone) {
        ++unplaceable;
        continue;
      }
      placer.place_group(g);
      if (case_rng() % 7 == 0 && g > 0) cluster.unassign(cluster.group(case_rng() % g).members.front());
      if (case_rng() % 11 == 0) {
        MachineId m = static_cast<MachineId>(case_rng() % cluster.machine_count());
        cluster.set_state(m, cluster.machine_state(m) == MachineState::Up ? MachineState::Draining : MachineState::Up);
      }
    }
  }
  CHECK(decisions > 10000);
  CHECK(unplaceable > 500);
  CHECK(decisions - unplaceable > 5000);
}
