// Cluster's undo log (checkpoint / rollback_to / release, Cluster::Undo): whatever is changed
// after a checkpoint, by hand or by the Placer, rolling back gives the cluster back exactly as
// it was, every derived count and index included. Compared field by field through the public
// accessors (Cluster has no operator==; this is the equality the undo log promises).
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <limits>
#include <random>
#include <string>

#include "berth/io/spec_json.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/placer.hpp"
#include "support/random_spec.hpp"
// The class trees are internal (not installed): read here to check the undo log restores them.
#include "../../../src/place/class_index.hpp"

using namespace berth;

namespace {

/// Everything assign/unassign/set_state can change, read through the public accessors.
struct Snapshot {
  std::vector<MachineId> assignment;
  std::vector<std::vector<InstanceId>> on;
  std::vector<std::int64_t> used;
  std::vector<MachineState> states;
  std::vector<double> util;
  std::vector<std::uint32_t> holders;
  std::vector<std::vector<std::int64_t>> spread;  ///< per unit: count per domain
  detail::ClassTrees trees;
  std::vector<std::int64_t> total;
};

Snapshot snapshot(const Cluster& c) {
  Snapshot s;
  for (InstanceId i = 0; i < c.instance_count(); ++i) s.assignment.push_back(c.assignment(i));
  for (MachineId m = 0; m < c.machine_count(); ++m) {
    s.on.push_back(c.instances_on(m));
    s.used.insert(s.used.end(), c.used(m), c.used(m) + c.dims());
    s.states.push_back(c.machine_state(m));
    s.util.push_back(c.utilization_sum(m));
    s.holders.push_back(c.conflict_holders_on(m));
  }
  for (UnitId u = 0; u < c.unit_count(); ++u) {
    std::vector<std::int64_t> counts;
    for (std::uint32_t d = 0; d < c.spread_domain_count(u); ++d)
      counts.push_back(c.spread_count(u, d));
    s.spread.push_back(std::move(counts));
  }
  s.trees = c.class_trees();
  s.total = c.total_allocatable();
  return s;
}

/// The first field that differs, named, or "" when equal.
std::string difference(const Snapshot& a, const Snapshot& b) {
  if (a.assignment != b.assignment) return "assignment";
  if (a.on != b.on) return "instances_on (order included)";
  if (a.used != b.used) return "used";
  if (a.states != b.states) return "machine_state";
  if (a.util != b.util) return "utilization_sum";
  if (a.holders != b.holders) return "conflict_holders_on";
  if (a.spread != b.spread) return "spread_count";
  if (a.total != b.total) return "total_allocatable";
  if (a.trees.fit_levels != b.trees.fit_levels) return "fit_levels";
  if (a.trees.classes.size() != b.trees.classes.size()) return "class_count";
  for (std::size_t k = 0; k < a.trees.classes.size(); ++k) {
    if (!(a.trees.classes[k] == b.trees.classes[k])) return fmt::format("class tree {}", k);
  }
  return "";
}

/// One random change: assign anywhere (capacity is not the log's business), unassign, a new
/// machine state, or the Placer placing a pending group.
void mutate(Cluster& c, Placer& placer, std::mt19937_64& rng) {
  auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  switch (pick(4)) {
    case 0:
      if (c.instance_count() > 0)
        c.assign(static_cast<InstanceId>(pick(c.instance_count())),
                 static_cast<MachineId>(pick(c.machine_count())));
      break;
    case 1:
      if (c.instance_count() > 0) c.unassign(static_cast<InstanceId>(pick(c.instance_count())));
      break;
    case 2:
      c.set_state(static_cast<MachineId>(pick(c.machine_count())),
                  static_cast<MachineState>(pick(4)));
      break;
    default: {
      const std::vector<GroupId> todo = c.unplaced_groups();
      if (!todo.empty()) placer.place_group(todo[pick(todo.size())]);
    }
  }
}

}  // namespace

TEST_CASE("Cluster::Undo: random changes rolled back give the cluster back field by field",
          "[place][cluster][property]") {
  constexpr std::uint64_t kSeed = 20261206;
  std::mt19937_64 rng(kSeed);
  int checked = 0, changed = 0;
  for (int round = 0; round < 400; ++round) {
    const std::uint64_t case_seed = rng();
    std::mt19937_64 case_rng(case_seed);
    Spec spec = testing::random_spec(case_rng);
    INFO("seed " << kSeed << ", case " << round << " (case seed " << case_seed << ")");
    Cluster c = Cluster::build(spec, BuildOptions{/*strict=*/false});
    Placer placer(c, static_cast<StrategyKind>(round % 5));
    placer.place_pending();  // start from a placed cluster, not an empty one
    const Snapshot before = snapshot(c);
    const std::size_t steps = 1 + case_rng() % 40;
    {
      Cluster::Undo outer(c);
      for (std::size_t k = 0; k < steps; ++k) {
        mutate(c, placer, case_rng);
        if (case_rng() % 5 == 0) {
          // A nested trial: kept (the outer one must still undo it) or rolled back at once.
          Cluster::Undo inner(c);
          const Snapshot mid = snapshot(c);
          for (int j = 0; j < 3; ++j) mutate(c, placer, case_rng);
          if (case_rng() % 2 == 0) {
            inner.keep();
          } else {
            inner.rollback();
            REQUIRE(difference(mid, snapshot(c)).empty());
          }
        }
      }
      changed += difference(before, snapshot(c)).empty() ? 0 : 1;
      if (case_rng() % 2 == 0) {
        outer.rollback();  // explicit, then the destructor has nothing left to undo
        REQUIRE(difference(before, snapshot(c)) == "");
      }
    }
    REQUIRE(difference(before, snapshot(c)) == "");
    REQUIRE(c.undo_size() == 0);  // the outermost scope closed: nothing is recorded any more
    ++checked;
  }
  // The mutations must have changed something most of the time, or rolling back proves little.
  CHECK(changed > 300);
  WARN(checked << " random clusters rolled back (" << changed << " changed before the rollback)");
}

TEST_CASE("Cluster::Undo keeps instances_on in its order across an unassign and its undo",
          "[place][cluster]") {
  Spec spec =
      parse_spec_json(R"({"machines": [{"name": "m1", "capacity": {"cpu": "4", "memory": "8GiB"}}],
    "units": [{"name": "a", "requests": {"cpu": "100m"}}, {"name": "b", "requests": {"cpu": "100m"}},
              {"name": "c", "requests": {"cpu": "100m"}}],
    "placements": {"a": "m1", "b": "m1", "c": "m1"}})");
  Cluster c = Cluster::build(spec);
  const MachineId m1 = c.find_machine("m1");
  const std::vector<InstanceId> order = c.instances_on(m1);
  REQUIRE(order.size() == 3);
  {
    Cluster::Undo trial(c);
    c.unassign(c.find_instance("b"));  // from the middle
    c.unassign(c.find_instance("a"));
    CHECK(c.instances_on(m1).size() == 1);
    CHECK(c.used(m1)[0] == 100);
  }
  // Re-assigning by hand would have put a and b at the end: the log puts them back in place.
  CHECK(c.instances_on(m1) == order);
  CHECK(c.used(m1)[0] == 300);
}

TEST_CASE("Cluster::Undo: keep hands changes to the enclosing scope; without one they stay",
          "[place][cluster]") {
  Spec spec =
      parse_spec_json(R"({"machines": [{"name": "m1", "capacity": {"cpu": "4", "memory": "8GiB"}},
                                              {"name": "m2", "capacity": {"cpu": "4", "memory": "8GiB"}}],
    "units": [{"name": "a", "requests": {"cpu": "100m"}}], "placements": {"a": "m1"}})");
  Cluster c = Cluster::build(spec);
  const InstanceId a = c.find_instance("a");
  const MachineId m1 = c.find_machine("m1"), m2 = c.find_machine("m2");
  {
    Cluster::Undo outer(c);
    {
      Cluster::Undo inner(c);
      c.assign(a, m2);
      c.set_state(m1, MachineState::Down);
      inner.keep();
    }
    CHECK(c.assignment(a) == m2);  // kept by the inner scope
    CHECK(c.machine_state(m1) == MachineState::Down);
    CHECK(c.undo_size() > 0);
  }
  CHECK(c.assignment(a) == m1);  // ... and undone by the outer one
  CHECK(c.machine_state(m1) == MachineState::Up);
  {
    Cluster::Undo only(c);
    c.assign(a, m2);
    only.keep();
  }
  CHECK(c.assignment(a) == m2);
  CHECK(c.undo_size() == 0);  // nothing open: changes are no longer recorded
  c.unassign(a);
  CHECK(c.undo_size() == 0);
}

TEST_CASE("a cluster built from a consumed spec is the one built from a copy", "[cluster]") {
  // Cluster::build(Spec&&) takes the units instead of copying them: the same units (ports
  // sorted, as build sorts them), instances, groups, problems and warnings, and the spec it
  // consumed is left empty (its machines freed).
  std::mt19937_64 rng(20261206);
  for (int round = 0; round < 300; ++round) {
    std::mt19937_64 case_rng(rng());
    Spec spec = testing::random_spec(case_rng);
    if (round % 3 == 0) spec.placements["u1"] = "m1";
    if (round % 5 == 0) spec.units.front().constraints.machine_of = "nowhere";
    INFO("case " << round);
    const Cluster copied = Cluster::build(spec, BuildOptions{false});
    Spec consumed = spec;
    const Cluster moved = Cluster::build(std::move(consumed), BuildOptions{false});
    CHECK(consumed.units.empty());
    CHECK(consumed.machines.empty());
    REQUIRE(moved.unit_count() == copied.unit_count());
    for (UnitId u = 0; u < moved.unit_count(); ++u) CHECK(moved.unit(u) == copied.unit(u));
    REQUIRE(moved.instance_count() == copied.instance_count());
    for (InstanceId i = 0; i < moved.instance_count(); ++i) {
      CHECK(moved.instance(i).name == copied.instance(i).name);
      CHECK(moved.instance(i).group == copied.instance(i).group);
      CHECK(moved.instance(i).machine_of == copied.instance(i).machine_of);
      CHECK(moved.assignment(i) == copied.assignment(i));
    }
    CHECK(moved.group_count() == copied.group_count());
    CHECK(moved.problems() == copied.problems());
    CHECK(moved.warnings() == copied.warnings());
  }
}

TEST_CASE("a copied cluster owns its class trees; a moved one takes them", "[cluster]") {
  // The trees sit behind a pointer (detail::ClassTreesHolder): a copy must copy them, not share
  // them, or placing on the copy (what-if, explain, rebalance) would move the original's bounds.
  std::mt19937_64 rng(4242);
  int checked = 0;
  for (int round = 0; round < 60; ++round) {
    const Spec spec = testing::random_index_cluster(rng);
    Cluster original = Cluster::build(spec, BuildOptions{false});
    Placer placer(original, StrategyKind::BestFit);
    for (GroupId g = 0; g < original.group_count() / 2; ++g) placer.place_group(g);
    const Snapshot before = snapshot(original);
    Cluster copy = original;
    REQUIRE(difference(snapshot(copy), before).empty());
    Placer on_copy(copy, StrategyKind::BestFit);
    on_copy.place_pending();
    for (MachineId m = 0; m < copy.machine_count(); ++m) copy.set_state(m, MachineState::Down);
    REQUIRE(difference(snapshot(original), before).empty());
    REQUIRE(&copy.class_trees() != &original.class_trees());
    // Assigned over, the copy is the original again, trees included.
    copy = original;
    REQUIRE(difference(snapshot(copy), before).empty());
    const Cluster moved = std::move(copy);
    REQUIRE(difference(snapshot(moved), before).empty());
    ++checked;
  }
  CHECK(checked == 60);
}

namespace {

/// The first way class k's level-j record at `node` differs from a summary of its leaves
/// computed here machine by machine, or "" when it is exact.
std::string level_record_error(const Cluster& c, ClassId k, std::size_t j, std::size_t node) {
  const detail::ClassIndex& idx = detail::class_index(c, k);
  const auto& members = c.class_members(k);
  const std::int64_t level = detail::fit_levels(c)[j];
  std::size_t depth = 0;
  while ((std::size_t{2} << depth) <= node) ++depth;
  const std::size_t span = idx.leaves >> depth;
  const std::size_t first = (node - (std::size_t{1} << depth)) * span;
  const std::size_t D = c.dims();
  std::vector<std::int64_t> free(D, detail::kBlocked);
  double util = -std::numeric_limits<double>::infinity();
  std::int64_t best = detail::kNoMachine;
  for (std::size_t i = first; i < first + span && i < members.size(); ++i) {
    const MachineId m = members[i];
    if (c.machine_state(m) != MachineState::Up || c.free(m, 0) < level) continue;
    for (std::size_t d = 0; d < D; ++d) free[d] = std::max(free[d], c.free(m, d));
    // Members ascend by id: the first machine at a new maximum is the lowest one holding it.
    if (c.utilization_sum(m) > util) {
      util = c.utilization_sum(m);
      best = m;
    }
  }
  for (std::size_t d = 0; d < D; ++d) {
    if (idx.level_free(j, node)[d] != free[d]) return fmt::format("free[{}]", d);
  }
  if (idx.level_max_util(j, node) != util) return "max utilization";
  if (idx.level_best(j, node) != best) return "lowest machine at the max utilization";
  return "";
}

}  // namespace

TEST_CASE("class trees: every level record summarizes its leaves, through random changes",
          "[place][cluster][property]") {
  // The search prunes on these records (free maxima, utilization maximum, and the lowest machine
  // at that maximum for ties on the score): each must be exactly what its machines hold now, at
  // every node, whatever assign/unassign/set_state/rollback did (Cluster::refresh stops walking
  // up where a node's record did not change).
  constexpr std::uint64_t kSeed = 20261207;
  std::mt19937_64 rng(kSeed);
  std::size_t records = 0, ties = 0;
  for (int round = 0; round < 200; ++round) {
    const std::uint64_t case_seed = rng();
    std::mt19937_64 case_rng(case_seed);
    Spec spec = testing::random_index_cluster(case_rng);
    INFO("seed " << kSeed << ", case " << round << " (case seed " << case_seed << ")");
    Cluster c = Cluster::build(spec, BuildOptions{/*strict=*/false});
    Placer placer(c, static_cast<StrategyKind>(round % 5));
    for (int step = 0; step < 30; ++step) {
      if (step % 10 == 9) {
        Cluster::Undo trial(c);
        for (int j = 0; j < 3; ++j) mutate(c, placer, case_rng);
        trial.rollback();
      } else {
        mutate(c, placer, case_rng);
      }
      for (ClassId k = 0; k < c.class_count(); ++k) {
        const detail::ClassIndex& idx = detail::class_index(c, k);
        for (std::size_t j = 0; j < detail::fit_levels(c).size(); ++j) {
          for (std::size_t node = 1; node < idx.nodes(); ++node) {
            INFO("step " << step << ", class " << k << ", level " << j << ", node " << node);
            REQUIRE(level_record_error(c, k, j, node) == "");
            ++records;
            // A node whose two children reach the same maximum: the tie the record settles.
            if (node < idx.leaves &&
                idx.level_max_util(j, 2 * node) == idx.level_max_util(j, 2 * node + 1) &&
                idx.level_best(j, 2 * node) != detail::kNoMachine)
              ++ties;
          }
        }
      }
    }
  }
  CHECK(records > 100000);
  CHECK(ties > 1000);  // equal utilizations on both sides happen, or the tie rule is untested
}
