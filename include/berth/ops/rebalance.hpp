#pragma once
/// \file Rebalance / defragment: a short list of moves that frees whole machines or lowers the
/// peak utilization, never more than `max_moves` instance moves.
///
/// First, lightly used machines whose groups all fit on machines already in use are emptied
/// (fewest instances first), as long as the move budget allows the whole machine. Then, while
/// moves remain, one group on the most utilized machine moves to the machine where it raises
/// utilization least, if that lowers the peak. Pinned and global instances never move.
#include <cstdint>
#include <string>
#include <vector>

#include "berth/export.hpp"
#include "berth/ops/ops.hpp"
#include "berth/place/cluster.hpp"

namespace berth::ops {

struct RebalanceResult {
  std::vector<Move> moves;         ///< in execution order (each valid after the ones before)
  std::vector<std::string> freed;  ///< machines emptied of units
  std::int64_t peak_before = 0;    ///< highest utilization of any up machine, per mille
  std::int64_t peak_after = 0;
  std::string peak_machine_before;
  std::string peak_machine_after;
};

/// Peak utilization in per mille (max over up machines and dimensions) and its machine.
BERTH_API std::pair<std::int64_t, MachineId> peak_utilization(const Cluster& cluster);

/// Applies the moves to `cluster`.
BERTH_API RebalanceResult rebalance(Cluster& cluster, int max_moves, const OpsOptions& options);
/// The same on a copy.
BERTH_API RebalanceResult plan_rebalance(const Cluster& cluster, int max_moves,
                                         const OpsOptions& options);

}  // namespace berth::ops
