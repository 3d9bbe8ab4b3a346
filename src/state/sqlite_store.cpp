#include "berth/state/sqlite_store.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <set>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"
#include "detail.hpp"

namespace berth::state {
namespace {

// Bump when the schema changes; a newer file is refused rather than misread.
constexpr int kFormat = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE berth_meta(key TEXT PRIMARY KEY, value NOT NULL);
CREATE TABLE machines(name TEXT PRIMARY KEY, record TEXT NOT NULL, mod_revision INTEGER NOT NULL);
CREATE TABLE units(name TEXT PRIMARY KEY, record TEXT NOT NULL, mod_revision INTEGER NOT NULL);
CREATE TABLE placements(instance TEXT PRIMARY KEY, machine TEXT NOT NULL,
                        mod_revision INTEGER NOT NULL);
CREATE INDEX placements_by_machine ON placements(machine);
INSERT INTO berth_meta VALUES('format', 1);
INSERT INTO berth_meta VALUES('revision', 0);
)sql";

// Turns a SQLite failure into a one-line StoreError: 402 when the file is not a database or is
// damaged, 401 otherwise.
[[noreturn]] void fail(sqlite3* db, int rc, const std::string& store, const std::string& doing) {
  int primary = rc & 0xff;
  std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (primary == SQLITE_NOTADB) {
    throw StoreError(402, store, fmt::format("not a SQLite database ({}) while {}", msg, doing));
  }
  if (primary == SQLITE_CORRUPT) {
    throw StoreError(402, store,
                     fmt::format("the database is corrupted ({}) while {}", msg, doing));
  }
  throw StoreError(401, store, fmt::format("{} while {}", msg, doing));
}

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql, const std::string& store) : db_(db), store_(store) {
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
    if (rc != SQLITE_OK) fail(db, rc, store, "reading the file");
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  /// True while there is a row.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, rc, store_, "reading or writing state");
  }
  void run() {
    while (step()) {
    }
    reset();
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int col) const {
    auto p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  /// Valid until the next step or reset.
  std::string_view view(int col) const {
    auto p = sqlite3_column_text(stmt_, col);
    return p ? std::string_view(reinterpret_cast<const char*>(p),
                                static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string_view();
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  const std::string& store_;
};

void exec(sqlite3* db, const char* sql, const std::string& store, const std::string& doing) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) fail(db, rc, store, doing);
}

// Rolls back unless committed, so an exception never leaves a transaction open.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::string& store, bool write) : db_(db), store_(store) {
    exec(db, write ? "BEGIN IMMEDIATE" : "BEGIN", store, "starting a transaction");
  }
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    exec(db_, "COMMIT", store_, "committing");
    done_ = true;
  }

 private:
  sqlite3* db_;
  const std::string& store_;
  bool done_ = false;
};

std::int64_t read_revision(sqlite3* db, const std::string& store) {
  Stmt q(db, "SELECT value FROM berth_meta WHERE key='revision'", store);
  if (!q.step()) throw StoreError(402, store, "the berth_meta table has no revision");
  return q.integer(0);
}

// A decoded record and the exact text it was decoded from. Decoding is a pure function of the
// text, so an entry whose text equals the stored text is what decoding that row would give.
template <class T>
struct Record {
  std::string text;
  T value;
};
template <class T>
using RecordMap = std::unordered_map<std::string, Record<T>>;

Machine decode_machine(const std::string& store, const std::string& name, const std::string& text) {
  std::string where = fmt::format("machine row \"{}\"", name);
  return detail::machine_from_json(detail::parse_record(text, store, where), store, where);
}

Unit decode_unit(const std::string& store, const std::string& name, const std::string& text) {
  std::string where = fmt::format("unit row \"{}\"", name);
  return detail::unit_from_json(detail::parse_record(text, store, where), store, where);
}

// Moves row `name`'s entry from `old` to `fresh`, decoding `text` only when `old` had no entry
// with exactly this text. Snapshots rebuild the map this way, so rows deleted meanwhile drop out.
template <class T, class Decode>
const T& carry_over(RecordMap<T>& old, RecordMap<T>& fresh, const std::string& name,
                    std::string_view text, Decode decode) {
  auto node = old.extract(name);
  if (node.empty() || node.mapped().text != text) {
    std::string owned(text);
    T value = decode(name, owned);  // throws on a bad record: nothing cached for it
    if (node.empty())
      return fresh.emplace(name, Record<T>{std::move(owned), std::move(value)}).first->second.value;
    node.mapped() = Record<T>{std::move(owned), std::move(value)};
  }
  return fresh.insert(std::move(node)).position->second.value;
}

// Rows of one table read by a commit, each read once (revision and record in one query), decoded
// only if validation needs the record, and then through the store's cache.
template <class T, class Decode>
class Rows {
 public:
  Rows(Stmt& query, RecordMap<T>& cache, Decode decode)
      : q_(query), cache_(cache), decode_(decode) {}

  struct Row {
    bool found = false;
    std::int64_t revision = 0;  ///< 0 when absent
    const T* value = nullptr;   ///< decoded, or null until needed
    std::string text;           ///< the record while not decoded
  };

  Row& row(const std::string& name) {
    auto [it, fresh] = rows_.try_emplace(name);
    if (!fresh) return it->second;
    q_.bind(1, name);
    if (q_.step()) fill(it->second, q_, name);
    q_.reset();
    return it->second;
  }

  /// Reads the rows named in `wanted` with one ordered scan (`scan`: record, mod_revision, name
  /// ORDER BY name) instead of a point query each: a plan that touches a good part of the table
  /// (a big batch) pays ~20x less per row. A wanted name the scan passes by is absent.
  void read_all(Stmt& scan, const std::set<std::string>& wanted) {
    auto w = wanted.begin();
    while (w != wanted.end() && scan.step()) {
      std::string_view name = scan.view(2);
      for (; w != wanted.end() && std::string_view(*w) < name; ++w) rows_.try_emplace(*w);
      if (w != wanted.end() && std::string_view(*w) == name) {
        fill(rows_[*w], scan, *w);
        ++w;
      }
    }
    for (; w != wanted.end(); ++w) rows_.try_emplace(*w);
    scan.reset();
  }

  /// The stored record, or null when there is no such row.
  const T* value(const std::string& name) {
    Row& r = row(name);
    if (!r.found) return nullptr;
    if (!r.value) {
      T v = decode_(name, r.text);
      // unordered_map never moves its elements, so pointers handed out earlier stay valid; an
      // entry replaced here was not handed out (each name is looked up once per commit).
      Record<T>& e = cache_[name];
      e.text = std::move(r.text);
      e.value = std::move(v);
      r.value = &e.value;
    }
    return r.value;
  }

 private:
  // From the current row of `q`: record in column 0, mod_revision in column 1.
  void fill(Row& r, const Stmt& q, const std::string& name) {
    r.found = true;
    r.revision = q.integer(1);
    std::string_view text = q.view(0);
    auto c = cache_.find(name);
    if (c != cache_.end() && c->second.text == text) {
      r.value = &c->second.value;
    } else {
      r.text.assign(text);
    }
  }

  Stmt& q_;
  RecordMap<T>& cache_;
  Decode decode_;
  std::unordered_map<std::string, Row> rows_;
};

}  // namespace

struct SqliteStore::Decoded {
  RecordMap<Machine> machines;
  RecordMap<Unit> units;
};

SqliteStore::SqliteStore(const std::string& path)
    : path_(path), decoded_(std::make_unique<Decoded>()) {
  const std::string store = name();
  int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError(401, store, fmt::format("cannot open: {}", msg));
  }
  try {
    sqlite3_busy_timeout(db_, 30000);
    // What is in the file? Reading the schema fails with SQLITE_NOTADB for a non-database.
    std::vector<std::string> tables;
    {
      Stmt q(db_, "SELECT name FROM sqlite_master WHERE type='table'", store);
      while (q.step()) tables.push_back(q.text(0));
    }
    bool ours = std::find(tables.begin(), tables.end(), "berth_meta") != tables.end();
    if (!ours && !tables.empty()) {
      throw StoreError(403, store,
                       fmt::format("a SQLite database, but not a berth store (it has table {}); "
                                   "refusing to touch it",
                                   tables.front()));
    }
    exec(db_, "PRAGMA journal_mode=WAL", store, "switching to WAL");
    // FULL: a commit reported done survives power loss too, not only a killed process.
    exec(db_, "PRAGMA synchronous=FULL", store, "setting synchronous");
    if (!ours) {
      Transaction tx(db_, store, true);
      Stmt q(db_, "SELECT count(*) FROM sqlite_master WHERE name='berth_meta'", store);
      q.step();
      bool created_meanwhile = q.integer(0) > 0;
      q.reset();
      if (!created_meanwhile) exec(db_, kSchema, store, "creating the schema");
      tx.commit();
    }
    Stmt f(db_, "SELECT value FROM berth_meta WHERE key='format'", store);
    if (!f.step()) throw StoreError(403, store, "berth_meta has no format; not a berth store");
    if (f.integer(0) > kFormat) {
      throw StoreError(409, store,
                       fmt::format("written by a newer berth (format {}, this berth reads {})",
                                   f.integer(0), kFormat));
    }
    (void)read_revision(db_, store);
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

SqliteStore::~SqliteStore() { sqlite3_close(db_); }

Snapshot SqliteStore::snapshot() {
  std::lock_guard lock(mutex_);
  const std::string store = name();
  Snapshot snap;
  Transaction tx(db_, store, false);
  snap.revision = read_revision(db_, store);
  Decoded fresh;
  auto machine = [&](const std::string& n, const std::string& t) {
    return decode_machine(store, n, t);
  };
  auto unit = [&](const std::string& n, const std::string& t) { return decode_unit(store, n, t); };
  // Rows come in name order, so every map insert below goes at the end (hinted, no search).
  {
    Stmt q(db_, "SELECT name, record, mod_revision FROM machines ORDER BY name", store);
    while (q.step()) {
      std::string n = q.text(0);
      const Machine& m = carry_over(decoded_->machines, fresh.machines, n, q.view(1), machine);
      if (m.name != n)
        throw StoreError(403, store, fmt::format("machine row \"{}\" holds machine {}", n, m.name));
      snap.machine_revisions.emplace_hint(snap.machine_revisions.end(), n, q.integer(2));
      snap.spec.machines.push_back(m);
    }
  }
  {
    Stmt q(db_, "SELECT name, record, mod_revision FROM units ORDER BY name", store);
    while (q.step()) {
      std::string n = q.text(0);
      const Unit& u = carry_over(decoded_->units, fresh.units, n, q.view(1), unit);
      if (u.name != n)
        throw StoreError(403, store, fmt::format("unit row \"{}\" holds unit {}", n, u.name));
      snap.unit_revisions.emplace_hint(snap.unit_revisions.end(), n, q.integer(2));
      snap.spec.units.push_back(u);
    }
  }
  {
    Stmt q(db_, "SELECT instance, machine FROM placements ORDER BY instance", store);
    while (q.step())
      snap.spec.placements.emplace_hint(snap.spec.placements.end(), q.text(0), q.text(1));
  }
  tx.commit();
  *decoded_ = std::move(fresh);
  return snap;
}

namespace {

/// The placements of `instances` (sorted) in one scan of the table: nullopt for an instance
/// not placed. For big plans, where one query per instance would cost more.
std::unordered_map<std::string, std::optional<std::string>> scan_placements(
    sqlite3* db, const std::string& store, const std::set<std::string>& instances) {
  std::unordered_map<std::string, std::optional<std::string>> placed;
  Stmt scan(db, "SELECT instance, machine FROM placements ORDER BY instance", store);
  auto w = instances.begin();
  while (w != instances.end() && scan.step()) {
    std::string_view inst = scan.view(0);
    for (; w != instances.end() && std::string_view(*w) < inst; ++w) placed.try_emplace(*w);
    if (w != instances.end() && std::string_view(*w) == inst) {
      placed.try_emplace(*w, scan.text(1));
      ++w;
    }
  }
  for (; w != instances.end(); ++w) placed.try_emplace(*w);
  return placed;
}

/// Writes an admitted plan's definitions and placements at revision `rev`; `view` holds the
/// stored machines whose state the plan changes.
void write_changes(sqlite3* db, const std::string& store, const Plan& plan,
                   const detail::State& view, std::int64_t rev) {
  {
    Stmt put(db, "INSERT OR REPLACE INTO machines VALUES(?, ?, ?)", store);
    std::map<std::string, Machine> changed;
    for (const auto& m : plan.machines) changed[m.name] = m;
    for (const auto& [n, st] : plan.machine_states) {
      auto it = changed.find(n);
      if (it == changed.end()) it = changed.emplace(n, view.machines.at(n)).first;
      it->second.state = st;
    }
    for (const auto& [n, m] : changed)
      put.bind(1, n).bind(2, machine_to_json(m).dump()).bind(3, rev).run();
  }
  {
    Stmt put(db, "INSERT OR REPLACE INTO units VALUES(?, ?, ?)", store);
    for (const auto& u : plan.units)
      put.bind(1, u.name).bind(2, unit_to_json(u).dump()).bind(3, rev).run();
  }
  {
    Stmt del(db, "DELETE FROM placements WHERE instance=?", store);
    for (const auto& inst : plan.evictions) del.bind(1, inst).run();
    Stmt put(db, "INSERT OR REPLACE INTO placements VALUES(?, ?, ?)", store);
    for (const auto& [inst, m] : plan.assignments) put.bind(1, inst).bind(2, m).bind(3, rev).run();
  }
}

/// Deletes what an admitted plan removes: units with their instances' placements, machines
/// with every placement on them.
void write_removals(sqlite3* db, const std::string& store, const Plan& plan,
                    const std::function<bool(const std::string&)>& is_unit) {
  if (!plan.removed_units.empty()) {
    // A unit's instances are `u` and `u@...`; '@' + 1 is 'A', so the range holds exactly the
    // names starting with "u@". unit_of settles names another unit could own (`web@1` the unit).
    Stmt like(db,
              "SELECT instance FROM placements WHERE instance=? OR (instance>=? AND instance<?)",
              store);
    Stmt del(db, "DELETE FROM placements WHERE instance=?", store);
    Stmt del_unit(db, "DELETE FROM units WHERE name=?", store);
    for (const auto& u : plan.removed_units) {
      std::vector<std::string> doomed;
      like.bind(1, u).bind(2, u + "@").bind(3, u + "A");
      while (like.step()) {
        std::string inst = like.text(0);
        if (detail::unit_of(inst, is_unit) == u) doomed.push_back(std::move(inst));
      }
      like.reset();
      for (const auto& inst : doomed) del.bind(1, inst).run();
      del_unit.bind(1, u).run();
    }
  }
  if (!plan.removed_machines.empty()) {
    Stmt del_on(db, "DELETE FROM placements WHERE machine=?", store);
    Stmt del_machine(db, "DELETE FROM machines WHERE name=?", store);
    for (const auto& m : plan.removed_machines) {
      del_on.bind(1, m).run();
      del_machine.bind(1, m).run();
    }
  }
}

/// Writes an admitted plan at revision `rev`. Removals last (as detail::validate orders
/// them): assignments may have moved instances off.
void write_plan(sqlite3* db, const std::string& store, const Plan& plan, const detail::State& view,
                std::int64_t rev, const std::function<bool(const std::string&)>& is_unit) {
  write_changes(db, store, plan, view, rev);
  write_removals(db, store, plan, is_unit);
}

/// Every touched machine's row and the store's revision record this commit.
void bump_revisions(sqlite3* db, const std::string& store, const detail::Touched& touched,
                    std::int64_t rev) {
  Stmt bump(db, "UPDATE machines SET mod_revision=? WHERE name=?", store);
  for (const auto& m : touched.machines) bump.bind(1, rev).bind(2, m).run();
  Stmt meta(db, "UPDATE berth_meta SET value=? WHERE key='revision'", store);
  meta.bind(1, rev).run();
}

}  // namespace

CommitResult SqliteStore::commit(const Plan& plan, const Snapshot& base) {
  detail::Touched touched = detail::touched_by(plan, base);
  std::lock_guard lock(mutex_);
  const std::string store = name();
  CommitResult out;
  // IMMEDIATE takes the write lock now, so nothing changes between the checks and the writes.
  Transaction tx(db_, store, true);
  out.revision = read_revision(db_, store);

  Stmt machine_q(db_, "SELECT record, mod_revision FROM machines WHERE name=?", store);
  Stmt unit_q(db_, "SELECT record, mod_revision FROM units WHERE name=?", store);
  Stmt inst_q(db_, "SELECT machine FROM placements WHERE instance=?", store);
  auto decode_m = [&](const std::string& n, const std::string& t) {
    return decode_machine(store, n, t);
  };
  auto decode_u = [&](const std::string& n, const std::string& t) {
    return decode_unit(store, n, t);
  };
  Rows<Machine, decltype(decode_m)> machines(machine_q, decoded_->machines, decode_m);
  Rows<Unit, decltype(decode_u)> units(unit_q, decoded_->units, decode_u);
  // Big plans: the touched rows in one scan per table (see Rows::read_all). The snapshot's
  // sizes only choose the method; every value read comes from the file, in this transaction.
  auto many = [](std::size_t wanted, std::size_t stored) {
    return wanted > 64 && wanted * 8 >= stored;
  };
  if (many(touched.machines.size(), base.spec.machines.size())) {
    Stmt scan(db_, "SELECT record, mod_revision, name FROM machines ORDER BY name", store);
    machines.read_all(scan, touched.machines);
  }
  if (many(touched.units.size(), base.spec.units.size())) {
    Stmt scan(db_, "SELECT record, mod_revision, name FROM units ORDER BY name", store);
    units.read_all(scan, touched.units);
  }
  std::unordered_map<std::string, std::optional<std::string>> placed;  // new instances, scanned
  if (many(touched.new_instances.size(), base.spec.placements.size()))
    placed = scan_placements(db_, store, touched.new_instances);
  auto placement_of = [&](const std::string& i) -> std::optional<std::string> {
    if (auto it = placed.find(i); it != placed.end()) return it->second;
    inst_q.bind(1, i);
    std::optional<std::string> m;
    if (inst_q.step()) m = inst_q.text(0);
    inst_q.reset();
    return m;
  };
  detail::CurrentLookup now{[&](const std::string& m) { return machines.row(m).revision; },
                            [&](const std::string& u) { return units.row(u).revision; },
                            placement_of};
  if (detail::find_conflicts(base, touched, now, out)) return out;

  // Validate against what is stored, not against the caller's snapshot.
  detail::State view;
  auto is_unit = [&](const std::string& n) { return units.row(n).found; };
  {
    Stmt on_machine(db_, "SELECT instance FROM placements WHERE machine=?", store);
    for (const auto& m : touched.machines) {
      if (const Machine* stored = machines.value(m)) view.machines.emplace(m, *stored);
      on_machine.bind(1, m);
      while (on_machine.step()) view.placements.emplace(on_machine.text(0), m);
      on_machine.reset();
    }
  }
  auto add_placement = [&](const std::string& inst) {
    if (auto m = placement_of(inst)) view.placements.emplace(inst, *m);
  };
  // find_conflicts just read every new instance as unplaced, inside this write transaction.
  for (const auto& [inst, m] : plan.assignments) {
    if (!touched.new_instances.count(inst)) add_placement(inst);
  }
  for (const auto& inst : plan.evictions) add_placement(inst);
  auto add_unit = [&](const std::string& inst) {
    std::string u = detail::unit_of(inst, is_unit);
    if (!u.empty() && !view.units.count(u)) view.units.emplace(u, *units.value(u));
  };
  for (const auto& [inst, m] : view.placements) add_unit(inst);
  for (const auto& [inst, m] : plan.assignments) add_unit(inst);
  for (const auto& u : plan.removed_units) {
    if (const Unit* stored = units.value(u)) view.units.emplace(u, *stored);
  }

  out.problems = detail::validate(plan, view, touched);
  if (!out.problems.empty()) {
    out.status = CommitStatus::Rejected;
    return out;
  }

  const std::int64_t rev = out.revision + 1;
  write_plan(db_, store, plan, view, rev, is_unit);
  bump_revisions(db_, store, touched, rev);
  tx.commit();
  out.revision = rev;
  out.chunks = 1;  // one atomic transaction
  return out;
}

std::int64_t SqliteStore::revision() {
  std::lock_guard lock(mutex_);
  return read_revision(db_, name());
}

std::int64_t SqliteStore::wait_for_change(std::int64_t since, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::int64_t rev = revision();
    if (rev > since || std::chrono::steady_clock::now() >= deadline) return rev;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace berth::state
