#include "berth/ops/drain.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "berth/ops/reschedule.hpp"
#include "berth/place/placer.hpp"
#include "detail.hpp"

namespace berth::ops {

std::size_t DrainResult::move_count() const {
  std::size_t n = 0;
  for (const auto& s : steps) n += s.size();
  return n;
}

std::vector<std::vector<Move>> split_into_steps(const Cluster& c, const std::vector<Move>& moves,
                                                const BudgetTable& budgets,
                                                const std::vector<std::int64_t>& already_down,
                                                std::vector<std::string>* refused) {
  // Moves of one co-location group travel together.
  std::vector<GroupId> order;
  std::unordered_map<GroupId, std::vector<const Move*>> by_group;
  for (const Move& mv : moves) {
    const GroupId g = c.instance(c.find_instance(mv.instance)).group;
    auto [it, inserted] = by_group.try_emplace(g);
    if (inserted) order.push_back(g);
    it->second.push_back(&mv);
  }
  std::vector<std::vector<Move>> steps;
  std::vector<std::unordered_map<UnitId, std::int64_t>> counts;
  auto cap = [&](UnitId u) {
    const std::int64_t allowed = budgets.allowed_down(u);
    return allowed == kUnlimited ? kUnlimited : allowed - already_down[u];
  };
  for (GroupId g : order) {
    std::unordered_map<UnitId, std::int64_t> need;
    for (const Move* mv : by_group[g]) ++need[c.instance(c.find_instance(mv->instance)).unit];
    bool possible = true;
    for (const auto& [u, k] : need) possible = possible && k <= cap(u);
    if (!possible) {
      if (refused) {
        for (const Move* mv : by_group[g]) refused->push_back(mv->instance);
      }
      continue;
    }
    std::size_t s = 0;
    for (; s < steps.size(); ++s) {
      bool fits = true;
      for (const auto& [u, k] : need) {
        auto it = counts[s].find(u);
        const std::int64_t have = it == counts[s].end() ? 0 : it->second;
        fits = fits && have + k <= cap(u);
      }
      if (fits) break;
    }
    if (s == steps.size()) {
      steps.emplace_back();
      counts.emplace_back();
    }
    for (const Move* mv : by_group[g]) steps[s].push_back(*mv);
    for (const auto& [u, k] : need) counts[s][u] += k;
  }
  return steps;
}

DrainResult drain(Cluster& c, MachineId m, const OpsOptions& options) {
  DrainResult result;
  result.machine = c.machine_name(m);
  const BudgetTable budgets(c, options.budgets);
  std::vector<std::int64_t> already_down(c.unit_count(), 0);
  for (InstanceId i = 0; i < c.instance_count(); ++i) {
    if (c.assignment(i) == kNone && !is_stopped(c, i)) ++already_down[c.instance(i).unit];
  }
  c.set_state(m, MachineState::Draining);

  std::vector<GroupId> movable;
  for (GroupId g : groups_on(c, m)) {
    const Group& grp = c.group(g);
    if (c.instance(grp.members.front()).global) continue;  // stays; stops with the machine
    if (grp.pinned == m) {
      for (InstanceId i : grp.members) {
        Blocked b;
        b.unit = c.instance(i).name;
        b.machine = result.machine;
        b.reason = "pinned";
        b.summary = fmt::format("{}: pinned to {} (machine_id); it stops while {} is down", b.unit,
                                b.machine, b.machine);
        result.blocked.push_back(std::move(b));
      }
      continue;
    }
    movable.push_back(g);
  }
  std::unordered_map<InstanceId, MachineId> origin;
  for (GroupId g : movable) {
    for (InstanceId i : c.group(g).members) origin[i] = c.assignment(i);
  }
  evict_groups(c, movable);

  Placer placer(c, options.strategy);
  std::vector<Move> moves;
  for (GroupId g : placer.batch_order(movable)) {
    std::vector<InstanceId> todo;
    for (InstanceId i : c.group(g).members) {
      if (c.assignment(i) == kNone) todo.push_back(i);
    }
    if (placer.place_group(g) != kNone) {
      for (InstanceId i : todo) {
        const MachineId from = origin[i];
        moves.push_back({c.instance(i).name, from == kNone ? "" : c.machine_name(from),
                         c.machine_name(c.assignment(i))});
      }
      continue;
    }
    Diagnosis diag;
    placer.select(g, &diag);
    for (InstanceId i : c.group(g).members) {
      result.blocked.push_back(detail::blocked_from(diag, c.instance(i).name, result.machine));
    }
    // It stays where it was: the drain is incomplete, but nothing is lost.
    for (InstanceId i : c.group(g).members) {
      if (origin[i] != kNone) c.assign(i, origin[i]);
    }
  }

  std::vector<std::string> refused;
  result.steps = split_into_steps(c, moves, budgets, already_down, &refused);
  for (const std::string& name : refused) {
    const InstanceId i = c.find_instance(name);
    const UnitId u = c.instance(i).unit;
    c.assign(i, origin[i]);
    Blocked b;
    b.unit = name;
    b.machine = result.machine;
    b.reason = "budget";
    b.summary = fmt::format(
        "{}: disruption budget {} allows {} instance(s) of {} down and {} already are; it stays on "
        "{}",
        name, budgets.source(u), budgets.allowed_down(u), c.unit(u).name, already_down[u],
        result.machine);
    result.blocked.push_back(std::move(b));
  }
  for (InstanceId i : c.instances_on(m)) result.remaining.push_back(c.instance(i).name);
  std::sort(result.remaining.begin(), result.remaining.end(), natural_less);
  return result;
}

DrainResult plan_drain(const Cluster& cluster, MachineId m, const OpsOptions& options) {
  Cluster copy = cluster;
  return drain(copy, m, options);
}

}  // namespace berth::ops
