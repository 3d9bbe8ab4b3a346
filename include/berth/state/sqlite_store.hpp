#pragma once
/// \file The embedded default store: one SQLite file in WAL mode, one transaction per commit,
/// so a process killed at any moment leaves every committed plan whole and nothing half-written.
#include <memory>
#include <mutex>
#include <string>

#include "berth/export.hpp"
#include "berth/state/store.hpp"

struct sqlite3;

namespace berth::state {

/// A berth state file. Several processes may share it (SQLite's write lock serialises commits).
class BERTH_API SqliteStore final : public StateStore {
 public:
  /// Opens or creates `path`. Throws StoreError 401 (cannot open), 402 (not a database or
  /// corrupted), 403 (a SQLite database that is not a berth store), 409 (newer format).
  explicit SqliteStore(const std::string& path);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  std::string name() const override { return "sqlite:" + path_; }
  Snapshot snapshot() override;
  CommitResult commit(const Plan& plan, const Snapshot& base) override;
  std::int64_t revision() override;
  /// Polls the file (every 20 ms), so commits by other processes wake it too.
  std::int64_t wait_for_change(std::int64_t since, std::chrono::milliseconds timeout) override;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
  std::mutex mutex_;
  /// Decoded records by name with the exact text they came from: a row whose text is
  /// unchanged is not parsed again (snapshots and commit validation read many records).
  struct Decoded;
  std::unique_ptr<Decoded> decoded_;
};

}  // namespace berth::state
