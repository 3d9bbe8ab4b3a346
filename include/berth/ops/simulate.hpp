#pragma once
/// \file Replays a timeline of events (arrivals, departures, machine failures and recoveries,
/// drains, rolling reboots, rebalances) against a spec, recording what happened after each
/// step: placements, evictions, pending units with their reasons, overcommitted machines.
///
/// Two modes: `Berth` runs berth's operations; `Fleet` reproduces CoreOS fleet's scheduler as
/// the baseline: a displaced unit goes to the up machine running the fewest units (metadata,
/// conflicts and pins respected, resources ignored), and a reboot takes machines down in
/// order without asking whether the survivors have room.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "berth/export.hpp"
#include "berth/model/spec.hpp"
#include "berth/ops/drain.hpp"
#include "berth/ops/ops.hpp"
#include "berth/ops/reboot_plan.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/place.hpp"

namespace berth::ops {

enum class SimMode { Berth, Fleet };
BERTH_API const char* to_string(SimMode mode);

enum class EventType { Arrive, Depart, Fail, Recover, Drain, Reboot, Rebalance };
BERTH_API const char* to_string(EventType type);

/// One event of the timeline (docs/ops.md, "Events").
struct Event {
  std::int64_t at = 0;  ///< a timestamp for the log (events run in file order)
  EventType type = EventType::Fail;
  std::string machine;         ///< fail, recover, drain
  std::string machines = "*";  ///< reboot: comma-separated globs
  int max_unavailable = 1;     ///< reboot
  int max_moves = 10;          ///< rebalance
  std::optional<Unit> unit;    ///< arrive
  std::string unit_name;       ///< depart
};

/// A timeline and how to run it.
struct Scenario {
  SimMode mode = SimMode::Berth;
  OpsOptions options;
  std::vector<Event> events;
};

/// What one step did (an event is one step; a reboot is two steps per wave: down, then up).
struct StepLog {
  std::int64_t at = 0;
  std::string event;  ///< "fail m3", "reboot wave 2 down", ...
  std::string text;   ///< one line for people
  std::vector<Move> moves;
  std::vector<std::string> evicted;
  std::vector<std::string> stopped;
  std::vector<Preemption> preemptions;
  std::vector<Blocked> blocked;            ///< drain or reboot blockers
  std::size_t pending = 0;                 ///< instances without a machine after the step
  std::vector<std::string> overcommitted;  ///< machines over capacity after the step
};

struct SimSummary {
  std::size_t events = 0;
  std::size_t steps = 0;
  std::size_t placements = 0;  ///< instances given a machine (moves included)
  std::size_t evictions = 0;
  std::size_t preemptions = 0;
  std::size_t overcommit = 0;  ///< overcommitted machines summed over steps: must be 0 for berth
  std::size_t max_overcommitted = 0;
  std::size_t max_pending = 0;
  std::size_t final_pending = 0;
  std::size_t homeless = 0;      ///< units a reboot plan called safe left without a machine
  std::size_t failed_moves = 0;  ///< planned moves that did not fit when executed
  std::vector<std::pair<std::int64_t, std::size_t>> pending_over_time;  ///< (at, pending) per step
};

class BERTH_API Simulator {
 public:
  /// Compiles the spec (global instances exist for every matching machine, so a machine that
  /// recovers gets its own back) and places what the spec leaves unplaced.
  Simulator(const Spec& spec, SimMode mode = SimMode::Berth, OpsOptions options = {});

  /// Runs one event. Throws ValidationError (29x) for an event that names an unknown machine
  /// or unit, or a departure that other units follow.
  void apply(const Event& event);
  void run(const std::vector<Event>& events);

  const Cluster& cluster() const { return cluster_; }
  /// The spec as it stands: current units, machine states, and placements.
  Spec snapshot() const;
  /// Instances without a machine (stopped global instances excluded), with their reasons.
  const std::vector<PendingUnit>& pending() const { return pending_; }
  const std::vector<StepLog>& log() const { return log_; }
  SimSummary summary() const;
  SimMode mode() const { return mode_; }
  const OpsOptions& options() const { return options_; }

  /// Called after every step (tests check invariants here).
  std::function<void(const Simulator&, const StepLog&)> on_step;

 private:
  void rebuild();
  void finish_step(StepLog step);
  void place_unplaced_now(StepLog& step);
  // pending_ := every unplaced, running instance with the placer's diagnosis of its group.
  void diagnose_pending();
  void fleet_place(const std::vector<GroupId>& groups, StepLog& step);
  MachineId machine_or_throw(const std::string& name) const;
  void reboot_berth(const Event& e);
  void reboot_fleet(const Event& e);

  Spec base_;  ///< machines (states as given) and units as they stand
  SimMode mode_;
  OpsOptions options_;
  Cluster cluster_;
  std::vector<PendingUnit> pending_;
  std::vector<StepLog> log_;
  std::int64_t now_ = 0;
  std::size_t events_ = 0;
  std::size_t homeless_ = 0;
  std::size_t failed_moves_ = 0;
};

}  // namespace berth::ops
