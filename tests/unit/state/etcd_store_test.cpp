// etcd specifics: foreign keys, unreachable endpoints, leases, an outage in the middle of a run,
// and several scheduler processes sharing one cluster.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <httplib.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "berth/state/store.hpp"
#include "fixtures.hpp"

using namespace berth;
using namespace berth::state;
using namespace berth::state::testing;

namespace {

constexpr std::int64_t kGi = 1024LL * 1024 * 1024;

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

#define REQUIRE_ETCD(server)                                     \
  if (!(server).ok()) {                                          \
    WARN("etcd tests skipped: " << (server).reason());           \
    return;                                                      \
  }

}  // namespace

TEST_CASE("etcd: a key that is not berth's JSON is a one-line error naming store and key",
          "[state][etcd][bad_input]") {
  EtcdServer& etcd = shared_etcd();
  REQUIRE_ETCD(etcd);
  EtcdStore store(options_with_prefix(etcd, "/foreign/berth"));
  raw_put(etcd, "/foreign/berth/machines/m1", "{\"name\": \"m1\", \"capacity\": {\"cpu\": \"-4\"}}");
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
  for (int i = 0; i < 4; ++i) seed.machines.push_back(machine(fmt::format("m{}", i), 64000, 256 * kGi));
  REQUIRE(store.commit(seed, store.snapshot()).committed());

  std::atomic<bool> stop{false};
  std::atomic<int> rounds{0};
  std::map<std::string, std::string> committed;
  std::string failure;
  std::thread scheduler([&] {
    try {
      for (int round = 0; !stop.load(); ++round) {
        Spec add;
        for (int k = 0; k < 5; ++k) add.units.push_back(unit(fmt::format("r{}-u{}", round, k), 100, kGi));
        PlaceCommitResult r = place_and_commit(store, add);
        if (r.commit.committed()) committed.insert(r.plan.assignments.begin(), r.plan.assignments.end());
        ++rounds;
      }
    } catch (const std::exception& e) {
      failure = e.what();
    }
  });
  while (rounds.load() < 5 && failure.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  etcd.stop();
  int before = rounds.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(rounds.load() <= before + 1);  // nothing commits while etcd is down
  etcd.start();
  REQUIRE(etcd.ok());
  int restarted = rounds.load();
  while (rounds.load() < restarted + 5 && failure.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
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
    for (int i = 0; i < 20; ++i) p.machines.push_back(machine(fmt::format("m{:02}", i), 8000, 64 * kGi));
    REQUIRE(store.commit(p, store.snapshot()).committed());
    for (int b = 0; b < kUnits / 500; ++b) {
      Plan units;
      for (int k = 0; k < 500; ++k) units.units.push_back(unit(fmt::format("u{:05}", b * 500 + k), 75, 256 << 20));
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
