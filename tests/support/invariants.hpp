#pragma once
// The independent checker of berth's promises, written from the spec's words apart from the
// engine so that a bug in one is not mirrored in the other: capacity, machine states,
// metadata, taints, conflicts (fleet's global-unit names too), host ports, co-location, pins,
// spread, global coverage, and that every instance is placed, pending with a reason, or (a
// global on a machine that is not up, in the operations) stopped, exactly once. One checker
// for a placement and for every step of an operation (check_state), so the property tests of
// both judge by the same rules.
#include <fmt/format.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "berth/constraint/glob.hpp"
#include "berth/model/spec.hpp"
#include "berth/place/place.hpp"

namespace berth::testing {

/// kube's rule, written out again: every NoSchedule/NoExecute taint has a toleration with a
/// matching effect (or none), a matching key (or an empty key with Exists) and, for Equal, the
/// same value.
inline bool oracle_tolerates(const Constraints& c, const Machine& m, bool only_no_execute = false) {
  for (const auto& t : m.taints) {
    if (t.effect == TaintEffect::PreferNoSchedule) continue;
    if (only_no_execute && t.effect != TaintEffect::NoExecute) continue;
    bool ok = false;
    for (const auto& tol : c.tolerations) {
      const bool effect = !tol.effect || *tol.effect == t.effect;
      const bool key = tol.key.empty() ? tol.op == TolerationOp::Exists : tol.key == t.key;
      const bool value = tol.op == TolerationOp::Exists || tol.value == t.value;
      ok = ok || (effect && key && value);
    }
    if (!ok) return false;
  }
  return true;
}

struct ExpectedInstance {
  std::string name;
  const Unit* unit = nullptr;
  int replica = 0;
  std::string global_machine;  ///< machine of a global instance
};

/// Which instances of a global unit a spec implies.
enum class GlobalInstances {
  /// place: one per up machine that meets the unit's metadata and taints.
  OnUpMachinesThatFit,
  /// The operations: one per machine that meets its metadata, in any state (the simulator keeps
  /// a stopped one for a machine that is not up: neither placed nor pending).
  OnEveryMatchingMachine,
};

inline std::vector<ExpectedInstance> expected_instances(
    const Spec& spec, GlobalInstances globals = GlobalInstances::OnUpMachinesThatFit) {
  std::vector<ExpectedInstance> out;
  for (const auto& u : spec.units) {
    if (u.constraints.global) {
      for (const auto& m : spec.machines) {
        bool ok = true;
        if (globals == GlobalInstances::OnUpMachinesThatFit) {
          if (m.state != MachineState::Up) continue;
          ok = oracle_tolerates(u.constraints, m);
        }
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

/// The spread domains (values of the unit's spread key) of the up machines that match its
/// metadata requirements, each with a count of 0: the domains max_skew is measured over.
inline std::map<std::string, long> eligible_spread_domains(const Spec& spec, const Unit& u) {
  std::map<std::string, long> counts;
  for (const auto& m : spec.machines) {
    if (m.state != MachineState::Up) continue;
    auto it = m.metadata.find(u.constraints.spread->key);
    if (it == m.metadata.end() || it->second.empty()) continue;
    bool ok = oracle_tolerates(u.constraints, m);
    for (const auto& r : u.constraints.metadata) ok = ok && r.matches(m.metadata);
    if (ok) counts.emplace(it->second.front(), 0);
  }
  return counts;
}

/// How a spread unit's placements are judged.
enum class SpreadRule {
  Off,  ///< where existing placements could already be skewed, or evictions follow placements
  /// max - min over the eligible domains never exceeds max_skew.
  AllDomains,
  /// Every domain that received an instance (one not in `before` on that machine) is within
  /// max_skew of the least filled eligible domain: a step is judged on its new placements.
  DomainsThatReceived,
};

/// One state of a cluster to check, whoever produced it (a placement, a step of an operation).
struct StateToCheck {
  const Spec& spec;                                      ///< machines (states) and units
  const std::map<std::string, std::string>& placements;  ///< instance -> machine, now
  const std::vector<PendingUnit>& pending;               ///< what the engine reports pending
  /// Placements made before: one that stays on its machine is not new, so it may sit on a
  /// machine that is not up or tolerate only NoExecute taints, and does not count as received.
  const std::map<std::string, std::string>& before;
  GlobalInstances globals = GlobalInstances::OnUpMachinesThatFit;
  SpreadRule spread = SpreadRule::AllDomains;
};

/// The one checker of the promises (the place and operations property tests, the fuzzer and
/// unit tests all use it): every violated promise as a line of text (empty = all kept).
inline std::vector<std::string> check_state(const StateToCheck& s) {
  std::vector<std::string> bad;
  std::map<std::string, const Machine*> machines;
  for (const auto& m : s.spec.machines) machines[m.name] = &m;
  const auto instances = expected_instances(s.spec, s.globals);
  std::map<std::string, const ExpectedInstance*> by_name;
  for (const auto& i : instances) by_name[i.name] = &i;
  auto is_new = [&](const std::string& name, const std::string& machine) {
    auto was = s.before.find(name);
    return was == s.before.end() || was->second != machine;
  };

  // Placed, pending, or (a global on a machine that is not up) stopped: exactly one of them.
  std::set<std::string> pending;
  for (const auto& p : s.pending) {
    if (!pending.insert(p.unit).second) bad.push_back("pending twice: " + p.unit);
    if (!by_name.count(p.unit)) bad.push_back("pending unknown instance: " + p.unit);
    if (s.placements.count(p.unit)) bad.push_back("both placed and pending: " + p.unit);
    if (p.summary().empty()) bad.push_back(p.unit + ": no reason");
    // The reasons add up: every machine is considered, and each fits or is rejected once.
    const Diagnosis& d = p.diagnosis;
    std::size_t sum = 0;
    for (const auto& [code, n] : d.rejections) sum += n;
    if (sum + d.fit != d.considered)
      bad.push_back(fmt::format("{}: rejections add up to {} + {} fit, not {}", p.unit, sum, d.fit,
                                d.considered));
    if (d.considered != s.spec.machines.size())
      bad.push_back(fmt::format("{}: considered {} of {} machines", p.unit, d.considered,
                                s.spec.machines.size()));
  }
  for (const auto& [name, machine] : s.placements) {
    if (!by_name.count(name)) bad.push_back("placed an unknown instance: " + name);
    if (!machines.count(machine)) bad.push_back("placed on an unknown machine: " + machine);
  }
  if (!bad.empty()) return bad;
  for (const auto& i : instances) {
    const bool placed = s.placements.count(i.name) > 0;
    const bool is_pending = pending.count(i.name) > 0;
    const bool stopped =
        !i.global_machine.empty() && machines[i.global_machine]->state != MachineState::Up;
    if (!placed && !is_pending && !stopped) bad.push_back("lost: " + i.name);
    if (stopped && is_pending) bad.push_back("stopped global reported pending: " + i.name);
  }

  // Capacity in every dimension, and nothing on a machine that is down or rebooting.
  std::map<std::string, Resources> used;
  std::map<std::string, std::vector<std::string>> on;
  for (const auto& [name, machine] : s.placements) {
    used[machine] += by_name[name]->unit->requests;
    on[machine].push_back(name);
  }
  for (const auto& [machine, r] : used) {
    const Machine& m = *machines[machine];
    if (!r.fits_in(m.allocatable())) bad.push_back(fmt::format("overcommit on {}", machine));
    if (m.state == MachineState::Down || m.state == MachineState::Rebooting)
      bad.push_back(fmt::format("units on {} machine {}", to_string(m.state), machine));
  }
  for (const auto& [name, machine] : s.placements) {
    const ExpectedInstance& inst = *by_name[name];
    const Constraints& c = inst.unit->constraints;
    const Machine& m = *machines[machine];
    const bool existing = !is_new(name, machine);
    if (!existing && m.state != MachineState::Up)
      bad.push_back(fmt::format("{} newly placed on {} which is not up", name, machine));
    for (const auto& r : c.metadata) {
      if (!r.matches(m.metadata))
        bad.push_back(fmt::format("{} on {} breaks {}", name, machine, r.describe()));
    }
    // New placements tolerate every hard taint; existing ones at least every NoExecute taint.
    if (!oracle_tolerates(c, m, existing))
      bad.push_back(fmt::format("{} on {} does not tolerate its taints", name, machine));
    if (!c.machine_id.empty() && c.machine_id != machine)
      bad.push_back(fmt::format("{} pinned to {} but on {}", name, c.machine_id, machine));
    if (!inst.global_machine.empty() && inst.global_machine != machine)
      bad.push_back(fmt::format("global {} on {}", name, machine));
    for (const auto& other : on[machine]) {
      if (other == name) continue;
      const ExpectedInstance& o = *by_name[other];
      for (const auto& pat : c.conflicts) {
        // fleet: a global unit is matched by its unit name as well as its instance names.
        if (glob_match(pat, other) ||
            (o.unit->constraints.global && glob_match(pat, o.unit->name))) {
          bad.push_back(fmt::format("{} and {} conflict but share {}", name, other, machine));
        }
      }
      for (const auto& p : c.ports) {
        for (const auto& q : o.unit->constraints.ports) {
          if (p.port == q.port && p.protocol == q.protocol && name < other) {
            bad.push_back(
                fmt::format("{} and {} both bind {} on {}", name, other, p.describe(), machine));
          }
        }
      }
    }
  }
  // Co-location: a follower and its target share a machine, or neither runs. A follower whose
  // machine_of contradicts itself (`w` has 4 replicas, the follower 2) forms no group: it is
  // pending unresolvable and its target is placed on its own, as any unit is.
  std::set<std::string> contradicted;
  for (const auto& p : s.pending)
    if (!p.diagnosis.contradiction.empty()) contradicted.insert(p.unit);
  for (const auto& i : instances) {
    const Constraints& c = i.unit->constraints;
    if (c.machine_of.empty()) continue;
    std::string target = c.machine_of;
    if (auto pos = target.find("%i"); pos != std::string::npos)
      target.replace(pos, 2, std::to_string(i.replica));
    if (!by_name.count(target)) target = fmt::format("{}@{}", target, i.replica);
    auto self = s.placements.find(i.name);
    auto it = s.placements.find(target);
    const bool a = self != s.placements.end(), b = it != s.placements.end();
    if (a != b && !(b && contradicted.count(i.name)))
      bad.push_back(
          fmt::format("{} and its machine_of {} are not placed together", i.name, target));
    if (a && b && self->second != it->second)
      bad.push_back(
          fmt::format("{} on {} apart from {} on {}", i.name, self->second, target, it->second));
  }
  if (s.spread != SpreadRule::Off) {
    for (const auto& u : s.spec.units) {
      if (!u.constraints.spread) continue;
      const auto& sp = *u.constraints.spread;
      std::map<std::string, long> counts = eligible_spread_domains(s.spec, u);
      // A key no machine has makes no domain, and then the rule has nothing to balance: the
      // engine places the unit as if it had no spread. Otherwise a machine without the key
      // never takes a new instance.
      bool key_exists = false;
      for (const auto& m : s.spec.machines) {
        auto it = m.metadata.find(sp.key);
        key_exists = key_exists || (it != m.metadata.end() && !it->second.empty());
      }
      std::set<std::string> received;
      for (const auto& [name, machine] : s.placements) {
        if (by_name[name]->unit != &u) continue;
        auto it = machines[machine]->metadata.find(sp.key);
        if (it == machines[machine]->metadata.end() || it->second.empty()) {
          if (key_exists && is_new(name, machine))
            bad.push_back(fmt::format("{} on {} which lacks spread key {}", name, machine, sp.key));
          continue;
        }
        if (counts.count(it->second.front())) ++counts[it->second.front()];
        if (s.spread == SpreadRule::AllDomains || is_new(name, machine))
          received.insert(it->second.front());
      }
      if (counts.empty()) continue;
      long lo = counts.begin()->second;
      for (const auto& [k, v] : counts) lo = std::min(lo, v);
      // With every domain "received" this is max - min <= max_skew (a domain outside the
      // eligible ones holds no count).
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

/// A placement: every instance placed or pending with reasons that add up, constraints kept.
/// `check_spread` may be off where existing placements could already be skewed.
inline std::vector<std::string> check_placement(const Spec& spec, const PlacementResult& result,
                                                bool check_spread = true) {
  return check_state({spec, result.placements, result.pending, spec.placements,
                      GlobalInstances::OnUpMachinesThatFit,
                      check_spread ? SpreadRule::AllDomains : SpreadRule::Off});
}

/// A step of an operation (failure, drain, reboot, preemption, simulate). `now`: the spec with
/// machine states and placements after the step; `pending`: the units the engine reports
/// pending; `before`: placements before the step (to find new placements for the spread rule);
/// `check_spread` off for steps where evictions follow placements.
inline std::vector<std::string> check_ops_state(const Spec& now,
                                                const std::vector<PendingUnit>& pending,
                                                const std::map<std::string, std::string>& before,
                                                bool check_spread) {
  return check_state({now, now.placements, pending, before, GlobalInstances::OnEveryMatchingMachine,
                      check_spread ? SpreadRule::DomainsThatReceived : SpreadRule::Off});
}

}  // namespace berth::testing
