#pragma once
/// \file The state store interface: consistent snapshots in, plans out, with optimistic
/// concurrency (as Omega and Nomad's plan queue do). The placement engine never talks to a
/// store; a scheduler loop reads a snapshot, computes a plan, and commits it against that
/// snapshot. See docs/stores.md.
///
/// Store errors are berth::StoreError with ids 401-499:
///   401 cannot open or write the store (path, permissions, disk)
///   402 the store's file is not a SQLite database, or is corrupted
///   403 foreign data: a SQLite file that is not a berth store, an etcd key that is not berth's
///   JSON 404 endpoint unreachable (after retrying for the outage budget) 405 the store refused a
///   request (e.g. etcd's --max-txn-ops, an HTTP error) 406 malformed store URL 407 a plan was
///   rejected by the store's validation (it would overcommit or is invalid) 408 gave up after too
///   many commit conflicts 409 the store was written by a newer berth (unknown format version) 410
///   one indivisible part of a plan (one machine's changes) exceeds one etcd transaction
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "berth/export.hpp"
#include "berth/model/spec.hpp"
#include "berth/place/place.hpp"
#include "berth/place/plan.hpp"

namespace berth::state {

/// A consistent view of the stored cluster at one revision.
struct Snapshot {
  /// Machines and units (sorted by name) and every placement (instance -> machine).
  Spec spec;
  /// The store's revision when the snapshot was read; grows with every commit.
  std::int64_t revision = 0;
  /// Revision of the last change to each machine: its definition, its state, or any placement
  /// on it. A plan is admitted only if every machine it touches still has this revision.
  std::map<std::string, std::int64_t> machine_revisions;
  /// Revision of the last change to each unit's definition.
  std::map<std::string, std::int64_t> unit_revisions;
};

/// How a commit ended.
enum class CommitStatus {
  Committed,  ///< applied (atomically, or in chunks on etcd: see CommitResult::chunks)
  /// Something the plan touches changed since its base; retry on a fresh snapshot. On etcd,
  /// chunks committed before the refused one stand (CommitResult::chunks says how many).
  Conflict,
  Rejected,  ///< the plan is invalid against stored state (overcommit, unknown machine...)
};

/// "committed", "conflict", "rejected".
BERTH_API const char* to_string(CommitStatus s);

/// Why a store rejects a plan: the store's "no", typed, one kind per check (detail::validate;
/// etcd's own two). describe() is the line CommitResult::summary() and error 407 print.
struct BERTH_API CommitProblem {
  enum class Kind : std::uint8_t {
    StateOfUnknownMachine,    ///< "state change for unknown machine {machine}"
    EvictsUnplaced,           ///< "evicts {instance}, which is not placed"
    AssignsToUnknownMachine,  ///< "assigns {instance} to unknown machine {machine}"
    AssignsNoInstance,        ///< "assigns {instance}, which is no instance of a known unit"
    AssignsToMachineNotUp,    ///< "assigns {instance} to {machine}, which is {state}"
    RemovesUnknownUnit,       ///< "removes unknown unit {unit}"
    RemovesUnknownMachine,    ///< "removes unknown machine {machine}"
    AssignsToRemovedMachine,  ///< "assigns {instance} to {machine}, which the plan removes"
    AssignsOfRemovedUnit,     ///< "assigns {instance}, whose unit the plan removes"
    Overcommit,               ///< "{machine} would hold {dimension} {holds} of {allocatable} ..."
    RedefinesAndRemovesUnit,  ///< etcd: "both redefines and removes unit {unit}"
    RedefinesAndRemovesMachine,  ///< etcd: "both redefines and removes machine {machine}"
  };
  Kind kind = Kind::Overcommit;
  std::string instance;
  std::string machine;
  std::string unit;
  MachineState state = MachineState::Up;  ///< AssignsToMachineNotUp: the machine's state
  std::string dimension;                  ///< Overcommit
  std::int64_t holds = 0;                 ///< Overcommit: what the machine would hold
  std::int64_t allocatable = 0;           ///< Overcommit: its allocatable amount

  /// "m1 would hold memory 9 GiB of 8 GiB allocatable".
  std::string describe() const;
  friend bool operator==(const CommitProblem&, const CommitProblem&) = default;
};

struct BERTH_API CommitResult {
  CommitStatus status = CommitStatus::Committed;
  /// Store revision after the commit (Committed) or when the commit was refused.
  std::int64_t revision = 0;
  /// Why a Conflict was declared. Changed: the conflicting_* lists name what changed since the
  /// base snapshot. Guard (etcd): the transaction was refused but none of the keys it compared
  /// changed, so what failed is one of its guards: a machine's lease expired
  /// (conflicting_machines) or an instance of a unit the plan deletes was placed meanwhile
  /// (conflicting_units); the lists name the candidates.
  enum class ConflictCause : std::uint8_t { Changed, Guard };
  ConflictCause conflict_cause = ConflictCause::Changed;
  /// Conflict: machines that changed since the base snapshot (names).
  std::vector<std::string> conflicting_machines;
  /// Conflict: units whose definition changed since the base snapshot (names).
  std::vector<std::string> conflicting_units;
  /// Conflict: instances the plan places that another commit placed first (names).
  std::vector<std::string> conflicting_instances;
  /// Rejected: every problem found, e.g. an Overcommit of m1 in memory.
  std::vector<CommitProblem> problems;
  /// Transactions that were applied. SQLite and memory commit a plan as one (1 when committed,
  /// 0 otherwise); etcd splits a plan larger than one txn into chunks grouped by machine
  /// (docs/stores.md), and on a Conflict the chunks before the refused one stand.
  int chunks = 0;
  /// Conflict after some chunks stood: the assignments those chunks committed (the refused
  /// chunk and those after it are not applied; a fresh snapshot shows exactly what stood).
  std::map<std::string, std::string> committed_assignments;

  bool committed() const { return status == CommitStatus::Committed; }
  /// One line: "conflict on machines m1, m2" or "rejected: m1 would hold ...".
  std::string summary() const;
};

/// Where cluster state lives. Implementations are safe to use from several threads; every
/// store also admits several processes (SQLite through its file lock, etcd through txn).
class BERTH_API StateStore {
 public:
  virtual ~StateStore() = default;

  /// The store's name as people gave it ("sqlite:./berth.db"); used in every error.
  virtual std::string name() const = 0;
  /// Reads the whole state at one revision.
  virtual Snapshot snapshot() = 0;
  /// Applies `plan` if no machine, unit or instance it touches changed since `base` (which must
  /// come from this store's snapshot()), after re-checking capacity of every touched machine.
  /// Atomic on SQLite and memory; on etcd a plan larger than one txn is committed in chunks,
  /// each holding every change to the machines it touches, so each machine (and the stored
  /// state as a whole) is valid after every chunk. Rejected changes nothing; Conflict changes
  /// nothing except chunks that were committed before it (CommitResult::chunks).
  virtual CommitResult commit(const Plan& plan, const Snapshot& base) = 0;
  /// Current revision (cheap).
  virtual std::int64_t revision() = 0;
  /// Blocks until the revision exceeds `since` or `timeout` passes; returns the revision then
  /// (== `since` or less on timeout). Sees commits from other processes too.
  virtual std::int64_t wait_for_change(std::int64_t since, std::chrono::milliseconds timeout) = 0;
};

/// Calls `on_change(revision)` from a background thread after every change (changes that land
/// close together may be reported once). Stops when destroyed.
class BERTH_API Watcher {
 public:
  Watcher(StateStore& store, std::function<void(std::int64_t)> on_change);
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Opens a store by URL: `memory:`, `sqlite:PATH`, `etcd:http://HOST:PORT[,http://HOST2:PORT]`.
/// Throws StoreError 406 for an unknown scheme.
BERTH_API std::unique_ptr<StateStore> open_store(const std::string& url);

/// What place_and_commit did.
struct PlaceCommitResult {
  Spec spec;                  ///< what was placed: the stored state merged with the additions
  PlacementResult placement;  ///< the placement of the attempt that was committed
  Plan plan;                  ///< the plan that was committed
  CommitResult commit;
  int attempts = 0;        ///< snapshot -> place -> commit rounds
  int conflicts = 0;       ///< rounds refused with a conflict (and retried)
  int chunks = 0;          ///< transactions committed over all rounds (etcd: chunks)
  int chunks_retried = 0;  ///< chunks refused by a conflict and re-planned on a fresh snapshot
  std::size_t assignments_committed = 0;  ///< over all rounds (partial rounds included)
};

/// The scheduler loop: snapshot, add `additions` (machines and units replace stored ones by
/// name; its placements become assignments), place, commit; on a conflict, retry on a fresh
/// snapshot (up to `max_retries` times, with a short jittered back-off). Throws StoreError 407
/// when the store rejects the plan, 408 when conflicts never stop.
BERTH_API PlaceCommitResult place_and_commit(StateStore& store, const Spec& additions,
                                             const PlaceOptions& options = {},
                                             int max_retries = 64);

/// How place_pending shares the queue of stored, unplaced units with other schedulers.
struct PendingOptions {
  PlaceOptions place;
  std::size_t batch = 100;  ///< units placed per commit
  std::size_t worker = 0;   ///< this scheduler's index...
  std::size_t workers = 1;  ///< ...of this many: each starts its batches at its own share
  int max_retries = 1000;   ///< conflicts tolerated per batch
};

struct PendingResult {
  std::size_t placed = 0;  ///< instances this scheduler committed
  int commits = 0;
  int attempts = 0;
  int conflicts = 0;
  int chunks = 0;               ///< transactions committed (etcd splits big batches into chunks)
  int chunks_retried = 0;       ///< chunks refused by a conflict and re-planned
  double snapshot_seconds = 0;  ///< time spent reading snapshots
  double place_seconds = 0;     ///< time spent placing
  double commit_seconds = 0;    ///< time spent committing
  /// Every assignment this scheduler committed (for audits).
  std::map<std::string, std::string> committed;
};

/// A scheduler worker: repeatedly takes a batch of stored units that are not fully placed,
/// places them on a fresh snapshot and commits, retrying on conflicts, until every pending unit
/// was tried once since its last chance: units a round leaves pending (no room, a `machine_of`
/// target not stored yet, a contradiction) are skipped for the rest of the call, so they never
/// block the units behind them; the next call retries them. Several workers (threads or
/// processes) may share a store.
BERTH_API PendingResult place_pending(StateStore& store, const PendingOptions& options);

/// Spec `base` with `additions` merged in (machines and units replace by name, placements add);
/// what place_and_commit places.
BERTH_API Spec merge_spec(const Spec& base, const Spec& additions);

/// The plan that adds `additions`' machines and units that differ from what `base` stores, plus
/// `placement`'s new assignments.
BERTH_API Plan plan_with_additions(const Snapshot& base, const Spec& additions,
                                   const Plan& placement);

}  // namespace berth::state
