#pragma once
/// \file The batch-order scheduler loop: place a set of co-location groups one by one in
/// Placer::batch_order (priority, pinned first, dominant share, name), each on the machine
/// the pipeline selects. Every caller that places displaced or pending groups (reschedule,
/// drain, reboot waves, rebalance, the headroom scenarios) runs this one loop and only says
/// what to do with each outcome, so the order and the bookkeeping of "which members did this
/// placement give a machine" cannot drift apart between them.
#include <type_traits>
#include <utility>
#include <vector>

#include "berth/place/cluster.hpp"
#include "berth/place/placer.hpp"

namespace berth {

/// What placing one group did.
struct GroupPlacement {
  GroupId group = kNone;
  MachineId machine = kNone;           ///< where it went; kNone when no machine fits
  std::vector<InstanceId> unassigned;  ///< its members without a machine before the attempt
  bool placed() const { return machine != kNone; }
};

/// Places `groups` in batch order with `placer`; after each group calls `then(outcome)`,
/// which returns false to stop the loop (true or void to go on). A group that finds no
/// machine is left as it was (the placer assigns nothing): `then` decides whether to diagnose
/// it, put it back, preempt for it. Returns false when `then` stopped it.
template <class Then>
bool place_in_batch_order(Placer& placer, const std::vector<GroupId>& groups, Then&& then) {
  const Cluster& c = placer.cluster();
  GroupPlacement outcome;
  for (GroupId g : placer.batch_order(groups)) {
    outcome.group = g;
    outcome.unassigned.clear();
    for (InstanceId i : c.group(g).members) {
      if (c.assignment(i) == kNone) outcome.unassigned.push_back(i);
    }
    outcome.machine = placer.place_group(g);
    if constexpr (std::is_same_v<decltype(then(outcome)), void>) {
      then(outcome);
    } else {
      if (!then(outcome)) return false;
    }
  }
  return true;
}

}  // namespace berth
