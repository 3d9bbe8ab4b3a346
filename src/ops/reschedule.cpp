#include "berth/ops/reschedule.hpp"

#include <algorithm>
#include <unordered_map>

#include "berth/ops/preempt.hpp"
#include "berth/place/schedule.hpp"

namespace berth::ops {
namespace {

/// Adds g to `out` unless already there (groups are few per operation; order is kept).
void add_unique(std::vector<GroupId>& out, GroupId g) {
  if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
}

bool needs_machine(const Cluster& c, GroupId g) {
  for (InstanceId i : c.group(g).members) {
    if (c.assignment(i) == kNone && !is_stopped(c, i)) return true;
  }
  return false;
}

/// place_groups with the machine each instance came from, for the Move reports.
RescheduleResult place_with_origin(Cluster& c, const std::vector<GroupId>& groups,
                                   const OpsOptions& options,
                                   std::unordered_map<InstanceId, MachineId>& origin) {
  RescheduleResult result;
  Placer placer(c, options.strategy);
  std::vector<GroupId> todo;
  for (GroupId g : groups) {
    if (needs_machine(c, g)) add_unique(todo, g);
  }
  auto record_moves = [&](GroupId g, const std::vector<InstanceId>& was_unassigned) {
    for (InstanceId i : was_unassigned) {
      if (c.assignment(i) == kNone) continue;
      auto it = origin.find(i);
      const std::string from =
          it == origin.end() || it->second == kNone ? "" : c.machine_name(it->second);
      result.moves.push_back({c.instance(i).name, from, c.machine_name(c.assignment(i))});
    }
    (void)g;
  };
  // Victims of preemption re-enter the queue behind the group that evicted them; they have
  // lower priority, so batch order would put them later anyway. They do not preempt in turn:
  // one decision evicts one set of victims, so a preemption never cascades down the priorities.
  std::vector<GroupId> victims;
  while (!todo.empty()) {
    std::vector<GroupId> queue = std::move(todo);
    todo.clear();
    place_in_batch_order(placer, queue, [&](const GroupPlacement& p) {
      const GroupId g = p.group;
      if (p.placed()) {
        record_moves(g, p.unassigned);
        return;
      }
      if (options.preemption && std::find(victims.begin(), victims.end(), g) == victims.end()) {
        if (auto pre = preempt_for(c, g)) {
          record_moves(g, p.unassigned);
          for (GroupId v : pre->victim_groups) {
            for (InstanceId i : c.group(v).members) origin[i] = pre->machine;
            add_unique(todo, v);
            add_unique(victims, v);
          }
          result.evicted.insert(result.evicted.end(), pre->report.victims.begin(),
                                pre->report.victims.end());
          result.preemptions.push_back(std::move(pre->report));
          return;
        }
      }
      Diagnosis diag;
      placer.select(g, &diag);
      for (InstanceId i : c.group(g).members) {
        if (c.assignment(i) != kNone) continue;
        PendingUnit pending;
        pending.unit = c.instance(i).name;
        pending.diagnosis = diag;
        pending.diagnosis.unit = pending.unit;
        result.pending.push_back(std::move(pending));
      }
    });
  }
  // Defensive: a unit reported pending must still be without a machine when we return.
  std::erase_if(result.pending, [&](const PendingUnit& p) {
    return c.assignment(c.find_instance(p.unit)) != kNone;
  });
  return result;
}

}  // namespace

bool is_stopped(const Cluster& c, InstanceId i) {
  const Instance& inst = c.instance(i);
  return inst.global && c.machine_state(inst.pinned) != MachineState::Up &&
         c.assignment(i) == kNone;
}

std::vector<GroupId> unplaced_groups(const Cluster& c) {
  std::vector<GroupId> out;
  for (GroupId g = 0; g < c.group_count(); ++g) {
    if (needs_machine(c, g)) out.push_back(g);
  }
  return out;
}

std::vector<GroupId> groups_on(const Cluster& c, MachineId m) {
  std::vector<GroupId> out;
  for (InstanceId i : c.instances_on(m)) add_unique(out, c.instance(i).group);
  std::sort(out.begin(), out.end());
  return out;
}

RescheduleResult place_groups(Cluster& c, const std::vector<GroupId>& groups,
                              const OpsOptions& options) {
  std::unordered_map<InstanceId, MachineId> origin;
  return place_with_origin(c, groups, options, origin);
}

RescheduleResult place_unplaced(Cluster& c, const OpsOptions& options) {
  return place_groups(c, unplaced_groups(c), options);
}

std::vector<std::string> evict_groups(Cluster& c, const std::vector<GroupId>& groups) {
  std::vector<std::string> evicted;
  for (GroupId g : groups) {
    for (InstanceId i : c.group(g).members) {
      if (c.assignment(i) == kNone) continue;
      c.unassign(i);
      evicted.push_back(c.instance(i).name);
    }
  }
  return evicted;
}

RescheduleResult fail_machines(Cluster& c, const std::vector<MachineId>& machines,
                               const OpsOptions& options) {
  std::unordered_map<InstanceId, MachineId> origin;
  std::vector<GroupId> groups;
  std::vector<std::string> stopped;
  // Mark every failed machine down first, so no evicted unit lands on another failing one.
  for (MachineId m : machines) c.set_state(m, MachineState::Down);
  for (MachineId m : machines) {
    const std::vector<InstanceId> on = c.instances_on(m);
    for (InstanceId i : on) {
      if (c.instance(i).global) {
        c.unassign(i);
        stopped.push_back(c.instance(i).name);
        continue;
      }
      // The whole group leaves, wherever its members ran.
      for (InstanceId x : c.group(c.instance(i).group).members) origin.emplace(x, c.assignment(x));
      add_unique(groups, c.instance(i).group);
    }
  }
  std::vector<std::string> evicted = evict_groups(c, groups);
  RescheduleResult result = place_with_origin(c, groups, options, origin);
  evicted.insert(evicted.end(), result.evicted.begin(), result.evicted.end());
  result.evicted = std::move(evicted);
  result.stopped = std::move(stopped);
  return result;
}

RescheduleResult fail_machine(Cluster& c, MachineId m, const OpsOptions& options) {
  return fail_machines(c, {m}, options);
}

RescheduleResult recover_machine(Cluster& c, MachineId m, const OpsOptions& options) {
  c.set_state(m, MachineState::Up);
  std::vector<InstanceId> globals;
  for (InstanceId i = 0; i < c.instance_count(); ++i) {
    if (c.instance(i).global && c.instance(i).pinned == m && c.assignment(i) == kNone)
      globals.push_back(i);
  }
  RescheduleResult result = place_unplaced(c, options);
  for (InstanceId i : globals) {
    if (c.assignment(i) != kNone) result.started.push_back(c.instance(i).name);
  }
  return result;
}

}  // namespace berth::ops
