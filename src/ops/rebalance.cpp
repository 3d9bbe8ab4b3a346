#include "berth/ops/rebalance.hpp"

#include <algorithm>
#include <unordered_map>

#include "berth/ops/reschedule.hpp"
#include "berth/place/placer.hpp"
#include "berth/place/schedule.hpp"

namespace berth::ops {
namespace {

/// Utilization of machine m in per mille: its fullest dimension.
std::int64_t utilization(const Cluster& c, MachineId m) {
  std::int64_t peak = 0;
  for (std::size_t d = 0; d < c.dims(); ++d) {
    const std::int64_t alloc = c.allocatable(m)[d];
    if (alloc > 0) peak = std::max(peak, c.used(m)[d] * 1000 / alloc);
  }
  return peak;
}

/// Groups on m that may move: not global, not pinned, every placed member on m.
std::vector<GroupId> movable_groups(const Cluster& c, MachineId m) {
  std::vector<GroupId> out;
  for (GroupId g : groups_on(c, m)) {
    const Group& grp = c.group(g);
    bool ok = grp.pinned == kNone && !c.instance(grp.members.front()).global;
    for (InstanceId i : grp.members) ok = ok && (c.assignment(i) == m || c.assignment(i) == kNone);
    if (ok) out.push_back(g);
  }
  return out;
}

std::size_t placed_members(const Cluster& c, GroupId g) {
  std::size_t n = 0;
  for (InstanceId i : c.group(g).members) n += c.assignment(i) != kNone ? 1 : 0;
  return n;
}

}  // namespace

std::pair<std::int64_t, MachineId> peak_utilization(const Cluster& c) {
  std::int64_t peak = 0;
  MachineId at = kNone;
  for (MachineId m = 0; m < c.machine_count(); ++m) {
    if (c.machine_state(m) != MachineState::Up) continue;
    const std::int64_t u = utilization(c, m);
    if (at == kNone || u > peak) {
      peak = u;
      at = m;
    }
  }
  return {peak, at};
}

RebalanceResult rebalance(Cluster& c, int max_moves, const OpsOptions& options) {
  RebalanceResult result;
  auto [peak0, at0] = peak_utilization(c);
  result.peak_before = peak0;
  result.peak_machine_before = at0 == kNone ? "" : c.machine_name(at0);
  std::int64_t left = std::max(0, max_moves);

  // Phase 1: empty lightly used machines onto machines already in use (best fit packs them).
  std::vector<bool> was_empty(c.machine_count());
  std::vector<MachineId> candidates;
  for (MachineId m = 0; m < c.machine_count(); ++m) {
    was_empty[m] = c.instances_on(m).empty();
    if (c.machine_state(m) != MachineState::Up || was_empty[m]) continue;
    std::size_t movable = 0;
    for (GroupId g : movable_groups(c, m)) movable += placed_members(c, g);
    if (movable == c.instances_on(m).size()) candidates.push_back(m);
  }
  std::stable_sort(candidates.begin(), candidates.end(), [&](MachineId a, MachineId b) {
    if (c.instances_on(a).size() != c.instances_on(b).size())
      return c.instances_on(a).size() < c.instances_on(b).size();
    return utilization(c, a) < utilization(c, b);
  });
  constexpr std::size_t kMaxFreeAttempts =
      64;  // keeps large clusters cheap; the lightest come first
  std::vector<MachineId> freed;
  for (std::size_t k = 0; k < candidates.size() && k < kMaxFreeAttempts && left > 0; ++k) {
    const MachineId m = candidates[k];
    const auto need = static_cast<std::int64_t>(c.instances_on(m).size());
    if (need == 0 || need > left) continue;
    Cluster::Undo trial(c);
    c.set_state(m, MachineState::Draining);
    std::vector<GroupId> groups = movable_groups(c, m);
    for (GroupId g : groups) {
      for (InstanceId i : c.group(g).members) c.unassign(i);
    }
    Placer placer(c, StrategyKind::BestFit);
    bool ok = true;
    std::vector<Move> moves;
    ok = place_in_batch_order(placer, groups, [&](const GroupPlacement& p) {
      // Landing on a machine that was empty frees nothing: it only swaps machines.
      if (!p.placed() || was_empty[p.machine]) return false;
      for (InstanceId i : p.unassigned)
        moves.push_back({c.instance(i).name, c.machine_name(m), c.machine_name(p.machine)});
      return true;
    });
    if (!ok) continue;  // the trial rolls back
    trial.keep();
    // Stays draining until phase 2 is done, so nothing moves back onto it.
    freed.push_back(m);
    result.freed.push_back(c.machine_name(m));
    result.moves.insert(result.moves.end(), moves.begin(), moves.end());
    left -= static_cast<std::int64_t>(moves.size());
  }

  // Phase 2: move one group off the most utilized machine while that lowers the peak.
  while (left > 0) {
    auto [peak, p] = peak_utilization(c);
    if (p == kNone) break;
    std::vector<GroupId> groups = movable_groups(c, p);
    std::stable_sort(groups.begin(), groups.end(), [&](GroupId a, GroupId b) {
      return placed_members(c, a) > placed_members(c, b);
    });
    bool improved = false;
    for (GroupId g : groups) {
      const auto k = static_cast<std::int64_t>(placed_members(c, g));
      if (k == 0 || k > left) continue;
      Cluster::Undo trial(c);
      c.set_state(p, MachineState::Draining);
      std::vector<InstanceId> members;
      for (InstanceId i : c.group(g).members) {
        if (c.assignment(i) != kNone) members.push_back(i);
        c.unassign(i);
      }
      Placer placer(c, StrategyKind::Spread);
      const MachineId to = placer.place_group(g);
      if (to == kNone) continue;
      if (std::max(utilization(c, to), utilization(c, p)) >= peak) continue;
      trial.keep();
      c.set_state(p, MachineState::Up);
      for (InstanceId i : members)
        result.moves.push_back({c.instance(i).name, c.machine_name(p), c.machine_name(to)});
      left -= k;
      improved = true;
      break;
    }
    if (!improved) break;
  }
  for (MachineId m : freed) c.set_state(m, MachineState::Up);
  (void)options;
  auto [peak1, at1] = peak_utilization(c);
  result.peak_after = peak1;
  result.peak_machine_after = at1 == kNone ? "" : c.machine_name(at1);
  return result;
}

RebalanceResult plan_rebalance(const Cluster& cluster, int max_moves, const OpsOptions& options) {
  Cluster copy = cluster;
  return rebalance(copy, max_moves, options);
}

}  // namespace berth::ops
