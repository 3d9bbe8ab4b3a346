#pragma once
/// \file A plan: what a scheduler wants to change. The engine is a pure function from a
/// snapshot to a plan; stores (state/) commit plans with optimistic concurrency.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "berth/model/machine.hpp"
#include "berth/model/unit.hpp"

namespace berth {

struct Plan {
  /// New or changed placements: instance -> machine.
  std::map<std::string, std::string> assignments;
  /// Instances taken off their machines (they re-enter the queue; nothing disappears).
  std::vector<std::string> evictions;
  /// Machines and units to add or replace (by name) before the assignments apply.
  std::vector<Machine> machines;
  std::vector<Unit> units;
  /// Machine state changes (drain, down, up).
  std::map<std::string, MachineState> machine_states;
  /// Machines to delete, with every placement still on them (a planner re-places those
  /// instances through `assignments` first, or leaves them pending; nothing is lost silently).
  std::vector<std::string> removed_machines;
  /// Units to delete, with the placements of all their instances.
  std::vector<std::string> removed_units;

  bool empty() const {
    return assignments.empty() && evictions.empty() && machines.empty() && units.empty() &&
           machine_states.empty() && removed_machines.empty() && removed_units.empty();
  }
};

}  // namespace berth
