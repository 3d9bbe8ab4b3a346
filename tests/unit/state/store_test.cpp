// The store interface (state/store.hpp): the same behaviour from every store, memory, SQLite
// and etcd (a conformance suite run on each).
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <atomic>
#include <thread>

#include "berth/state/store.hpp"
#include "fixtures.hpp"
#include "support/builders.hpp"

using namespace berth;
using namespace berth::state;
using namespace berth::state::testing;

namespace {

using berth::testing::kGi;  // tests/support/builders.hpp

// Two machines of 4 cpu / 8 GiB, units web (1 cpu, 1 GiB, 3 replicas) and db (2 cpu, 4 GiB).
Plan seed_plan() {
  Plan p;
  p.machines = {machine("m1", 4000, 8 * kGi), machine("m2", 4000, 8 * kGi)};
  p.units = {unit("web", 1000, kGi, 3), unit("db", 2000, 4 * kGi)};
  return p;
}

Snapshot seeded(StateStore& store) {
  CommitResult r = store.commit(seed_plan(), store.snapshot());
  REQUIRE(r.committed());
  return store.snapshot();
}

Plan assign(std::map<std::string, std::string> a) {
  Plan p;
  p.assignments = std::move(a);
  return p;
}

}  // namespace

TEMPLATE_TEST_CASE("a new store is empty and a commit shows up in the next snapshot", "[state]",
                   MemoryFactory, SqliteFactory, EtcdFactory) {
  TestType f;
  SKIP_IF_UNAVAILABLE(f);
  auto store = f.make();
  Snapshot empty = store->snapshot();
  CHECK(empty.spec.machines.empty());
  CHECK(empty.spec.units.empty());
  CHECK(empty.spec.placements.empty());

  CommitResult r = store->commit(seed_plan(), empty);
  REQUIRE(r.committed());
  CHECK(r.revision > empty.revision);
  Snapshot s = store->snapshot();
  CHECK(s.revision == r.revision);
  REQUIRE(s.spec.machines.size() == 2);
  CHECK(s.spec.machines[0].name == "m1");
  CHECK(s.spec.machines[1].capacity.memory == 8 * kGi);
  REQUIRE(s.spec.units.size() == 2);
  CHECK(s.spec.units[0].name == "db");
  CHECK(s.spec.units[1].replicas == 3);
  CHECK(s.machine_revisions.at("m1") > 0);
  CHECK(s.unit_revisions.at("web") > 0);

  r = store->commit(assign({{"web@1", "m1"}, {"db", "m2"}}), s);
  REQUIRE(r.committed());
  Snapshot t = store->snapshot();
  CHECK(t.spec.placements == std::map<std::string, std::string>{{"web@1", "m1"}, {"db", "m2"}});
  CHECK(t.machine_revisions.at("m1") > s.machine_revisions.at("m1"));
  CHECK(t.revision == store->revision());
}

TEMPLATE_TEST_CASE("a plan on a stale snapshot conflicts only where it overlaps", "[state]",
                   MemoryFactory, SqliteFactory, EtcdFactory) {
  TestType f;
  SKIP_IF_UNAVAILABLE(f);
  auto store = f.make();
  Snapshot base = seeded(*store);
  REQUIRE(store->commit(assign({{"web@1", "m1"}}), base).committed());

  // m1 changed since base: refused, naming m1.
  CommitResult r = store->commit(assign({{"web@2", "m1"}}), base);
  CHECK(r.status == CommitStatus::Conflict);
  CHECK(r.conflicting_machines == std::vector<std::string>{"m1"});
  CHECK(r.summary().find("m1") != std::string::npos);
  // m2 did not change: admitted although base is old (Omega-style fine-grained concurrency).
  CHECK(store->commit(assign({{"web@3", "m2"}}), base).committed());
  // Nothing of the refused plan was written.
  Snapshot s = store->snapshot();
  CHECK(s.spec.placements.count("web@2") == 0);
  CHECK(s.spec.placements.size() == 2);
}

TEMPLATE_TEST_CASE("two schedulers cannot place the same instance twice", "[state]", MemoryFactory,
                   SqliteFactory, EtcdFactory) {
  TestType f;
  SKIP_IF_UNAVAILABLE(f);
  auto store = f.make();
  Snapshot base = seeded(*store);
  REQUIRE(store->commit(assign({{"db", "m1"}}), base).committed());
  CommitResult r = store->commit(assign({{"db", "m2"}}), base);
  CHECK(r.status == CommitStatus::Conflict);
  CHECK(r.conflicting_instances == std::vector<std::string>{"db"});
  CHECK(store->snapshot().spec.placements.at("db") == "m1");
}

TEMPLATE_TEST_CASE("the store refuses a plan that would overcommit or is invalid", "[state]",
                   MemoryFactory, SqliteFactory, EtcdFactory) {
  TestType f;
  SKIP_IF_UNAVAILABLE(f);
  auto store = f.make();
  Snapshot base = seeded(*store);
  // db (2 cpu) + 3 x web (1 cpu) = 5 cpu on a 4 cpu machine.
  CommitResult r = store->commit(
      assign({{"db", "m1"}, {"web@1", "m1"}, {"web@2", "m1"}, {"web@3", "m1"}}), base);
  CHECK(r.status == CommitStatus::Rejected);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].kind == CommitProblem::Kind::Overcommit);
  CHECK(r.problems[0].machine == "m1");
  CHECK(r.problems[0].dimension == "cpu");
  CHECK(r.problems[0].holds == 5000);
  CHECK(r.problems[0].allocatable == 4000);
  CHECK(r.problems[0].describe() == "m1 would hold cpu 5 of 4 allocatable");
  CHECK(r.summary() == "rejected: m1 would hold cpu 5 of 4 allocatable");

  CommitResult nowhere = store->commit(assign({{"db", "nowhere"}}), base);
  CHECK(nowhere.status == CommitStatus::Rejected);
  REQUIRE(nowhere.problems.size() == 1);
  CHECK(nowhere.problems[0].kind == CommitProblem::Kind::AssignsToUnknownMachine);
  CHECK(nowhere.problems[0].instance == "db");
  CHECK(nowhere.problems[0].machine == "nowhere");
  CHECK(store->commit(assign({{"cache@1", "m1"}}), base).status == CommitStatus::Rejected);
  Plan evict_unplaced;
  evict_unplaced.evictions = {"db"};
  CHECK(store->commit(evict_unplaced, base).status == CommitStatus::Rejected);
  CHECK(store->snapshot().revision == base.revision);

  // Shrinking a machine below what it holds is an overcommit too.
  REQUIRE(store->commit(assign({{"db", "m1"}}), base).committed());
  Snapshot s = store->snapshot();
  Plan shrink;
  shrink.machines = {machine("m1", 1000, 8 * kGi)};
  CHECK(store->commit(shrink, s).status == CommitStatus::Rejected);
  // Growing a unit beyond its machine's room, likewise.
  Plan grow;
  grow.units = {unit("db", 8000, kGi)};
  CHECK(store->commit(grow, s).status == CommitStatus::Rejected);
}

TEMPLATE_TEST_CASE("evictions, moves and machine states", "[state]", MemoryFactory, SqliteFactory,
                   EtcdFactory) {
  TestType f;
  SKIP_IF_UNAVAILABLE(f);
  auto store = f.make();
  Snapshot base = seeded(*store);
  REQUIRE(store->commit(assign({{"web@1", "m1"}, {"web@2", "m1"}}), base).committed());
  Snapshot s = store->snapshot();
  Plan p = assign({{"web@2", "m2"}});  // a move
  p.evictions = {"web@1"};
  REQUIRE(store->commit(p, s).committed());
  s = store->snapshot();
  CHECK(s.spec.placements == std::map<std::string, std::string>{{"web@2", "m2"}});

  Plan drain;
  drain.machine_states["m1"] = MachineState::Draining;
  REQUIRE(store->commit(drain, s).committed());
  s = store->snapshot();
  CHECK(s.spec.machines[0].state == MachineState::Draining);
  CommitResult r = store->commit(assign({{"web@1", "m1"}}), s);
  CHECK(r.status == CommitStatus::Rejected);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].kind == CommitProblem::Kind::AssignsToMachineNotUp);
  CHECK(r.problems[0].state == MachineState::Draining);
  CHECK(r.problems[0].describe() == "assigns web@1 to m1, which is draining");
}

TEMPLATE_TEST_CASE("a unit redefined elsewhere conflicts with plans that place it", "[state]",
                   MemoryFactory, SqliteFactory, EtcdFactory) {
  TestType f;
  SKIP_IF_UNAVAILABLE(f);
  auto store = f.make();
  Snapshot base = seeded(*store);
  Plan grow;
  grow.units = {unit("web", 3000, kGi, 3)};
  REQUIRE(store->commit(grow, base).committed());
  // Planned with the old, smaller web: must not land.
  CommitResult r = store->commit(assign({{"web@1", "m1"}, {"web@2", "m1"}}), base);
  CHECK(r.status == CommitStatus::Conflict);
  CHECK(r.conflicting_units == std::vector<std::string>{"web"});
}

TEMPLATE_TEST_CASE("place_and_commit places, commits, and is idempotent", "[state]", MemoryFactory,
                   SqliteFactory, EtcdFactory) {
  TestType f;
  SKIP_IF_UNAVAILABLE(f);
  auto store = f.make();
  Spec spec;
  spec.machines = seed_plan().machines;
  spec.units = seed_plan().units;
  PlaceCommitResult r = place_and_commit(*store, spec);
  CHECK(r.commit.committed());
  CHECK(r.placement.all_placed());
  CHECK(r.conflicts == 0);
  Snapshot s = store->snapshot();
  CHECK(s.spec.placements.size() == 4);
  CHECK(overcommit_of(s.spec).empty());

  PlaceCommitResult again = place_and_commit(*store, spec);
  CHECK(again.plan.empty());
  CHECK(store->snapshot().revision == s.revision);

  // More units than room: the rest stay pending (stored, unplaced), never overcommitted.
  Spec more;
  more.units = {unit("big", 3000, 2 * kGi, 4)};
  PlaceCommitResult m = place_and_commit(*store, more);
  CHECK_FALSE(m.placement.all_placed());
  s = store->snapshot();
  CHECK(overcommit_of(s.spec).empty());
  CHECK(s.spec.units.size() == 3);
}

TEMPLATE_TEST_CASE("concurrent schedulers never overcommit and count their conflicts", "[state]",
                   MemoryFactory, SqliteFactory, EtcdFactory) {
  TestType f;
  SKIP_IF_UNAVAILABLE(f);
  auto store = f.make();
  Plan machines;
  for (int i = 0; i < 8; ++i)
    machines.machines.push_back(machine(fmt::format("m{}", i), 4000, 32 * kGi));
  REQUIRE(store->commit(machines, store->snapshot()).committed());
  // 4 threads, 10 rounds each of 4 units: 160 units of 200m = 32 cpu = exactly the cluster.
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 10; ++round) {
        Spec add;
        for (int k = 0; k < 4; ++k)
          add.units.push_back(unit(fmt::format("s{}-r{}-u{}", t, round, k), 200, kGi));
        PlaceCommitResult r = place_and_commit(*store, add, {}, 200);
        conflicts += r.conflicts;
      }
    });
  }
  for (auto& th : threads) th.join();
  Snapshot s = store->snapshot();
  CHECK(s.spec.units.size() == 160);
  CHECK(s.spec.placements.size() == 160);
  CHECK(overcommit_of(s.spec).empty());
  WARN("conflicts retried: " << conflicts.load());
}

TEMPLATE_TEST_CASE("place_pending: a worker starts on its own share of units and machines",
                   "[state]", MemoryFactory, SqliteFactory, EtcdFactory) {
  TestType f;
  SKIP_IF_UNAVAILABLE(f);
  auto store = f.make();
  // 8 machines of 4 cpu, 32 units of 1 cpu: exactly full. Worker 1 of 4 owns units u08-u15
  // and machines m2-m3 (the second quarter of each, by name).
  Plan p;
  for (int i = 0; i < 8; ++i) p.machines.push_back(machine(fmt::format("m{}", i), 4000, 64 * kGi));
  for (int i = 0; i < 32; ++i) p.units.push_back(unit(fmt::format("u{:02}", i), 1000, kGi));
  REQUIRE(store->commit(p, store->snapshot()).committed());
  PendingOptions o;
  o.batch = 8;
  o.worker = 1;
  o.workers = 4;
  PendingResult r = place_pending(*store, o);
  CHECK(r.placed == 32);  // alone, it goes on into the other shares once its own is placed
  Snapshot s = store->snapshot();
  CHECK(s.spec.placements.size() == 32);
  CHECK(overcommit_of(s.spec).empty());
  // Its first batch (its own units) went to its own machines, which had just the room.
  for (int i = 8; i < 16; ++i) {
    std::string m = s.spec.placements.at(fmt::format("u{:02}", i));
    INFO("u" << i << " on " << m);
    CHECK((m == "m2" || m == "m3"));
  }
  // The local preference is never stored.
  for (const auto& m : s.spec.machines) CHECK(m.taints.empty());
}

TEMPLATE_TEST_CASE("watching sees commits from elsewhere", "[state]", MemoryFactory, SqliteFactory,
                   EtcdFactory) {
  TestType f;
  SKIP_IF_UNAVAILABLE(f);
  auto store = f.make();
  std::int64_t start = store->revision();
  CHECK(store->wait_for_change(start, std::chrono::milliseconds(50)) == start);

  std::atomic<std::int64_t> seen{0};
  {
    Watcher w(*store, [&](std::int64_t rev) { seen = rev; });
    std::thread writer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      store->commit(seed_plan(), store->snapshot());
    });
    std::int64_t rev = store->wait_for_change(start, std::chrono::seconds(5));
    writer.join();
    CHECK(rev > start);
    for (int i = 0; i < 100 && seen.load() < rev; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(seen.load() >= rev);
  }
}

// Plan::removed_machines / removed_units (issue 15), on every store.
// (The etcd store commits them in its chunks; SQLite and memory in one transaction.)
TEMPLATE_TEST_CASE("removals delete units and machines with their placements, atomically",
                   "[state]", MemoryFactory, SqliteFactory, EtcdFactory) {
  TestType f;
  SKIP_IF_UNAVAILABLE(f);
  auto store = f.make();
  Snapshot base = seeded(*store);
  REQUIRE(
      store->commit(assign({{"web@1", "m1"}, {"web@2", "m1"}, {"web@3", "m2"}, {"db", "m2"}}), base)
          .committed());
  Snapshot s = store->snapshot();
  const std::int64_t m1_rev = s.machine_revisions.at("m1");

  // A unit goes with every placement of its instances; the machines it ran on are touched.
  Plan rm_unit;
  rm_unit.removed_units = {"web"};
  REQUIRE(store->commit(rm_unit, s).committed());
  Snapshot after = store->snapshot();
  REQUIRE(after.spec.units.size() == 1);
  CHECK(after.spec.units[0].name == "db");
  CHECK(after.spec.placements == std::map<std::string, std::string>{{"db", "m2"}});
  CHECK(after.machine_revisions.at("m1") > m1_rev);
  CHECK(after.unit_revisions.count("web") == 0);
  // A plan computed before the removal that touches m1 conflicts.
  CHECK(store->commit(assign({{"db", "m1"}}), s).status == CommitStatus::Conflict);

  // Unknown names and assignments into what the plan removes are rejected, and change nothing.
  Plan unknown;
  unknown.removed_machines = {"m9"};
  CommitResult r = store->commit(unknown, after);
  CHECK(r.status == CommitStatus::Rejected);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].kind == CommitProblem::Kind::RemovesUnknownMachine);
  CHECK(r.problems[0].machine == "m9");
  CHECK(r.problems[0].describe() == "removes unknown machine m9");
  Plan into_removed = assign({{"db", "m1"}});
  into_removed.removed_machines = {"m1"};
  r = store->commit(into_removed, after);
  CHECK(r.status == CommitStatus::Rejected);
  CHECK(r.problems.at(0).kind == CommitProblem::Kind::AssignsToRemovedMachine);
  CHECK(r.problems.at(0).describe() == "assigns db to m1, which the plan removes");
  Plan of_removed = assign({{"db", "m1"}});
  of_removed.removed_units = {"db"};
  r = store->commit(of_removed, after);
  CHECK(r.status == CommitStatus::Rejected);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].kind == CommitProblem::Kind::AssignsOfRemovedUnit);
  CHECK(r.problems[0].unit == "db");
  CHECK(r.problems[0].describe() == "assigns db, whose unit the plan removes");
  CHECK(store->revision() == after.revision);

  // A machine removed after its instance moved off it: the move stands, the machine is gone.
  Plan move_then_remove = assign({{"db", "m1"}});
  move_then_remove.removed_machines = {"m2"};
  REQUIRE(store->commit(move_then_remove, after).committed());
  Snapshot last = store->snapshot();
  REQUIRE(last.spec.machines.size() == 1);
  CHECK(last.spec.machines[0].name == "m1");
  CHECK(last.machine_revisions.count("m2") == 0);
  CHECK(last.spec.placements == std::map<std::string, std::string>{{"db", "m1"}});

  // A machine removed with an instance still on it takes the placement along (the instance is
  // pending again, its unit stays).
  Plan rm_machine;
  rm_machine.removed_machines = {"m1"};
  REQUIRE(store->commit(rm_machine, last).committed());
  Snapshot empty = store->snapshot();
  CHECK(empty.spec.machines.empty());
  CHECK(empty.spec.placements.empty());
  CHECK(empty.spec.units.size() == 1);
}

// --- More removal cases, on every store.
#define BERTH_REMOVAL_STORES MemoryFactory, SqliteFactory, EtcdFactory

TEMPLATE_TEST_CASE("removing a machine deletes it and the placements it still holds",
                   "[state][removal]", BERTH_REMOVAL_STORES) {
  TestType f;
  SKIP_IF_UNAVAILABLE(f);
  auto store = f.make();
  Snapshot base = seeded(*store);
  REQUIRE(
      store->commit(assign({{"web@1", "m1"}, {"web@2", "m1"}, {"db", "m2"}}), base).committed());
  Snapshot s = store->snapshot();
  // web@2 is re-placed by the same plan; web@1 goes back to pending.
  Plan p = assign({{"web@2", "m2"}});
  p.removed_machines = {"m1"};
  CommitResult r = store->commit(p, s);
  REQUIRE(r.committed());
  Snapshot after = store->snapshot();
  REQUIRE(after.spec.machines.size() == 1);
  CHECK(after.spec.machines[0].name == "m2");
  CHECK(after.machine_revisions.count("m1") == 0);
  CHECK(after.spec.placements == std::map<std::string, std::string>{{"db", "m2"}, {"web@2", "m2"}});
  CHECK(after.spec.units.size() == 2);  // units stay: web@1 is pending, not lost

  // A plan made before the removal that touches m1 conflicts; one made after is refused.
  CHECK(store->commit(assign({{"web@3", "m1"}}), s).status == CommitStatus::Conflict);
  CHECK(store->commit(assign({{"web@3", "m1"}}), after).status == CommitStatus::Rejected);
}

TEMPLATE_TEST_CASE(
    "removing a unit deletes it and every placement of its instances; the room is usable at once",
    "[state][removal]", BERTH_REMOVAL_STORES) {
  TestType f;
  SKIP_IF_UNAVAILABLE(f);
  auto store = f.make();
  Snapshot base = seeded(*store);
  // m1 full: db (2 cpu) + web@1 + web@2 (1 cpu each).
  REQUIRE(
      store->commit(assign({{"db", "m1"}, {"web@1", "m1"}, {"web@2", "m1"}, {"web@3", "m2"}}), base)
          .committed());
  Snapshot s = store->snapshot();
  Plan p;
  p.removed_units = {"db"};
  p.units = {unit("cache", 2000, kGi)};
  p.assignments = {{"cache", "m1"}};  // fits only because db leaves in the same plan
  REQUIRE(store->commit(p, s).committed());
  Snapshot after = store->snapshot();
  CHECK(after.unit_revisions.count("db") == 0);
  CHECK(after.spec.placements ==
        std::map<std::string, std::string>{
            {"cache", "m1"}, {"web@1", "m1"}, {"web@2", "m1"}, {"web@3", "m2"}});
  CHECK(overcommit_of(after.spec).empty());

  // The same room without the removal is an overcommit.
  Plan q;
  q.units = {unit("cache2", 2000, kGi)};
  q.assignments = {{"cache2", "m1"}};
  CHECK(store->commit(q, after).status == CommitStatus::Rejected);

  // Removing web everywhere, with a stale snapshot after somebody placed one more web instance
  // meanwhile on a machine the removal does not otherwise touch: refused as a conflict, so
  // that no placement of a removed unit is left behind.
  Plan grow;
  grow.units = {unit("web", 1000, kGi, 4)};
  grow.machines = {machine("m3", 4000, 8 * kGi)};
  REQUIRE(store->commit(grow, after).committed());
  Snapshot before_removal = store->snapshot();
  REQUIRE(store->commit(assign({{"web@4", "m3"}}), before_removal).committed());
  Plan remove_web;
  remove_web.removed_units = {"web"};
  CommitResult r = store->commit(remove_web, before_removal);
  // etcd refuses it (its chunks guard the placements they saw); SQLite and memory validate the
  // whole plan at commit time and delete web@4 too. Either way nothing of web is left behind.
  CHECK((r.status == CommitStatus::Conflict || r.committed()));
  if (!r.committed()) {
    Snapshot fresh = store->snapshot();
    REQUIRE(store->commit(remove_web, fresh).committed());
  }
  Snapshot end = store->snapshot();
  CHECK(end.spec.placements == std::map<std::string, std::string>{{"cache", "m1"}});
  REQUIRE(end.spec.units.size() == 1);
  CHECK(end.spec.units[0].name == "cache");
}

TEMPLATE_TEST_CASE(
    "a removal plan that also assigns to what it removes is rejected and changes nothing",
    "[state][removal]", BERTH_REMOVAL_STORES) {
  TestType f;
  SKIP_IF_UNAVAILABLE(f);
  auto store = f.make();
  Snapshot base = seeded(*store);
  Plan p = assign({{"web@1", "m1"}});
  p.removed_machines = {"m1"};
  CHECK(store->commit(p, base).status == CommitStatus::Rejected);
  Plan q = assign({{"web@1", "m1"}});
  q.removed_units = {"web"};
  CHECK(store->commit(q, base).status == CommitStatus::Rejected);
  CHECK(store->snapshot().revision == base.revision);
}

TEST_CASE("a commit's summary renders its typed problems and conflicts", "[state]") {
  CommitResult r;
  r.status = CommitStatus::Rejected;
  CommitProblem over;
  over.kind = CommitProblem::Kind::Overcommit;
  over.machine = "m1";
  over.dimension = "memory";
  over.holds = 9 * kGi;
  over.allocatable = 8 * kGi;
  CommitProblem both;
  both.kind = CommitProblem::Kind::RedefinesAndRemovesUnit;
  both.unit = "web";
  r.problems = {over, both};
  CHECK(r.summary() ==
        "rejected: m1 would hold memory 9 GiB of 8 GiB allocatable; both redefines and removes "
        "unit web");

  CommitResult c;
  c.status = CommitStatus::Conflict;
  c.conflicting_machines = {"m1", "m2"};
  c.conflicting_units = {"web"};
  c.conflicting_instances = {"db"};
  CHECK(c.summary() == "conflict on machines m1, m2; units web; instances placed meanwhile db");
  // etcd's guard: nothing compared changed, the lists name the suspects (names stay names).
  c.conflict_cause = CommitResult::ConflictCause::Guard;
  c.conflicting_instances.clear();
  CHECK(c.summary() ==
        "conflict on machines m1 (lease expired), m2 (lease expired); units web (placed "
        "meanwhile)");
  CHECK(c.conflicting_machines == std::vector<std::string>{"m1", "m2"});
}
