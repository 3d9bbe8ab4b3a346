#pragma once
/// \file Shared vocabulary of the operations (failure, preemption, drain, reboot waves,
/// rebalance): options, moves, who was evicted for whom. docs/ops.md describes the semantics.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "berth/explain/diagnosis.hpp"
#include "berth/export.hpp"
#include "berth/ops/budget.hpp"
#include "berth/place/preempt.hpp"
#include "berth/place/strategy.hpp"

namespace berth::ops {

/// Options every operation takes.
struct OpsOptions {
  StrategyKind strategy = StrategyKind::BestFit;  ///< how displaced units pick machines
  bool preemption = false;  ///< may a unit evict strictly lower-priority units? (off by default)
  std::vector<DisruptionBudget> budgets;  ///< per-service limits on instances down at once
  std::string zone_key = "zone";          ///< metadata key that names a machine's failure zone
};

/// One instance changing machines. `from` is empty for a unit that had no machine.
struct Move {
  std::string instance;
  std::string from;
  std::string to;
  friend bool operator==(const Move&, const Move&) = default;
};

/// A higher-priority unit took a machine from lower-priority ones (place/preempt.hpp).
using berth::Preemption;

/// A unit that keeps an operation from completing, and what would unblock it.
/// Why an instance cannot leave its machine. One typed vocabulary for every operation; the
/// JSON answers and the CLI print to_string() ("pinned" is no longer given: a pinned instance
/// stops with its machine).
enum class BlockReason : std::uint8_t {
  NoMachine,  ///< "no_machine": no machine can take it; Blocked::diagnosis says why
  Budget,     ///< "budget": a disruption budget forbids moving or stopping it now
};
/// "no_machine", "budget": the stable codes of the JSON answers.
BERTH_API const char* to_string(BlockReason r);

struct Blocked {
  std::string unit;     ///< instance name
  std::string machine;  ///< the machine it cannot leave
  BlockReason reason = BlockReason::NoMachine;
  std::string summary;  ///< one line, as `berth place` explains a pending unit
  /// Capacity that would unblock it: what the closest machine is short of (dimension -> amount).
  std::map<std::string, std::int64_t> needs;
  std::string needs_on;                ///< that closest machine
  std::optional<Diagnosis> diagnosis;  ///< for BlockReason::NoMachine
};

}  // namespace berth::ops
