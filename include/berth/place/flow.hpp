#pragma once
/// \file Min-cost-flow batch assignment, the approach of the Firmament scheduler (Gog et al.,
/// OSDI 2016), built on Boost.Graph's successive shortest paths:
///
///   source -> unit type -> machine class -> machine -> sink
///                  \------------- unscheduled (cost U) ------------/
///
/// A *type* is the groups with the same pending units (the replicas of one service), a
/// *class* the machines with equal metadata and allocatable capacity (Cluster's classes).
/// Capacities count instances: type -> class is how many copies of the type fit on the class's
/// machines as they are now (one per machine when the unit conflicts with itself, none where a
/// conflicting unit runs); class -> machine is the machine's slots for an instance of the
/// workload's mean size, the one place several dimensions are approximated. Costs prefer
/// machines already in use, then large machines, and types that tile a class with little
/// waste; U exceeds any placed path, so the flow places as many instances as it can.
///
/// The flow only plans: place/batch.hpp verifies every planned group with the Placer and
/// places the rest online, so what the flow cannot express (mixed sizes on one machine,
/// instance-specific conflicts, co-location with placed units, spread) stays exact.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "berth/export.hpp"
#include "berth/place/cluster.hpp"

namespace berth {

/// Size of the network and what the flow decided.
struct FlowStats {
  std::size_t types = 0;
  std::size_t classes = 0;
  std::size_t nodes = 0;
  std::size_t edges = 0;        ///< forward edges (Boost stores a reverse edge for each)
  std::int64_t cost = 0;        ///< total cost of the min-cost flow
  std::size_t routed = 0;       ///< instances the flow sent to a machine
  std::size_t unscheduled = 0;  ///< instances it sent down the unscheduled arc
};

/// A planned machine for each of `groups` (kNone: unscheduled by the flow, or pinned, or
/// partly placed: those are the Placer's). Reads the cluster, never changes it. The plan as a
/// whole fits every machine's free capacity (integers, every dimension: the flow's counts are
/// turned into machines by a first-fit pass that checks them), but conflicts between
/// instances and spread are only checked when the plan is committed.
BERTH_API std::vector<MachineId> flow_assignment(const Cluster& cluster,
                                                 const std::vector<GroupId>& groups,
                                                 FlowStats* stats = nullptr);

}  // namespace berth
