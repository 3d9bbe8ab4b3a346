// SQLite specifics: durability across kill -9, and files that are not (or no longer) berth's.
#include <fmt/format.h>
#include <sqlite3.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <set>

#include "berth/state/store.hpp"
#include "fixtures.hpp"

using namespace berth;
using namespace berth::state;
using namespace berth::state::testing;

namespace {

// Opens `path` and reads it; returns the StoreError's message ("" when it worked).
std::string open_error(const std::string& path, int* code = nullptr) {
  try {
    SqliteStore s(path);
    s.snapshot();
    return "";
  } catch (const StoreError& e) {
    if (code) *code = e.code();
    return e.what();
  }
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace

TEST_CASE("sqlite: committed state survives closing and reopening", "[state][sqlite]") {
  TempDir dir;
  std::string path = dir.file("b.db");
  {
    SqliteStore s(path);
    Plan p;
    p.machines = {machine("m1", 4000, 1 << 30)};
    p.units = {unit("web", 1000, 1 << 20, 2)};
    p.assignments = {{"web@1", "m1"}};
    REQUIRE(s.commit(p, s.snapshot()).committed());
  }
  SqliteStore again(path);
  Snapshot snap = again.snapshot();
  CHECK(snap.revision == 1);
  CHECK(snap.spec.placements.at("web@1") == "m1");
  CHECK(again.name() == "sqlite:" + path);
}

TEST_CASE("sqlite: a file that is not a berth store is a one-line error naming the store",
          "[state][sqlite][bad_input]") {
  TempDir dir;
  int code = 0;

  std::string garbage = dir.file("garbage.db");
  write_file(garbage, std::string(10000, 'x'));
  std::string msg = open_error(garbage, &code);
  CHECK(code == 402);
  CHECK(msg.find("store sqlite:" + garbage) != std::string::npos);
  CHECK(msg.find("not a SQLite database") != std::string::npos);
  CHECK(msg.find('\n') == std::string::npos);

  std::string foreign = dir.file("foreign.db");
  {
    sqlite3* db = nullptr;
    sqlite3_open(foreign.c_str(), &db);
    sqlite3_exec(db, "CREATE TABLE customers(id INTEGER)", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  msg = open_error(foreign, &code);
  CHECK(code == 403);
  CHECK(msg.find("not a berth store") != std::string::npos);

  std::string newer = dir.file("newer.db");
  { SqliteStore s(newer); }
  {
    sqlite3* db = nullptr;
    sqlite3_open(newer.c_str(), &db);
    sqlite3_exec(db, "UPDATE berth_meta SET value=99 WHERE key='format'", nullptr, nullptr,
                 nullptr);
    sqlite3_close(db);
  }
  CHECK(open_error(newer, &code).find("newer berth") != std::string::npos);
  CHECK(code == 409);

  CHECK(open_error(dir.file("no/such/dir/b.db"), &code).find("cannot open") != std::string::npos);
  CHECK(code == 401);

  // A berth row whose record is not berth's JSON.
  std::string tampered = dir.file("tampered.db");
  { SqliteStore s(tampered); }
  {
    sqlite3* db = nullptr;
    sqlite3_open(tampered.c_str(), &db);
    sqlite3_exec(db, "INSERT INTO units VALUES('x', '{\"name\": \"x\", \"replicas\": -3}', 1)",
                 nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  msg = open_error(tampered, &code);
  CHECK(code == 403);
  CHECK(msg.find("unit row \"x\" is not berth's JSON") != std::string::npos);
}

TEST_CASE("sqlite: damaged files fail with a store error, never a crash",
          "[state][sqlite][bad_input]") {
  TempDir dir;
  std::string path = dir.file("b.db");
  {
    SqliteStore s(path);
    Plan p;
    for (int i = 0; i < 200; ++i)
      p.machines.push_back(machine(fmt::format("machine-{:04}", i), 4000, 1 << 30));
    REQUIRE(s.commit(p, s.snapshot()).committed());
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(bytes.size() > 8192);
  std::mt19937 rng(6);  // fixed seed: the damage is the same on every run
  for (int round = 0; round < 20; ++round) {
    std::string damaged = bytes;
    if (round == 0) {
      damaged.resize(damaged.size() / 2);  // truncated
    } else {
      std::size_t at = std::uniform_int_distribution<std::size_t>(0, damaged.size() - 64)(rng);
      for (std::size_t i = 0; i < 64; ++i) damaged[at + i] = static_cast<char>(rng());
    }
    std::string copy = dir.file(fmt::format("damaged{}.db", round));
    write_file(copy, damaged);
    INFO("round " << round << " (seed 6)");
    std::string msg = open_error(copy);
    // Some damage lands in free space and harms nothing; what is noticed is reported.
    if (!msg.empty()) {
      CHECK(msg.find("[berth.store.40") == 0);
      CHECK(msg.find('\n') == std::string::npos);
    }
  }
}

TEST_CASE("sqlite: kill -9 during commits 100 times loses no committed plan and half-applies none",
          "[state][sqlite][faults]") {
  TempDir dir;
  const std::string path = dir.file("b.db");
  {
    SqliteStore s(path);
    Plan p;
    for (int i = 0; i < 4; ++i)
      p.machines.push_back(machine(fmt::format("m{}", i), 1'000'000'000, 1LL << 50));
    REQUIRE(s.commit(p, s.snapshot()).committed());
  }
  const std::uint32_t seed = 20261125;
  std::mt19937 rng(seed);
  std::set<int> reported;  // plans the children saw committed
  int kills = 0;
  for (int round = 0; round < 100; ++round) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      try {
        // Each plan k adds unit c<k> (3 replicas) and places all three: all or nothing.
        SqliteStore s(path);
        for (;;) {
          Snapshot snap = s.snapshot();
          int k = static_cast<int>(snap.spec.units.size());
          Plan p;
          p.units = {unit(fmt::format("c{}", k), 1, 1, 3)};
          for (int r = 1; r <= 3; ++r)
            p.assignments[fmt::format("c{}@{}", k, r)] = fmt::format("m{}", (k + r) % 4);
          if (s.commit(p, snap).committed()) {
            if (::write(fds[1], &k, sizeof k) != sizeof k) ::_exit(3);
          }
        }
      } catch (...) {
        ::_exit(2);
      }
    }
    ::close(fds[1]);
    // Wait for the child's first commit, so that the kill lands while it is committing (not
    // while it is still starting), then at a random moment.
    int first;
    REQUIRE(::read(fds[0], &first, sizeof first) == sizeof first);
    reported.insert(first);
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, 20000)(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    INFO("round " << round << ", seed " << seed);
    REQUIRE(WIFSIGNALED(status));  // not an early exit from an error
    ++kills;
    int k;
    while (::read(fds[0], &k, sizeof k) == sizeof k) reported.insert(k);
    ::close(fds[0]);

    SqliteStore s(path);
    Snapshot snap = s.snapshot();
    const auto units = snap.spec.units.size();
    REQUIRE(snap.spec.placements.size() == 3 * units);  // no half-applied plan
    REQUIRE(snap.revision == static_cast<std::int64_t>(units) + 1);
    for (int r : reported) REQUIRE(snap.spec.placements.count(fmt::format("c{}@1", r)) == 1);
  }
  CHECK(kills == 100);
  WARN("100 kill -9 rounds: " << reported.size() << " commits reported before a kill, all intact");
  CHECK(reported.size() >= 100);
}

// A store keeps decoded records keyed by their exact stored text (so unchanged rows are not
// parsed again). A row rewritten behind its back, even with its revision left as it was, must
// be read afresh by both the next snapshot and the next commit's capacity check.
TEST_CASE("sqlite: records changed behind a store's back are decoded again", "[state][sqlite]") {
  TempDir dir;
  std::string path = dir.file("b.db");
  SqliteStore a(path);
  {
    Plan p;
    p.machines = {machine("m1", 4000, 1 << 30)};
    p.units = {unit("web", 1000, 1 << 20, 2)};
    REQUIRE(a.commit(p, a.snapshot()).committed());
  }
  Snapshot before = a.snapshot();  // decodes and keeps web at 1000 millicores
  REQUIRE(before.spec.units.at(0).requests.cpu == 1000);
  REQUIRE(before.unit_revisions.at("web") == 1);
  {
    SqliteStore b(path);
    Plan p;
    p.units = {unit("web", 3000, 1 << 20, 2)};
    REQUIRE(b.commit(p, b.snapshot()).committed());
  }
  {
    // Put web's old revision back: only the text tells the records apart now.
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    REQUIRE(sqlite3_exec(db, "UPDATE units SET mod_revision=1 WHERE name='web'", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  // Two instances of 3000 millicores do not fit 4000: refused, whatever `before` says.
  Plan grow;
  grow.assignments = {{"web@1", "m1"}, {"web@2", "m1"}};
  CommitResult r = a.commit(grow, before);
  CHECK(r.status == CommitStatus::Rejected);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].kind == CommitProblem::Kind::Overcommit);
  CHECK(r.problems[0].machine == "m1");
  CHECK(r.problems[0].dimension == "cpu");
  CHECK(r.problems[0].holds == 6000);
  CHECK(r.problems[0].allocatable == 4000);
  CHECK(r.problems[0].describe().find("m1 would hold cpu") != std::string::npos);
  CHECK(a.snapshot().spec.units.at(0).requests.cpu == 3000);
  CHECK(a.snapshot().spec.placements.empty());

  // A record damaged after it was decoded is reported, not served from memory.
  {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    REQUIRE(sqlite3_exec(db, "UPDATE units SET record='{\"name\": \"web\", \"replicas\": -3}'",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  try {
    a.snapshot();
    FAIL("a damaged record was not noticed");
  } catch (const StoreError& e) {
    CHECK(e.code() == 403);
    CHECK(std::string(e.what()).find("unit row \"web\" is not berth's JSON") != std::string::npos);
  }
}

// A plan touching many rows reads them with one ordered scan per table instead of a query
// each (sqlite_store.cpp, Rows::read_all): the same conflicts and the same capacity check.
TEST_CASE("sqlite: big plans (rows read by scans) see the same conflicts and overcommits",
          "[state][sqlite]") {
  TempDir dir;
  std::string path = dir.file("b.db");
  SqliteStore a(path);
  {
    Plan p;
    for (int i = 0; i < 200; ++i)
      p.machines.push_back(machine(fmt::format("m{:03}", i), 2000, 1 << 30));
    for (int i = 0; i < 400; ++i) p.units.push_back(unit(fmt::format("u{:03}", i), 1000, 1 << 20));
    REQUIRE(a.commit(p, a.snapshot()).committed());
  }
  Snapshot base = a.snapshot();
  auto all_two_per_machine = [] {
    Plan p;
    for (int i = 0; i < 400; ++i)
      p.assignments[fmt::format("u{:03}", i)] = fmt::format("m{:03}", i / 2);
    return p;
  };
  {
    // Meanwhile another process places u007, redefines u123 and restates m150.
    SqliteStore b(path);
    Snapshot s = b.snapshot();
    Plan p;
    p.assignments = {{"u007", "m199"}};
    p.units = {unit("u123", 1000, 2 << 20)};
    p.machine_states = {{"m150", MachineState::Draining}};
    REQUIRE(b.commit(p, s).committed());
  }
  CommitResult r = a.commit(all_two_per_machine(), base);
  CHECK(r.status == CommitStatus::Conflict);
  CHECK(r.conflicting_instances == std::vector<std::string>{"u007"});
  CHECK(r.conflicting_units == std::vector<std::string>{"u123"});
  // m199 (u007 landed there) and m150 (restated) changed; m003 (u007's target) did not.
  CHECK(r.conflicting_machines == std::vector<std::string>{"m150", "m199"});

  // On a fresh snapshot: three instances on m010 is one too many (2000 millicores).
  Snapshot now = a.snapshot();
  Plan over;
  for (int i = 100; i < 300; ++i)
    over.assignments[fmt::format("u{:03}", i)] = fmt::format("m{:03}", i / 2);
  over.assignments["u399"] = "m060";
  r = a.commit(over, now);
  CHECK(r.status == CommitStatus::Rejected);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].kind == CommitProblem::Kind::Overcommit);
  CHECK(r.problems[0].machine == "m060");
  CHECK(r.problems[0].describe().find("m060 would hold cpu") != std::string::npos);
  CHECK(a.snapshot().spec.placements.size() == 1);  // only u007, from the other process

  over.assignments.erase("u399");
  r = a.commit(over, now);
  CHECK(r.committed());
  CHECK(a.snapshot().spec.placements.size() == 201);
}
