// etcd specifics: foreign keys, unreachable endpoints, leases, an outage in the middle of a run,
// and several scheduler processes sharing one cluster.
#include <fmt/format.h>
#include <httplib.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "berth/state/store.hpp"
#include "fixtures.hpp"
#include "support/builders.hpp"

using namespace berth;
using namespace berth::state;
using namespace berth::state::testing;

namespace {

using berth::testing::kGi;  // tests/support/builders.hpp

std::string b64(const std::string& s) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (unsigned char c : s) {
    v = (v << 8) | c;
    bits += 8;
    while (bits >= 6) out += t[(v >> (bits -= 6)) & 63];
  }
  if (bits) out += t[(v << (6 - bits)) & 63];
  while (out.size() % 4) out += '=';
  return out;
}

// Writes a raw key, as some other program sharing the etcd might.
void raw_put(const EtcdServer& etcd, const std::string& key, const std::string& value) {
  httplib::Client c(etcd.endpoint());
  auto res = c.Post("/v3/kv/put", nlohmann::json{{"key", b64(key)}, {"value", b64(value)}}.dump(),
                    "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
}

EtcdOptions options_with_prefix(const EtcdServer& etcd, const std::string& prefix) {
  EtcdOptions o = etcd.options();
  o.prefix = prefix;
  return o;
}

#define REQUIRE_ETCD(server)                           \
  if (!(server).ok()) {                                \
    WARN("etcd tests skipped: " << (server).reason()); \
    return;                                            \
  }

}  // namespace

TEST_CASE("etcd: a key that is not berth's JSON is a one-line error naming store and key",
          "[state][etcd][bad_input]") {
  EtcdServer& etcd = shared_etcd();
  REQUIRE_ETCD(etcd);
  EtcdStore store(options_with_prefix(etcd, "/foreign/berth"));
  raw_put(etcd, "/foreign/berth/machines/m1",
          "{\"name\": \"m1\", \"capacity\": {\"cpu\": \"-4\"}}");
  try {
    store.snapshot();
    FAIL("no error");
  } catch (const StoreError& e) {
    std::string msg = e.what();
    CHECK(e.code() == 403);
    CHECK(msg.find("store " + etcd.url()) != std::string::npos);
    CHECK(msg.find("key /foreign/berth/machines/m1 is not berth's JSON") != std::string::npos);
    CHECK(msg.find('\n') == std::string::npos);
  }
  EtcdStore other(options_with_prefix(etcd, "/foreign2/berth"));
  raw_put(etcd, "/foreign2/berth/placements/web@1", "\x01\x02binary");
  CHECK_THROWS_WITH(other.snapshot(), Catch::Contains("placements/web@1 is not berth's JSON"));
  // Keys outside berth's prefix, and unknown kinds under it, are somebody else's: ignored.
  EtcdStore third(options_with_prefix(etcd, "/foreign3/berth"));
  raw_put(etcd, "/foreign3/other", "not json");
  raw_put(etcd, "/foreign3/berth/future-kind/x", "not json");
  CHECK(third.snapshot().spec.machines.empty());
}

TEST_CASE("etcd: an unreachable endpoint is a clear store error after a short retry",
          "[state][etcd][bad_input]") {
  EtcdOptions o;
  o.endpoints = {"http://127.0.0.1:" + std::to_string(free_port())};
  o.first_contact_budget = std::chrono::milliseconds(500);
  EtcdStore store(o);
  auto t0 = std::chrono::steady_clock::now();
  try {
    store.snapshot();
    FAIL("no error");
  } catch (const StoreError& e) {
    std::string msg = e.what();
    CHECK(e.code() == 404);
    CHECK(msg.find("unreachable at " + o.endpoints[0]) != std::string::npos);
    CHECK(msg.find("gave up after") != std::string::npos);
    CHECK(msg.find('\n') == std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  CHECK_THROWS_AS(open_store("etcd:"), StoreError);
  CHECK_THROWS_WITH(open_store("etcd:127.0.0.1:2379"), Catch::Contains("must start with http://"));
  CHECK_THROWS_WITH(open_store("postgres://x"), Catch::Contains("unknown store"));
}

TEST_CASE("etcd: machine liveness through leases", "[state][etcd][lease]") {
  EtcdServer& etcd = shared_etcd();
  REQUIRE_ETCD(etcd);
  EtcdStore store(options_with_prefix(etcd, "/lease/berth"));
  Plan seed;
  seed.machines = {machine("m1", 4000, 8 * kGi), machine("m2", 4000, 8 * kGi)};
  seed.units = {unit("web", 1000, kGi, 2)};
  REQUIRE(store.commit(seed, store.snapshot()).committed());

  std::int64_t lease = store.announce_alive("m1", std::chrono::seconds(30));
  CHECK(lease != 0);
  Snapshot alive = store.snapshot();
  CHECK(alive.spec.machines[0].state == MachineState::Up);
  CHECK(store.keep_alive(lease));

  store.revoke(lease);  // as if m1 stopped renewing: its key goes with the lease
  CHECK_FALSE(store.keep_alive(lease));
  Snapshot dead = store.snapshot();
  CHECK(dead.spec.machines[0].state == MachineState::Down);
  CHECK(dead.spec.machines[1].state == MachineState::Up);  // never lease-tracked
  // A plan computed while m1 was alive does not land on it now.
  Plan p;
  p.assignments = {{"web@1", "m1"}};
  CHECK_FALSE(store.commit(p, alive).committed());
  CHECK(store.commit(p, dead).status == CommitStatus::Rejected);
  // Placement on a fresh snapshot avoids m1.
  PlaceCommitResult r = place_and_commit(store, Spec{});
  CHECK(r.placement.placements.at("web@1") == "m2");
  CHECK(r.placement.placements.at("web@2") == "m2");

  store.announce_alive("m1", std::chrono::seconds(30));
  CHECK(store.snapshot().spec.machines[0].state == MachineState::Up);
}

TEST_CASE("etcd: stopped and restarted mid-run, berth reports the outage, retries, loses nothing",
          "[state][etcd][faults]") {
  EtcdServer etcd;  // its own server: this test stops it
  REQUIRE_ETCD(etcd);
  std::mutex lines_mutex;
  std::vector<std::string> lines;
  EtcdOptions o = etcd.options();
  o.outage_budget = std::chrono::seconds(30);
  o.on_outage = [&](const std::string& line) {
    std::lock_guard lock(lines_mutex);
    lines.push_back(line);
  };
  EtcdStore store(o);
  Plan seed;
  for (int i = 0; i < 4; ++i)
    seed.machines.push_back(machine(fmt::format("m{}", i), 64000, 256 * kGi));
  REQUIRE(store.commit(seed, store.snapshot()).committed());

  std::atomic<bool> stop{false};
  std::atomic<int> rounds{0};
  std::map<std::string, std::string> committed;
  std::string failure;
  std::thread scheduler([&] {
    try {
      for (int round = 0; !stop.load(); ++round) {
        Spec add;
        for (int k = 0; k < 5; ++k)
          add.units.push_back(unit(fmt::format("r{}-u{}", round, k), 100, kGi));
        PlaceCommitResult r = place_and_commit(store, add);
        if (r.commit.committed())
          committed.insert(r.plan.assignments.begin(), r.plan.assignments.end());
        ++rounds;
      }
    } catch (const std::exception& e) {
      failure = e.what();
    }
  });
  while (rounds.load() < 5 && failure.empty())
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  etcd.stop();
  int before = rounds.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(rounds.load() <= before + 1);  // nothing commits while etcd is down
  etcd.start();
  REQUIRE(etcd.ok());
  int restarted = rounds.load();
  while (rounds.load() < restarted + 5 && failure.empty())
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop = true;
  scheduler.join();
  REQUIRE(failure == "");

  {
    std::lock_guard lock(lines_mutex);
    REQUIRE(lines.size() >= 2);
    CHECK(lines.front().find("unreachable at " + etcd.endpoint()) != std::string::npos);
    CHECK(lines.front().find("retrying for up to 30s") != std::string::npos);
    CHECK(lines.back().find("reachable again after") != std::string::npos);
  }
  Snapshot s = store.snapshot();
  for (const auto& [inst, m] : committed) {
    INFO(inst);
    CHECK(s.spec.placements.count(inst) == 1);
    CHECK(s.spec.placements[inst] == m);
  }
  CHECK(s.spec.placements.size() == s.spec.units.size());  // every stored unit placed, once
  CHECK(overcommit_of(s.spec).empty());
}

TEST_CASE("etcd: 4 scheduler processes share one cluster without overcommit or double placement",
          "[state][etcd][concurrency]") {
  EtcdServer& etcd = shared_etcd();
  REQUIRE_ETCD(etcd);
  const std::string prefix = "/procs/berth";
  constexpr int kUnits = 2000, kWorkers = 4;
  {
    EtcdStore store(options_with_prefix(etcd, prefix));
    Plan p;
    // 20 machines x 8 cpu = 160 cpu for 2,000 units of 75m = 150 cpu: a tight fit.
    for (int i = 0; i < 20; ++i)
      p.machines.push_back(machine(fmt::format("m{:02}", i), 8000, 64 * kGi));
    REQUIRE(store.commit(p, store.snapshot()).committed());
    for (int b = 0; b < kUnits / 500; ++b) {
      Plan units;
      for (int k = 0; k < 500; ++k)
        units.units.push_back(unit(fmt::format("u{:05}", b * 500 + k), 75, 256 << 20));
      REQUIRE(store.commit(units, store.snapshot()).committed());
    }
  }
  TempDir dir;
  std::vector<pid_t> pids;
  for (int w = 0; w < kWorkers; ++w) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      try {
        EtcdStore store(options_with_prefix(etcd, prefix));
        PendingOptions o;
        o.batch = 50;
        o.worker = 0;  // all start at the same place: they collide as much as they can
        o.workers = 1;
        PendingResult r = place_pending(store, o);
        std::ofstream out(dir.file(fmt::format("worker{}", w)));
        out << r.conflicts << " " << r.commits << "\n";
        for (const auto& [inst, m] : r.committed) out << inst << " " << m << "\n";
        out.close();  // _exit skips destructors
        ::_exit(out ? 0 : 1);
      } catch (const std::exception& e) {
        std::ofstream(dir.file(fmt::format("worker{}.err", w))) << e.what() << std::flush;
        ::_exit(1);
      }
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  std::map<std::string, std::string> all;
  int conflicts = 0, commits = 0;
  for (int w = 0; w < kWorkers; ++w) {
    std::ifstream in(dir.file(fmt::format("worker{}", w)));
    int c = 0, n = 0;
    in >> c >> n;
    conflicts += c;
    commits += n;
    std::string inst, m;
    while (in >> inst >> m) {
      INFO(inst << " committed by two schedulers");
      CHECK(all.emplace(inst, m).second);
    }
  }
  EtcdStore store(options_with_prefix(etcd, prefix));
  Snapshot s = store.snapshot();
  CHECK(s.spec.placements.size() == kUnits);
  CHECK(all.size() == kUnits);
  CHECK(all == s.spec.placements);  // every committed assignment is what is stored
  CHECK(overcommit_of(s.spec).empty());
  WARN(kWorkers << " processes, " << kUnits << " units: " << commits << " commits, " << conflicts
                << " conflicts retried");
}

// --- etcd at its default limits (128 operations per txn, 1.5 MiB per request): chunked
// commits, paging, and the errors of a request etcd refuses.

namespace {

Spec cluster(int machines, int units, std::int64_t machine_cpu, std::int64_t unit_cpu) {
  Spec s;
  for (int i = 0; i < machines; ++i)
    s.machines.push_back(machine(fmt::format("m{:04}", i), machine_cpu, 64 * kGi));
  for (int i = 0; i < units; ++i)
    s.units.push_back(unit(fmt::format("u{:05}", i), unit_cpu, 64 << 20));
  return s;
}

}  // namespace

TEST_CASE("etcd: a plan larger than one txn commits in chunks at etcd's default limits",
          "[state][etcd][chunks]") {
  EtcdServer& etcd = shared_etcd();
  REQUIRE_ETCD(etcd);
  EtcdStore store(options_with_prefix(etcd, "/chunks/berth"));
  // 300 machines, 2,000 units and their placements: ~6,000 operations, far over 128.
  Spec spec = cluster(300, 2000, 4000, 500);
  PlaceCommitResult r = place_and_commit(store, spec);
  REQUIRE(r.commit.committed());
  CHECK(r.placement.all_placed());
  CHECK(r.chunks > 25);  // ~17 of unit definitions, then ~100 placements per txn
  CHECK(r.chunks_retried == 0);
  CHECK(r.assignments_committed == 2000);
  // A fresh store (no cache) reads it back in pages of 2,000 keys.
  EtcdStore reader(options_with_prefix(etcd, "/chunks/berth"));
  Snapshot s = reader.snapshot();
  CHECK(s.spec.machines.size() == 300);
  CHECK(s.spec.units.size() == 2000);
  CHECK(s.spec.placements.size() == 2000);
  CHECK(s.spec.placements == r.plan.assignments);
  CHECK(overcommit_of(s.spec).empty());
}

TEST_CASE("etcd: snapshots page through keys, at one revision", "[state][etcd][chunks]") {
  EtcdServer& etcd = shared_etcd();
  REQUIRE_ETCD(etcd);
  EtcdOptions o = options_with_prefix(etcd, "/paging/berth");
  EtcdStore writer(o);
  Spec spec = cluster(23, 61, 4000, 100);
  REQUIRE(place_and_commit(writer, spec).commit.committed());
  o.range_page = 7;  // 23 + 61 + 61 + 1 keys: 21 pages
  EtcdStore paged(o);
  Snapshot a = paged.snapshot();
  Snapshot b = writer.snapshot();
  CHECK(a.revision == b.revision);
  CHECK(a.spec.placements == b.spec.placements);
  CHECK(a.spec.machines.size() == 23);
  CHECK(a.spec.units.size() == 61);
  CHECK(a.machine_revisions == b.machine_revisions);
  CHECK(a.unit_revisions == b.unit_revisions);
}

TEST_CASE("etcd: one machine's changes larger than one txn are error 410 and change nothing",
          "[state][etcd][chunks][bad_input]") {
  EtcdServer& etcd = shared_etcd();
  REQUIRE_ETCD(etcd);
  EtcdStore store(options_with_prefix(etcd, "/onebig/berth"));
  Spec spec = cluster(1, 200, 100000, 100);
  Plan defs;
  defs.machines = spec.machines;
  defs.units = spec.units;
  REQUIRE(store.commit(defs, store.snapshot()).committed());
  Snapshot s = store.snapshot();
  Plan all;
  for (const auto& u : spec.units)
    all.assignments[u.name] = "m0000";  // 200 placements on one machine
  try {
    store.commit(all, s);
    FAIL("expected StoreError 410");
  } catch (const StoreError& e) {
    CHECK(e.code() == 410);
    std::string what = e.what();
    CHECK(what.find("m0000") != std::string::npos);
    CHECK(what.find("--max-txn-ops") != std::string::npos);
  }
  CHECK(store.snapshot().revision == s.revision);
}

TEST_CASE(
    "etcd: a conflict in a later chunk keeps the chunks before it; the caller re-plans the rest",
    "[state][etcd][chunks]") {
  EtcdServer& etcd = shared_etcd();
  REQUIRE_ETCD(etcd);
  EtcdOptions o = options_with_prefix(etcd, "/partial/berth");
  o.max_txn_ops = 16;  // small chunks, so that the plan below takes several
  EtcdStore a(o), b(o);
  Spec spec = cluster(10, 40, 4000, 500);
  Plan defs;
  defs.machines = spec.machines;
  defs.units = spec.units;
  REQUIRE(a.commit(defs, a.snapshot()).committed());
  Snapshot base = a.snapshot();
  // Four units per machine, machine by machine: m0009 is in the last chunk.
  Plan plan;
  for (int i = 0; i < 40; ++i)
    plan.assignments[fmt::format("u{:05}", i)] = fmt::format("m{:04}", i / 4);
  // Meanwhile another scheduler changes m0009.
  Plan other;
  other.machine_states["m0009"] = MachineState::Draining;
  REQUIRE(b.commit(other, b.snapshot()).committed());
  CommitResult r = a.commit(plan, base);
  REQUIRE(r.status == CommitStatus::Conflict);
  CHECK(r.conflicting_machines == std::vector<std::string>{"m0009"});
  CHECK(r.chunks > 0);
  CHECK(r.committed_assignments.size() == 36);
  Snapshot now = a.snapshot();
  CHECK(now.spec.placements == r.committed_assignments);  // what stood is exactly what is stored

  // The scheduler loop re-plans on a fresh snapshot: the committed chunks stay, the rest is
  // placed elsewhere, and the answer counts the retried chunk. A store that lets another writer
  // drain the machine of the plan's last chunk right before the first commit makes it happen.
  struct Interfering final : StateStore {
    EtcdStore& inner;
    EtcdStore& other;
    bool done = false;
    Interfering(EtcdStore& i, EtcdStore& o) : inner(i), other(o) {}
    std::string name() const override { return inner.name(); }
    Snapshot snapshot() override { return inner.snapshot(); }
    std::int64_t revision() override { return inner.revision(); }
    std::int64_t wait_for_change(std::int64_t s, std::chrono::milliseconds t) override {
      return inner.wait_for_change(s, t);
    }
    CommitResult commit(const Plan& plan, const Snapshot& base) override {
      if (!done && plan.assignments.size() > 8) {
        done = true;
        std::string last;
        for (const auto& [inst, m] : plan.assignments) {
          if (base.machine_revisions.count(m)) last = std::max(last, m);  // a stored machine
        }
        Plan drain;
        drain.machine_states[last] = MachineState::Draining;
        REQUIRE(other.commit(drain, other.snapshot()).committed());
      }
      return inner.commit(plan, base);
    }
  };
  EtcdStore c(o);
  Interfering store(c, b);
  Spec more;
  more.units = {unit("late", 500, 64 << 20, 16)};
  more.machines = {machine("m0010", 4000, 64 * kGi), machine("m0011", 4000, 64 * kGi),
                   machine("m0012", 4000, 64 * kGi)};
  PlaceCommitResult placed = place_and_commit(store, more);
  CHECK(placed.commit.committed());
  CHECK(placed.chunks_retried == 1);
  CHECK(placed.conflicts == 1);
  CHECK(placed.chunks > 2);
  Snapshot end = c.snapshot();
  CHECK(end.spec.placements.size() == 40 + 16);  // the 4 left over and late x16, none lost
  for (const auto& [inst, m] : end.spec.placements) {
    if (now.spec.placements.count(inst)) CHECK(now.spec.placements.at(inst) == m);  // stood
  }
  CHECK(overcommit_of(end.spec).empty());
}

TEST_CASE("etcd: a request etcd refuses names the limit at once, never 'connection lost'",
          "[state][etcd][chunks][bad_input]") {
  EtcdServer& etcd = shared_etcd();
  REQUIRE_ETCD(etcd);
  auto expect_405 = [&](EtcdOptions o, const Plan& plan, const std::string& words) {
    EtcdStore store(o);
    Snapshot s = store.snapshot();
    auto t0 = std::chrono::steady_clock::now();
    try {
      store.commit(plan, s);
      FAIL("expected StoreError 405");
    } catch (const StoreError& e) {
      std::string what = e.what();
      INFO(what);
      CHECK(e.code() == 405);
      CHECK(what.find(words) != std::string::npos);
      CHECK(what.find("connection lost") == std::string::npos);
    }
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));  // no retrying
    CHECK(store.snapshot().revision == s.revision);
  };
  // Options that claim the server allows more than it does (etcd runs at its defaults here).
  EtcdOptions many = options_with_prefix(etcd, "/refused/berth");
  many.max_txn_ops = 100000;
  Plan machines;
  for (int i = 0; i < 300; ++i)
    machines.machines.push_back(machine(fmt::format("m{:03}", i), 4000, kGi));
  expect_405(many, machines, "too many operations");

  EtcdOptions big = options_with_prefix(etcd, "/refused/berth");
  big.max_request_bytes = 64 << 20;
  for (std::size_t size : {std::size_t{1700} << 10, std::size_t{3} << 20}) {
    Plan huge;
    Machine m = machine("huge", 4000, kGi);
    m.metadata["blob"] = {std::string(size, 'x')};  // just over 1.5 MiB, and well over 2 MiB
    huge.machines.push_back(m);
    INFO(size);
    expect_405(big, huge, "too large");
  }
}

TEST_CASE(
    "etcd: chunked commits of random plans end where one atomic store ends (memory as oracle)",
    "[state][etcd][chunks][property]") {
  EtcdServer& etcd = shared_etcd();
  REQUIRE_ETCD(etcd);
  EtcdOptions o = options_with_prefix(etcd, "/oracle/berth");
  // Several chunks per plan; a machine receives at most 10 instances per round (4 cpu, units of
  // 400m or more), 21 compares, so no single machine exceeds a txn.
  o.max_txn_ops = 24;
  EtcdStore chunked(o);
  auto oracle = std::make_unique<MemoryStore>();
  std::mt19937 rng(20261206);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  int chunks = 0;
  for (int round = 0; round < 25; ++round) {
    Spec add;
    int new_machines = pick(6);
    for (int i = 0; i < new_machines; ++i)
      add.machines.push_back(
          machine(fmt::format("r{}m{}", round, i), 1000 * (1 + pick(4)), 64 * kGi));
    int new_units = pick(30);
    for (int i = 0; i < new_units; ++i)
      add.units.push_back(
          unit(fmt::format("r{}u{}", round, i), 400 * (1 + pick(4)), kGi, 1 + pick(3)));
    PlaceCommitResult a = place_and_commit(chunked, add);
    PlaceCommitResult b = place_and_commit(*oracle, add);
    chunks += a.chunks;
    INFO("round " << round);
    // Same input, same placement engine, same stored state: the plan must land identically.
    Snapshot sa = chunked.snapshot(), sb = oracle->snapshot();
    REQUIRE(sa.spec.placements == sb.spec.placements);
    REQUIRE(sa.spec.units.size() == sb.spec.units.size());
    REQUIRE(sa.spec.machines.size() == sb.spec.machines.size());
    CHECK(overcommit_of(sa.spec).empty());
    // Now and then remove a random machine (its units go back to pending) or unit.
    if (round % 3 == 2 && !sa.spec.machines.empty()) {
      Plan rm;
      if (pick(2) == 0)
        rm.removed_machines = {
            sa.spec.machines[pick(static_cast<int>(sa.spec.machines.size()))].name};
      else if (!sa.spec.units.empty())
        rm.removed_units = {sa.spec.units[pick(static_cast<int>(sa.spec.units.size()))].name};
      REQUIRE(chunked.commit(rm, sa).committed());
      // The oracle: the same removal applied by hand (the memory store's own removals land
      // with wip/apply; this keeps the oracle independent of both).
      Snapshot after = chunked.snapshot();
      Spec expect = sb.spec;
      for (const auto& m : rm.removed_machines) {
        std::erase_if(expect.machines, [&](const Machine& x) { return x.name == m; });
        std::erase_if(expect.placements, [&](const auto& kv) { return kv.second == m; });
      }
      for (const auto& u : rm.removed_units) {
        std::erase_if(expect.units, [&](const Unit& x) { return x.name == u; });
        std::erase_if(expect.placements, [&](const auto& kv) {
          return kv.first == u || kv.first.rfind(u + "@", 0) == 0;
        });
      }
      REQUIRE(after.spec.placements == expect.placements);
      REQUIRE(after.spec.machines.size() == expect.machines.size());
      REQUIRE(after.spec.units.size() == expect.units.size());
      // Rebuild the oracle from the expectation so later rounds start equal.
      Plan all;
      all.machines = expect.machines;
      all.units = expect.units;
      all.assignments = expect.placements;
      oracle = std::make_unique<MemoryStore>();
      REQUIRE(oracle->commit(all, oracle->snapshot()).committed());
    }
  }
  CHECK(chunks > 25);  // more txns than rounds: plans were split
}
