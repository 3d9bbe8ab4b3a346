// The indexed search must choose exactly what the exhaustive scan chooses (same machine, so
// the same score), and diagnoses from the scan must add up, on random clusters in random
// states, for every strategy.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <random>

#include "berth/error.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/placer.hpp"
#include "support/random_spec.hpp"

using namespace berth;

namespace {

constexpr std::uint64_t kIndexSeed = 8128;

}  // namespace

TEST_CASE("indexed search and exhaustive scan choose the same machine", "[property][index]") {
  std::mt19937_64 rng(kIndexSeed);
  std::size_t decisions = 0, unplaceable = 0;
  for (int round = 0; round < 1500; ++round) {
    const std::uint64_t case_seed = rng();
    std::mt19937_64 case_rng(case_seed);
    Spec spec = testing::random_index_cluster(case_rng);
    const auto strategy = static_cast<StrategyKind>(round % 5);
    INFO("seed " << kIndexSeed << ", case " << round << " (case seed " << case_seed
                 << "), strategy " << to_string(strategy));
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
      if (case_rng() % 7 == 0 && g > 0)
        cluster.unassign(cluster.group(case_rng() % g).members.front());
      if (case_rng() % 11 == 0) {
        MachineId m = static_cast<MachineId>(case_rng() % cluster.machine_count());
        cluster.set_state(m, cluster.machine_state(m) == MachineState::Up ? MachineState::Draining
                                                                          : MachineState::Up);
      }
    }
  }
  CHECK(decisions > 10000);
  CHECK(unplaceable > 500);
  CHECK(decisions - unplaceable > 5000);
}

namespace {

void require_same_diagnosis_fields(const Diagnosis& a, const Diagnosis& b) {
  REQUIRE(a.unit == b.unit);
  REQUIRE(a.group == b.group);
  REQUIRE(a.considered == b.considered);
  REQUIRE(a.fit == b.fit);
  REQUIRE(a.rejections == b.rejections);
  REQUIRE(a.metadata_failures == b.metadata_failures);
  REQUIRE(a.conflicts_with == b.conflicts_with);
  REQUIRE(a.spread_failures == b.spread_failures);
  REQUIRE(a.shortfalls.size() == b.shortfalls.size());
  for (std::size_t k = 0; k < a.shortfalls.size(); ++k) {
    REQUIRE(a.shortfalls[k].dimension == b.shortfalls[k].dimension);
    REQUIRE(a.shortfalls[k].needs == b.shortfalls[k].needs);
    REQUIRE(a.shortfalls[k].most_free == b.shortfalls[k].most_free);
    REQUIRE(a.shortfalls[k].most_free_on == b.shortfalls[k].most_free_on);
    REQUIRE(a.shortfalls[k].machines == b.shortfalls[k].machines);
  }
  REQUIRE(a.closest.has_value() == b.closest.has_value());
  if (a.closest) {
    REQUIRE(a.closest->machine == b.closest->machine);
    REQUIRE(a.closest->missing == b.closest->missing);
  }
  REQUIRE(a.note == b.note);
}

}  // namespace

TEST_CASE("batch placement: pending diagnoses equal a fresh scan for each unit",
          "[property][index][explain]") {
  // place_pending reuses a diagnosis for the next pending replica of the same unit and the
  // indexed search reuses its ranking across replicas; replaying the batch one decision at a
  // time with fresh scans must give the same machines and the same counts.
  std::mt19937_64 rng(kIndexSeed + 1);
  std::size_t pending_seen = 0;
  for (int round = 0; round < 600; ++round) {
    const std::uint64_t case_seed = rng();
    std::mt19937_64 case_rng(case_seed);
    Spec spec = testing::random_index_cluster(case_rng);
    const auto strategy = static_cast<StrategyKind>(round % 5);
    INFO("case " << round << " (case seed " << case_seed << "), strategy " << to_string(strategy));
    Cluster batch = Cluster::build(spec);
    Cluster replay = batch;
    Placer batch_placer(batch, strategy);
    const std::vector<Diagnosis> pending = batch_placer.place_pending();
    Placer replay_placer(replay, strategy);
    std::vector<GroupId> groups(replay.group_count());
    for (GroupId g = 0; g < groups.size(); ++g) groups[g] = g;
    std::size_t k = 0;
    for (GroupId g : replay_placer.batch_order(groups)) {
      const MachineId scanned = replay_placer.select_scan(g);
      if (scanned != kNone) {
        for (InstanceId i : replay.group(g).members) replay.assign(i, scanned);
        continue;
      }
      Diagnosis fresh;
      replay_placer.select_scan(g, &fresh);
      REQUIRE(k < pending.size());
      require_same_diagnosis_fields(pending[k++], fresh);
    }
    REQUIRE(k == pending.size());
    pending_seen += k;
    for (InstanceId i = 0; i < batch.instance_count(); ++i)
      REQUIRE(batch.assignment(i) == replay.assignment(i));
  }
  CHECK(pending_seen > 1000);
}
