#pragma once
/// \file A machine as people describe it.
#include <optional>
#include <string>
#include <vector>

#include "berth/constraint/metadata.hpp"
#include "berth/constraint/taint.hpp"
#include "berth/export.hpp"
#include "berth/model/resources.hpp"

namespace berth {

/// Only `Up` machines take new units. `Draining` and `Rebooting` keep what they run until an
/// operation moves it; `Down` machines hold nothing.
enum class MachineState { Up, Draining, Down, Rebooting };

BERTH_API const char* to_string(MachineState s);
/// Parses "up", "draining", "down", "rebooting"; returns nullopt when unknown.
BERTH_API std::optional<MachineState> parse_machine_state(const std::string& s);

struct Machine {
  std::string name;
  Resources capacity;
  Resources reserved;  ///< system overhead, never schedulable
  Metadata metadata;   ///< zone, region, role are ordinary keys
  MachineState state = MachineState::Up;
  std::vector<Taint> taints;  ///< kube's node taints (sorted, no duplicates)

  /// capacity - reserved: what units may use.
  Resources allocatable() const { return capacity - reserved; }

  /// Field by field; Resources treats an absent extended resource as zero.
  friend bool operator==(const Machine&, const Machine&) = default;
};

}  // namespace berth
