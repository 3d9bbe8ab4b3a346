#pragma once
// An independent checker of berth's promises, written apart from the engine so that a bug in
// one is not mirrored in the other: capacity, metadata, taints, conflicts (fleet's global-unit
// names too), host ports, co-location, pins, spread, global coverage, and that every instance
// is placed or pending exactly once.
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
  const Unit* unit;
  int replica;
  std::string global_machine;
};

inline std::vector<ExpectedInstance> expected_instances(const Spec& spec) {
  std::vector<ExpectedInstance> out;
  for (const auto& u : spec.units) {
    if (u.constraints.global) {
      for (const auto& m : spec.machines) {
        if (m.state != MachineState::Up) continue;
        bool ok = oracle_tolerates(u.constraints, m);
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

/// Returns every violated promise as a line of text (empty = all kept). `check_spread` may be
/// off where existing placements could already be skewed.
inline std::vector<std::string> check_placement(const Spec& spec, const PlacementResult& result,
                                                bool check_spread = true) {
  std::vector<std::string> bad;
  std::map<std::string, const Machine*> machines;
  for (const auto& m : spec.machines) machines[m.name] = &m;
  auto instances = expected_instances(spec);
  std::map<std::string, const ExpectedInstance*> by_name;
  for (const auto& i : instances) by_name[i.name] = &i;

  // Placed or pending, exactly once.
  std::set<std::string> pending;
  for (const auto& p : result.pending) {
    if (!pending.insert(p.unit).second) bad.push_back("pending twice: " + p.unit);
    if (result.placements.count(p.unit)) bad.push_back("both placed and pending: " + p.unit);
    const Diagnosis& d = p.diagnosis;
    std::size_t sum = 0;
    for (const auto& [code, n] : d.rejections) sum += n;
    if (sum + d.fit != d.considered)
      bad.push_back(fmt::format("{}: rejections add up to {} + {} fit, not {}", p.unit, sum, d.fit,
                                d.considered));
    if (d.considered != spec.machines.size())
      bad.push_back(fmt::format("{}: considered {} of {} machines", p.unit, d.considered,
                                spec.machines.size()));
    if (p.summary().empty()) bad.push_back(p.unit + ": no reason");
  }
  for (const auto& i : instances) {
    if (!result.placements.count(i.name) && !pending.count(i.name))
      bad.push_back("lost: " + i.name);
  }
  for (const auto& [name, machine] : result.placements) {
    if (!by_name.count(name)) bad.push_back("placed an unknown instance: " + name);
    if (!machines.count(machine)) bad.push_back("placed on an unknown machine: " + machine);
  }
  if (!bad.empty()) return bad;

  // Capacity in every dimension.
  std::map<std::string, Resources> used;
  std::map<std::string, std::vector<std::string>> on;
  for (const auto& [name, machine] : result.placements) {
    used[machine] += by_name[name]->unit->requests;
    on[machine].push_back(name);
  }
  for (const auto& [machine, r] : used) {
    const Machine& m = *machines[machine];
    if (!r.fits_in(m.allocatable())) bad.push_back(fmt::format("overcommit on {}", machine));
    if (m.state == MachineState::Down)
      bad.push_back(fmt::format("units on down machine {}", machine));
  }
  for (const auto& [name, machine] : result.placements) {
    const ExpectedInstance& inst = *by_name[name];
    const Constraints& c = inst.unit->constraints;
    const Machine& m = *machines[machine];
    const bool existing = spec.placements.count(name) > 0;
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
    if (!c.machine_of.empty()) {
      std::string target = c.machine_of;
      if (auto pos = target.find("%i"); pos != std::string::npos)
        target.replace(pos, 2, std::to_string(inst.replica));
      if (!by_name.count(target)) target = fmt::format("{}@{}", target, inst.replica);
      auto it = result.placements.find(target);
      if (it == result.placements.end())
        bad.push_back(fmt::format("{} placed without its machine_of {}", name, target));
      else if (it->second != machine)
        bad.push_back(
            fmt::format("{} on {} apart from {} on {}", name, machine, target, it->second));
    }
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
  // Spread: max - min over eligible domains never exceeds max_skew.
  if (check_spread) {
    for (const auto& u : spec.units) {
      if (!u.constraints.spread) continue;
      const auto& sp = *u.constraints.spread;
      std::map<std::string, long> counts = eligible_spread_domains(spec, u);
      for (const auto& [name, machine] : result.placements) {
        if (by_name[name]->unit != &u) continue;
        auto it = machines[machine]->metadata.find(sp.key);
        if (it != machines[machine]->metadata.end() && counts.count(it->second.front()))
          ++counts[it->second.front()];
      }
      if (counts.empty()) continue;
      long lo = counts.begin()->second, hi = lo;
      for (const auto& [k, v] : counts) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
      if (hi - lo > sp.max_skew)
        bad.push_back(
            fmt::format("{} spread over {} skews {} > {}", u.name, sp.key, hi - lo, sp.max_skew));
    }
  }
  return bad;
}

}  // namespace berth::testing
