// Step 1 of planning: what the workload needs before any machine is bought. Which catalogue
// types each unit may use (asked of the pipeline through a probe cluster, never re-checked
// here), the co-location groups and their demands, what the existing machines already hold,
// and the spread domains the catalogue offers. Every later step reads these tables.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <set>

#include "berth/error.hpp"
#include "berth/pack/bounds.hpp"
#include "berth/pack/instance.hpp"
#include "berth/pack/solve.hpp"
#include "berth/place/cluster.hpp"
#include "berth/plan/bounds.hpp"
#include "capacity_detail.hpp"

namespace berth::plan::detail {

void Planner::build_probe() {
  Spec probe;
  probe.units = workload_.units;
  for (Unit& u : probe.units) {
    // Only the class filters are asked: co-location and pins would only make the build refuse.
    u.constraints.machine_of.clear();
    u.constraints.machine_id.clear();
  }
  probe.machines = workload_.machines;
  std::set<std::string> taken;
  for (const Machine& m : probe.machines) taken.insert(m.name);
  std::vector<std::string> exemplars;
  for (std::size_t t = 0; t < cat_.types.size(); ++t) {
    std::string name = fmt::format("{}#type{}", cat_.types[t].name, t);
    while (!taken.insert(name).second) name += "#";
    probe.machines.push_back(cat_.types[t].make_machine(name));
    exemplars.push_back(std::move(name));
  }
  probe_.emplace(Cluster::build(probe, BuildOptions{/*strict=*/false}));
  type_exemplar_.clear();
  for (const std::string& name : exemplars) type_exemplar_.push_back(probe_->find_machine(name));
  for (UnitId u = 0; u < probe_->unit_count(); ++u) probe_unit_[probe_->unit(u).name] = u;
}

std::string Planner::type_refusal(const std::string& unit, std::size_t t) const {
  const UnitId u = probe_unit_.at(unit);
  const ClassId k = probe_->machine_class(type_exemplar_[t]);
  const ClassVerdict v = probe_->class_verdict(u, k);
  return v.ok() ? std::string() : probe_->describe_failure(u, k, v);
}

bool Planner::admits_machine(const std::string& unit, const std::string& machine) const {
  const MachineId m = probe_->find_machine(machine);
  return m != kNone && probe_->class_verdict(probe_unit_.at(unit), probe_->machine_class(m)).ok();
}

void Planner::analyse() {
  build_probe();
  for (const Unit& u : workload_.units) {
    if (u.constraints.global) global_units_.insert(u.name);
  }
  for (const Machine& m : workload_.machines) names_in_use_.insert(m.name);
  name_counter_.assign(cat_.types.size(), 0);

  // What the existing cluster takes stays where the engine puts it.
  PlacementResult r0 = place(workload_, PlaceOptions{opt_.strategy});
  ++runs_;
  fixed_ = r0.placements;
  Spec s0 = workload_;
  s0.placements = fixed_;
  Cluster c0 = Cluster::build(s0);
  dims_ = c0.dimension_names();
  const std::size_t D = dims_.size();
  const std::size_t T = cat_.types.size();

  eff_.assign(T, std::vector<std::int64_t>(D, 0));
  type_zone_.assign(T, "");
  for (std::size_t t = 0; t < T; ++t) {
    const MachineType& type = cat_.types[t];
    Resources alloc = type.allocatable();
    for (const Unit& u : workload_.units) {
      if (u.constraints.global && admits_type(u.name, t)) alloc -= u.requests;
    }
    for (std::size_t d = 0; d < D; ++d) eff_[t][d] = alloc.get(dims_[d]);
    type_zone_[t] = value_of(type.metadata, opt_.headroom.zone_key);
  }

  std::map<std::string, const Diagnosis*> pending_why;
  for (const PendingUnit& p : r0.pending) pending_why[p.unit] = &p.diagnosis;

  groups_.resize(c0.group_count());
  for (GroupId g = 0; g < c0.group_count(); ++g) {
    GroupInfo& gi = groups_[g];
    gi.demand.assign(D, 0);
    gi.compatible.assign(T, 1);
    bool pending = false;
    for (InstanceId i : c0.group(g).members) {
      const Instance& inst = c0.instance(i);
      const Unit& u = c0.unit(inst.unit);
      gi.members.push_back(inst.name);
      group_of_[inst.name] = g;
      for (std::size_t d = 0; d < D; ++d) gi.demand[d] += c0.request(i)[d];
      if (!u.constraints.conflicts.empty()) gi.conflicts = true;
      if (!u.constraints.conflicts.empty() || u.constraints.spread) gi.seedable = false;
      if (inst.pinned != kNone) gi.pinned = true;
      if (inst.global) gi.global = true;
      for (std::size_t t = 0; t < T; ++t) {
        if (!admits_type(u.name, t)) gi.compatible[t] = 0;
      }
      if (c0.assignment(i) == kNone) pending = true;
    }
    for (std::size_t t = 0; t < T; ++t) {
      for (std::size_t d = 0; d < D; ++d) {
        if (gi.demand[d] > eff_[t][d]) gi.compatible[t] = 0;
      }
    }
    if (gi.pinned || gi.global) gi.seedable = false;
    if (!pending) continue;
    if (gi.pinned) {
      Unplaceable u{Unplaceable::Kind::Pinned, gi.members.front(), gi.members, {}, {}};
      if (auto it = pending_why.find(u.unit); it != pending_why.end()) u.why = *it->second;
      unplace(std::move(u));
      continue;
    }
    if (gi.global) continue;  // global instances only exist on machines; they follow them
    if (std::none_of(gi.compatible.begin(), gi.compatible.end(), [](char c) { return c != 0; })) {
      unplace(
          {Unplaceable::Kind::NoType, gi.members.front(), gi.members, type_refusals(c0, g), {}});
      continue;
    }
    items_.push_back(g);
  }
  find_spread_domains();

  // Dual prices of the items' demand: how much each dimension's room is worth.
  std::vector<std::int64_t> demand(D, 0);
  for (std::size_t g : items_) {
    for (std::size_t d = 0; d < D; ++d) demand[d] += groups_[g].demand[d];
  }
  std::vector<Micros> costs;
  for (const auto& t : cat_.types) costs.push_back(t.cost);
  LpBound lp = lp_lower_bound(demand, eff_, costs);
  prices_ = lp.prices;
  std::vector<double> biggest(D, 1.0);
  for (std::size_t d = 0; d < D; ++d) {
    for (std::size_t t = 0; t < T; ++t)
      biggest[d] = std::max(biggest[d], static_cast<double>(eff_[t][d]));
  }
  for (std::size_t g : items_) {
    double v = 0, share = 0;
    for (std::size_t d = 0; d < D; ++d) {
      v += prices_[d] * static_cast<double>(groups_[g].demand[d]);
      share += static_cast<double>(groups_[g].demand[d]) / biggest[d];
    }
    // The share term breaks ties (and carries the order when every price is zero).
    groups_[g].value = v + share * 1e-3;
  }
}

std::vector<Unplaceable::TypeRefusal> Planner::type_refusals(const Cluster& c0,
                                                             std::size_t g) const {
  // Say which it is, per type: metadata or taints nobody offers, or too large for the type.
  std::vector<Unplaceable::TypeRefusal> out;
  for (std::size_t t = 0; t < cat_.types.size(); ++t) {
    Unplaceable::TypeRefusal r;
    r.type = cat_.types[t].name;
    for (InstanceId i : c0.group(g).members) {
      if (r.filter.empty()) r.filter = type_refusal(c0.unit(c0.instance(i).unit).name, t);
    }
    for (std::size_t d = 0; r.filter.empty() && d < dims_.size(); ++d) {
      if (groups_[g].demand[d] > eff_[t][d]) {
        r.dimension = dims_[d];
        r.needs = groups_[g].demand[d];
        r.has = std::max<std::int64_t>(0, eff_[t][d]);
        break;
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

void Planner::unplace(Unplaceable u) {
  for (const auto& m : u.group) unplaceable_instances_.insert(m);
  unplaceable_.push_back(std::move(u));
}

void Planner::find_spread_domains() {
  for (const Unit& unit : workload_.units) {
    if (!unit.constraints.spread) continue;
    const std::string& key = unit.constraints.spread->key;
    std::set<std::string> domains;
    for (std::size_t t = 0; t < cat_.types.size(); ++t) {
      const std::string v = value_of(cat_.types[t].metadata, key);
      if (!v.empty() && admits_type(unit.name, t)) domains.insert(v);
    }
    for (const Machine& m : workload_.machines) {
      const std::string v = value_of(m.metadata, key);
      if (!v.empty() && m.state == MachineState::Up && admits_machine(unit.name, m.name))
        domains.insert(v);
    }
    if (domains.size() < 2) continue;
    spread_domains_[unit.name] =
        SpreadDomains{key, unit.constraints.spread->max_skew,
                      std::vector<std::string>(domains.begin(), domains.end())};
  }
}

void Planner::add_spread_domains(Working& out) {
  for (const auto& [unit_name, sd] : spread_domains_) {
    const Unit* unit = nullptr;
    for (const Unit& u : workload_.units) {
      if (u.name == unit_name) unit = &u;
    }
    if (!unit) continue;
    std::set<std::string> present;
    for (const Machine& m : workload_.machines) {
      if (m.state == MachineState::Up && admits_machine(unit_name, m.name))
        present.insert(value_of(m.metadata, sd.key));
    }
    std::map<std::size_t, std::int64_t> count;
    for (const auto& [name, t] : out.machines) {
      ++count[t];
      if (admits_type(unit_name, t)) present.insert(value_of(cat_.types[t].metadata, sd.key));
    }
    for (const std::string& d : sd.domains) {
      if (present.count(d)) continue;
      std::size_t best = kNoType;
      for (std::size_t t = 0; t < cat_.types.size(); ++t) {
        const MachineType& type = cat_.types[t];
        if (value_of(type.metadata, sd.key) != d || !admits_type(unit_name, t)) continue;
        if (type.max_count && count[t] >= *type.max_count) continue;
        bool fits = true;
        for (std::size_t k = 0; k < dims_.size(); ++k)
          fits = fits && unit->requests.get(dims_[k]) <= eff_[t][k];
        if (!fits) continue;
        if (best == kNoType || type.cost < cat_.types[best].cost) best = t;
      }
      if (best == kNoType) continue;
      out.machines.emplace_back(next_name(best), best);
      ++count[best];
      present.insert(d);
    }
  }
}

bool Planner::spread_over_domains(const PlacementResult& r, const Working& w) const {
  if (spread_domains_.empty()) return true;
  std::map<std::string, std::size_t> type_of;
  for (const auto& [name, t] : w.machines) type_of[name] = t;
  std::map<std::string, const Machine*> existing;
  for (const Machine& m : workload_.machines) existing[m.name] = &m;
  for (const auto& [unit, sd] : spread_domains_) {
    std::map<std::string, std::int64_t> count;
    for (const auto& d : sd.domains) count[d] = 0;
    for (const auto& [inst, machine] : r.placements) {
      if (unit_of(inst) != unit) continue;
      std::string v;
      if (auto t = type_of.find(machine); t != type_of.end()) {
        v = value_of(cat_.types[t->second].metadata, sd.key);
      } else if (auto m = existing.find(machine); m != existing.end()) {
        v = value_of(m->second->metadata, sd.key);
      }
      if (auto it = count.find(v); it != count.end()) ++it->second;
    }
    std::int64_t lo = std::numeric_limits<std::int64_t>::max(), hi = 0;
    for (const auto& [d, n] : count) {
      lo = std::min(lo, n);
      hi = std::max(hi, n);
    }
    if (hi - lo > sd.max_skew) return false;
  }
  return true;
}

}  // namespace berth::plan::detail
