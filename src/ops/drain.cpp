#include "berth/ops/drain.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "berth/ops/reschedule.hpp"
#include "berth/place/placer.hpp"
#include "berth/place/schedule.hpp"
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
  using ServiceId = BudgetTable::ServiceId;
  std::vector<std::unordered_map<ServiceId, std::int64_t>> counts;
  std::unordered_map<ServiceId, UnitId> unit_of;  // a unit of each service, for its budget
  auto cap = [&](ServiceId s) {
    const std::int64_t allowed = budgets.allowed_down(unit_of.at(s));
    return allowed == kUnlimited ? kUnlimited : allowed - already_down[s];
  };
  for (GroupId g : order) {
    std::unordered_map<ServiceId, std::int64_t> need;
    for (const Move* mv : by_group[g]) {
      const UnitId u = c.instance(c.find_instance(mv->instance)).unit;
      unit_of.emplace(budgets.service(u), u);
      ++need[budgets.service(u)];
    }
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
  const std::vector<std::int64_t> already_down = budgets.down_now(c);
  c.set_state(m, MachineState::Draining);

  // Instances that stop with the machine, per service: global and pinned ones (they belong to
  // the machine, as `kubectl drain --ignore-daemonsets` leaves DaemonSet pods and as
  // reboot-plan stops them), then those with no other home that the budget lets stop.
  std::map<BudgetTable::ServiceId, std::int64_t> stopping;
  std::vector<InstanceId> stays;
  std::vector<GroupId> movable;
  for (GroupId g : groups_on(c, m)) {
    const Group& grp = c.group(g);
    if (c.instance(grp.members.front()).global || grp.pinned == m) {
      for (InstanceId i : grp.members) {
        if (c.assignment(i) != m) continue;
        stays.push_back(i);
        ++stopping[budgets.service(c.instance(i).unit)];
      }
      continue;
    }
    movable.push_back(g);
  }
  // An explicit budget covers them as it covers reboot waves; unbudgeted ones never block.
  for (const auto& [s, k] : stopping) {
    InstanceId first = kNone;
    for (InstanceId i : stays) {
      if (budgets.service(c.instance(i).unit) == s) {
        first = i;
        break;
      }
    }
    const UnitId u = c.instance(first).unit;
    const std::int64_t allowed = budgets.allowed_down(u);
    if (allowed == kUnlimited || k + already_down[s] <= allowed) {
      for (InstanceId i : stays) {
        if (budgets.service(c.instance(i).unit) == s) result.stopped.push_back(c.instance(i).name);
      }
      continue;
    }
    Blocked b;
    b.unit = budgets.service_name(s);
    b.machine = result.machine;
    b.reason = BlockReason::Budget;
    b.summary = fmt::format(
        "{}: {} instance(s) stop with the machine (global or pinned) but disruption budget {} "
        "allows {} down ({} "
        "already are)",
        budgets.service_name(s), k, budgets.source(u), allowed, already_down[s]);
    result.blocked.push_back(std::move(b));
  }
  std::unordered_map<InstanceId, MachineId> origin;
  for (GroupId g : movable) {
    for (InstanceId i : c.group(g).members) origin[i] = c.assignment(i);
  }
  evict_groups(c, movable);

  Placer placer(c, options.strategy);
  std::vector<Move> moves;
  std::vector<std::pair<GroupId, Diagnosis>> homeless;
  place_in_batch_order(placer, movable, [&](const GroupPlacement& p) {
    const GroupId g = p.group;
    if (p.placed()) {
      for (InstanceId i : p.unassigned) {
        const MachineId from = origin[i];
        moves.push_back({c.instance(i).name, from == kNone ? "" : c.machine_name(from),
                         c.machine_name(c.assignment(i))});
      }
      return;
    }
    Diagnosis diag;
    placer.select(g, &diag);
    // It stays where it was: nothing is lost. Whether it may stop with the machine is decided
    // below, once every move of its service is known.
    for (InstanceId i : c.group(g).members) {
      if (origin[i] != kNone) c.assign(i, origin[i]);
    }
    homeless.emplace_back(g, std::move(diag));
  });

  std::vector<std::string> refused;
  result.steps = split_into_steps(c, moves, budgets, already_down, &refused);
  std::map<BudgetTable::ServiceId, std::int64_t> moving;
  for (const auto& step : result.steps) {
    for (const Move& mv : step)
      ++moving[budgets.service(c.instance(c.find_instance(mv.instance)).unit)];
  }
  for (auto& [g, diag] : homeless) {
    std::vector<InstanceId> members;
    for (InstanceId i : c.group(g).members) {
      if (c.assignment(i) == m) members.push_back(i);
    }
    std::string why = detail::stop_refusal(c, budgets, members, already_down, moving, stopping);
    for (InstanceId i : members) {
      if (why.empty()) {
        result.stopped.push_back(c.instance(i).name);
        continue;
      }
      Blocked b = detail::blocked_from(diag, c.instance(i).name, result.machine);
      b.summary += "; " + why;
      result.blocked.push_back(std::move(b));
    }
  }
  for (const std::string& name : refused) {
    const InstanceId i = c.find_instance(name);
    const UnitId u = c.instance(i).unit;
    c.assign(i, origin[i]);
    Blocked b;
    b.unit = name;
    b.machine = result.machine;
    b.reason = BlockReason::Budget;
    b.summary = fmt::format(
        "{}: disruption budget {} allows {} instance(s) of {} down and {} already are; it stays on "
        "{}",
        name, budgets.source(u), budgets.allowed_down(u), c.unit(u).name, already_down[u],
        result.machine);
    result.blocked.push_back(std::move(b));
  }
  for (InstanceId i : c.instances_on(m)) result.remaining.push_back(c.instance(i).name);
  std::sort(result.remaining.begin(), result.remaining.end(), natural_less);
  std::sort(result.stopped.begin(), result.stopped.end(), natural_less);
  return result;
}

DrainResult plan_drain(const Cluster& cluster, MachineId m, const OpsOptions& options) {
  Cluster copy = cluster;
  return drain(copy, m, options);
}

}  // namespace berth::ops
