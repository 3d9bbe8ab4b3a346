#pragma once
/// \file The placement pipeline for one co-location group:
///   pin -> state -> metadata (per machine class, cached) -> conflicts -> spread -> resources
/// (cheapest filters first), then every surviving machine is scored by the strategy and the
/// best one wins; ties go to the machine whose name sorts first. Every rejection is counted
/// into a Diagnosis as it happens, so explanations are exact and cost nothing extra.
#include <cstdint>
#include <string>
#include <vector>

#include "berth/explain/diagnosis.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/strategy.hpp"

namespace berth {

class Placer {
 public:
  Placer(Cluster& cluster, StrategyKind strategy);

  /// The best machine for the unassigned members of group g, or kNone. When `diagnosis` is
  /// given it receives the counts (always complete: they add up to the machines considered).
  MachineId select(GroupId g, Diagnosis* diagnosis = nullptr);
  /// select() and, when a machine is found, assign every unassigned member there.
  MachineId place_group(GroupId g, Diagnosis* diagnosis = nullptr);
  /// Places every group with unassigned members in batch order; returns the diagnosis of
  /// each group left pending, in order.
  std::vector<Diagnosis> place_pending();
  /// Batch order: priority (high first), pinned before free, dominant share of the cluster
  /// (large first), then name.
  std::vector<GroupId> batch_order(std::vector<GroupId> groups) const;
  /// Every reason instance i cannot go on machine m, as text lines (empty: it can).
  std::vector<std::string> explain(InstanceId i, MachineId m);
  /// True when group g (taken off its machines) may go on m. Copies the cluster: for queries,
  /// not for loops.
  bool feasible(GroupId g, MachineId m);

  Cluster& cluster() { return cluster_; }
  StrategyKind strategy() const { return strategy_; }

 private:
  /// Index of the first metadata requirement of unit u that class c fails, or -1 (cached).
  int metadata_failure(UnitId u, ClassId c);
  double score(MachineId m, const std::int64_t* demand) const;

  Cluster& cluster_;
  StrategyKind strategy_;
  /// Per unit: per class, 0 = unknown, 1 = pass, k+2 = fails requirement k.
  std::vector<std::vector<std::int32_t>> metadata_cache_;
  std::vector<std::int64_t> demand_;  ///< scratch, reused across calls (no allocation per placement)
};

}  // namespace berth
