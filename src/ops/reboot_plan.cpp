#include "berth/ops/reboot_plan.hpp"

#include "berth/ops/budget.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "berth/constraint/glob.hpp"
#include "berth/error.hpp"
#include "berth/ops/drain.hpp"
#include "berth/ops/reschedule.hpp"
#include "berth/place/placer.hpp"
#include "berth/place/schedule.hpp"
#include "detail.hpp"

namespace berth::ops {
namespace {

std::string zone_of(const Cluster& c, MachineId m, const std::string& key) {
  const Metadata& md = c.machine_metadata(m);
  auto it = md.find(key);
  return it == md.end() || it->second.empty() ? std::string() : it->second.front();
}

/// The outcome of taking some machines down on the working cluster.
struct WaveTrial {
  std::vector<Move> moves;
  std::vector<InstanceId> moved;
  std::vector<InstanceId> stopped;  ///< global or pinned to a wave machine
  /// Groups with no home on the machines that stay up: they stay on their (wave) machine and
  /// stop with it if their budget allows (check_rules), else they block the wave.
  std::vector<std::pair<GroupId, Diagnosis>> homeless;
  std::vector<Blocked> blocked;
};

/// Marks `machines` rebooting and places every group they displace on the machines that stay
/// up; the caller's Cluster::Undo takes it all back. Stops at the first group with no home unless
/// `collect_all`.
WaveTrial try_wave(Cluster& c, const std::vector<MachineId>& machines, const OpsOptions& options,
                   bool collect_all) {
  WaveTrial out;
  for (MachineId m : machines) c.set_state(m, MachineState::Rebooting);
  auto in_wave = [&](MachineId m) {
    return std::find(machines.begin(), machines.end(), m) != machines.end();
  };
  std::vector<GroupId> movable;
  for (MachineId m : machines) {
    for (GroupId g : groups_on(c, m)) {
      const Group& grp = c.group(g);
      if (std::find(movable.begin(), movable.end(), g) != movable.end()) continue;
      const bool stays =
          c.instance(grp.members.front()).global || (grp.pinned != kNone && in_wave(grp.pinned));
      if (stays) {
        for (InstanceId i : grp.members) {
          if (in_wave(c.assignment(i)) &&
              std::find(out.stopped.begin(), out.stopped.end(), i) == out.stopped.end()) {
            out.stopped.push_back(i);
          }
        }
        continue;
      }
      movable.push_back(g);
    }
  }
  std::unordered_map<InstanceId, MachineId> origin;
  for (GroupId g : movable) {
    for (InstanceId i : c.group(g).members) {
      origin[i] = c.assignment(i);
      c.unassign(i);
    }
  }
  Placer placer(c, options.strategy);
  place_in_batch_order(placer, movable, [&](const GroupPlacement& p) {
    const GroupId g = p.group;
    if (p.placed()) {
      for (InstanceId i : p.unassigned) {
        const MachineId from = origin[i];
        // Members that had no machine before the wave were pending; placing them is no move.
        if (from == kNone) continue;
        out.moves.push_back(
            {c.instance(i).name, c.machine_name(from), c.machine_name(c.assignment(i))});
        out.moved.push_back(i);
      }
      return;
    }
    Diagnosis diag;
    placer.select(g, &diag);
    // No home while the wave is down: it goes back to its machine, to stop and restart with it
    // when the budget allows (judged in check_rules, which sees every move of the wave).
    for (InstanceId i : c.group(g).members) {
      if (origin[i] != kNone) c.assign(i, origin[i]);
    }
    out.homeless.emplace_back(g, std::move(diag));
  });
  (void)collect_all;
  return out;
}

/// try_wave, preferring machines outside `avoid` (machines that reboot later): a unit that
/// moves there would move again. Falls back to every up machine when that fails.
WaveTrial try_wave_preferring(Cluster& c, const std::vector<MachineId>& machines,
                              const OpsOptions& options, bool collect_all,
                              const std::vector<MachineId>& avoid) {
  if (!avoid.empty()) {
    Cluster::Undo inner(c);
    for (MachineId m : avoid) c.set_state(m, MachineState::Draining);
    WaveTrial t = try_wave(c, machines, options, false);
    // Preferred only when everything found a home: stopping a unit that could have moved to a
    // machine that reboots later is worse than moving it twice.
    if (t.blocked.empty() && t.homeless.empty()) {
      inner.keep();  // an enclosing Undo still takes it back
      for (MachineId m : avoid) c.set_state(m, MachineState::Up);
      return t;
    }
  }
  return try_wave(c, machines, options, collect_all);
}

/// Budget and zone rules for a wave whose trial placed everything. Returns blocking entries
/// (budget reasons) and, through `steps`, the moves cut into budget steps.
std::vector<Blocked> check_rules(const Cluster& c, const std::vector<MachineId>& machines,
                                 const WaveTrial& t, const BudgetTable& budgets,
                                 const std::vector<std::int64_t>& already_down,
                                 std::vector<std::vector<Move>>& steps, bool& one_step) {
  std::vector<Blocked> out;
  std::vector<std::string> refused;
  steps = split_into_steps(c, t.moves, budgets, already_down, &refused);
  one_step = steps.size() <= 1;
  for (const std::string& name : refused) {
    const UnitId u = c.instance(c.find_instance(name)).unit;
    Blocked b;
    b.unit = name;
    b.reason = BlockReason::Budget;
    b.summary = fmt::format(
        "{}: disruption budget {} allows {} instance(s) of {} down and {} already are, so it "
        "cannot move",
        name, budgets.source(u), budgets.allowed_down(u), budgets.service_name(budgets.service(u)),
        already_down[budgets.service(u)]);
    out.push_back(std::move(b));
  }
  std::map<BudgetTable::ServiceId, std::pair<std::int64_t, UnitId>> stopping;
  for (InstanceId i : t.stopped) {
    auto& [k, u] = stopping[budgets.service(c.instance(i).unit)];
    ++k;
    u = c.instance(i).unit;
  }
  std::map<BudgetTable::ServiceId, std::int64_t> stopped_count;
  for (const auto& [s, ku] : stopping) {
    const auto [k, u] = ku;
    stopped_count[s] = k;
    const std::int64_t allowed = budgets.allowed_down(u);
    if (allowed == kUnlimited || k + already_down[s] <= allowed) continue;
    Blocked b;
    b.unit = budgets.service_name(s);
    b.reason = BlockReason::Budget;
    b.summary = fmt::format(
        "{}: {} instance(s) stop with the machine (global or pinned) but disruption budget {} "
        "allows {} down ({} already are)",
        budgets.service_name(s), k, budgets.source(u), allowed, already_down[s]);
    out.push_back(std::move(b));
  }
  // Units with no other home stop with their machine when their service may lose them:
  // counted with every instance of the service that moves or stops in this wave.
  std::map<BudgetTable::ServiceId, std::int64_t> moving;
  for (InstanceId i : t.moved) ++moving[budgets.service(c.instance(i).unit)];
  for (const auto& [g, diag] : t.homeless) {
    std::vector<InstanceId> members;
    for (InstanceId i : c.group(g).members) {
      const MachineId m = c.assignment(i);
      if (m != kNone && std::find(machines.begin(), machines.end(), m) != machines.end())
        members.push_back(i);
    }
    const std::string why =
        detail::stop_refusal(c, budgets, members, already_down, moving, stopped_count);
    if (why.empty()) continue;
    for (InstanceId i : members) {
      Blocked b = detail::blocked_from(diag, c.instance(i).name, c.machine_name(c.assignment(i)));
      b.summary += "; " + why;
      out.push_back(std::move(b));
    }
  }
  for (Blocked& b : out) {
    if (b.machine.empty() && machines.size() == 1) b.machine = c.machine_name(machines.front());
  }
  return out;
}

/// A multi-machine wave never takes down every replica a service runs in its zone.
bool keeps_zone_replica(const Cluster& c, const std::vector<MachineId>& machines,
                        const WaveTrial& t, const std::string& zone, const std::string& zone_key,
                        std::string* why) {
  std::map<UnitId, std::int64_t> down;
  for (InstanceId i : t.moved) ++down[c.instance(i).unit];
  for (InstanceId i : t.stopped) ++down[c.instance(i).unit];
  for (const auto& [g, diag] : t.homeless) {
    for (InstanceId i : c.group(g).members) ++down[c.instance(i).unit];
  }
  if (down.empty()) return true;
  std::map<UnitId, std::int64_t> running;
  for (InstanceId i = 0; i < c.instance_count(); ++i) {
    const MachineId m = c.assignment(i);
    const UnitId u = c.instance(i).unit;
    if (m == kNone || !down.count(u)) continue;
    const bool wave = std::find(machines.begin(), machines.end(), m) != machines.end();
    if (!wave && c.machine_state(m) != MachineState::Up) continue;
    if (zone_of(c, m, zone_key) == zone) ++running[u];
  }
  for (const auto& [u, k] : down) {
    if (running[u] >= 2 && k >= running[u]) {
      if (why)
        *why = fmt::format("would take down all {} replicas of {} in {} {}", k, c.unit(u).name,
                           zone_key, zone.empty() ? "(none)" : zone);
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<MachineId> match_machines(const Cluster& c, std::string_view globs,
                                      std::string_view flag) {
  std::vector<bool> chosen(c.machine_count(), false);
  std::size_t start = 0;
  if (globs.empty()) globs = "*";
  while (start <= globs.size()) {
    std::size_t end = globs.find(',', start);
    if (end == std::string_view::npos) end = globs.size();
    std::string_view pat = globs.substr(start, end - start);
    while (!pat.empty() && pat.front() == ' ') pat.remove_prefix(1);
    while (!pat.empty() && pat.back() == ' ') pat.remove_suffix(1);
    if (!pat.empty()) {
      bool any = false;
      for (MachineId m = 0; m < c.machine_count(); ++m) {
        if (glob_match(pat, c.machine_name(m))) {
          chosen[m] = true;
          any = true;
        }
      }
      if (!any) throw UsageError(361, fmt::format("{} \"{}\" matches no machine", flag, pat));
    }
    start = end + 1;
  }
  std::vector<MachineId> out;
  for (MachineId m = 0; m < c.machine_count(); ++m) {
    if (chosen[m]) out.push_back(m);
  }
  return out;
}

RebootPlan plan_reboot(const Cluster& cluster, const std::vector<MachineId>& machines,
                       const RebootOptions& reboot, const OpsOptions& options) {
  if (reboot.max_unavailable < 1)
    throw UsageError(
        362, fmt::format("--max-unavailable must be at least 1, got {}", reboot.max_unavailable));
  RebootPlan plan;
  Cluster work = cluster;
  const BudgetTable budgets(work, options.budgets);
  const std::string& key = options.zone_key;

  std::vector<MachineId> remaining;
  for (MachineId m : machines) {
    if (work.machine_state(m) == MachineState::Up) {
      remaining.push_back(m);
    } else {
      plan.not_rebooted.push_back(work.machine_name(m));
      plan.notes.push_back(fmt::format("{} is {}: not part of the plan", work.machine_name(m),
                                       to_string(work.machine_state(m))));
    }
  }
  // Zone by zone, machines in name order within a zone.
  std::stable_sort(remaining.begin(), remaining.end(), [&](MachineId a, MachineId b) {
    const std::string za = zone_of(work, a, key), zb = zone_of(work, b, key);
    if (za != zb) return natural_less(za, zb);
    return a < b;
  });

  // Machines still to reboot after a wave made of `wave`.
  auto later = [&](const std::vector<MachineId>& wave) {
    std::vector<MachineId> out;
    for (MachineId m : remaining) {
      if (std::find(wave.begin(), wave.end(), m) == wave.end()) out.push_back(m);
    }
    return out;
  };
  while (!remaining.empty()) {
    const std::vector<std::int64_t> already_down = budgets.down_now(work);
    std::vector<MachineId> chosen;
    std::string zone;
    int refused = 0;
    const int max_refusals = 2 * reboot.max_unavailable + 4;  // bounds the search per wave
    for (MachineId m : remaining) {
      if (!chosen.empty() && zone_of(work, m, key) != zone) continue;
      std::vector<MachineId> candidate = chosen;
      candidate.push_back(m);
      bool ok = false;
      {
        Cluster::Undo trial(work);
        WaveTrial t = try_wave_preferring(work, candidate, options, false, later(candidate));
        if (t.blocked.empty()) {
          std::vector<std::vector<Move>> steps;
          bool one_step = true;
          // Budgets and zone rules are judged before the machines go down.
          trial.rollback();
          std::vector<Blocked> rules =
              check_rules(work, candidate, t, budgets, already_down, steps, one_step);
          ok = rules.empty() &&
               (candidate.size() == 1 ||
                (one_step &&
                 keeps_zone_replica(work, candidate, t, zone_of(work, m, key), key, nullptr)));
        }
      }
      if (ok) {
        if (chosen.empty()) zone = zone_of(work, m, key);
        chosen = std::move(candidate);
        if (static_cast<int>(chosen.size()) == reboot.max_unavailable) break;
      } else if (!chosen.empty() && ++refused >= max_refusals) {
        break;
      }
    }
    if (chosen.empty()) {
      // No machine can go down safely now: say exactly which units stand in the way.
      plan.safe = false;
      for (MachineId m : remaining) {
        Cluster::Undo trial(work);
        WaveTrial t = try_wave(work, {m}, options, true);
        std::vector<Blocked> why = t.blocked;
        if (why.empty()) {
          trial.rollback();
          std::vector<std::vector<Move>> steps;
          bool one_step = true;
          why = check_rules(work, {m}, t, budgets, already_down, steps, one_step);
        }
        plan.blocked.insert(plan.blocked.end(), why.begin(), why.end());
        plan.not_rebooted.push_back(work.machine_name(m));
      }
      break;
    }
    Wave wave;
    wave.zone = zone;
    {
      // Apply for real: the moves stay, the machines come back up after the reboot.
      Cluster::Undo apply(work);
      WaveTrial again = try_wave_preferring(work, chosen, options, false, later(chosen));
      apply.keep();
      std::vector<std::vector<Move>> steps;
      bool one_step = true;
      check_rules(work, chosen, again, budgets, already_down, steps, one_step);
      wave.moves = again.moves;
      for (const auto& step : steps) {
        std::vector<std::string> names;
        for (const Move& mv : step) names.push_back(mv.instance);
        wave.steps.push_back(std::move(names));
      }
      for (InstanceId i : again.stopped) wave.stopped.push_back(work.instance(i).name);
      // Units with no other home stay on their machine: they stop and restart with it.
      for (const auto& [g, diag] : again.homeless) {
        for (InstanceId i : work.group(g).members) {
          const MachineId m = work.assignment(i);
          if (m != kNone && std::find(chosen.begin(), chosen.end(), m) != chosen.end())
            wave.stopped.push_back(work.instance(i).name);
        }
      }
      std::sort(wave.stopped.begin(), wave.stopped.end(), natural_less);
    }
    for (MachineId m : chosen) {
      work.set_state(m, MachineState::Up);
      wave.machines.push_back(work.machine_name(m));
    }
    // Units that were pending may fit now that the rebooted machines are back; they are not
    // placed here (the plan only moves what it must), but the next wave sees them as down.
    std::erase_if(remaining, [&](MachineId m) {
      return std::find(chosen.begin(), chosen.end(), m) != chosen.end();
    });
    plan.waves.push_back(std::move(wave));
  }
  return plan;
}

RebootPlan plan_reboot_for_spec(const Spec& spec, std::string_view globs,
                                const RebootOptions& reboot, const OpsOptions& options,
                                std::size_t* matched, std::string_view flag) {
  const Cluster cluster = Cluster::build(spec);
  check_budget_units(cluster, options.budgets);
  const std::vector<MachineId> machines = match_machines(cluster, globs, flag);
  if (matched != nullptr) *matched = machines.size();
  RebootPlan plan = plan_reboot(cluster, machines, reboot, options);
  std::size_t unplaced = 0;
  for (InstanceId i = 0; i < cluster.instance_count(); ++i)
    unplaced += cluster.assignment(i) == kNone ? 1 : 0;
  if (unplaced > 0) {
    plan.notes.push_back(fmt::format(
        "{} instance(s) have no placement in the spec; the plan leaves them as they are",
        unplaced));
  }
  return plan;
}

}  // namespace berth::ops
