#include "berth/ops/simulate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "berth/error.hpp"
#include "berth/model/instance_name.hpp"
#include "berth/ops/rebalance.hpp"
#include "berth/ops/reschedule.hpp"
#include "berth/place/placer.hpp"

namespace berth::ops {
namespace {

std::string join(const std::vector<std::string>& names, const char* sep = ", ") {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += sep;
    out += n;
  }
  return out;
}

/// The class-level filters (metadata, taints) of unit u on machine m.
bool metadata_ok(const Cluster& c, UnitId u, MachineId m) {
  return c.class_verdict(u, c.machine_class(m)).ok();
}

void append(StepLog& step, const RescheduleResult& r) {
  step.moves.insert(step.moves.end(), r.moves.begin(), r.moves.end());
  step.evicted.insert(step.evicted.end(), r.evicted.begin(), r.evicted.end());
  step.stopped.insert(step.stopped.end(), r.stopped.begin(), r.stopped.end());
  step.preemptions.insert(step.preemptions.end(), r.preemptions.begin(), r.preemptions.end());
}

}  // namespace

const char* to_string(SimMode mode) { return mode == SimMode::Berth ? "berth" : "fleet"; }

const char* to_string(EventType type) {
  switch (type) {
    case EventType::Arrive:
      return "arrive";
    case EventType::Depart:
      return "depart";
    case EventType::Fail:
      return "fail";
    case EventType::Recover:
      return "recover";
    case EventType::Drain:
      return "drain";
    case EventType::Reboot:
      return "reboot";
    case EventType::Rebalance:
      return "rebalance";
  }
  return "?";
}

Simulator::Simulator(const Spec& spec, SimMode mode, OpsOptions options)
    : base_(spec), mode_(mode), options_(std::move(options)) {
  base_.placements.clear();
  Spec all_up = spec;
  // Global instances exist for every matching machine, whatever its state, so that a machine
  // that recovers gets its own back; they are stopped while it is not up.
  for (Machine& m : all_up.machines) m.state = MachineState::Up;
  cluster_ = Cluster::build(all_up);
  for (const Machine& m : spec.machines) cluster_.set_state(cluster_.find_machine(m.name), m.state);
  for (const Machine& m : spec.machines) {
    if (m.state != MachineState::Down) continue;
    const MachineId id = cluster_.find_machine(m.name);
    const std::vector<InstanceId> on = cluster_.instances_on(id);
    for (InstanceId i : on) {
      for (InstanceId x : cluster_.group(cluster_.instance(i).group).members) cluster_.unassign(x);
    }
  }
  StepLog step;
  step.event = "start";
  place_unplaced_now(step);
  finish_step(std::move(step));
}

Spec Simulator::snapshot() const {
  Spec s = base_;
  for (Machine& m : s.machines) m.state = cluster_.machine_state(cluster_.find_machine(m.name));
  s.placements.clear();
  for (InstanceId i = 0; i < cluster_.instance_count(); ++i) {
    const MachineId m = cluster_.assignment(i);
    if (m != kNone) s.placements.emplace(cluster_.instance(i).name, cluster_.machine_name(m));
  }
  s.warnings.clear();
  return s;
}

void Simulator::rebuild() {
  Spec s = snapshot();
  std::vector<MachineState> states;
  for (Machine& m : s.machines) {
    states.push_back(m.state);
    m.state = MachineState::Up;
  }
  cluster_ = Cluster::build(s);
  for (std::size_t k = 0; k < s.machines.size(); ++k)
    cluster_.set_state(cluster_.find_machine(s.machines[k].name), states[k]);
}

MachineId Simulator::machine_or_throw(const std::string& name) const {
  const MachineId m = cluster_.find_machine(name);
  if (m == kNone)
    throw ValidationError(292, fmt::format("event {}", events_),
                          fmt::format("unknown machine \"{}\"", name));
  return m;
}

void Simulator::fleet_place(const std::vector<GroupId>& groups, StepLog& step) {
  // fleet: the up machine running the fewest units that passes metadata, conflicts and pins;
  // resources are not looked at. Ties go to the first machine by name.
  for (GroupId g : groups) {
    const Group& grp = cluster_.group(g);
    std::vector<InstanceId> todo;
    for (InstanceId i : grp.members) {
      if (cluster_.assignment(i) == kNone && !is_stopped(cluster_, i)) todo.push_back(i);
    }
    if (todo.empty()) continue;
    MachineId best = kNone;
    for (MachineId m = 0; m < cluster_.machine_count(); ++m) {
      if (cluster_.machine_state(m) != MachineState::Up) continue;
      if (grp.pinned != kNone && grp.pinned != m) continue;
      bool ok = true;
      for (InstanceId i : grp.members) {
        if (cluster_.assignment(i) != kNone && cluster_.assignment(i) != m) ok = false;
      }
      for (InstanceId i : todo) {
        ok = ok && metadata_ok(cluster_, cluster_.instance(i).unit, m);
        for (InstanceId y : cluster_.instances_on(m)) ok = ok && !cluster_.conflicts(i, y);
      }
      if (!ok) continue;
      if (best == kNone || cluster_.instances_on(m).size() < cluster_.instances_on(best).size())
        best = m;
    }
    if (best == kNone) continue;
    for (InstanceId i : todo) {
      cluster_.assign(i, best);
      step.moves.push_back({cluster_.instance(i).name, "", cluster_.machine_name(best)});
    }
  }
}

void Simulator::place_unplaced_now(StepLog& step) {
  if (mode_ == SimMode::Berth) {
    RescheduleResult r = place_unplaced(cluster_, options_);
    append(step, r);
    pending_ = std::move(r.pending);
    return;
  }
  fleet_place(unplaced_groups(cluster_), step);
  diagnose_pending();
}

void Simulator::diagnose_pending() {
  pending_.clear();
  Placer placer(cluster_, options_.strategy);
  for (GroupId g : unplaced_groups(cluster_)) {
    Diagnosis diag;
    placer.select(g, &diag);
    for (InstanceId i : cluster_.group(g).members) {
      if (cluster_.assignment(i) != kNone || is_stopped(cluster_, i)) continue;
      PendingUnit p;
      p.unit = cluster_.instance(i).name;
      p.diagnosis = diag;
      p.diagnosis.unit = p.unit;
      pending_.push_back(std::move(p));
    }
  }
}

void Simulator::finish_step(StepLog step) {
  step.at = now_;
  step.pending = pending_.size();
  for (MachineId m : cluster_.overcommitted())
    step.overcommitted.push_back(cluster_.machine_name(m));
  std::vector<std::string> parts;
  if (!step.moves.empty()) parts.push_back(fmt::format("{} placed", step.moves.size()));
  if (!step.evicted.empty()) parts.push_back(fmt::format("{} evicted", step.evicted.size()));
  if (!step.stopped.empty()) parts.push_back(fmt::format("{} stopped", step.stopped.size()));
  if (!step.preemptions.empty())
    parts.push_back(fmt::format("{} preemptions", step.preemptions.size()));
  if (!step.blocked.empty()) parts.push_back(fmt::format("{} blocked", step.blocked.size()));
  parts.push_back(fmt::format("{} pending", step.pending));
  if (!step.overcommitted.empty())
    parts.push_back(fmt::format("OVERCOMMIT on {}", join(step.overcommitted)));
  if (step.text.empty())
    step.text = join(parts);
  else
    step.text += "; " + join(parts);
  log_.push_back(std::move(step));
  if (on_step) on_step(*this, log_.back());
}

void Simulator::run(const std::vector<Event>& events) {
  for (const Event& e : events) apply(e);
}

void Simulator::apply(const Event& e) {
  ++events_;
  now_ = e.at;
  StepLog step;
  switch (e.type) {
    case EventType::Fail: {
      const MachineId m = machine_or_throw(e.machine);
      step.event = "fail " + e.machine;
      if (cluster_.machine_state(m) == MachineState::Down) {
        step.text = e.machine + " is already down";
        break;
      }
      if (mode_ == SimMode::Berth) {
        append(step, fail_machine(cluster_, m, options_));
      } else {
        cluster_.set_state(m, MachineState::Down);
        const std::vector<InstanceId> on = cluster_.instances_on(m);
        std::vector<GroupId> groups;
        for (InstanceId i : on) {
          if (cluster_.instance(i).global) {
            cluster_.unassign(i);
            step.stopped.push_back(cluster_.instance(i).name);
          } else {
            groups.push_back(cluster_.instance(i).group);
          }
        }
        auto ev = evict_groups(cluster_, groups);
        step.evicted.insert(step.evicted.end(), ev.begin(), ev.end());
      }
      place_unplaced_now(step);
      break;
    }
    case EventType::Recover: {
      const MachineId m = machine_or_throw(e.machine);
      step.event = "recover " + e.machine;
      cluster_.set_state(m, MachineState::Up);
      place_unplaced_now(step);
      break;
    }
    case EventType::Drain: {
      const MachineId m = machine_or_throw(e.machine);
      step.event = "drain " + e.machine;
      if (mode_ == SimMode::Berth) {
        DrainResult d = drain(cluster_, m, options_);
        for (const auto& s : d.steps) step.moves.insert(step.moves.end(), s.begin(), s.end());
        for (const Move& mv : step.moves) step.evicted.push_back(mv.instance);
        step.blocked = d.blocked;
        if (d.steps.size() > 1) step.text = fmt::format("{} budget steps", d.steps.size());
      } else {
        cluster_.set_state(m, MachineState::Draining);
        std::vector<GroupId> groups;
        for (GroupId g : groups_on(cluster_, m)) {
          if (!cluster_.instance(cluster_.group(g).members.front()).global) groups.push_back(g);
        }
        auto ev = evict_groups(cluster_, groups);
        step.evicted.insert(step.evicted.end(), ev.begin(), ev.end());
      }
      place_unplaced_now(step);
      break;
    }
    case EventType::Reboot:
      if (mode_ == SimMode::Berth)
        reboot_berth(e);
      else
        reboot_fleet(e);
      return;
    case EventType::Rebalance: {
      step.event = fmt::format("rebalance (max {} moves)", e.max_moves);
      if (mode_ == SimMode::Fleet) {
        step.text = "fleet has no rebalance";
        break;
      }
      auto r = rebalance(cluster_, e.max_moves, options_);
      step.moves = r.moves;
      for (const Move& mv : r.moves) step.evicted.push_back(mv.instance);
      step.text = fmt::format("peak {}‰ -> {}‰, {} machine(s) freed", r.peak_before, r.peak_after,
                              r.freed.size());
      place_unplaced_now(step);
      break;
    }
    case EventType::Arrive: {
      if (!e.unit)
        throw ValidationError(291, fmt::format("event {}", events_), "arrive needs a \"unit\"");
      for (const Unit& u : base_.units) {
        if (u.name == e.unit->name) {
          throw ValidationError(293, fmt::format("event {}", events_),
                                fmt::format("unit \"{}\" already exists", u.name));
        }
      }
      step.event = "arrive " + e.unit->name;
      base_.units.push_back(*e.unit);
      rebuild();
      place_unplaced_now(step);
      break;
    }
    case EventType::Depart: {
      auto it = std::find_if(base_.units.begin(), base_.units.end(),
                             [&](const Unit& u) { return u.name == e.unit_name; });
      if (it == base_.units.end()) {
        throw ValidationError(294, fmt::format("event {}", events_),
                              fmt::format("unknown unit \"{}\"", e.unit_name));
      }
      // machine_of names a unit, one of its instances or `unit@%i`: whichever, the unit it
      // follows is the unit of that instance name.
      const UnitNameIndex unit_names(base_.units);
      for (const Unit& u : base_.units) {
        const std::string& of = u.constraints.machine_of;
        if (!of.empty() && unit_names.unit_of(of) == e.unit_name) {
          throw ValidationError(
              295, fmt::format("event {}", events_),
              fmt::format("unit \"{}\" cannot depart: \"{}\" follows it (machine_of)", e.unit_name,
                          u.name));
        }
      }
      step.event = "depart " + e.unit_name;
      const UnitId gone = static_cast<UnitId>(it - base_.units.begin());
      for (InstanceId i = 0; i < cluster_.instance_count(); ++i) {
        if (cluster_.instance(i).unit != gone || cluster_.assignment(i) == kNone) continue;
        step.stopped.push_back(cluster_.instance(i).name);
        cluster_.unassign(i);  // its placement must not outlive it in the rebuilt cluster
      }
      base_.units.erase(it);
      rebuild();
      place_unplaced_now(step);
      break;
    }
  }
  finish_step(std::move(step));
}

void Simulator::reboot_berth(const Event& e) {
  const std::vector<MachineId> machines = match_machines(cluster_, e.machines);
  RebootOptions ro;
  ro.max_unavailable = e.max_unavailable;
  const RebootPlan plan = plan_reboot(cluster_, machines, ro, options_);
  for (std::size_t w = 0; w < plan.waves.size(); ++w) {
    const Wave& wave = plan.waves[w];
    StepLog down;
    down.event = fmt::format("reboot wave {} down ({})", w + 1, join(wave.machines));
    std::unordered_map<std::string, const Move*> by_name;
    for (const Move& mv : wave.moves) by_name[mv.instance] = &mv;
    std::vector<MachineId> wave_ids;
    for (const auto& name : wave.machines) wave_ids.push_back(machine_or_throw(name));
    // Execute the plan's moves one by one, checking each independently of the planner.
    for (const auto& step : wave.steps) {
      for (const std::string& name : step) {
        const Move& mv = *by_name.at(name);
        const InstanceId i = cluster_.find_instance(name);
        const MachineId to = cluster_.find_machine(mv.to);
        bool ok = i != kNone && to != kNone && cluster_.machine_state(to) == MachineState::Up &&
                  std::find(wave_ids.begin(), wave_ids.end(), to) == wave_ids.end() &&
                  cluster_.assignment(i) == cluster_.find_machine(mv.from);
        for (std::size_t d = 0; ok && d < cluster_.dims(); ++d)
          ok = cluster_.free(to, d) >= cluster_.request(i)[d];
        if (!ok) {
          ++failed_moves_;
          continue;
        }
        cluster_.assign(i, to);
        down.moves.push_back(mv);
        down.evicted.push_back(name);
      }
    }
    std::vector<std::pair<InstanceId, MachineId>> restart;
    for (MachineId m : wave_ids) {
      cluster_.set_state(m, MachineState::Rebooting);
      const std::vector<InstanceId> on = cluster_.instances_on(m);
      for (InstanceId i : on) {
        const Instance& inst = cluster_.instance(i);
        // Global and pinned instances, and those the plan lets stop because they have no
        // other home (Wave::stopped), restart with the machine.
        if (inst.global || inst.pinned == m ||
            std::find(wave.stopped.begin(), wave.stopped.end(), inst.name) != wave.stopped.end()) {
          restart.emplace_back(i, m);
          down.stopped.push_back(inst.name);
        } else {
          ++homeless_;  // the plan promised this unit a home elsewhere
          down.evicted.push_back(inst.name);
        }
        cluster_.unassign(i);
      }
    }
    diagnose_pending();
    finish_step(std::move(down));

    StepLog up;
    up.event = fmt::format("reboot wave {} up ({})", w + 1, join(wave.machines));
    for (MachineId m : wave_ids) cluster_.set_state(m, MachineState::Up);
    for (auto [i, m] : restart) {
      cluster_.assign(i, m);
      up.moves.push_back({cluster_.instance(i).name, "", cluster_.machine_name(m)});
    }
    if (w + 1 == plan.waves.size() && plan.safe)
      place_unplaced_now(up);
    else
      diagnose_pending();
    finish_step(std::move(up));
  }
  if (!plan.safe || plan.waves.empty()) {
    StepLog end;
    end.event = plan.safe ? "reboot (nothing to do)" : "reboot blocked";
    end.blocked = plan.blocked;
    if (!plan.safe) end.text = fmt::format("not rebooted: {}", join(plan.not_rebooted));
    place_unplaced_now(end);
    finish_step(std::move(end));
  }
}

void Simulator::reboot_fleet(const Event& e) {
  const std::vector<MachineId> machines = match_machines(cluster_, e.machines);
  const std::size_t per_wave = static_cast<std::size_t>(std::max(1, e.max_unavailable));
  for (std::size_t start = 0, w = 1; start < machines.size(); start += per_wave, ++w) {
    std::vector<MachineId> wave(machines.begin() + static_cast<std::ptrdiff_t>(start),
                                machines.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                       machines.size(), start + per_wave)));
    std::vector<std::string> names;
    for (MachineId m : wave) names.push_back(cluster_.machine_name(m));
    StepLog down;
    down.event = fmt::format("reboot wave {} down ({})", w, join(names));
    std::vector<std::pair<InstanceId, MachineId>> restart;
    std::vector<GroupId> groups;
    for (MachineId m : wave) cluster_.set_state(m, MachineState::Rebooting);
    for (MachineId m : wave) {
      const std::vector<InstanceId> on = cluster_.instances_on(m);
      for (InstanceId i : on) {
        const Instance& inst = cluster_.instance(i);
        if (inst.global || inst.pinned == m) {
          restart.emplace_back(i, m);
          down.stopped.push_back(inst.name);
          cluster_.unassign(i);
        } else if (std::find(groups.begin(), groups.end(), inst.group) == groups.end()) {
          groups.push_back(inst.group);
        }
      }
    }
    auto ev = evict_groups(cluster_, groups);
    down.evicted.insert(down.evicted.end(), ev.begin(), ev.end());
    place_unplaced_now(down);
    finish_step(std::move(down));
    StepLog up;
    up.event = fmt::format("reboot wave {} up ({})", w, join(names));
    for (MachineId m : wave) cluster_.set_state(m, MachineState::Up);
    for (auto [i, m] : restart) {
      cluster_.assign(i, m);
      up.moves.push_back({cluster_.instance(i).name, "", cluster_.machine_name(m)});
    }
    place_unplaced_now(up);
    finish_step(std::move(up));
  }
}

SimSummary Simulator::summary() const {
  SimSummary s;
  s.events = events_;
  s.steps = log_.size();
  for (const StepLog& step : log_) {
    s.placements += step.moves.size();
    s.evictions += step.evicted.size();
    s.preemptions += step.preemptions.size();
    s.overcommit += step.overcommitted.size();
    s.max_overcommitted = std::max(s.max_overcommitted, step.overcommitted.size());
    s.max_pending = std::max(s.max_pending, step.pending);
    s.pending_over_time.emplace_back(step.at, step.pending);
  }
  s.final_pending = pending_.size();
  s.homeless = homeless_;
  s.failed_moves = failed_moves_;
  return s;
}

}  // namespace berth::ops
