// Desired-state apply and the operator verbs (state/apply.hpp), on every store: the "Done
// means" sequence of issue 15 and a randomized property test against an oracle written here.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include "berth/error.hpp"
#include "support/builders.hpp"

#include "berth/io/spec_json.hpp"
#include "berth/state/apply.hpp"
#include "berth/state/store.hpp"
#include "fixtures.hpp"

using namespace berth;
using namespace berth::state;
using namespace berth::state::testing;

namespace {

using berth::testing::kGi;  // tests/support/builders.hpp

// ---- the oracle: written from the spec's meaning, not from the engine's code ----

// Instance names a unit must have placed or pending: name@1..N with replicas, else the name
// alone; a global unit (no metadata in these specs) has name@M on every machine M that is up.
std::vector<std::string> instances_of(const Unit& u, const std::vector<Machine>& machines) {
  if (u.constraints.global) {
    std::vector<std::string> out;
    for (const auto& m : machines) {
      if (m.state == MachineState::Up) out.push_back(u.name + "@" + m.name);
    }
    return out;
  }
  if (!u.replicas) return {u.name};
  std::vector<std::string> out;
  for (int k = 1; k <= *u.replicas; ++k) out.push_back(fmt::format("{}@{}", u.name, k));
  return out;
}

std::string unit_name_of(const std::string& inst) {
  auto at = inst.rfind('@');
  return at == std::string::npos ? inst : inst.substr(0, at);
}

// Glob match for the anti-affinity patterns the tests use ("name@*" or a plain name).
bool matches(const std::string& pattern, const std::string& name) {
  if (!pattern.empty() && pattern.back() == '*') {
    return name.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  }
  return pattern == name;
}

// Everything the stored state must satisfy after applying `desired` with answer `r`. Returns
// the problems found (empty: fine).
std::vector<std::string> audit(const Spec& stored, const Spec& desired, const ApplyResult& r) {
  std::vector<std::string> problems;
  auto names = [](const auto& v) {
    std::set<std::string> s;
    for (const auto& x : v) s.insert(x.name);
    return s;
  };
  if (names(stored.machines) != names(desired.machines))
    problems.push_back("machines differ from the spec");
  if (names(stored.units) != names(desired.units)) problems.push_back("units differ from the spec");
  std::map<std::string, const Machine*> machines;
  for (const auto& m : desired.machines) machines.emplace(m.name, &m);
  for (const auto& m : stored.machines) {
    if (machines.count(m.name) && machines.at(m.name)->state != m.state) {
      problems.push_back(fmt::format("machine {} is {}, the spec says {}", m.name,
                                     to_string(m.state), to_string(machines.at(m.name)->state)));
    }
  }
  std::map<std::string, const Unit*> units;
  for (const auto& u : desired.units) units.emplace(u.name, &u);
  for (const auto& u : stored.units) {
    if (units.count(u.name) && units.at(u.name)->requests != u.requests) {
      problems.push_back(fmt::format("unit {} stored with other requests", u.name));
    }
  }
  std::set<std::string> expected;
  for (const auto& u : desired.units) {
    for (const auto& i : instances_of(u, desired.machines)) expected.insert(i);
  }
  // A global instance keeps running on a draining machine (docs/ops.md); it stops elsewhere.
  std::set<std::string> allowed = expected;
  for (const auto& u : desired.units) {
    if (!u.constraints.global) continue;
    for (const auto& m : desired.machines) {
      if (m.state == MachineState::Draining) allowed.insert(u.name + "@" + m.name);
    }
  }
  std::set<std::string> pending;
  for (const auto& p : r.placement.pending) pending.insert(p.unit);
  std::map<std::string, Resources> used;
  std::map<std::string, std::vector<std::string>> on;
  for (const auto& [inst, m] : stored.placements) {
    if (!allowed.count(inst))
      problems.push_back(fmt::format("{} is stored but not in the spec", inst));
    auto gu = units.find(unit_name_of(inst));
    if (gu != units.end() && gu->second->constraints.global && inst != gu->first + "@" + m) {
      problems.push_back(fmt::format("global instance {} runs on {}", inst, m));
    }
    if (!machines.count(m)) {
      problems.push_back(fmt::format("{} is on {}, which is not in the spec", inst, m));
      continue;
    }
    if (machines.at(m)->state == MachineState::Down)
      problems.push_back(fmt::format("{} runs on down machine {}", inst, m));
    if (pending.count(inst)) problems.push_back(fmt::format("{} is both placed and pending", inst));
    auto u = units.find(unit_name_of(inst));
    if (u != units.end()) used[m] += u->second->requests;
    on[m].push_back(inst);
  }
  for (const auto& inst : expected) {
    if (!stored.placements.count(inst) && !pending.count(inst)) {
      problems.push_back(fmt::format("{} is lost: neither placed nor pending", inst));
    }
  }
  for (const auto& [m, res] : used) {
    Resources alloc = machines.at(m)->allocatable();
    if (res.cpu > alloc.cpu || res.memory > alloc.memory || res.disk > alloc.disk) {
      problems.push_back(fmt::format("{} is overcommitted", m));
    }
  }
  for (const auto& [m, insts] : on) {
    for (const auto& a : insts) {
      for (const auto& b : insts) {
        if (a >= b) continue;
        const Unit* ua = units.count(unit_name_of(a)) ? units.at(unit_name_of(a)) : nullptr;
        const Unit* ub = units.count(unit_name_of(b)) ? units.at(unit_name_of(b)) : nullptr;
        bool clash = false;
        if (ua)
          for (const auto& p : ua->constraints.conflicts) clash = clash || matches(p, b);
        if (ub)
          for (const auto& p : ub->constraints.conflicts) clash = clash || matches(p, a);
        if (clash) problems.push_back(fmt::format("{} and {} conflict but share {}", a, b, m));
      }
    }
  }
  // A sidekick runs where its unit's instance of the same replica runs (machine_of).
  for (const auto& [inst, m] : stored.placements) {
    auto u = units.find(unit_name_of(inst));
    if (u == units.end() || u->second->constraints.machine_of.empty()) continue;
    // Replica k goes with the target's replica k; a target without replicas takes them all.
    auto at = inst.rfind('@');
    const std::string& of = u->second->constraints.machine_of;
    bool target_replicated = units.count(of) && units.at(of)->replicas.has_value();
    std::string target =
        of + (at == std::string::npos || !target_replicated ? "" : inst.substr(at));
    auto t = stored.placements.find(target);
    if (t == stored.placements.end() || t->second != m) {
      problems.push_back(fmt::format("{} is on {} without {} (machine_of)", inst, m, target));
    }
  }
  // The answer and the store agree.
  if (r.placement.placements != stored.placements)
    problems.push_back("the answer's placements differ from the store's");
  return problems;
}

#define REQUIRE_AUDIT(stored, desired, result)             \
  do {                                                     \
    auto problems_ = audit((stored), (desired), (result)); \
    INFO(fmt::format("{}", fmt::join(problems_, "\n")));   \
    REQUIRE(problems_.empty());                            \
  } while (0)

Unit anti(Unit u) {
  u.constraints.conflicts = {u.name + "@*"};
  return u;
}

// The issue's "Done means" specs: v1 = 3 machines, web x3 (anti-affinity), db, cache.
Spec spec_v1() {
  Spec s;
  s.machines = {machine("m1", 4000, 8 * kGi), machine("m2", 4000, 8 * kGi),
                machine("m3", 4000, 8 * kGi)};
  s.units = {anti(unit("web", 1000, kGi, 3)), unit("db", 2000, 4 * kGi), unit("cache", 500, kGi)};
  return s;
}

// v2: web grown to 1.5 cpu and 2 replicas, db removed, worker x2 added.
Spec spec_v2() {
  Spec s = spec_v1();
  s.units = {anti(unit("web", 1500, kGi, 2)), unit("cache", 500, kGi),
             unit("worker", 1000, kGi, 2)};
  return s;
}

Spec with_state(Spec s, const std::string& m, MachineState st) {
  for (auto& x : s.machines) {
    if (x.name == m) x.state = st;
  }
  return s;
}

Spec without_machine(Spec s, const std::string& m) {
  s.machines.erase(std::remove_if(s.machines.begin(), s.machines.end(),
                                  [&](const Machine& x) { return x.name == m; }),
                   s.machines.end());
  return s;
}

}  // namespace

TEMPLATE_TEST_CASE("apply: the done-means sequence (v1, v2, a machine down, a machine removed)",
                   "[state][apply]", MemoryFactory, SqliteFactory, EtcdFactory) {
  TestType f;
  SKIP_IF_UNAVAILABLE(f);
  auto store = f.make();

  // v1 on an empty store: everything added and placed.
  ApplyResult r1 = apply(*store, spec_v1());
  REQUIRE(r1.commit.committed());
  CHECK(r1.placement.ok());
  CHECK(r1.changes.added == std::vector<std::string>{"cache", "db", "m1", "m2", "m3", "web"});
  CHECK(r1.changes.moved.empty());
  Snapshot s1 = store->snapshot();
  REQUIRE_AUDIT(s1.spec, spec_v1(), r1);
  CHECK(s1.spec.placements.size() == 5);

  // Applying the same spec again changes nothing.
  ApplyResult again = apply(*store, spec_v1());
  CHECK(again.plan.empty());
  CHECK(store->revision() == s1.revision);

  // v2: web@1 and web@2 still fit where they are (1.5 cpu each, db gone) and stay; web@3 goes.
  ApplyResult r2 = apply(*store, spec_v2());
  REQUIRE(r2.commit.committed());
  CHECK(r2.placement.ok());
  Snapshot s2 = store->snapshot();
  REQUIRE_AUDIT(s2.spec, spec_v2(), r2);
  CHECK(s2.spec.placements.at("web@1") == s1.spec.placements.at("web@1"));
  CHECK(s2.spec.placements.at("web@2") == s1.spec.placements.at("web@2"));
  CHECK(s2.spec.placements.at("cache") == s1.spec.placements.at("cache"));
  CHECK(r2.changes.moved.empty());
  CHECK(r2.changes.added == std::vector<std::string>{"worker"});
  CHECK(r2.changes.removed == std::vector<std::string>{"db"});
  CHECK(r2.changes.updated == std::vector<std::string>{"web"});
  CHECK(r2.changes.removed_instances == std::vector<std::string>{"db", "web@3"});

  // A machine down (the operator verb): what it ran moves elsewhere, reported as moves.
  const std::string victim = s2.spec.placements.at("web@1");
  std::vector<std::string> was_there;
  for (const auto& [inst, m] : s2.spec.placements) {
    if (m == victim) was_there.push_back(inst);
  }
  ApplyResult r3 = set_machine_state(*store, victim, MachineState::Down);
  REQUIRE(r3.commit.committed());
  Spec v3 = with_state(spec_v2(), victim, MachineState::Down);
  Snapshot s3 = store->snapshot();
  REQUIRE_AUDIT(s3.spec, v3, r3);
  for (const auto& inst : was_there) {
    REQUIRE(r3.changes.moved.count(inst));
    CHECK(r3.changes.moved.at(inst).from == victim);
  }
  CHECK(r3.changes.updated == std::vector<std::string>{victim});

  // A machine removed: one of the two left up. Its units go to the last up machine or pend.
  std::string removed;
  for (const auto& m : spec_v2().machines) {
    if (m.name != victim) {
      removed = m.name;
      break;
    }
  }
  ApplyResult r4 = remove_machine(*store, removed);
  REQUIRE(r4.commit.committed());
  Spec v4 = without_machine(v3, removed);
  Snapshot s4 = store->snapshot();
  REQUIRE_AUDIT(s4.spec, v4, r4);
  CHECK(r4.changes.removed == std::vector<std::string>{removed});
  // One up machine cannot hold both webs (anti-affinity): something is pending, nothing lost.
  CHECK_FALSE(r4.placement.pending.empty());

  // The down machine comes back: the pending units are state and are placed now.
  ApplyResult r5 = set_machine_state(*store, victim, MachineState::Up);
  REQUIRE(r5.commit.committed());
  Snapshot s5 = store->snapshot();
  REQUIRE_AUDIT(s5.spec, without_machine(spec_v2(), removed), r5);
  CHECK(r5.placement.pending.size() < r4.placement.pending.size());

  // The same end state through apply itself (a spec, not a verb) is already held.
  ApplyResult r6 = apply(*store, without_machine(spec_v2(), removed));
  CHECK(r6.plan.empty());
}

TEMPLATE_TEST_CASE("apply: a shrunken unit keeps what fits, and grown replicas are added",
                   "[state][apply]", MemoryFactory, SqliteFactory) {
  TestType f;
  auto store = f.make();
  Spec v1;
  v1.machines = {machine("m1", 4000, 8 * kGi), machine("m2", 4000, 8 * kGi)};
  v1.units = {unit("api", 1000, kGi, 4)};
  REQUIRE(apply(*store, v1).placement.ok());
  Snapshot s1 = store->snapshot();

  // api grows to 2 cpu: each machine keeps as many of its instances as now fit (two), and only
  // the ones beyond that move (whatever layout v1 chose: best-fit may have packed one machine).
  Spec v2 = v1;
  v2.units[0].requests.cpu = 2000;
  ApplyResult r2 = apply(*store, v2);
  Snapshot s2 = store->snapshot();
  REQUIRE_AUDIT(s2.spec, v2, r2);
  CHECK(r2.placement.ok());
  std::map<std::string, int> before;
  for (const auto& [inst, m] : s1.spec.placements) ++before[m];
  std::size_t must_move = 0;
  for (const auto& [m, n] : before) must_move += static_cast<std::size_t>(std::max(0, n - 2));
  CHECK(r2.changes.moved.size() == must_move);
  for (const auto& [inst, mv] : r2.changes.moved) CHECK(mv.from == s1.spec.placements.at(inst));

  // To 3 cpu: one per machine fits; the two that no longer fit are pending, never overcommit.
  Spec v3 = v1;
  v3.units[0].requests.cpu = 3000;
  ApplyResult r3 = apply(*store, v3);
  REQUIRE_AUDIT(store->snapshot().spec, v3, r3);
  CHECK(r3.placement.pending.size() == 2);
  CHECK(r3.changes.moved.size() == 2);
  for (const auto& [inst, mv] : r3.changes.moved) CHECK(mv.to.empty());
  // The instances that stayed are among those that were there: nothing moved for no reason.
  for (const auto& [inst, m] : store->snapshot().spec.placements)
    CHECK(s2.spec.placements.at(inst) == m);

  // Replicas up to 6 at 1 cpu: the pending ones and two new ones are placed.
  Spec v4 = v1;
  v4.units[0].replicas = 6;
  ApplyResult r4 = apply(*store, v4);
  REQUIRE_AUDIT(store->snapshot().spec, v4, r4);
  CHECK(r4.placement.ok());
  CHECK(store->snapshot().spec.placements.size() == 6);
}

TEMPLATE_TEST_CASE("apply: pending units are state and are placed when they can be",
                   "[state][apply]", MemoryFactory, SqliteFactory) {
  TestType f;
  auto store = f.make();
  // A sidekick whose machine_of target is not there yet, a unit too big for any machine, and a
  // unit that contradicts itself: all stored, all pending, none blocks `ok`.
  Spec v1;
  v1.machines = {machine("m1", 2000, 4 * kGi)};
  Unit side = unit("log-shipper", 100, kGi / 4);
  side.constraints.machine_of = "app";
  Unit big = unit("big", 4000, kGi);
  Unit self_conflict = unit("odd", 100, kGi / 4);
  self_conflict.constraints.machine_of = "odd";  // co-located with itself: a contradiction
  v1.units = {side, big, self_conflict, unit("ok", 500, kGi)};
  ApplyResult r1 = apply(*store, v1);
  REQUIRE(r1.commit.committed());
  Snapshot s1 = store->snapshot();
  REQUIRE_AUDIT(s1.spec, v1, r1);
  CHECK(s1.spec.units.size() == 4);
  CHECK(s1.spec.placements.count("ok"));
  std::set<std::string> pending;
  for (const auto& p : r1.placement.pending) pending.insert(p.unit);
  CHECK(pending == std::set<std::string>{"big", "log-shipper", "odd"});

  // place_and_commit (the `place --store` loop) brings the target: the sidekick follows it.
  Spec add;
  add.units = {unit("app", 500, kGi)};
  PlaceCommitResult p = place_and_commit(*store, add);
  REQUIRE(p.commit.committed());
  Snapshot s2 = store->snapshot();
  REQUIRE(s2.spec.placements.count("log-shipper"));
  CHECK(s2.spec.placements.at("log-shipper") == s2.spec.placements.at("app"));

  // A bigger machine arrives through apply: big is placed; odd stays pending, alone.
  Spec v3 = v1;
  v3.units.push_back(unit("app", 500, kGi));
  v3.machines.push_back(machine("m2", 8000, 16 * kGi));
  ApplyResult r3 = apply(*store, v3);
  REQUIRE_AUDIT(store->snapshot().spec, v3, r3);
  REQUIRE(r3.placement.pending.size() == 1);
  CHECK(r3.placement.pending[0].unit == "odd");
  CHECK(r3.placement.pending[0].diagnosis.unresolvable);
}

TEMPLATE_TEST_CASE("place_pending skips units that cannot be placed instead of stopping at them",
                   "[state][apply]", MemoryFactory, SqliteFactory) {
  TestType f;
  auto store = f.make();
  Plan seed;
  seed.machines = {machine("m1", 4000, 8 * kGi)};
  // Two unplaceable units sort first; a batch of 2 holds only them.
  seed.units = {unit("a-huge", 9000, kGi), unit("b-huge", 9000, kGi), unit("c", 1000, kGi),
                unit("d", 1000, kGi)};
  REQUIRE(store->commit(seed, store->snapshot()).committed());
  PendingOptions o;
  o.batch = 2;
  PendingResult r = place_pending(*store, o);
  CHECK(r.placed == 2);
  Snapshot s = store->snapshot();
  CHECK(s.spec.placements.count("c"));
  CHECK(s.spec.placements.count("d"));
}

TEMPLATE_TEST_CASE("apply: invalid specs and unknown names change nothing", "[state][apply]",
                   MemoryFactory, SqliteFactory) {
  TestType f;
  auto store = f.make();
  REQUIRE(apply(*store, spec_v1()).commit.committed());
  const std::int64_t rev = store->revision();
  const Spec before = store->snapshot().spec;

  Spec dup = spec_v2();
  dup.machines.push_back(dup.machines[0]);
  CHECK_THROWS_AS(apply(*store, dup), ValidationError);
  Spec bad_place = spec_v2();
  bad_place.placements["web@1"] = "nowhere";
  CHECK_THROWS_AS(apply(*store, bad_place), ValidationError);

  try {
    remove_unit(*store, "webb");
    FAIL("no error");
  } catch (const StoreError& e) {
    CHECK(e.code() == 420);
    CHECK_THAT(std::string(e.what()), Catch::Contains("did you mean \"web\""));
  }
  try {
    set_machine_state(*store, "m4", MachineState::Down);
    FAIL("no error");
  } catch (const StoreError& e) {
    CHECK(e.code() == 421);
  }
  CHECK_THROWS_AS(remove_machine(*store, "nope"), StoreError);
  CHECK(store->revision() == rev);
  CHECK(store->snapshot().spec.placements == before.placements);
}

TEMPLATE_TEST_CASE("apply: draining and rebooting follow the ops rules", "[state][apply]",
                   MemoryFactory, SqliteFactory) {
  TestType f;
  auto store = f.make();
  Spec v1;
  v1.machines = {machine("m1", 4000, 8 * kGi), machine("m2", 4000, 8 * kGi),
                 machine("m3", 4000, 8 * kGi)};
  v1.units = {unit("svc", 1000, kGi, 3), anti(unit("web", 500, kGi, 3))};
  REQUIRE(apply(*store, v1).placement.ok());
  for (auto st : {MachineState::Draining, MachineState::Rebooting}) {
    Spec v = with_state(v1, "m1", st);
    ApplyResult r = apply(*store, v);
    Snapshot s = store->snapshot();
    REQUIRE_AUDIT(s.spec, v, r);
    // The movable units left m1, except web (its anti-affinity has no third machine).
    for (const auto& [inst, m] : s.spec.placements) {
      if (m == "m1") CHECK(unit_name_of(inst) == "web");
    }
    REQUIRE(apply(*store, v1).commit.committed());  // back up; nothing moves back by itself
  }
}

TEST_CASE(
    "apply: random desired states keep the store exact, never overcommit, never lose an instance",
    "[state][apply][property]") {
  // Deterministic seeds; each run applies a sequence of random specs over a small name pool so
  // that machines and units come, go, change size, state and replicas.
  for (unsigned seed = 1; seed <= 200; ++seed) {
    std::mt19937 rng(seed);
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    TempDir dir;
    std::unique_ptr<StateStore> store;
    if (seed % 4 == 0) {
      store = std::make_unique<SqliteStore>(dir.file("berth.db"));
    } else {
      store = std::make_unique<MemoryStore>();
    }
    std::string history;  // the specs applied so far, shown when a check fails
    Spec prev;            // what the previous step asked for: often kept as it is
    auto prev_machine = [&](const std::string& n) -> const Machine* {
      for (const auto& m : prev.machines)
        if (m.name == n) return &m;
      return nullptr;
    };
    auto prev_unit = [&](const std::string& n) -> const Unit* {
      for (const auto& u : prev.units)
        if (u.name == n) return &u;
      return nullptr;
    };
    for (int step = 0; step < 10; ++step) {
      Spec s;
      auto random_state = [&] {
        int st = pick(0, 11);
        return st == 0   ? MachineState::Down
               : st == 1 ? MachineState::Draining
               : st == 2 ? MachineState::Rebooting
                         : MachineState::Up;
      };
      for (int i = 1; i <= 6; ++i) {
        if (pick(0, 3) == 0) continue;
        std::string name = fmt::format("m{}", i);
        // Unchanged machines (sometimes only their state changes) keep what runs on them.
        if (const Machine* same = prev_machine(name); same && pick(0, 1) == 0) {
          Machine m = *same;
          if (pick(0, 3) == 0) m.state = random_state();
          s.machines.push_back(m);
          continue;
        }
        Machine m = machine(name, 1000 * pick(1, 4), kGi * pick(1, 8));
        m.state = random_state();
        s.machines.push_back(m);
      }
      for (int i = 1; i <= 6; ++i) {
        if (pick(0, 3) == 0) continue;
        std::string name = fmt::format("u{}", i);
        if (const Unit* same = prev_unit(name); same && pick(0, 1) == 0) {
          s.units.push_back(*same);
          continue;
        }
        Unit u = unit(name, 250 * pick(1, 6), kGi / 4 * pick(1, 8));
        if (i == 1 && pick(0, 2) == 0) {
          u.constraints.global = true;  // a node agent: one per up machine
          u.requests.cpu = 100;
          u.requests.memory = kGi / 8;
        } else if (pick(0, 2) > 0) {
          u.replicas = pick(1, 4);
        }
        if (pick(0, 3) == 0 && u.replicas) u.constraints.conflicts = {name + "@*"};
        // A sidekick of the previous unit: same replicas (a co-located pair per replica), or
        // not (then it is pending unresolvable, and must still be stored and reported).
        if (i > 1 && pick(0, 4) == 0) {
          u.constraints.machine_of = fmt::format("u{}", i - 1);
          if (pick(0, 3) > 0 && !s.units.empty() &&
              s.units.back().name == u.constraints.machine_of) {
            u.replicas = s.units.back().replicas;
            u.constraints.conflicts.clear();
          }
        }
        s.units.push_back(u);
      }
      INFO("seed " << seed << " step " << step);
      history += fmt::format("step {}: {}\n", step, spec_to_json(s).dump());
      INFO(history);
      ApplyResult r = apply(*store, s);
      Snapshot snap = store->snapshot();
      REQUIRE_AUDIT(snap.spec, s, r);
      prev = s;
      // Applying the same state twice is a no-op once nothing pending can move.
      ApplyResult again = apply(*store, s);
      REQUIRE_AUDIT(store->snapshot().spec, s, again);
      CHECK(again.changes.moved.empty());
    }
  }
}

namespace {

// A store that lets another writer commit between an apply's snapshot and its commit, once:
// the deterministic way to make the optimistic commit conflict.
class InterferingStore : public StateStore {
 public:
  explicit InterferingStore(std::function<void(StateStore&)> meddle) : meddle_(std::move(meddle)) {}
  std::string name() const override { return inner_.name(); }
  Snapshot snapshot() override { return inner_.snapshot(); }
  CommitResult commit(const Plan& plan, const Snapshot& base) override {
    if (meddle_) {
      auto m = std::move(meddle_);
      meddle_ = nullptr;
      m(inner_);
    }
    return inner_.commit(plan, base);
  }
  std::int64_t revision() override { return inner_.revision(); }
  std::int64_t wait_for_change(std::int64_t since, std::chrono::milliseconds t) override {
    return inner_.wait_for_change(since, t);
  }
  MemoryStore& inner() { return inner_; }

 private:
  MemoryStore inner_;
  std::function<void(StateStore&)> meddle_;
};

}  // namespace

TEST_CASE(
    "apply: a conflicting writer makes apply recompute on a fresh snapshot, and the spec wins",
    "[state][apply]") {
  // Another scheduler places a unit of its own on m1 and drains m2 while apply computes.
  InterferingStore store([](StateStore& s) {
    Snapshot snap = s.snapshot();
    Plan p;
    p.units = {unit("intruder", 500, kGi)};
    p.assignments = {{"intruder", "m1"}};
    p.machine_states = {{"m2", MachineState::Draining}};
    REQUIRE(s.commit(p, snap).committed());
  });
  REQUIRE(apply(store.inner(), spec_v1()).commit.committed());  // seeded without meddling
  ApplyResult r = apply(store, spec_v2());
  REQUIRE(r.commit.committed());
  CHECK(r.attempts == 2);
  CHECK(r.conflicts == 1);
  // Desired state: the intruder is removed, m2 is up again, and everything is accounted for.
  CHECK(r.changes.removed == std::vector<std::string>{"db", "intruder"});
  Snapshot s = store.snapshot();
  REQUIRE_AUDIT(s.spec, spec_v2(), r);
}

TEMPLATE_TEST_CASE("apply: global instances stop with their machine and start again with it",
                   "[state][apply]", MemoryFactory, SqliteFactory) {
  TestType f;
  auto store = f.make();
  Spec v1;
  v1.machines = {machine("m1", 4000, 8 * kGi), machine("m2", 4000, 8 * kGi)};
  Unit agent = unit("agent", 100, kGi / 8);
  agent.constraints.global = true;
  v1.units = {agent, unit("web", 1000, kGi, 2)};
  REQUIRE(apply(*store, v1).placement.ok());
  CHECK(store->snapshot().spec.placements.at("agent@m1") == "m1");

  ApplyResult down = set_machine_state(*store, "m1", MachineState::Down);
  CHECK(down.placement.ok());  // stopped is not pending
  CHECK(down.changes.stopped == std::vector<std::string>{"agent@m1"});
  CHECK(down.changes.moved.count("agent@m1") == 0);
  CHECK(store->snapshot().spec.placements.count("agent@m1") == 0);

  ApplyResult up = set_machine_state(*store, "m1", MachineState::Up);
  CHECK(up.placement.ok());
  CHECK(up.changes.stopped.empty());
  CHECK(store->snapshot().spec.placements.at("agent@m1") == "m1");
  CHECK(up.changes.moved.empty());  // recovery never moves running units back
}

TEMPLATE_TEST_CASE(
    "apply: the spec's own placements are assignments, and removing a machine_of target leaves the "
    "sidekick pending",
    "[state][apply]", MemoryFactory, SqliteFactory) {
  TestType f;
  auto store = f.make();
  REQUIRE(apply(*store, spec_v1()).placement.ok());
  const std::string was = store->snapshot().spec.placements.at("cache");
  const std::string to = was == "m3" ? "m2" : "m3";
  Spec pinned = spec_v1();
  pinned.placements["cache"] = to;
  ApplyResult r = apply(*store, pinned);
  REQUIRE(r.commit.committed());
  CHECK(r.changes.moved.at("cache") == Move{was, to});
  CHECK(store->snapshot().spec.placements.at("cache") == to);

  // A sidekick follows db; removing db leaves it stored and pending (unresolvable), not lost.
  Spec with_side = spec_v1();
  Unit side = unit("db-backup", 100, kGi / 4);
  side.constraints.machine_of = "db";
  with_side.units.push_back(side);
  ApplyResult s1 = apply(*store, with_side);
  REQUIRE(s1.placement.ok());
  CHECK(store->snapshot().spec.placements.at("db-backup") ==
        store->snapshot().spec.placements.at("db"));
  ApplyResult s2 = remove_unit(*store, "db");
  Snapshot after = store->snapshot();
  CHECK(after.spec.placements.count("db") == 0);
  CHECK(after.spec.placements.count("db-backup") == 0);
  REQUIRE(s2.placement.pending.size() == 1);
  CHECK(s2.placement.pending[0].unit == "db-backup");
  CHECK(s2.placement.pending[0].diagnosis.unresolvable);
  CHECK(s2.changes.moved.at("db-backup") == Move{s1.placement.placements.at("db"), ""});
  bool stored = false;
  for (const auto& u : after.spec.units) stored = stored || u.name == "db-backup";
  CHECK(stored);
}

TEST_CASE(
    "apply: operators racing on one SQLite file never overcommit nor leave work on down machines",
    "[state][apply]") {
  TempDir dir;
  const std::string path = dir.file("berth.db");
  {
    SqliteStore seed(path);
    Spec s;
    for (int i = 1; i <= 6; ++i)
      s.machines.push_back(machine(fmt::format("m{}", i), 4000, 8 * kGi));
    s.units = {anti(unit("web", 1000, kGi, 4)), unit("api", 500, kGi / 2, 8),
               unit("db", 2000, 4 * kGi, 2)};
    REQUIRE(apply(seed, s).placement.ok());
  }
  // Each thread has its own connection (as separate processes would) and flips machines.
  std::atomic<int> conflicts{0}, commits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      SqliteStore store(path);
      std::mt19937 rng(static_cast<unsigned>(t) + 1);
      for (int k = 0; k < 15; ++k) {
        std::string m = fmt::format("m{}", std::uniform_int_distribution<int>(1, 6)(rng));
        MachineState st = std::uniform_int_distribution<int>(0, 2)(rng) == 0 ? MachineState::Down
                                                                             : MachineState::Up;
        ApplyResult r = set_machine_state(store, m, st);
        conflicts += r.conflicts;
        commits += r.plan.empty() ? 0 : 1;
      }
    });
  }
  for (auto& th : threads) th.join();
  WARN(fmt::format("{} commits, {} conflicts retried", commits.load(), conflicts.load()));
  SqliteStore store(path);
  Snapshot snap = store.snapshot();
  // Settle: the stored state as its own desired state places whatever can be placed now.
  Spec desired;
  desired.machines = snap.spec.machines;
  desired.units = snap.spec.units;
  ApplyResult settle = apply(store, desired);
  REQUIRE_AUDIT(store.snapshot().spec, desired, settle);
  CHECK(overcommit_of(snap.spec).empty());
  std::map<std::string, MachineState> state;
  for (const auto& m : snap.spec.machines) state[m.name] = m.state;
  for (const auto& [inst, m] : snap.spec.placements) CHECK(state.at(m) != MachineState::Down);
}
