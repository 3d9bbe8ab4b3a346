#include "berth/place/preempt.hpp"

#include <algorithm>
#include <limits>

#include "berth/place/placer.hpp"

namespace berth {
namespace {

/// Filters that no eviction can change: state, pin, co-location, the class filters (metadata,
/// taints). A cheap pre-check: the verdict with victims gone is Placer::fits.
bool statically_possible(const Cluster& c, GroupId g, MachineId m) {
  if (c.machine_state(m) != MachineState::Up) return false;
  const Group& grp = c.group(g);
  if (grp.pinned != kNone && grp.pinned != m) return false;
  for (InstanceId i : grp.members) {
    const MachineId at = c.assignment(i);
    if (at != kNone && at != m) return false;
    if (at == kNone && !c.class_verdict(c.instance(i).unit, c.machine_class(m)).ok()) return false;
  }
  return true;
}

std::vector<std::int64_t> group_demand(const Cluster& c, GroupId g) {
  std::vector<std::int64_t> demand(c.dims(), 0);
  for (InstanceId i : c.group(g).members) {
    for (std::size_t d = 0; d < c.dims(); ++d) demand[d] += c.request(i)[d];
  }
  return demand;
}

}  // namespace

std::optional<PreemptionResult> preempt_for(Cluster& c, GroupId g) {
  const Group& grp = c.group(g);
  // Nothing in this cluster helps an unresolvable group: evicting for it would only disrupt.
  if (grp.unresolvable()) return std::nullopt;
  // Whether the group fits once victims are gone is the pipeline's own answer (the strategy
  // does not matter for a yes/no on one machine).
  Placer placer(c, StrategyKind::FirstFit);
  auto can_host = [&](GroupId group, MachineId m) { return placer.fits(group, m); };
  const std::int32_t priority = grp.priority;
  const std::size_t D = c.dims();

  struct Candidate {
    GroupId group;
    std::int32_t priority;
    std::int64_t size;  ///< summed request share of the machine, for "evict big ones first"
    std::string name;
  };
  struct Best {
    MachineId machine = kNone;
    std::vector<GroupId> victims;
    std::vector<std::int32_t> priorities;  ///< descending
  } best;

  auto evict = [&](GroupId v) {
    for (InstanceId i : c.group(v).members) c.unassign(i);
  };
  auto restore = [&](GroupId v, MachineId m) {
    for (InstanceId i : c.group(v).members) c.assign(i, m);
  };

  for (MachineId m = 0; m < c.machine_count(); ++m) {
    if (!statically_possible(c, g, m)) continue;
    // Victims: whole groups on m (every placed member there) of strictly lower priority.
    std::vector<Candidate> candidates;
    std::vector<GroupId> seen;
    for (InstanceId i : c.instances_on(m)) {
      const GroupId v = c.instance(i).group;
      if (v == g || std::find(seen.begin(), seen.end(), v) != seen.end()) continue;
      seen.push_back(v);
      const Group& vg = c.group(v);
      if (vg.priority >= priority) continue;
      bool whole = true;
      for (InstanceId x : vg.members)
        whole = whole && (c.assignment(x) == m || c.assignment(x) == kNone);
      if (!whole) continue;
      std::vector<std::int64_t> dem = group_demand(c, v);
      std::int64_t size = 0;
      for (std::size_t d = 0; d < D; ++d) {
        const std::int64_t alloc = c.allocatable(m)[d];
        // Permille of the machine in the dimension it fills most (orders only).
        if (alloc > 0) size = std::max(size, dem[d] * 1000 / alloc);
      }
      candidates.push_back({v, vg.priority, size, c.instance(vg.members.front()).name});
    }
    if (candidates.empty()) continue;
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
      if (a.priority != b.priority) return a.priority < b.priority;
      if (a.size != b.size) return a.size > b.size;
      return natural_less(a.name, b.name);
    });
    // Every eviction and give-back below is a trial: the undo log puts m back exactly as it
    // was (instances_on order included) before the next machine is tried.
    Cluster::Undo trial(c);
    std::vector<GroupId> victims;
    bool fits = false;
    for (const Candidate& cand : candidates) {
      evict(cand.group);
      victims.push_back(cand.group);
      if (can_host(g, m)) {
        fits = true;
        break;
      }
    }
    if (fits) {
      // Trim: give back every victim (highest priority first) whose eviction was not needed.
      std::vector<GroupId> kept;
      for (auto it = victims.rbegin(); it != victims.rend(); ++it) {
        restore(*it, m);
        if (can_host(g, m)) continue;
        evict(*it);
        kept.push_back(*it);
      }
      std::vector<std::int32_t> prios;
      for (GroupId v : kept) prios.push_back(c.group(v).priority);
      std::sort(prios.rbegin(), prios.rend());
      const bool better = best.machine == kNone || kept.size() < best.victims.size() ||
                          (kept.size() == best.victims.size() && prios < best.priorities);
      if (better) {
        best.machine = m;
        best.victims = kept;
        best.priorities = prios;
      }
    }
  }
  if (best.machine == kNone) return std::nullopt;

  PreemptionResult out;
  out.machine = best.machine;
  out.report.machine = c.machine_name(best.machine);
  out.report.preemptor = c.instance(grp.members.front()).name;
  // Victims in name order so reports read the same every time.
  std::sort(best.victims.begin(), best.victims.end(), [&](GroupId a, GroupId b) {
    return natural_less(c.instance(c.group(a).members.front()).name,
                        c.instance(c.group(b).members.front()).name);
  });
  for (GroupId v : best.victims) {
    for (InstanceId i : c.group(v).members) {
      if (c.assignment(i) != kNone) out.report.victims.push_back(c.instance(i).name);
    }
    evict(v);
  }
  out.victim_groups = best.victims;
  for (InstanceId i : grp.members) {
    if (c.assignment(i) == kNone) c.assign(i, best.machine);
  }
  return out;
}

}  // namespace berth
