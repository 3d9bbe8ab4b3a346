// Diagnoses from the indexes (Placer::select_diagnosed) must equal the exhaustive scan's
// (Placer::select_scan) field by field, and both must choose the same machine, on random
// clusters: few machine shapes (so classes hold many machines and the class trees are counted
// wholesale), random metadata (some machines lack the spread key), every machine state,
// conflicts by unit, by instance (`u3@2`), by prefix and on single-instance units, spread,
// co-location groups, pins, global units, clusters partly filled by the placer and by forced
// (overcommitting, conflicting) assignments, for pending and placeable groups alike.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <optional>
#include <random>

#include "berth/error.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/placer.hpp"
#include "support/random_spec.hpp"

using namespace berth;

namespace {

constexpr std::uint64_t kDiagnoseSeed = 20261204;

void require_same_diagnosis(const Diagnosis& a, const Diagnosis& b) {
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
  REQUIRE(a.summary() == b.summary());
  // Every field, including those the lines above do not name (taints, ports, unresolvable,
  // contradiction): the field-by-field lines say which differs, this one that none is missed.
  REQUIRE(a == b);
}

}  // namespace

TEST_CASE("diagnoses from the indexes equal the exhaustive scan's", "[property][index][explain]") {
  std::mt19937_64 rng(kDiagnoseSeed);
  std::size_t compared = 0, pending = 0, with_conflicts = 0, with_spread = 0, with_closest = 0,
              with_not_up = 0, with_fit = 0, rejected = 0;
  int built = 0;
  for (int round = 0; round < 1200; ++round) {
    const std::uint64_t case_seed = rng();
    std::mt19937_64 case_rng(case_seed);
    Spec spec = testing::random_diagnose_cluster(case_rng);
    const auto strategy = static_cast<StrategyKind>(round % 5);
    INFO("seed " << kDiagnoseSeed << ", case " << round << " (case seed " << case_seed
                 << "), strategy " << to_string(strategy));
    std::optional<Cluster> built_cluster;
    try {
      built_cluster.emplace(Cluster::build(spec));
    } catch (const ValidationError&) {
      ++rejected;  // a contradiction the generator may write (e.g. a pin against metadata)
      continue;
    }
    ++built;
    Cluster& cluster = *built_cluster;
    Placer placer(cluster, strategy);
    auto random_machine = [&] {
      return static_cast<MachineId>(case_rng() % cluster.machine_count());
    };
    // Partly fill: some groups by the placer, a few forced anywhere (overcommit, conflicts).
    for (GroupId g = 0; g < cluster.group_count(); ++g) {
      const auto r = case_rng() % 10;
      if (r < 4) {
        placer.place_group(g);
      } else if (r == 4) {
        const MachineId m = random_machine();
        for (InstanceId i : cluster.group(g).members) cluster.assign(i, m);
      }
    }
    auto compare = [&](GroupId g) {
      Diagnosis scanned, indexed;
      const MachineId a = placer.select_scan(g, &scanned);
      const MachineId b = placer.select_diagnosed(g, &indexed);
      INFO("group " << g << " (" << cluster.instance(cluster.group(g).members.front()).name << ")");
      REQUIRE(a == b);
      require_same_diagnosis(indexed, scanned);
      ++compared;
      pending += a == kNone ? 1 : 0;
      with_conflicts += scanned.conflicts_with.empty() ? 0 : 1;
      with_spread += scanned.spread_failures.empty() ? 0 : 1;
      with_closest += scanned.closest ? 1 : 0;
      with_not_up += scanned.rejections.count(reason::kNotUp);
      with_fit += scanned.fit > 0 ? 1 : 0;
      return a;
    };
    // Every group (placed ones too: taken off and diagnosed as if pending, then put back, so a
    // full cluster's diagnoses are compared as well), interleaved with placements and changes.
    for (GroupId g = 0; g < cluster.group_count(); ++g) {
      const MachineId m = compare(g);
      if (m != kNone && case_rng() % 2 == 0) placer.place_group(g);
      if (case_rng() % 5 == 0) {
        const InstanceId i = static_cast<InstanceId>(case_rng() % cluster.instance_count());
        const MachineId at = cluster.assignment(i);
        if (at != kNone) {
          cluster.unassign(i);
          compare(cluster.instance(i).group);
          cluster.assign(i, at);
        }
      }
      if (case_rng() % 6 == 0) {
        const MachineId x = random_machine();
        cluster.set_state(x, cluster.machine_state(x) == MachineState::Up
                                 ? static_cast<MachineState>(1 + case_rng() % 3)
                                 : MachineState::Up);
      }
    }
  }
  INFO("compared " << compared << ", pending " << pending << ", conflicts " << with_conflicts
                   << ", spread " << with_spread << ", closest " << with_closest << ", not up "
                   << with_not_up << ", fit " << with_fit << ", rejected specs " << rejected);
  CHECK(built > 800);
  CHECK(compared > 20000);
  CHECK(pending > 5000);
  CHECK(with_conflicts > 1000);
  CHECK(with_spread > 300);
  CHECK(with_closest > 3000);
  CHECK(with_not_up > 3000);
  CHECK(with_fit > 3000);
}

TEST_CASE("indexed diagnosis: closest machine ties like the scan's doubles", "[index][explain]") {
  // With a request near 2^61 bytes, "missing / needs" rounds to 1.0 for a machine with 100
  // bytes free and for one with 120: the scan keeps the first (m1), not the one with the most
  // free (m2, which is still the "most free" of the shortfall).
  Spec spec;
  for (int i = 1; i <= 2; ++i) {
    Machine m;
    m.name = fmt::format("m{}", i);
    m.capacity.cpu = 1000;
    m.capacity.memory = 1000;
    spec.machines.push_back(m);
  }
  auto unit = [&](const char* name, std::int64_t memory, const char* pin) {
    Unit u;
    u.name = name;
    u.requests.memory = memory;
    if (pin) u.constraints.machine_id = pin;
    spec.units.push_back(u);
  };
  unit("a", 900, "m1");
  unit("b", 880, "m2");
  unit("probe", std::int64_t{1} << 61, nullptr);
  Cluster cluster = Cluster::build(spec);
  Placer placer(cluster, StrategyKind::BestFit);
  placer.place_pending();
  const GroupId probe = cluster.instance(cluster.find_instance("probe")).group;
  Diagnosis scanned, indexed;
  REQUIRE(placer.select_scan(probe, &scanned) == kNone);
  REQUIRE(placer.select_diagnosed(probe, &indexed) == kNone);
  REQUIRE(scanned.closest);
  CHECK(scanned.closest->machine == "m1");
  REQUIRE(scanned.shortfalls.size() == 1);
  CHECK(scanned.shortfalls[0].most_free_on == "m2");
  require_same_diagnosis(indexed, scanned);
}

TEST_CASE("diagnoses reusing kept class counts equal fresh ones", "[property][index][explain]") {
  // Placer keeps the resource counts of each class per request vector while the class is
  // unchanged (detail::ClassCountsCache). A long-lived placer, which has kept counts from every
  // earlier diagnosis, must answer exactly as a fresh placer (nothing kept) and as the scan,
  // after placements, forced overcommitting assignments (NaN keys: 0/0), unassignments, state
  // changes and rollbacks. Each group is asked twice in a row too (everything reused).
  std::mt19937_64 rng(kDiagnoseSeed + 17);
  std::size_t compared = 0, pending = 0, conflicted = 0, rolled_back = 0;
  for (int round = 0; round < 500; ++round) {
    const std::uint64_t case_seed = rng();
    std::mt19937_64 case_rng(case_seed);
    Spec spec = round % 2 == 0 ? testing::random_diagnose_cluster(case_rng)
                               : testing::random_index_cluster(case_rng);
    const auto strategy = static_cast<StrategyKind>(round % 5);
    INFO("seed " << kDiagnoseSeed + 17 << ", case " << round << " (case seed " << case_seed << ")");
    std::optional<Cluster> built_cluster;
    try {
      built_cluster.emplace(Cluster::build(spec));
    } catch (const ValidationError&) {
      continue;
    }
    Cluster& cluster = *built_cluster;
    Placer kept(cluster, strategy);
    auto compare = [&](GroupId g) {
      Diagnosis reused, fresh, scanned;
      const MachineId a = kept.select_diagnosed(g, &reused);
      Placer once(cluster, strategy);
      const MachineId b = once.select_diagnosed(g, &fresh);
      const MachineId c = once.select_scan(g, &scanned);
      INFO("group " << g << " (" << cluster.instance(cluster.group(g).members.front()).name << ")");
      REQUIRE(a == b);
      REQUIRE(a == c);
      require_same_diagnosis(reused, fresh);
      require_same_diagnosis(reused, scanned);
      ++compared;
      pending += a == kNone ? 1 : 0;
      conflicted += scanned.conflicts_with.empty() ? 0 : 1;
      return a;
    };
    auto random_machine = [&] {
      return static_cast<MachineId>(case_rng() % cluster.machine_count());
    };
    for (int step = 0; step < 3 * static_cast<int>(cluster.group_count()) + 10; ++step) {
      const GroupId g = static_cast<GroupId>(case_rng() % cluster.group_count());
      const auto r = case_rng() % 10;
      if (r < 4) {
        if (compare(g) != kNone && case_rng() % 2 == 0) kept.place_group(g);
      } else if (r == 4) {
        compare(g);
        compare(g);  // nothing changed: every class's counts are reused
      } else if (r == 5) {
        const MachineId m = random_machine();  // forced: may overcommit
        for (InstanceId i : cluster.group(g).members) {
          if (cluster.assignment(i) == kNone) cluster.assign(i, m);
        }
      } else if (r == 6) {
        const InstanceId i = static_cast<InstanceId>(case_rng() % cluster.instance_count());
        if (cluster.assignment(i) != kNone) cluster.unassign(i);
      } else if (r == 7) {
        const MachineId x = random_machine();
        cluster.set_state(x, cluster.machine_state(x) == MachineState::Up
                                 ? static_cast<MachineState>(1 + case_rng() % 3)
                                 : MachineState::Up);
      } else {
        // Changes diagnosed inside a checkpoint, then rolled back: counts kept meanwhile must
        // not pass for the restored cluster's.
        Cluster::Undo undo(cluster);
        for (int j = 0; j < 3; ++j) {
          const GroupId h = static_cast<GroupId>(case_rng() % cluster.group_count());
          if (compare(h) != kNone) kept.place_group(h);
        }
        ++rolled_back;
      }
    }
    compare(static_cast<GroupId>(case_rng() % cluster.group_count()));
  }
  INFO("compared " << compared << ", pending " << pending << ", with conflicts " << conflicted
                   << ", rollbacks " << rolled_back);
  CHECK(compared > 20000);
  CHECK(pending > 5000);
  CHECK(conflicted > 1000);
  CHECK(rolled_back > 1000);
}
