// The placer's shape memos (a lone instance's search ranking carried over to the next unit
// asking the same question, brought up to date through a journal of changed machines) must
// give exactly what the exhaustive scan gives, whatever changes the cluster in between: the
// placer's own commits, and changes it does not make (unassign, state changes, rolled-back
// trials), one or several at a time.
#include <catch2/catch.hpp>

#include <random>

#include "berth/place/cluster.hpp"
#include "berth/place/placer.hpp"
#include "support/random_spec.hpp"

using namespace berth;

namespace {

constexpr std::uint64_t kShapeMemoSeed = 1717;

/// One change the placer does not make, chosen by `kind`.
void outside_change(std::mt19937_64& rng, Cluster& c, int kind) {
  const auto m = static_cast<MachineId>(rng() % c.machine_count());
  if (kind == 0) {
    const auto i = static_cast<InstanceId>(rng() % c.instance_count());
    c.unassign(i);
  } else if (kind == 1) {
    c.set_state(m,
                c.machine_state(m) == MachineState::Up ? MachineState::Draining : MachineState::Up);
  } else {
    // A trial that puts an unassigned instance somewhere and takes it back: the cluster ends
    // as it was, at another version.
    Cluster::Undo trial(c);
    for (InstanceId i = 0; i < c.instance_count(); ++i) {
      if (c.assignment(i) == kNone) {
        c.assign(i, m);
        break;
      }
    }
  }
}

}  // namespace

TEST_CASE("shape memos: the indexed search equals the scan through commits and outside changes",
          "[property][index]") {
  std::mt19937_64 rng(kShapeMemoSeed);
  std::size_t decisions = 0, placed = 0, outside = 0;
  for (int round = 0; round < 800; ++round) {
    const std::uint64_t case_seed = rng();
    std::mt19937_64 case_rng(case_seed);
    const Spec spec = testing::random_shape_cluster(case_rng);
    const auto strategy = static_cast<StrategyKind>(round % 5);
    INFO("seed " << kShapeMemoSeed << ", case " << round << " (case seed " << case_seed
                 << "), strategy " << to_string(strategy));
    Cluster cluster = Cluster::build(spec);
    Placer placer(cluster, strategy);
    std::vector<GroupId> groups(cluster.group_count());
    for (GroupId g = 0; g < groups.size(); ++g) groups[g] = g;
    // Twice over the groups: the second pass re-places what outside changes took off.
    for (int pass = 0; pass < 2; ++pass) {
      for (GroupId g : placer.batch_order(groups)) {
        // Mostly the placer's own commits in a row (what the memos are for); now and then one
        // outside change (the journal takes it from Cluster::last_changed) or several.
        const auto roll = case_rng() % 16;
        if (roll == 0 || roll == 1) {
          outside_change(case_rng, cluster, static_cast<int>(case_rng() % 3));
          ++outside;
        } else if (roll == 2) {
          for (int k = 0; k < 3; ++k) outside_change(case_rng, cluster, static_cast<int>(k));
          outside += 3;
        }
        const MachineId scanned = placer.select_scan(g);
        const MachineId indexed = placer.select_indexed(g);
        REQUIRE(indexed == scanned);
        ++decisions;
        if (indexed == kNone) continue;
        bool pending = false;
        for (InstanceId i : cluster.group(g).members)
          pending = pending || cluster.assignment(i) == kNone;
        if (!pending) continue;
        placer.commit(g, indexed);
        ++placed;
      }
    }
    REQUIRE(cluster.overcommitted().empty());
  }
  CHECK(decisions > 20000);
  CHECK(placed > 10000);
  CHECK(outside > 2000);
}

TEST_CASE("shape memos: a batch places exactly what fresh scans place, and what no memo places",
          "[property][index]") {
  std::mt19937_64 rng(kShapeMemoSeed + 1);
  std::size_t instances = 0;
  for (int round = 0; round < 500; ++round) {
    const std::uint64_t case_seed = rng();
    std::mt19937_64 case_rng(case_seed);
    const Spec spec = testing::random_shape_cluster(case_rng);
    const auto strategy = static_cast<StrategyKind>(round % 5);
    INFO("case " << round << " (case seed " << case_seed << "), strategy " << to_string(strategy));
    Cluster batch = Cluster::build(spec);
    Cluster replay = batch;
    Cluster plain = batch;
    Placer batch_placer(batch, strategy);
    batch_placer.place_pending();
    Placer plain_placer(plain, strategy);
    Placer::Shortcuts no_memo;
    no_memo.rank_shapes = false;
    plain_placer.set_shortcuts(no_memo);
    plain_placer.place_pending();
    Placer replay_placer(replay, strategy);
    std::vector<GroupId> groups(replay.group_count());
    for (GroupId g = 0; g < groups.size(); ++g) groups[g] = g;
    for (GroupId g : replay_placer.batch_order(groups)) {
      const MachineId scanned = replay_placer.select_scan(g);
      if (scanned == kNone) continue;
      for (InstanceId i : replay.group(g).members) replay.assign(i, scanned);
    }
    for (InstanceId i = 0; i < batch.instance_count(); ++i) {
      REQUIRE(batch.assignment(i) == replay.assignment(i));
      REQUIRE(batch.assignment(i) == plain.assignment(i));
    }
    instances += batch.instance_count();
  }
  CHECK(instances > 5000);
}
