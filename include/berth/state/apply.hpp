#pragma once
/// \file Desired state: make a store hold exactly a spec (`berth apply`, like
/// `kubectl apply --prune` / `nomad job run`), and the operator verbs built on the same engine
/// (`state remove unit|machine`, `state set-machine`). See docs/stores.md.
///
/// Every call is one optimistic commit: snapshot -> compute the whole change -> commit against
/// that snapshot; on a conflict the change is computed again on a fresh snapshot. Nothing is
/// half-applied: input that is invalid throws before anything is written.
///
/// What an apply does, on the pipeline (Cluster, Placer, ops/), never a check of its own:
///  - machines and units in the spec but not in the store are added;
///  - machines missing from the spec are removed and what ran on them is rescheduled;
///  - a machine whose `state` changed follows the ops rules (ops/reschedule.hpp, ops/drain.hpp):
///    down -> its groups evicted and placed elsewhere; draining -> its movable units moved;
///    rebooting -> movable units moved first; up -> global instances restart, pending retried;
///  - a unit (or machine) whose definition changed keeps every instance that still fits where it
///    is (Placer::fits, in batch order) and moves the rest, or leaves them pending;
///  - lowering `replicas` removes the highest-numbered instances; units missing are removed;
///  - units stored pending (no room, `machine_of` target not present, contradictory) are
///    retried and placed as soon as they can be.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "berth/export.hpp"
#include "berth/model/machine.hpp"
#include "berth/model/spec.hpp"
#include "berth/place/place.hpp"
#include "berth/place/plan.hpp"
#include "berth/state/store.hpp"

namespace berth::state {

/// One stored instance that changed machines. `to` empty: it is pending now.
struct Move {
  std::string from, to;
  friend bool operator==(const Move&, const Move&) = default;
};

/// The "changes" object of the answer: what the commit changed, by name.
struct Changes {
  std::vector<std::string> added;     ///< machines and units new in the store
  std::vector<std::string> removed;   ///< machines and units deleted from the store
  std::vector<std::string> updated;   ///< machines and units whose definition (or state) changed
  std::map<std::string, Move> moved;  ///< instance -> from/to (stored placements that changed)
  /// Instances that no longer exist (replicas lowered, unit removed) and had a machine.
  std::vector<std::string> removed_instances;
  /// Global instances stopped with their machine (not up): they are not pending (ops rules).
  std::vector<std::string> stopped;
  bool empty() const {
    return added.empty() && removed.empty() && updated.empty() && moved.empty() &&
           removed_instances.empty();
  }
};

struct ApplyOptions {
  PlaceOptions place;    ///< strategy for everything that needs a machine (strict is ignored:
                         ///< contradictory units are stored pending, unresolvable)
  int max_retries = 64;  ///< commit conflicts tolerated (fresh snapshot each time)
};

struct ApplyResult {
  Spec spec;                  ///< the desired state that was committed (placements: the result)
  PlacementResult placement;  ///< as `place` reports it: every placement, every pending instance
  Plan plan;                  ///< the plan committed (empty: the store already held the spec)
  CommitResult commit;
  Changes changes;
  int attempts = 0;   ///< snapshot -> compute -> commit rounds
  int conflicts = 0;  ///< rounds refused with a conflict (and retried)
};

/// Makes `store` hold exactly `desired` (machines, units; `desired.placements` are honoured as
/// assignments). Throws ValidationError (invalid.273-277) for a spec that cannot be applied
/// (nothing written), StoreError 407 when the store rejects the plan, 408 when conflicts never
/// stop.
BERTH_API ApplyResult apply(StateStore& store, const Spec& desired,
                            const ApplyOptions& options = {});

/// Deletes unit `unit` and every placement of its instances. StoreError 420 (with a
/// did-you-mean) when the store has no such unit.
BERTH_API ApplyResult remove_unit(StateStore& store, const std::string& unit,
                                  const ApplyOptions& options = {});

/// Deletes machine `machine`; what ran on it is rescheduled (or left pending). StoreError 421
/// (with a did-you-mean) when the store has no such machine.
BERTH_API ApplyResult remove_machine(StateStore& store, const std::string& machine,
                                     const ApplyOptions& options = {});

/// Sets a machine's state with the ops rules (see above). StoreError 421 for an unknown machine.
BERTH_API ApplyResult set_machine_state(StateStore& store, const std::string& machine,
                                        MachineState state, const ApplyOptions& options = {});

/// The pure step under every call above: what applying `desired` to `base` gives (placement,
/// plan, changes), without committing. Throws as apply() does for invalid input.
BERTH_API ApplyResult plan_apply(const Snapshot& base, const Spec& desired,
                                 const ApplyOptions& options = {});

/// `place`'s JSON answer (placement_to_json) plus
/// `"changes": {"added", "removed", "moved": {"inst": {"from", "to"}}, "updated",
/// "removed_instances", "stopped"}` and `"commit": {"status", "revision", "attempts",
/// "conflicts"}`. docs/cli.md.
BERTH_API nlohmann::json to_json(const ApplyResult& result);
/// The "changes" object alone.
BERTH_API nlohmann::json changes_to_json(const Changes& changes);

/// What `place --store --format json` and `POST /v1/place` answer: place's JSON plus
/// `"store": {"name", "revision", "chunks", "chunks_retried", "conflicts"}` (docs/stores.md).
BERTH_API nlohmann::json to_json(const PlaceCommitResult& result, const std::string& store_name);

}  // namespace berth::state
