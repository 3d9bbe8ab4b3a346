#pragma once
/// \file The one-call API: place a spec's units on its machines.
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "berth/explain/diagnosis.hpp"
#include "berth/export.hpp"
#include "berth/model/spec.hpp"
#include "berth/place/batch.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/plan.hpp"
#include "berth/place/preempt.hpp"
#include "berth/place/strategy.hpp"

namespace berth {

struct PlaceOptions {
  PlaceOptions() = default;
  /// PlaceOptions{strategy}: an online strategy (kept working for callers written before
  /// `batch` existed, without -Wmissing-field-initializers).
  PlaceOptions(StrategyKind online) : strategy(online) {}  // NOLINT(google-explicit-constructor)

  /// The online strategy; with `batch` set, the fallback for groups the batch strategy leaves.
  StrategyKind strategy = StrategyKind::BestFit;
  /// Place the whole spec with a batch strategy (place/batch.hpp) instead of group by group.
  std::optional<BatchStrategy> batch;
  /// false (default): a unit that contradicts itself or names a unit or machine the spec lacks
  /// is pending *unresolvable* and every other unit is still placed. true: such a spec is a
  /// ValidationError (the CLI's `--strict`, exit 1).
  bool strict = false;
  /// A pending unit may evict strictly lower-priority units (place/preempt.hpp): the least
  /// disruptive victims, re-placed elsewhere when they fit, pending otherwise (never lost).
  /// Unresolvable units never preempt. The CLI's `place --preempt`.
  bool preempt = false;
  /// Diagnose pending units by the reference scan over every machine instead of the class
  /// indexes (Placer::Shortcuts::indexed_diagnosis off). Same answer, slower: for benchmarks and
  /// for checking the indexes (the CLI sets it when BERTH_DIAGNOSE_BY_SCAN is in its
  /// environment; the library reads no environment variable).
  bool diagnose_by_scan = false;
};

/// Options for a strategy name, online (strategy_names()) or batch (batch_strategy_names()).
/// Throws UsageError (302) listing both when the name is unknown.
BERTH_API PlaceOptions place_options_for(const std::string& strategy);
/// The name of the strategy `options` select (the batch one when set).
BERTH_API std::string strategy_name(const PlaceOptions& options);
/// Every name place_options_for accepts: the online names, then the batch names.
BERTH_API const std::vector<std::string>& all_strategy_names();

/// A unit instance with no machine, and why.
struct PendingUnit {
  std::string unit;
  Diagnosis diagnosis;
  std::string summary() const { return diagnosis.summary(); }
  friend bool operator==(const PendingUnit&, const PendingUnit&) = default;
};

/// A machine whose existing placements (the spec's `placements`) exceed its allocatable
/// capacity. berth never places onto it, but the spec as given breaks the first promise, so
/// `place` reports it and exits 2.
struct Overcommitted {
  std::string machine;
  /// dimension -> amount above allocatable (exact integers: millicores, bytes, counts)
  std::map<std::string, std::int64_t> over;
  /// The instances that would have to move for the machine to fit: it keeps its instances in
  /// order (global and pinned first, then priority high to low, then name) while they fit, as
  /// `whatif` does when raised requests no longer fit (keep_while_fits).
  std::vector<std::string> must_move;
};

struct PlacementResult {
  /// Every placed instance (existing ones included): instance -> machine.
  std::map<std::string, std::string> placements;
  /// Instances with no machine, in placement order.
  std::vector<PendingUnit> pending;
  /// machine -> dimension -> used / allocatable (0..1), for display only.
  std::map<std::string, std::map<std::string, double>> utilization;
  /// Problems that did not stop placement (e.g. an existing placement that overcommits).
  std::vector<std::string> warnings;
  /// Instances placed by this call (not in the spec's placements).
  std::size_t newly_placed = 0;
  /// With PlaceOptions::preempt: who evicted whom, in the order it happened.
  std::vector<Preemption> preemptions;
  /// Per placed instance whose unit has preferences: those its machine met when chosen
  /// (descriptions such as `zone=a (+50)`). Online strategies only.
  std::map<std::string, std::vector<std::string>> preferences_met;
  /// Machines the existing placements overcommit, in name order.
  std::vector<Overcommitted> overcommitted;

  bool all_placed() const { return pending.empty(); }
  /// Everything placed and no machine over capacity: what exit 0 of `berth place` means.
  bool ok() const { return pending.empty() && overcommitted.empty(); }
};

/// Of `instances` (all assigned to machine m), those m cannot keep: it keeps them in order
/// (global and pinned first, since they have nowhere else to go; then priority, high first;
/// then name) while they fit its allocatable capacity, and returns the rest in that order.
BERTH_API std::vector<InstanceId> beyond_capacity(const Cluster& cluster, MachineId m,
                                                  std::vector<InstanceId> instances);

/// Validates the spec (throws ValidationError on contradictions only with options.strict; else
/// the units involved are pending unresolvable), keeps existing placements,
/// places every other instance in batch order (priority, then largest first, co-located groups
/// as one) and explains every instance it could not place. Deterministic.
BERTH_API PlacementResult place(const Spec& spec, const PlaceOptions& options = {});
/// place() consuming the spec: the cluster takes its units instead of a copy and its machines
/// are freed once compiled, so a caller that needs only the result (the JSON answer) holds one
/// copy of the units, not two. The result is the same as place(const Spec&)'s.
BERTH_API PlacementResult place(Spec&& spec, const PlaceOptions& options = {});
/// place() on a cluster compiled from `spec`: runs the strategy on `cluster` (mutating it) and
/// collects the result. For callers that want the cluster afterwards (e.g. berth compare).
BERTH_API PlacementResult place_on(const Spec& spec, Cluster& cluster, const PlaceOptions& options);
/// place_on without the two tables that can be read off the cluster afterwards: `placements`
/// and `utilization` are left empty (everything else, newly_placed included, is as place_on's).
/// For a writer that streams them from the cluster (write_placement_json(result, cluster, ...)):
/// at 1M instances the two maps were about 150 MB of nodes and strings built only to be written.
BERTH_API PlacementResult place_on_without_tables(const Spec& spec, Cluster& cluster,
                                                  const PlaceOptions& options);
/// PlacementResult::placements read off `cluster`, in the map's (byte) order of instance names:
/// f(instance, machine) for every placed instance.
BERTH_API void for_each_placement(
    const Cluster& cluster,
    const std::function<void(const std::string& instance, const std::string& machine)>& f);
/// One machine's PlacementResult::utilization entry: (dimension, used / allocatable) in the
/// map's (byte) order of dimension names; dimensions with no allocatable capacity are absent.
using MachineUtilization = std::vector<std::pair<const std::string*, double>>;
/// PlacementResult::utilization read off `cluster`, in the map's (byte) order of machine names.
BERTH_API void for_each_utilization(
    const Cluster& cluster,
    const std::function<void(const std::string& machine, const MachineUtilization& dims)>& f);

/// The plan that turns `spec` into `result`: the new assignments.
BERTH_API Plan plan_of(const Spec& spec, const PlacementResult& result);

}  // namespace berth
