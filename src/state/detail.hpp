#pragma once
// Private to berth_state: what every store shares — which keys a plan touches, the conflict
// check, the capacity re-check, and the JSON codec of stored records.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "berth/state/store.hpp"

namespace berth::state::detail {

/// Whole or partial stored state in maps.
struct State {
  std::map<std::string, Machine> machines;
  std::map<std::string, Unit> units;
  std::map<std::string, std::string> placements;  ///< instance -> machine
  std::map<std::string, std::int64_t> machine_revisions;
  std::map<std::string, std::int64_t> unit_revisions;
  std::int64_t revision = 0;
};

State state_of(const Snapshot& snap);
Snapshot snapshot_of(const State& state);

/// What a plan touches relative to its base snapshot.
struct Touched {
  std::set<std::string> machines;       ///< their revisions must be unchanged
  std::set<std::string> units;          ///< their revisions must be unchanged
  std::set<std::string> new_instances;  ///< not placed in base: must still be unplaced
};

/// The unit an instance belongs to (parse_instance_name with a lookup that knows only names); "" if
/// none.
std::string unit_of(const std::string& instance,
                    const std::function<bool(const std::string&)>& is_unit);

Touched touched_by(const Plan& plan, const Snapshot& base);

/// Reads of current stored state used by the conflict check.
struct CurrentLookup {
  std::function<std::int64_t(const std::string&)> machine_revision;  ///< 0 when absent
  std::function<std::int64_t(const std::string&)> unit_revision;     ///< 0 when absent
  std::function<std::optional<std::string>(const std::string&)> placement;
};

/// Fills the conflict lists; returns true when there is a conflict.
bool find_conflicts(const Snapshot& base, const Touched& touched, const CurrentLookup& now,
                    CommitResult& out);

/// The part of `state` a plan's validation needs: touched machines, every placement on them
/// and of the plan's instances, and the units those placements (and the plan) name.
State view_of(const State& state, const Plan& plan, const Touched& touched);
/// The same, read from a snapshot without copying all of it.
State view_of(const Snapshot& snap, const Plan& plan, const Touched& touched);

/// A problem of `kind` naming what it concerns (empty: not concerned).
CommitProblem problem(CommitProblem::Kind kind, std::string instance, std::string machine,
                      std::string unit = {});

/// Problems with applying `plan` to `view` (empty: admissible). Checks that machines and units
/// exist, that new assignments go to up machines, and that no touched machine would hold more
/// than its allocatable capacity in any dimension.
std::vector<CommitProblem> validate(const Plan& plan, const State& view, const Touched& touched);

/// Applies an admitted plan to `state` at revision `rev` (memory store).
void apply(State& state, const Plan& plan, const Touched& touched, std::int64_t rev);

/// Read a stored record (written by io/spec_json.hpp's machine_to_json, unit_to_json). Throw
/// StoreError 403 naming `store` and `where` when the JSON is not a berth record.
/// By value: a parsed record passed as a temporary is moved in, never copied.
Machine machine_from_json(nlohmann::json j, const std::string& store, const std::string& where);
Unit unit_from_json(nlohmann::json j, const std::string& store, const std::string& where);
/// Parses text as JSON or throws StoreError 403 naming `where`.
nlohmann::json parse_record(const std::string& text, const std::string& store,
                            const std::string& where);

/// Sorted by name, for snapshots.
std::vector<std::string> names(const std::set<std::string>& s);

}  // namespace berth::state::detail
