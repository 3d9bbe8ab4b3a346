#pragma once
// An independent checker for the operations (failure, drain, reboot, preemption, simulate),
// written from the spec's words rather than from the engine's data structures: capacity,
// state, metadata, conflicts, co-location, pins, globals, spread on new placements, and that
// every instance is placed, pending with a reason, or stopped (a global on a machine that is
// not up), exactly once.
#include <fmt/format.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "berth/constraint/glob.hpp"
#include "berth/model/spec.hpp"
#include "berth/place/place.hpp"
#include "support/invariants.hpp"

namespace berth::testing {

struct OpsInstance {
  std::string name;
  const Unit* unit = nullptr;
  int replica = 0;
  std::string global_machine;  ///< machine of a global instance
};

/// Instances the spec implies; global units get one per matching machine in any state (the
/// simulator keeps a stopped one for a machine that is down).
inline std::vector<OpsInstance> ops_instances(const Spec& spec) {
  std::vector<OpsInstance> out;
  for (const auto& u : spec.units) {
    if (u.constraints.global) {
      for (const auto& m : spec.machines) {
        bool ok = true;
        for (const auto& r : u.constraints.metadata) ok = ok && r.matches(m.metadata);
        if (ok) out.push_back({u.name + "@" + m.name, &u, 0, m.name});
      }
    } else if (u.replicas) {
      for (int r = 1; r <= *u.replicas; ++r)
        out.push_back({fmt::format("{}@{}", u.name, r), &u, r, ""});
    } else {
      out.push_back({u.name, &u, 0, ""});
    }
  }
  return out;
}

/// `now`: the spec with machine states and placements after a step; `pending`: the units the
/// engine reports pending; `before`: placements before the step (to find new placements for the
/// spread rule); `check_spread` off for steps where evictions follow placements.
inline std::vector<std::string> check_ops_state(const Spec& now,
                                                const std::vector<PendingUnit>& pending,
                                                const std::map<std::string, std::string>& before,
                                                bool check_spread) {
  std::vector<std::string> bad;
  std::map<std::string, const Machine*> machines;
  for (const auto& m : now.machines) machines[m.name] = &m;
  const auto instances = ops_instances(now);
  std::map<std::string, const OpsInstance*> by_name;
  for (const auto& i : instances) by_name[i.name] = &i;

  std::set<std::string> pending_names;
  for (const auto& p : pending) {
    if (!pending_names.insert(p.unit).second) bad.push_back("pending twice: " + p.unit);
    if (!by_name.count(p.unit)) bad.push_back("pending unknown instance: " + p.unit);
    if (now.placements.count(p.unit)) bad.push_back("placed and pending: " + p.unit);
    if (p.summary().empty()) bad.push_back("pending without a reason: " + p.unit);
  }
  for (const auto& [name, machine] : now.placements) {
    if (!by_name.count(name)) bad.push_back("placed unknown instance: " + name);
    if (!machines.count(machine)) bad.push_back("placed on unknown machine: " + machine);
  }
  if (!bad.empty()) return bad;
  for (const auto& i : instances) {
    const bool placed = now.placements.count(i.name) > 0;
    const bool is_pending = pending_names.count(i.name) > 0;
    const bool stopped =
        !i.global_machine.empty() && machines[i.global_machine]->state != MachineState::Up;
    if (!placed && !is_pending && !stopped) bad.push_back("lost: " + i.name);
    if (stopped && is_pending) bad.push_back("stopped global reported pending: " + i.name);
  }

  std::map<std::string, Resources> used;
  std::map<std::string, std::vector<std::string>> on;
  for (const auto& [name, machine] : now.placements) {
    used[machine] += by_name[name]->unit->requests;
    on[machine].push_back(name);
  }
  for (const auto& [machine, r] : used) {
    const Machine& m = *machines[machine];
    if (!r.fits_in(m.allocatable())) bad.push_back(fmt::format("overcommit on {}", machine));
    if (m.state == MachineState::Down || m.state == MachineState::Rebooting) {
      bad.push_back(fmt::format("units on {} machine {}", to_string(m.state), machine));
    }
  }
  for (const auto& [name, machine] : now.placements) {
    const OpsInstance& inst = *by_name[name];
    const Constraints& c = inst.unit->constraints;
    const Machine& m = *machines[machine];
    for (const auto& r : c.metadata) {
      if (!r.matches(m.metadata))
        bad.push_back(fmt::format("{} on {} breaks {}", name, machine, r.describe()));
    }
    if (!c.machine_id.empty() && c.machine_id != machine)
      bad.push_back(fmt::format("{} pinned to {} but on {}", name, c.machine_id, machine));
    if (!inst.global_machine.empty() && inst.global_machine != machine)
      bad.push_back(fmt::format("global {} on {}", name, machine));
    for (const auto& other : on[machine]) {
      if (other == name) continue;
      for (const auto& pat : c.conflicts) {
        if (glob_match(pat, other))
          bad.push_back(fmt::format("{} and {} conflict but share {}", name, other, machine));
      }
    }
  }
  // Co-location: a follower and its target share a machine, or neither runs.
  for (const auto& i : instances) {
    const Constraints& c = i.unit->constraints;
    if (c.machine_of.empty()) continue;
    std::string target = c.machine_of;
    if (auto pos = target.find("%i"); pos != std::string::npos)
      target.replace(pos, 2, std::to_string(i.replica));
    if (!by_name.count(target)) target = fmt::format("{}@{}", target, i.replica);
    auto self = now.placements.find(i.name);
    auto it = now.placements.find(target);
    const bool a = self != now.placements.end(), b = it != now.placements.end();
    if (a != b)
      bad.push_back(
          fmt::format("{} and its machine_of {} are not placed together", i.name, target));
    if (a && b && self->second != it->second)
      bad.push_back(
          fmt::format("{} on {} apart from {} on {}", i.name, self->second, target, it->second));
  }
  if (check_spread) {
    // Every domain that received an instance in this step is within max_skew of the least
    // filled eligible domain.
    for (const auto& u : now.units) {
      if (!u.constraints.spread) continue;
      const auto& sp = *u.constraints.spread;
      std::map<std::string, long> counts = eligible_spread_domains(now, u);
      std::set<std::string> received;
      for (const auto& [name, machine] : now.placements) {
        if (by_name[name]->unit != &u) continue;
        auto it = machines[machine]->metadata.find(sp.key);
        if (it == machines[machine]->metadata.end() || it->second.empty()) {
          bad.push_back(fmt::format("{} on {} which lacks spread key {}", name, machine, sp.key));
          continue;
        }
        if (counts.count(it->second.front())) ++counts[it->second.front()];
        auto was = before.find(name);
        if (was == before.end() || was->second != machine) received.insert(it->second.front());
      }
      if (counts.empty()) continue;
      long lo = counts.begin()->second;
      for (const auto& [k, v] : counts) lo = std::min(lo, v);
      for (const auto& dom : received) {
        auto it = counts.find(dom);
        if (it != counts.end() && it->second - lo > sp.max_skew) {
          bad.push_back(
              fmt::format("{} spread: {}={} holds {} while the least filled holds {} (max_skew {})",
                          u.name, sp.key, dom, it->second, lo, sp.max_skew));
        }
      }
    }
  }
  return bad;
}

}  // namespace berth::testing
