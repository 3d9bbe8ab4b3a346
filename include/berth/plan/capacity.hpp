#pragma once
/// \file Offline capacity planning: the cheapest mix of machine types that places a workload,
/// with optional failure headroom, and a lower bound on what any mix must cost
/// (docs/capacity.md).
///
/// Every plan is checked by running the real placement engine (berth::place) on the cluster it
/// proposes, so constraints (metadata, conflicts, co-location, spread, global units) are
/// honoured exactly as `berth place` would honour them.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/export.hpp"
#include "berth/model/spec.hpp"
#include "berth/place/place.hpp"
#include "berth/plan/catalogue.hpp"

namespace berth::plan {

/// What the plan must survive.
struct BERTH_API Headroom {
  enum class Kind { None, Machines, Zone };
  Kind kind = Kind::None;
  int machines = 0;  ///< Kind::Machines: any this many machines may be lost
  std::string zone_key =
      "zone";  ///< Kind::Zone: machines sharing a value of this key fail together

  /// "0" (none), "N" (any N machines), "zone". Throws UsageError 380 otherwise.
  static Headroom parse(std::string_view text, const std::string& zone_key = "zone");
  /// "none", "any 2 machines", "any one zone (zone)".
  std::string describe() const;
};

/// Progress of a long search: phase name, steps done, steps in the phase (0 = unknown).
using ProgressFn = std::function<void(std::string_view phase, std::size_t done, std::size_t total)>;

struct CapacityOptions {
  Headroom headroom;
  StrategyKind strategy = StrategyKind::BestFit;  ///< placement strategy used to check plans
  /// Packing search budget per search. > 0 makes the plan deterministic (the clock is ignored
  /// everywhere); 0 bounds the searches by `time_limit` only.
  std::uint64_t max_iterations = 20000;
  double time_limit = 2.0;  ///< seconds per phase when max_iterations == 0
  std::uint64_t seed = 1;
  /// Most loss scenarios checked for `Machines` headroom with N >= 2 (all of them are checked
  /// when there are fewer; otherwise the heaviest machines first, then a seeded sample).
  std::size_t max_scenarios = 5000;
  /// Machine removals / replacements tried when improving a placed plan.
  std::size_t max_improvement_moves = 400;
  ProgressFn progress;
};

/// New machines of one type.
struct TypeCount {
  std::string type;
  std::size_t count = 0;
  Micros cost_each = 0;
  std::vector<std::string> names;
  Micros cost() const { return cost_each * static_cast<Micros>(count); }
};

/// One loss checked: what was lost and whether everything was placed again.
struct BERTH_API LossScenario {
  /// Why a scenario fails: the headroom's "no", typed. The JSON's and the text report's
  /// `pending` lines are its rendering (pending_lines()).
  enum class Failure : std::uint8_t {
    None,         ///< everything placed again
    Pending,      ///< `pending`: instances placed before the loss that no machine takes after
    NothingLeft,  ///< the headroom asks to lose every up machine (`must_lose` of lost.size())
  };
  std::vector<std::string> lost;  ///< machine names
  std::string zone;               ///< zone value when a whole zone was lost
  std::size_t displaced = 0;      ///< instances that had to move
  bool ok = true;
  Failure failure = Failure::None;
  /// Failure::Pending: each instance left without a machine, with the Placer's diagnosis on
  /// the spec without the lost machines.
  std::vector<PendingUnit> pending;
  std::size_t must_lose = 0;  ///< Failure::NothingLeft: machines the headroom asks to lose
  /// One line per pending instance (its diagnosis' summary), or "cannot lose 2 of 2 machines
  /// and still run anything".
  std::vector<std::string> pending_lines() const;
};

struct HeadroomReport {
  Headroom headroom;
  std::size_t scenarios_total = 0;     ///< scenarios that exist
  std::size_t scenarios_checked = 0;   ///< scenarios re-placed
  bool exhaustive = true;              ///< every scenario was checked
  bool holds = true;                   ///< every checked scenario placed everything
  std::size_t machines_added = 0;      ///< machines added to make it hold
  std::vector<std::string> zones;      ///< Kind::Zone: the zones found
  std::vector<LossScenario> failures;  ///< scenarios that did not place everything
  std::size_t worst_displaced = 0;     ///< most instances moved by one checked scenario
};

/// One lower bound and what it rests on.
struct CostBound {
  std::string name;  ///< "continuous", "packing", "headroom", "zone"
  Micros cost = 0;
  std::string note;
};

/// Why no plan can host a co-located group: the planner's "no", typed. describe() is the line
/// the JSON's `unplaceable` and the reports print.
struct BERTH_API Unplaceable {
  enum class Kind : std::uint8_t {
    Pinned,    ///< pinned with machine_id to an existing machine: new machines cannot take it
    NoType,    ///< no catalogue type can take it (`types` says why each one refuses)
    NoNumber,  ///< a new machine of every type that could take it stayed empty (unresolvable)
  };
  /// Why one catalogue type refuses the group: a class filter (metadata, taints) of the
  /// pipeline, or the first dimension whose demand exceeds the type's room.
  struct TypeRefusal {
    std::string type;
    std::string filter;      ///< the filter's line (`gpu in (yes)`); empty when it is room
    std::string dimension;   ///< room: the first dimension short ("cpu")
    std::int64_t needs = 0;  ///< room: the group's demand in it
    std::int64_t has = 0;    ///< room: the type's allocatable minus global units (>= 0)
    /// "m: cpu needs 64 cores, has 4 cores", "gpu-less: gpu in (yes)".
    std::string describe() const;
    friend bool operator==(const TypeRefusal&, const TypeRefusal&) = default;
  };
  Kind kind = Kind::NoType;
  std::string unit;                ///< the group's first instance ("huge@1")
  std::vector<std::string> group;  ///< every instance of the group (incl. `unit`)
  std::vector<TypeRefusal> types;  ///< NoType: one per catalogue type, catalogue order
  /// Pinned, NoNumber: why placement left it pending (the Placer's diagnosis of `unit`);
  /// none for a pinned group whose first instance was placed.
  std::optional<Diagnosis> why;

  /// What follows "unit: " in describe() (Pinned: what follows the instance name): instances
  /// of one unit refused for the same reason share it, and the text report folds them.
  std::string reason() const;
  /// "huge@1: no machine type can take it (m: cpu needs 64 cores, has 4 cores)".
  std::string describe() const;
  friend bool operator==(const Unplaceable&, const Unplaceable&) = default;
};

struct BERTH_API CapacityPlan {
  std::vector<TypeCount> machines;  ///< new machines, catalogue order, count > 0 only
  /// Every machine of the final cluster -> its type ("" for machines the workload already had).
  std::map<std::string, std::string> machine_type;
  Spec spec;                  ///< the final cluster: workload + new machines, placements = all
  PlacementResult placement;  ///< berth::place on `spec` (with the plan's placements)
  Micros cost = 0;            ///< cost of the new machines
  Micros lower_bound = 0;     ///< no plan with this headroom costs less
  std::vector<CostBound> bounds;
  HeadroomReport headroom;
  bool feasible = false;                 ///< everything placed and the headroom holds
  std::vector<Unplaceable> unplaceable;  ///< groups no plan can host, with why
  std::vector<std::string> notes;        ///< how the plan was reached, one line each
  std::size_t placement_runs =
      0;  ///< placements run: calls to berth::place, and headroom loss scenarios (one each)
  double seconds = 0;

  /// (cost - lower_bound) / cost, 0 when cost is 0.
  double gap() const;
};

/// Plans capacity for `workload` (its units; its machines are an existing cluster to extend,
/// and their cost is not counted) from the machine types of `catalogue`. Throws
/// ValidationError when the workload is invalid; a workload that cannot be placed is a plan
/// with feasible == false and the reasons in `unplaceable`.
BERTH_API CapacityPlan plan_capacity(const Spec& workload, const Catalogue& catalogue,
                                     const CapacityOptions& options = {});

/// Re-runs placement after every loss the headroom asks for (survivors keep their units, the
/// lost machines' units are placed again, on one compiled cluster rolled back per scenario) and
/// reports each scenario. Used by plan_capacity and by tests to check a plan independently.
/// `stop_at_failure` returns at the first scenario that does not place everything.
BERTH_API HeadroomReport check_headroom(const Spec& placed, const Headroom& headroom,
                                        const CapacityOptions& options = {},
                                        std::size_t* placement_runs = nullptr,
                                        bool stop_at_failure = false);

/// `spec` without the machines in `lost`, keeping the placements of instances on survivors.
BERTH_API Spec without_machines(const Spec& spec, const std::vector<std::string>& lost);
/// The reference answer for one loss scenario, by rebuilding: place() on without_machines and
/// the instances `placed` placed that are pending afterwards, with their diagnoses (empty: the
/// scenario holds). check_headroom decides on one compiled cluster and asks this only for the
/// diagnoses of a failing scenario; tests use it as the oracle for that decision.
BERTH_API std::vector<PendingUnit> pending_after_loss(const Spec& placed,
                                                      const std::vector<std::string>& lost,
                                                      StrategyKind strategy);

}  // namespace berth::plan
