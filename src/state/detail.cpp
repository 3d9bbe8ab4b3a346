#include "detail.hpp"

#include <fmt/format.h>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/model/instance_name.hpp"

namespace berth::state::detail {

State state_of(const Snapshot& snap) {
  State s;
  for (const auto& m : snap.spec.machines) s.machines.emplace(m.name, m);
  for (const auto& u : snap.spec.units) s.units.emplace(u.name, u);
  s.placements = snap.spec.placements;
  s.machine_revisions = snap.machine_revisions;
  s.unit_revisions = snap.unit_revisions;
  s.revision = snap.revision;
  return s;
}

Snapshot snapshot_of(const State& state) {
  Snapshot snap;
  snap.spec.machines.reserve(state.machines.size());
  for (const auto& [name, m] : state.machines) snap.spec.machines.push_back(m);
  snap.spec.units.reserve(state.units.size());
  for (const auto& [name, u] : state.units) snap.spec.units.push_back(u);
  snap.spec.placements = state.placements;
  snap.machine_revisions = state.machine_revisions;
  snap.unit_revisions = state.unit_revisions;
  snap.revision = state.revision;
  return snap;
}

std::string unit_of(const std::string& instance,
                    const std::function<bool(const std::string&)>& is_unit) {
  // Stores know only whether a name is a unit, not whether it is global: the parser then reads
  // `u@3` as a replica and `u@m1` as a global instance (model/instance_name.hpp).
  return unit_of_instance(instance, [&](std::string_view n) {
    return is_unit(std::string(n)) ? NameIs::Unit : NameIs::NotAUnit;
  });
}

Touched touched_by(const Plan& plan, const Snapshot& base) {
  Touched t;
  std::map<std::string, const Unit*> base_units;
  for (const auto& u : base.spec.units) base_units.emplace(u.name, &u);
  std::set<std::string> plan_units;
  for (const auto& u : plan.units) plan_units.insert(u.name);
  auto is_unit = [&](const std::string& n) { return base_units.count(n) || plan_units.count(n); };

  for (const auto& m : plan.machines) t.machines.insert(m.name);
  for (const auto& [m, st] : plan.machine_states) t.machines.insert(m);
  for (const auto& [inst, m] : plan.assignments) {
    t.machines.insert(m);
    auto it = base.spec.placements.find(inst);
    if (it == base.spec.placements.end()) {
      t.new_instances.insert(inst);
    } else {
      t.machines.insert(it->second);
    }
    std::string u = unit_of(inst, is_unit);
    if (!u.empty()) t.units.insert(u);
  }
  for (const auto& inst : plan.evictions) {
    auto it = base.spec.placements.find(inst);
    if (it != base.spec.placements.end()) t.machines.insert(it->second);
  }
  // A removed machine must not have changed since the base (its placements go with it); a
  // removed unit frees every machine that runs one of its instances.
  for (const auto& m : plan.removed_machines) t.machines.insert(m);
  for (const auto& u : plan.removed_units) t.units.insert(u);
  // A unit redefinition changes the load of every machine that runs it.
  std::set<std::string> redefined(plan.removed_units.begin(), plan.removed_units.end());
  for (const auto& u : plan.units) {
    t.units.insert(u.name);
    auto it = base_units.find(u.name);
    if (it != base_units.end() && *it->second != u) {
      redefined.insert(u.name);
    }
  }
  if (!redefined.empty()) {
    auto base_is_unit = [&](const std::string& n) { return base_units.count(n) > 0; };
    for (const auto& [inst, m] : base.spec.placements) {
      if (redefined.count(unit_of(inst, base_is_unit))) t.machines.insert(m);
    }
  }
  return t;
}

bool find_conflicts(const Snapshot& base, const Touched& touched, const CurrentLookup& now,
                    CommitResult& out) {
  auto rev_in = [](const std::map<std::string, std::int64_t>& revs, const std::string& n) {
    auto it = revs.find(n);
    return it == revs.end() ? std::int64_t{0} : it->second;
  };
  for (const auto& m : touched.machines) {
    if (now.machine_revision(m) != rev_in(base.machine_revisions, m)) {
      out.conflicting_machines.push_back(m);
    }
  }
  for (const auto& u : touched.units) {
    if (now.unit_revision(u) != rev_in(base.unit_revisions, u)) out.conflicting_units.push_back(u);
  }
  for (const auto& i : touched.new_instances) {
    if (now.placement(i)) out.conflicting_instances.push_back(i);
  }
  bool conflict = !out.conflicting_machines.empty() || !out.conflicting_units.empty() ||
                  !out.conflicting_instances.empty();
  if (conflict) out.status = CommitStatus::Conflict;
  return conflict;
}

State view_of(const State& state, const Plan& plan, const Touched& touched) {
  State v;
  for (const auto& m : touched.machines) {
    auto it = state.machines.find(m);
    if (it != state.machines.end()) v.machines.emplace(m, it->second);
  }
  for (const auto& [inst, m] : state.placements) {
    if (touched.machines.count(m)) v.placements.emplace(inst, m);
  }
  auto add_placement = [&](const std::string& inst) {
    auto it = state.placements.find(inst);
    if (it != state.placements.end()) v.placements.emplace(inst, it->second);
  };
  for (const auto& [inst, m] : plan.assignments) add_placement(inst);
  for (const auto& inst : plan.evictions) add_placement(inst);
  auto is_unit = [&](const std::string& n) { return state.units.count(n) > 0; };
  auto add_unit = [&](const std::string& inst) {
    std::string u = unit_of(inst, is_unit);
    if (!u.empty()) v.units.emplace(u, state.units.at(u));
  };
  for (const auto& [inst, m] : v.placements) add_unit(inst);
  for (const auto& [inst, m] : plan.assignments) add_unit(inst);
  for (const auto& u : plan.removed_units) {
    auto it = state.units.find(u);
    if (it != state.units.end()) v.units.emplace(u, it->second);
  }
  return v;
}

State view_of(const Snapshot& snap, const Plan& plan, const Touched& touched) {
  State v;
  for (const auto& m : snap.spec.machines) {
    if (touched.machines.count(m.name)) v.machines.emplace(m.name, m);
  }
  for (const auto& [inst, m] : snap.spec.placements) {
    if (touched.machines.count(m)) v.placements.emplace(inst, m);
  }
  auto add_placement = [&](const std::string& inst) {
    auto it = snap.spec.placements.find(inst);
    if (it != snap.spec.placements.end()) v.placements.emplace(inst, it->second);
  };
  for (const auto& [inst, m] : plan.assignments) add_placement(inst);
  for (const auto& inst : plan.evictions) add_placement(inst);
  std::map<std::string, const Unit*> units;
  for (const auto& u : snap.spec.units) units.emplace(u.name, &u);
  auto is_unit = [&](const std::string& n) { return units.count(n) > 0; };
  auto add_unit = [&](const std::string& inst) {
    std::string u = unit_of(inst, is_unit);
    if (!u.empty()) v.units.emplace(u, *units.at(u));
  };
  for (const auto& [inst, m] : v.placements) add_unit(inst);
  for (const auto& [inst, m] : plan.assignments) add_unit(inst);
  for (const auto& u : plan.removed_units) {
    auto it = units.find(u);
    if (it != units.end()) v.units.emplace(u, *it->second);
  }
  return v;
}

namespace {

// Deletes the plan's removed units (with their instances' placements) and removed machines
// (with every placement still on them) from `s`.
void remove_from(State& s, const Plan& plan) {
  if (plan.removed_units.empty() && plan.removed_machines.empty()) return;
  std::set<std::string> gone_units(plan.removed_units.begin(), plan.removed_units.end());
  std::set<std::string> gone_machines(plan.removed_machines.begin(), plan.removed_machines.end());
  auto is_unit = [&](const std::string& n) { return s.units.count(n) > 0; };
  for (auto it = s.placements.begin(); it != s.placements.end();) {
    if (gone_machines.count(it->second) || gone_units.count(unit_of(it->first, is_unit))) {
      it = s.placements.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& u : gone_units) {
    s.units.erase(u);
    s.unit_revisions.erase(u);
  }
  for (const auto& m : gone_machines) {
    s.machines.erase(m);
    s.machine_revisions.erase(m);
  }
}

// Sum of requests of the instances on each machine in `machines`; `unit` finds a unit by name
// (null when there is none).
template <class UnitLookup>
std::map<std::string, Resources> usage(const std::map<std::string, std::string>& placements,
                                       const UnitLookup& unit,
                                       const std::set<std::string>& machines) {
  std::map<std::string, Resources> used;
  auto is_unit = [&](const std::string& n) { return unit(n) != nullptr; };
  for (const auto& [inst, m] : placements) {
    if (!machines.count(m)) continue;
    const std::string u = unit_of(inst, is_unit);
    if (!u.empty()) used[m] += unit(u)->requests;
  }
  return used;
}

std::vector<std::string> dimensions_of(const Resources& a, const Resources& b) {
  std::vector<std::string> dims{"cpu", "memory", "disk"};
  std::set<std::string> ext;
  for (const auto& [k, v] : a.extended) ext.insert(k);
  for (const auto& [k, v] : b.extended) ext.insert(k);
  dims.insert(dims.end(), ext.begin(), ext.end());
  return dims;
}

}  // namespace

CommitProblem problem(CommitProblem::Kind kind, std::string instance, std::string machine,
                      std::string unit) {
  CommitProblem p;
  p.kind = kind;
  p.instance = std::move(instance);
  p.machine = std::move(machine);
  p.unit = std::move(unit);
  return p;
}

std::vector<CommitProblem> validate(const Plan& plan, const State& view, const Touched& touched) {
  using K = CommitProblem::Kind;
  std::vector<CommitProblem> problems;
  auto no = [&](K kind, std::string instance, std::string machine) -> CommitProblem& {
    return problems.emplace_back(problem(kind, std::move(instance), std::move(machine)));
  };
  // The state after the plan, holding the view's records by pointer: copying every machine
  // and unit of a big plan's view cost more than checking it. Only restated machines are copied.
  std::map<std::string, const Machine*> machines;
  for (const auto& [name, m] : view.machines) machines.emplace_hint(machines.end(), name, &m);
  for (const auto& m : plan.machines) machines[m.name] = &m;
  std::map<std::string, Machine> restated;
  for (const auto& [name, st] : plan.machine_states) {
    auto it = machines.find(name);
    if (it == machines.end()) {
      no(K::StateOfUnknownMachine, "", name);
    } else {
      Machine& copy = restated.insert_or_assign(name, *it->second).first->second;
      copy.state = st;
      it->second = &copy;
    }
  }
  std::map<std::string, const Unit*> units;
  for (const auto& [name, u] : view.units) units.emplace_hint(units.end(), name, &u);
  for (const auto& u : plan.units) units[u.name] = &u;
  std::map<std::string, std::string> placements = view.placements;
  for (const auto& inst : plan.evictions) {
    if (!placements.erase(inst)) {
      no(K::EvictsUnplaced, inst, "");
    }
  }
  auto is_unit = [&](const std::string& n) { return units.count(n) > 0; };
  for (const auto& [inst, m] : plan.assignments) {
    auto mit = machines.find(m);
    if (mit == machines.end()) {
      no(K::AssignsToUnknownMachine, inst, m);
      continue;
    }
    if (unit_of(inst, is_unit).empty()) {
      no(K::AssignsNoInstance, inst, "");
      continue;
    }
    auto pit = view.placements.find(inst);
    bool already_there = pit != view.placements.end() && pit->second == m;
    if (!already_there && mit->second->state != MachineState::Up) {
      no(K::AssignsToMachineNotUp, inst, m).state = mit->second->state;
    }
    placements[inst] = m;
  }
  // Removals come last: an assignment may first move an instance off a machine being removed.
  // An assignment *to* a removed machine, or of a removed unit's instance, would be deleted in
  // the same breath: refused, since the caller meant the instance to run.
  std::set<std::string> gone_machines(plan.removed_machines.begin(), plan.removed_machines.end());
  std::set<std::string> gone_units(plan.removed_units.begin(), plan.removed_units.end());
  for (const auto& u : gone_units) {
    if (!units.count(u)) no(K::RemovesUnknownUnit, "", "").unit = u;
  }
  for (const auto& m : gone_machines) {
    if (!machines.count(m)) no(K::RemovesUnknownMachine, "", m);
  }
  for (const auto& [inst, m] : plan.assignments) {
    if (gone_machines.count(m)) {
      no(K::AssignsToRemovedMachine, inst, m);
    }
    if (gone_units.count(unit_of(inst, is_unit))) {
      no(K::AssignsOfRemovedUnit, inst, "").unit = unit_of(inst, is_unit);
    }
  }
  if (!problems.empty()) return problems;
  // As remove_from: placements first (their units are still known), then the records.
  if (!gone_units.empty() || !gone_machines.empty()) {
    for (auto it = placements.begin(); it != placements.end();) {
      if (gone_machines.count(it->second) || gone_units.count(unit_of(it->first, is_unit))) {
        it = placements.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& u : gone_units) units.erase(u);
    for (const auto& m : gone_machines) machines.erase(m);
  }

  // Never store an overcommit: every touched machine must fit what it would hold, unless the
  // plan only relieves a machine that was already over (nothing to gain by refusing that).
  auto before_use = usage(
      view.placements,
      [&](const std::string& n) -> const Unit* {
        auto it = view.units.find(n);
        return it == view.units.end() ? nullptr : &it->second;
      },
      touched.machines);
  auto after_use = usage(
      placements,
      [&](const std::string& n) -> const Unit* {
        auto it = units.find(n);
        return it == units.end() ? nullptr : it->second;
      },
      touched.machines);
  for (const auto& name : touched.machines) {
    auto mit = machines.find(name);
    if (mit == machines.end()) continue;
    Resources alloc = mit->second->allocatable();
    const Resources& used = after_use[name];
    if (used.fits_in(alloc)) continue;
    const Resources& prior = before_use[name];
    auto old = view.machines.find(name);
    Resources old_alloc = old == view.machines.end() ? Resources{} : old->second.allocatable();
    for (const auto& dim : dimensions_of(used, alloc)) {
      std::int64_t u = used.get(dim), a = alloc.get(dim);
      if (u <= a) continue;
      if (old != view.machines.end() && u <= prior.get(dim) && a >= old_alloc.get(dim)) continue;
      CommitProblem& over = no(K::Overcommit, "", name);
      over.dimension = dim;
      over.holds = u;
      over.allocatable = a;
    }
  }
  return problems;
}

void apply(State& state, const Plan& plan, const Touched& touched, std::int64_t rev) {
  for (const auto& m : plan.machines) state.machines[m.name] = m;
  for (const auto& [name, st] : plan.machine_states) state.machines.at(name).state = st;
  for (const auto& u : plan.units) {
    state.units[u.name] = u;
    state.unit_revisions[u.name] = rev;
  }
  for (const auto& inst : plan.evictions) state.placements.erase(inst);
  for (const auto& [inst, m] : plan.assignments) state.placements[inst] = m;
  remove_from(state, plan);
  for (const auto& m : touched.machines) {
    if (state.machines.count(m)) state.machine_revisions[m] = rev;
  }
  state.revision = rev;
}

namespace {

// Reads one stored record with the spec's reader; what it refuses is not berth's JSON (403).
template <class Read>
auto read_record(Read read, nlohmann::json j, const std::string& store, const std::string& where) {
  if (!j.is_object()) {
    throw StoreError(403, store, fmt::format("{} is not berth's JSON (not an object)", where));
  }
  try {
    return read(std::move(j));
  } catch (const Error& e) {
    throw StoreError(403, store, fmt::format("{} is not berth's JSON ({})", where, e.detail()));
  } catch (const std::exception& e) {
    throw StoreError(403, store, fmt::format("{} is not berth's JSON ({})", where, e.what()));
  }
}

}  // namespace

Machine machine_from_json(nlohmann::json j, const std::string& store, const std::string& where) {
  return read_record([](nlohmann::json r) { return berth::machine_from_json(std::move(r)); },
                     std::move(j), store, where);
}

Unit unit_from_json(nlohmann::json j, const std::string& store, const std::string& where) {
  return read_record([](nlohmann::json r) { return berth::unit_from_json(std::move(r)); },
                     std::move(j), store, where);
}

nlohmann::json parse_record(const std::string& text, const std::string& store,
                            const std::string& where) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    std::string shown = text.size() > 40 ? text.substr(0, 40) + "..." : text;
    for (char& c : shown) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    }
    throw StoreError(403, store, fmt::format("{} is not berth's JSON: \"{}\"", where, shown));
  }
  return j;
}

std::vector<std::string> names(const std::set<std::string>& s) { return {s.begin(), s.end()}; }

}  // namespace berth::state::detail
