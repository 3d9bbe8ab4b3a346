#include "berth/place/cluster.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/connected_components.hpp>
#include <limits>
#include <map>
#include <set>
#include <unordered_set>

#include "berth/constraint/glob.hpp"
#include "berth/did_you_mean.hpp"
#include "berth/error.hpp"
#include "berth/model/instance_name.hpp"
#include "berth/model/resources.hpp"
#include "class_index.hpp"

namespace berth {

bool natural_less(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = a[i] >= '0' && a[i] <= '9';
    const bool db = b[j] >= '0' && b[j] <= '9';
    if (da && db) {
      std::size_t si = i, sj = j;
      while (si < a.size() && a[si] == '0') ++si;
      while (sj < b.size() && b[sj] == '0') ++sj;
      std::size_t ei = si, ej = sj;
      while (ei < a.size() && a[ei] >= '0' && a[ei] <= '9') ++ei;
      while (ej < b.size() && b[ej] >= '0' && b[ej] <= '9') ++ej;
      if (ei - si != ej - sj) return ei - si < ej - sj;
      auto cmp = a.substr(si, ei - si).compare(b.substr(sj, ej - sj));
      if (cmp != 0) return cmp < 0;
      if (ei - i != ej - j) return ei - i < ej - j;  // fewer leading zeros first
      i = ei;
      j = ej;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

std::string natural_key(std::string_view a) {
  // Text bytes stay as they are. A digit run becomes '0' (natural_less compares a run with a
  // text byte by the run's first digit, and no text byte lies between '0' and '9'), the count
  // of significant digits (4 bytes, big-endian), the significant digits, then the count of
  // leading zeros (4 bytes): the order in which natural_less decides between two runs.
  std::string key;
  key.reserve(a.size() + 8);
  auto put32 = [&](std::size_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
      key.push_back(static_cast<char>((v >> shift) & 0xff));
  };
  std::size_t i = 0;
  while (i < a.size()) {
    if (a[i] < '0' || a[i] > '9') {
      key.push_back(a[i++]);
      continue;
    }
    std::size_t s = i;
    while (s < a.size() && a[s] == '0') ++s;
    std::size_t e = s;
    while (e < a.size() && a[e] >= '0' && a[e] <= '9') ++e;
    key.push_back('0');
    put32(e - s);
    key.append(a.substr(s, e - s));
    put32(s - i);
    i = e;
  }
  return key;
}

namespace {

std::vector<std::string> collect_dimensions(const Spec& spec) {
  std::set<std::string> extended;
  for (const auto& m : spec.machines) {
    for (const auto& [k, v] : m.capacity.extended) extended.insert(k);
    for (const auto& [k, v] : m.reserved.extended) extended.insert(k);
  }
  for (const auto& u : spec.units) {
    for (const auto& [k, v] : u.requests.extended) extended.insert(k);
  }
  std::vector<std::string> dims = {"cpu", "memory", "disk"};
  dims.insert(dims.end(), extended.begin(), extended.end());
  return dims;
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

}  // namespace

MachineId Cluster::find_machine(std::string_view name) const {
  return machine_index_.find(
      name, [this](std::uint32_t m) -> std::string_view { return machine_names_[m]; });
}

InstanceId Cluster::find_instance(std::string_view name) const {
  return instance_index_.find(
      name, [this](std::uint32_t i) -> std::string_view { return instances_[i].name; });
}

std::vector<std::int64_t> Cluster::total_allocatable() const {
  std::vector<std::int64_t> total(dims(), 0);
  for (MachineId m = 0; m < machine_count(); ++m) {
    if (machine_states_[m] != MachineState::Up) continue;
    for (std::size_t d = 0; d < dims(); ++d)
      total[d] += std::max<std::int64_t>(0, allocatable_[m * dims() + d]);
  }
  return total;
}

Cluster Cluster::build(const Spec& spec, BuildOptions options) {
  Cluster c;
  c.strict_ = options.strict;
  c.dimension_names_ = collect_dimensions(spec);
  c.add_machines(spec);
  c.add_units(spec.units);  // a copy: the caller keeps its spec
  c.compile_conflicts();
  c.link_groups();
  c.build_indexes();
  c.apply_placements(spec.placements);
  return c;
}

Cluster Cluster::build(Spec&& spec, BuildOptions options) {
  // Taken over whole, so that what the cluster does not keep (machines, placements) is freed
  // when this returns, before the caller goes on to place.
  Spec taken = std::move(spec);
  Cluster c;
  c.strict_ = options.strict;
  c.dimension_names_ = collect_dimensions(taken);
  c.add_machines(taken);
  c.add_units(std::move(taken.units));
  c.compile_conflicts();
  c.link_groups();
  c.build_indexes();
  c.apply_placements(taken.placements);
  return c;
}

void Cluster::add_machines(const Spec& spec) {
  const std::size_t n = spec.machines.size();
  std::vector<std::pair<std::string, std::size_t>> keyed(n);
  for (std::size_t i = 0; i < n; ++i) keyed[i] = {natural_key(spec.machines[i].name), i};
  std::sort(keyed.begin(), keyed.end());  // ties (same key) keep spec order: the index decides
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = keyed[i].second;
  keyed = {};
  const std::size_t D = dims();
  machine_names_.reserve(n);
  auto machine_name = [this](std::uint32_t m) -> std::string_view { return machine_names_[m]; };
  machine_index_.reserve(n, machine_name);
  machine_states_.reserve(n);
  machine_class_.reserve(n);
  allocatable_.assign(n * D, 0);
  used_.assign(n * D, 0);
  on_machine_.assign(n, {});
  conflict_holders_.assign(n, 0);
  // Classes keyed by (metadata, allocatable). The metadata is referenced in the spec, not
  // copied: emplace with a copied key built a metadata map per machine even when its class
  // existed (a tenth of compiling 100k machines).
  // Taints are part of the key: a class shares every class-level filter (metadata, taints).
  using ClassKey =
      std::tuple<const Metadata*, const std::vector<Taint>*, std::vector<std::int64_t>>;
  auto key_less = [](const ClassKey& a, const ClassKey& b) {
    if (*std::get<0>(a) != *std::get<0>(b)) return *std::get<0>(a) < *std::get<0>(b);
    if (*std::get<1>(a) != *std::get<1>(b)) return *std::get<1>(a) < *std::get<1>(b);
    return std::get<2>(a) < std::get<2>(b);
  };
  std::map<ClassKey, ClassId, decltype(key_less)> classes(key_less);
  for (std::size_t k = 0; k < n; ++k) {
    const Machine& m = spec.machines[order[k]];
    const auto id = static_cast<MachineId>(k);
    if (m.name.empty()) throw ValidationError(206, "machines", "machine name must not be empty");
    machine_names_.push_back(m.name);
    if (!machine_index_.insert(id, m.name, machine_name)) {
      throw ValidationError(216, fmt::format("machine {}", m.name), "duplicate machine name");
    }
    machine_states_.push_back(m.state);
    for (std::size_t d = 0; d < D; ++d) {
      const std::string& dim = dimension_names_[d];
      std::int64_t cap = m.capacity.get(dim);
      std::int64_t res = m.reserved.get(dim);
      if (cap < 0 || res < 0) {
        throw ValidationError(218, fmt::format("machine {}", m.name),
                              fmt::format("{} must not be negative", dim));
      }
      if (res > cap) {
        throw ValidationError(219, fmt::format("machine {}: reserved.{}", m.name, dim),
                              fmt::format("reserved {} exceeds capacity {}",
                                          format_amount(dim, res), format_amount(dim, cap)));
      }
      allocatable_[k * D + d] = cap - res;
    }
    std::vector<std::int64_t> alloc(
        allocatable_.begin() + static_cast<std::ptrdiff_t>(k * D),
        allocatable_.begin() + static_cast<std::ptrdiff_t>((k + 1) * D));
    auto [it, inserted] = classes.emplace(ClassKey(&m.metadata, &m.taints, std::move(alloc)),
                                          static_cast<ClassId>(class_metadata_.size()));
    if (inserted) {
      class_metadata_.push_back(m.metadata);
      std::vector<Taint> taints = m.taints;  // specs built in code may not be sorted
      std::sort(taints.begin(), taints.end());
      for (const Taint& t : taints)
        soft_taints_ = soft_taints_ || t.effect == TaintEffect::PreferNoSchedule;
      class_taints_.push_back(std::move(taints));
      class_members_.emplace_back();
    }
    machine_class_.push_back(it->second);
    class_members_[it->second].push_back(id);
  }
}

namespace {

std::string unit_who(const Unit& unit) { return fmt::format("unit {}", unit.name); }

}  // namespace

void Cluster::add_units(std::vector<Unit> units) {
  take_units(std::move(units));
  for (UnitId u = 0; u < units_.size(); ++u) {
    add_requests(u);
    bool contradicts_global = false;
    const MachineId pin = resolve_pin(u, contradicts_global);
    add_spread_index(u);
    add_instances(u, contradicts_global, pin);
  }
  assignment_.assign(instances_.size(), kNone);
  link_machine_of();
  check_cycles();
}

void Cluster::take_units(std::vector<Unit> units) {
  units_ = std::move(units);
  unit_traits_.assign(units_.size(), 0);
  for (std::size_t i = 0; i < units_.size(); ++i) {
    Unit& u = units_[i];
    // Sorted ports make the pairwise check a merge (specs built in code may not be sorted).
    auto& ports = u.constraints.ports;
    std::sort(ports.begin(), ports.end());
    ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
    const Constraints& k = u.constraints;
    unit_traits_[i] = static_cast<std::uint8_t>(
        (k.conflicts.empty() && k.ports.empty() ? 0 : kTraitConflicts) |
        (k.ports.empty() ? 0 : kTraitPorts) | (u.preferences.empty() ? 0 : kTraitPreferences) |
        (k.spread ? kTraitSpread : 0));
  }
  unit_problem_.assign(units_.size(), 0);
  requests_.assign(units_.size() * dims(), 0);
  spread_slot_.assign(units_.size(), -1);
  // Reserve for the instances (one per replica; global units' count is a guess) so that a
  // million instances are not moved on every doubling.
  std::size_t expected = 0;
  for (const auto& u : units_)
    expected += u.constraints.global ? 1
                : u.replicas         ? static_cast<std::size_t>(std::max(*u.replicas, 0))
                                     : 1;
  instances_.reserve(expected);
  instance_index_.reserve(
      expected, [this](std::uint32_t i) -> std::string_view { return instances_[i].name; });
}

void Cluster::add_requests(UnitId u) {
  const std::size_t D = dims();
  const Unit& unit = units_[u];
  for (std::size_t d = 0; d < D; ++d) {
    std::int64_t v = unit.requests.get(dimension_names_[d]);
    if (v < 0)
      throw ValidationError(218, unit_who(unit),
                            fmt::format("requests.{} must not be negative", dimension_names_[d]));
    requests_[u * D + d] = v;
  }
}

MachineId Cluster::resolve_pin(UnitId u, bool& contradicts_global) {
  const Unit& unit = units_[u];
  const Constraints& c = unit.constraints;
  // A global unit that also follows, pins or replicates contradicts itself: without
  // strict mode it becomes one unresolvable instance named like the unit.
  contradicts_global = false;
  if (c.global && !c.machine_of.empty()) {
    contradiction(
        u, ValidationError(243, unit_who(unit),
                           fmt::format("global units cannot have machine_of (\"{}\"): a global "
                                       "unit runs everywhere, so it cannot follow one unit",
                                       c.machine_of)));
    contradicts_global = true;
  }
  if (c.global && !c.machine_id.empty()) {
    contradiction(
        u, ValidationError(244, unit_who(unit),
                           fmt::format("global units cannot be pinned with machine_id (\"{}\")",
                                       c.machine_id)));
    contradicts_global = true;
  }
  if (c.global && unit.replicas) {
    contradiction(
        u,
        ValidationError(248, unit_who(unit),
                        "global units take no replicas (they run once on every matching machine)"));
    contradicts_global = true;
  }
  MachineId pin = kNone;
  if (!c.machine_id.empty() && !contradicts_global) {
    pin = find_machine(c.machine_id);
    if (pin == kNone) {
      std::string hint = did_you_mean(c.machine_id, machine_names_);
      contradiction(
          u, ValidationError(
                 240, unit_who(unit) + ": machine_id",
                 fmt::format("pinned to unknown machine \"{}\"{}", c.machine_id,
                             hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint))));
    }
  }
  return pin;
}

void Cluster::add_spread_index(UnitId u) {
  const Constraints& c = units_[u].constraints;
  if (!c.spread) return;
  spread_slot_[u] = static_cast<int>(spread_.size());
  SpreadIndex idx;
  idx.machine_domain.assign(machine_count(), kNone);
  std::map<std::string, std::uint32_t> names;
  for (MachineId m = 0; m < machine_count(); ++m) {
    const Metadata& md = machine_metadata(m);
    auto it = md.find(c.spread->key);
    if (it == md.end() || it->second.empty()) continue;
    auto [nit, inserted] =
        names.emplace(it->second.front(), static_cast<std::uint32_t>(idx.domain_names.size()));
    if (inserted) idx.domain_names.push_back(it->second.front());
    idx.machine_domain[m] = nit->second;
  }
  idx.counts.assign(idx.domain_names.size(), 0);
  spread_.push_back(std::move(idx));
}

void Cluster::add_instances(UnitId u, bool contradicts_global, MachineId pin) {
  const Unit& unit = units_[u];
  auto add_instance = [&](std::string name, int replica, MachineId pinned, bool global) {
    Instance inst;
    inst.name = std::move(name);
    inst.unit = u;
    inst.replica = replica;
    inst.pinned = pinned;
    inst.global = global;
    const auto id = static_cast<InstanceId>(instances_.size());
    instances_.push_back(std::move(inst));
    if (!instance_index_.insert(
            id, instances_.back().name,
            [this](std::uint32_t x) -> std::string_view { return instances_[x].name; })) {
      throw ValidationError(
          217, unit_who(unit),
          fmt::format("instance name \"{}\" is used twice (a unit and a replica of another unit?)",
                      instances_.back().name));
    }
  };
  if (contradicts_global) {
    add_instance(unit.name, 0, kNone, false);
  } else if (unit.constraints.global) {
    // Every up machine the unit's class-level filters admit (metadata and taints, as kube's
    // DaemonSet controller asks the same filters the scheduler runs).
    for (MachineId m = 0; m < machine_count(); ++m) {
      if (machine_states_[m] != MachineState::Up) continue;
      if (!class_verdict(u, machine_class_[m]).ok()) continue;
      add_instance(InstanceName::global_on(unit.name, machine_names_[m]).format(), 0, m, true);
    }
  } else if (unit.replicas) {
    for (int r = 1; r <= *unit.replicas; ++r)
      add_instance(InstanceName::replica_of(unit.name, r).format(), r, pin, false);
  } else {
    add_instance(unit.name, 0, pin, false);
  }
}

void Cluster::link_machine_of() {
  // The unit names for a "did you mean" hint, sorted and unique: built on the first unknown
  // name only (a set of every name was a fifth of a GiB's worth of nodes at a million units).
  std::vector<std::string> unit_names;
  auto known_names = [&]() -> const std::vector<std::string>& {
    if (unit_names.empty()) {
      unit_names.reserve(units_.size());
      for (const Unit& x : units_) unit_names.push_back(x.name);
      std::sort(unit_names.begin(), unit_names.end());
      unit_names.erase(std::unique(unit_names.begin(), unit_names.end()), unit_names.end());
    }
    return unit_names;
  };
  // Resolve machine_of per instance: an exact instance name, "%i" for the replica number, or
  // a replicated unit of the same size (instance i follows instance i).
  for (InstanceId i = 0; i < instances_.size(); ++i) {
    Instance& inst = instances_[i];
    const Unit& unit = units_[inst.unit];
    const std::string& target_text = unit.constraints.machine_of;
    if (target_text.empty()) continue;
    const std::string who = fmt::format("unit {}: machine_of", unit.name);
    std::string target = inst.replica > 0
                             ? replace_all(target_text, "%i", std::to_string(inst.replica))
                             : target_text;
    InstanceId t = find_instance(target);
    // Without strict mode each failure below leaves this instance unlinked and its unit
    // unresolvable (continue), so one bad reference never blocks another unit.
    const UnitId self = inst.unit;
    if (t == kNone) {
      auto uit = std::find_if(units_.begin(), units_.end(),
                              [&](const Unit& x) { return x.name == target; });
      if (uit != units_.end() && uit->constraints.global) {
        contradiction(
            self,
            ValidationError(
                242, who,
                fmt::format("follows global unit \"{}\"; make this unit global instead", target)));
        continue;
      }
      if (uit != units_.end() && uit->replicas) {
        if (!unit.replicas || *unit.replicas != *uit->replicas) {
          contradiction(self,
                        ValidationError(
                            241, who,
                            fmt::format("\"{}\" has {} replicas but this unit has {}; name one "
                                        "instance (\"{}@1\") or use \"{}@%i\" with equal replicas",
                                        target, *uit->replicas, unit.replicas ? *unit.replicas : 1,
                                        target, target)));
          continue;
        }
        t = find_instance(InstanceName::replica_of(target, inst.replica).format());
      }
    }
    if (t == kNone) {
      std::string hint = did_you_mean(target, known_names());
      contradiction(
          self, ValidationError(
                    241, who,
                    fmt::format("names unknown unit \"{}\"{}", target,
                                hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint))));
      continue;
    }
    if (t == i) {
      contradiction(
          self,
          ValidationError(245, who, fmt::format("\"{}\" is co-located with itself", inst.name)));
      continue;
    }
    if (instances_[t].global) {
      contradiction(
          self,
          ValidationError(242, who,
                          fmt::format("follows global unit \"{}\"; make this unit global instead",
                                      units_[instances_[t].unit].name)));
      continue;
    }
    inst.machine_of = t;
  }
}

void Cluster::check_cycles() {
  // Cycles: every instance has at most one machine_of, so walking the chain finds them.
  std::vector<std::uint8_t> state(instances_.size(), 0);  // 0 new, 1 on the current path, 2 done
  std::vector<InstanceId> path;
  for (InstanceId start = 0; start < instances_.size(); ++start) {
    if (state[start] != 0) continue;
    path.clear();
    InstanceId cur = start;
    while (cur != kNone && state[cur] == 0) {
      state[cur] = 1;
      path.push_back(cur);
      cur = instances_[cur].machine_of;
    }
    if (cur != kNone && state[cur] == 1) {
      std::string cycle;
      auto from = std::find(path.begin(), path.end(), cur);
      for (auto it = from; it != path.end(); ++it) cycle += instances_[*it].name + " -> ";
      cycle += instances_[cur].name;
      // The cycle's units stay linked: their group is one unresolvable group.
      contradiction(instances_[cur].unit,
                    ValidationError(
                        245, fmt::format("unit {}: machine_of", units_[instances_[cur].unit].name),
                        fmt::format("co-location cycle: {}", cycle)));
    }
    for (InstanceId p : path) state[p] = 2;
  }
}

void Cluster::link_groups() {
  // Co-location groups are the connected components of the machine_of graph.
  std::vector<InstanceId> linked;
  std::unordered_map<InstanceId, std::size_t> vertex;
  for (InstanceId i = 0; i < instances_.size(); ++i) {
    if (instances_[i].machine_of == kNone) continue;
    for (InstanceId x : {i, instances_[i].machine_of}) {
      if (vertex.emplace(x, linked.size()).second) linked.push_back(x);
    }
  }
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
  Graph g(linked.size());
  for (InstanceId i = 0; i < instances_.size(); ++i) {
    if (instances_[i].machine_of != kNone)
      boost::add_edge(vertex[i], vertex[instances_[i].machine_of], g);
  }
  std::vector<int> component(linked.size());
  const int components = linked.empty() ? 0 : boost::connected_components(g, component.data());
  std::vector<GroupId> component_group(static_cast<std::size_t>(components), kNone);
  groups_.reserve(instances_.size() - linked.size() + static_cast<std::size_t>(components));
  for (InstanceId i = 0; i < instances_.size(); ++i) {
    auto it = vertex.find(i);
    GroupId gid;
    if (it == vertex.end()) {
      gid = static_cast<GroupId>(groups_.size());
      groups_.emplace_back();
    } else {
      GroupId& slot = component_group[static_cast<std::size_t>(component[it->second])];
      if (slot == kNone) {
        slot = static_cast<GroupId>(groups_.size());
        groups_.emplace_back();
      }
      gid = slot;
    }
    instances_[i].group = gid;
    groups_[gid].members.push_back(i);
  }
  for (Group& grp : groups_) {
    // The main unit (follows nobody) first, then sidekicks by name.
    std::sort(grp.members.begin(), grp.members.end(), [&](InstanceId a, InstanceId b) {
      const bool ra = instances_[a].machine_of == kNone, rb = instances_[b].machine_of == kNone;
      if (ra != rb) return ra;
      return natural_less(instances_[a].name, instances_[b].name);
    });
    grp.priority = units_[instances_[grp.members.front()].unit].priority;
    // Group-level contradictions: recorded against the unit named, and the whole group.
    // The group keeps its own line (it names the members involved); the unit is marked too.
    auto contradicts = [&](UnitId u, const ValidationError& e) {
      contradiction(u, e);
      if (grp.problem == 0) {
        if (problems_.back() != e.what()) problems_.push_back(e.what());
        grp.problem = static_cast<std::uint32_t>(problems_.size());
      }
    };
    for (InstanceId i : grp.members) {
      const Instance& inst = instances_[i];
      grp.priority = std::max(grp.priority, units_[inst.unit].priority);
      if (inst.pinned == kNone) continue;
      if (grp.pinned != kNone && grp.pinned != inst.pinned) {
        contradicts(inst.unit,
                    ValidationError(
                        246, fmt::format("unit {}", units_[inst.unit].name),
                        fmt::format("co-located units are pinned to different machines ({} and {})",
                                    machine_names_[grp.pinned], machine_names_[inst.pinned])));
        continue;
      }
      grp.pinned = inst.pinned;
    }
    if (grp.members.size() > 1) {
      for (std::size_t a = 0; a < grp.members.size(); ++a) {
        for (std::size_t b = a + 1; b < grp.members.size(); ++b) {
          if (conflicts(grp.members[a], grp.members[b])) {
            contradicts(
                instances_[grp.members[a]].unit,
                ValidationError(
                    247, fmt::format("unit {}", units_[instances_[grp.members[a]].unit].name),
                    fmt::format("must share a machine with {} (machine_of) but conflicts with it",
                                instances_[grp.members[b]].name)));
          }
        }
      }
      // Spread: n instances of one unit on one machine raise its domain by n at once, and the
      // rule admits count + n - min <= max_skew with count >= min, so n > max_skew can never
      // be placed, whatever the cluster (the capacity planner bought machines forever).
      std::map<UnitId, int> per_unit;
      for (InstanceId i : grp.members) ++per_unit[instances_[i].unit];
      for (const auto& [u, n] : per_unit) {
        const auto& sp = units_[u].constraints.spread;
        if (sp && n > sp->max_skew) {
          contradicts(
              u, ValidationError(
                     269, fmt::format("unit {}", units_[u].name),
                     fmt::format("{} of its instances must share a machine (machine_of), but "
                                 "spread over \"{}\" allows at most max_skew {} more in one domain",
                                 n, sp->key, sp->max_skew)));
        }
      }
    }
    for (InstanceId i : grp.members) {
      if (grp.problem == 0) grp.problem = unit_problem_[instances_[i].unit];
    }
  }
}

std::uint32_t Cluster::contradiction(UnitId u, const ValidationError& e) {
  if (strict_) throw e;
  if (unit_problem_[u] == 0) {
    problems_.push_back(e.what());
    unit_problem_[u] = static_cast<std::uint32_t>(problems_.size());
  }
  return unit_problem_[u];
}

std::vector<GroupId> Cluster::unplaced_groups() const {
  std::vector<GroupId> out;
  for (GroupId g = 0; g < groups_.size(); ++g) {
    for (InstanceId i : groups_[g].members) {
      if (assignment_[i] == kNone) {
        out.push_back(g);
        break;
      }
    }
  }
  return out;
}

const std::string& Cluster::problem_of(GroupId g) const {
  static const std::string none;
  const std::uint32_t p = groups_[g].problem;
  return p == 0 ? none : problems_[p - 1];
}

void Cluster::apply_placements(const std::map<std::string, std::string>& placements) {
  for (const auto& [name, machine] : placements) {
    InstanceId i = find_instance(name);
    if (i == kNone) {
      std::vector<std::string> names;
      names.reserve(std::min<std::size_t>(instances_.size(), 5000));
      for (std::size_t k = 0; k < instances_.size() && k < 5000; ++k)
        names.push_back(instances_[k].name);
      std::string hint = did_you_mean(name, names);
      ValidationError e(
          249, fmt::format("placements.{}", name),
          fmt::format("no unit instance named \"{}\"{}", name,
                      hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint)));
      // A placement of an instance the spec no longer has (a unit removed or scaled down)
      // places nothing: without strict mode it is dropped with a warning.
      if (strict_) throw e;
      warnings_.push_back(fmt::format("{}: ignored", e.what()));
      continue;
    }
    MachineId m = find_machine(machine);
    if (m == kNone) {
      ValidationError e(253, fmt::format("placements.{}", name),
                        fmt::format("unknown machine \"{}\"", machine));
      if (strict_) throw e;
      warnings_.push_back(fmt::format("{}: {} is placed anew", e.what(), name));
      continue;
    }
    if (machine_states_[m] == MachineState::Down) {
      warnings_.push_back(
          fmt::format("{} was on {}, which is down: it is placed anew", name, machine));
      continue;
    }
    // NoExecute: a unit that does not tolerate the taint is evicted (kube's taint manager),
    // then placed anew like every unplaced instance, or left pending with the reason.
    if (const auto& taints = machine_taints(m); !taints.empty()) {
      const auto& tolerations = units_[instances_[i].unit].constraints.tolerations;
      auto untolerated = std::find_if(taints.begin(), taints.end(), [&](const Taint& t) {
        return t.effect == TaintEffect::NoExecute && !tolerated(tolerations, t);
      });
      if (untolerated != taints.end()) {
        warnings_.push_back(fmt::format("{} evicted from {}: untolerated taint {}", name, machine,
                                        untolerated->describe()));
        continue;
      }
    }
    if (instances_[i].pinned != kNone && instances_[i].pinned != m) {
      warnings_.push_back(fmt::format("{} runs on {} but is pinned to {}", name, machine,
                                      machine_names_[instances_[i].pinned]));
    }
    assign(i, m);
  }
  for (MachineId m : overcommitted()) {
    std::string dims_over;
    for (std::size_t d = 0; d < dims(); ++d) {
      if (free(m, d) < 0) {
        if (!dims_over.empty()) dims_over += ", ";
        dims_over += fmt::format("{} by {}", dimension_names_[d],
                                 format_amount(dimension_names_[d], -free(m, d)));
      }
    }
    warnings_.push_back(
        fmt::format("existing placements overcommit {}: {}", machine_names_[m], dims_over));
  }
  for (MachineId m = 0; m < machine_count(); ++m) {
    if (conflict_holders_[m] == 0) continue;
    const auto& on = on_machine_[m];
    for (std::size_t a = 0; a < on.size(); ++a) {
      for (std::size_t b = a + 1; b < on.size(); ++b) {
        if (conflicts(on[a], on[b])) {
          warnings_.push_back(
              fmt::format("existing placements put conflicting {} and {} together on {}",
                          instances_[on[a]].name, instances_[on[b]].name, machine_names_[m]));
        }
      }
    }
  }
  for (const Group& grp : groups_) {
    MachineId where = kNone;
    for (InstanceId i : grp.members) {
      MachineId at = assignment_[i];
      if (at == kNone) continue;
      if (where != kNone && at != where) {
        warnings_.push_back(fmt::format(
            "co-located {} runs on {}, apart from {} on {}", instances_[i].name, machine_names_[at],
            instances_[grp.members.front()].name, machine_names_[where]));
      }
      where = at;
    }
  }
}

std::uint32_t Cluster::spread_domain(UnitId u, MachineId m) const {
  int slot = spread_slot_[u];
  return slot < 0 ? kNone : spread_[static_cast<std::size_t>(slot)].machine_domain[m];
}

std::int64_t Cluster::spread_count(UnitId u, std::uint32_t d) const {
  return spread_[static_cast<std::size_t>(spread_slot_[u])].counts[d];
}

std::size_t Cluster::spread_domain_count(UnitId u) const {
  int slot = spread_slot_[u];
  return slot < 0 ? 0 : spread_[static_cast<std::size_t>(slot)].domain_names.size();
}

const std::string& Cluster::spread_domain_name(UnitId u, std::uint32_t d) const {
  return spread_[static_cast<std::size_t>(spread_slot_[u])].domain_names[d];
}

ClassVerdict Cluster::class_verdict(UnitId u, ClassId c) const {
  const Constraints& k = units_[u].constraints;
  for (std::size_t r = 0; r < k.metadata.size(); ++r) {
    if (!k.metadata[r].matches(class_metadata_[c]))
      return {ClassVerdict::Kind::Metadata, static_cast<std::uint32_t>(r)};
  }
  if (!class_taints_[c].empty()) {
    const int t = first_untolerated(class_taints_[c], k.tolerations);
    if (t >= 0) return {ClassVerdict::Kind::Taint, static_cast<std::uint32_t>(t)};
  }
  return {};
}

std::string Cluster::describe_failure(UnitId u, ClassId c, const ClassVerdict& v) const {
  switch (v.kind) {
    case ClassVerdict::Kind::Ok:
      return std::string();
    case ClassVerdict::Kind::Metadata:
      return units_[u].constraints.metadata[v.index].describe_failure();
    case ClassVerdict::Kind::Taint:
      return class_taints_[c][v.index].describe();
  }
  return std::string();
}

std::optional<HostPort> Cluster::shared_port(InstanceId a, InstanceId b) const {
  if (a == b) return std::nullopt;
  HostPort shared;
  if (ports_overlap(units_[instances_[a].unit].constraints.ports,
                    units_[instances_[b].unit].constraints.ports, &shared))
    return shared;
  return std::nullopt;
}

namespace {

/// Length of a pattern's literal prefix: the bytes before its first glob character. Every name
/// the pattern matches starts with them.
std::size_t literal_prefix(std::string_view pat) {
  return std::min(pat.find_first_of("*?[\\"), pat.size());
}

}  // namespace

std::uint8_t Cluster::pattern_class(UnitId pu, UnitId tu) const {
  const auto& patterns = units_[pu].constraints.conflicts;
  if (patterns.empty()) return 1;
  const Unit& tunit = units_[tu];
  if (tunit.constraints.global) {
    // fleet matches Conflicts= against the unit name, and a global unit's instances
    // (`agent.service@m1`) are that one unit running everywhere: a pattern that takes the
    // unit name takes every instance.
    for (const auto& pat : patterns) {
      if (glob_match(pat, tunit.name)) return 2;
    }
  }
  if (tunit.replicas || tunit.constraints.global) {
    // Instances are named `<base>@<x>`. A pattern `<base>@*` (or `*`) takes them all; a
    // pattern whose literal prefix disagrees with `<base>@` takes none; others are decided
    // per instance.
    const std::string_view base(tunit.name);
    std::uint8_t cls = 1;
    for (const std::string& pat : patterns) {
      if (pat == "*" || (pat.size() == base.size() + 2 && pat.compare(0, base.size(), base) == 0 &&
                         pat[base.size()] == '@' && pat[base.size() + 1] == '*')) {
        return 2;
      }
      const std::string_view prefix = std::string_view(pat).substr(0, literal_prefix(pat));
      const std::size_t n = std::min(prefix.size(), base.size() + 1);  // against `<base>@`
      bool same = true;
      for (std::size_t k = 0; same && k < n; ++k)
        same = prefix[k] == (k < base.size() ? base[k] : '@');
      if (same) cls = 3;
    }
    return cls;
  }
  // A single instance, named like its unit.
  for (const auto& pat : patterns) {
    if (glob_match(pat, tunit.name)) return 2;
  }
  return 1;
}

void Cluster::compile_conflicts() {
  const std::size_t U = units_.size();
  peer_start_.assign(U + 1, 0);
  peers_.clear();
  match_all_.clear();
  bool any = false;
  for (const Unit& u : units_) any = any || !u.constraints.conflicts.empty();
  if (!any) return;
  // Every instance name of unit t starts with its stem: `<name>@` for a replicated or global
  // unit, the name itself otherwise. A pattern can take an instance of t only if its literal
  // prefix and t's stem agree as far as both go (pattern_class's rule; for a single instance,
  // the prefix starts its name), so the candidates for a pattern are the stems that start with
  // its prefix (a range of the sorted stems) and the `...@` stems its prefix starts with (one
  // lookup per '@' in the prefix). Each candidate is then decided by pattern_class; nothing
  // else is asked, and only pairs that are related are kept.
  //
  // Only stems that can be candidates are sorted: with h the shortest literal prefix (capped),
  // a candidate stem starts with the first h bytes of some prefix or is shorter than h. Most
  // units (a million, say) are nobody's target, and sorting them all was most of the cost.
  std::size_t h = 8;
  for (const Unit& u : units_) {
    for (const std::string& pat : u.constraints.conflicts) {
      if (pat != "*") h = std::min(h, literal_prefix(pat));
    }
  }
  std::unordered_set<std::string_view> heads;
  for (const Unit& u : units_) {
    for (const std::string& pat : u.constraints.conflicts) {
      if (pat != "*") heads.insert(std::string_view(pat).substr(0, h));
    }
  }
  std::vector<std::pair<std::string, UnitId>> stems;
  for (UnitId t = 0; t < U; ++t) {
    const Unit& x = units_[t];
    const bool many = x.replicas || x.constraints.global;
    const std::size_t len = x.name.size() + (many ? 1 : 0);
    if (len >= h && !heads.contains(std::string_view(x.name).substr(0, h)) &&
        !(many && x.name.size() + 1 == h && heads.contains(x.name + "@"))) {
      continue;
    }
    stems.emplace_back(many ? x.name + "@" : x.name, t);
  }
  std::sort(stems.begin(), stems.end());
  struct Edge {
    UnitId p, t;
    std::uint8_t cls;
  };
  std::vector<Edge> edges;
  std::vector<UnitId> candidates;
  auto stem_less = [](const std::pair<std::string, UnitId>& e, std::string_view k) {
    return std::string_view(e.first) < k;
  };
  for (UnitId p = 0; p < U; ++p) {
    const auto& patterns = units_[p].constraints.conflicts;
    if (patterns.empty()) continue;
    if (std::find(patterns.begin(), patterns.end(), "*") != patterns.end()) {
      match_all_.push_back(p);  // class 2 with every unit: kept as a flag, not U edges
      continue;
    }
    candidates.clear();
    for (const std::string& pat : patterns) {
      const std::string_view prefix = std::string_view(pat).substr(0, literal_prefix(pat));
      for (auto it = std::lower_bound(stems.begin(), stems.end(), prefix, stem_less);
           it != stems.end() && std::string_view(it->first).substr(0, prefix.size()) == prefix;
           ++it) {
        candidates.push_back(it->second);
      }
      for (std::size_t len = 1; len < prefix.size(); ++len) {
        if (prefix[len - 1] != '@') continue;
        const std::string_view head = prefix.substr(0, len);
        for (auto it = std::lower_bound(stems.begin(), stems.end(), head, stem_less);
             it != stems.end() && it->first == head; ++it) {
          candidates.push_back(it->second);
        }
      }
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    for (UnitId t : candidates) {
      if (const std::uint8_t cls = pattern_class(p, t); cls != 1) edges.push_back({p, t, cls});
    }
  }
  stems = {};
  // Both directions into one list per unit (CSR), sorted by peer, one entry per peer.
  std::vector<std::uint32_t> fill(U + 1, 0);
  for (const Edge& e : edges) {
    ++fill[e.p + 1];
    if (e.t != e.p) ++fill[e.t + 1];
  }
  for (std::size_t u = 0; u < U; ++u) fill[u + 1] += fill[u];
  std::vector<ConflictPeer> raw(fill[U]);
  std::vector<std::uint32_t> at(fill.begin(), fill.end() - 1);
  for (const Edge& e : edges) {
    if (e.t == e.p) {
      raw[at[e.p]++] = {e.p, e.cls, e.cls};
      continue;
    }
    raw[at[e.p]++] = {e.t, e.cls, 1};
    raw[at[e.t]++] = {e.p, 1, e.cls};
  }
  edges = {};
  peers_.reserve(raw.size());
  for (std::size_t u = 0; u < U; ++u) {
    auto first = raw.begin() + fill[u], last = raw.begin() + fill[u + 1];
    std::sort(first, last,
              [](const ConflictPeer& a, const ConflictPeer& b) { return a.unit < b.unit; });
    peer_start_[u] = static_cast<std::uint32_t>(peers_.size());
    for (auto it = first; it != last; ++it) {
      if (peer_start_[u] != peers_.size() && peers_.back().unit == it->unit) {
        peers_.back().out = std::max(peers_.back().out, it->out);
        peers_.back().in = std::max(peers_.back().in, it->in);
      } else {
        peers_.push_back(*it);
      }
    }
  }
  peer_start_[U] = static_cast<std::uint32_t>(peers_.size());
}

std::uint8_t Cluster::conflict_class(UnitId pu, UnitId tu) const {
  // Host ports: units binding one port conflict in every instance pair (both ways).
  if (!units_[pu].constraints.ports.empty() && !units_[tu].constraints.ports.empty() &&
      ports_overlap(units_[pu].constraints.ports, units_[tu].constraints.ports)) {
    return 2;
  }
  if (units_[pu].constraints.conflicts.empty()) return 1;
  if (matches_all(pu)) return 2;
  const auto peers = conflict_peers(pu);
  auto it = std::lower_bound(peers.begin(), peers.end(), tu,
                             [](const ConflictPeer& e, UnitId k) { return e.unit < k; });
  return it != peers.end() && it->unit == tu ? it->out : 1;
}

bool Cluster::conflicts_by_pattern(InstanceId a, InstanceId b) const {
  if (a == b) return false;
  auto one_way = [&](InstanceId p, InstanceId t) {
    const Unit& tu = units_[instances_[t].unit];
    for (const auto& pat : units_[instances_[p].unit].constraints.conflicts) {
      if (glob_match(pat, instances_[t].name) ||
          (tu.constraints.global && glob_match(pat, tu.name)))
        return true;
    }
    return false;
  };
  return one_way(a, b) || one_way(b, a);
}

bool Cluster::conflicts(InstanceId a, InstanceId b) const {
  if (a == b) return false;
  auto one_way = [&](InstanceId p, InstanceId t) {
    const std::uint8_t cls = conflict_class(instances_[p].unit, instances_[t].unit);
    if (cls == 1) return false;
    if (cls == 2) return true;
    for (const auto& pat : units_[instances_[p].unit].constraints.conflicts) {
      if (glob_match(pat, instances_[t].name)) return true;
    }
    return false;
  };
  return one_way(a, b) || one_way(b, a);
}

namespace {
[[noreturn]] void bad_id(const char* kind, std::uint32_t id, std::size_t count, const char* what) {
  throw UsageError(310, id == kNone
                            ? fmt::format("{}: no {} given (kNone)", what, kind)
                            : fmt::format("{}: {} id {} is not one of this cluster's {} {}s", what,
                                          kind, id, count, kind));
}
}  // namespace

void Cluster::check_machine(MachineId m, const char* what) const {
  if (m >= machine_count()) bad_id("machine", m, machine_count(), what);
}
void Cluster::check_instance(InstanceId i, const char* what) const {
  if (i >= instance_count()) bad_id("instance", i, instance_count(), what);
}
void Cluster::check_group(GroupId g, const char* what) const {
  if (g >= group_count()) bad_id("group", g, group_count(), what);
}

void Cluster::assign(InstanceId i, MachineId m) {
  check_instance(i, "Cluster::assign");
  check_machine(m, "Cluster::assign");
  if (assignment_[i] != kNone) unassign(i);
  if (open_checkpoints_ != 0) undo_.push_back({Change::Kind::Assigned, i, 0, 0});
  attach(i, m, on_machine_[m].size());
}

void Cluster::unassign(InstanceId i) {
  check_instance(i, "Cluster::unassign");
  const MachineId m = assignment_[i];
  if (m == kNone) return;
  const std::size_t pos = detach(i);
  if (open_checkpoints_ != 0)
    undo_.push_back({Change::Kind::Unassigned, i, m, static_cast<std::uint32_t>(pos)});
}

void Cluster::set_state(MachineId m, MachineState s) {
  check_machine(m, "Cluster::set_state");
  if (open_checkpoints_ != 0)
    undo_.push_back({Change::Kind::State, m, static_cast<std::uint32_t>(machine_states_[m]), 0});
  machine_states_[m] = s;
  refresh(m);
}

void Cluster::attach(InstanceId i, MachineId m, std::size_t pos) {
  assignment_[i] = m;
  auto& on = on_machine_[m];
  on.insert(on.begin() + static_cast<std::ptrdiff_t>(pos), i);
  const std::size_t D = dims();
  const std::int64_t* req = request(i);
  for (std::size_t d = 0; d < D; ++d) used_[m * D + d] += req[d];
  const Instance& inst = instances_[i];
  if (unit_has_conflicts(inst.unit)) ++conflict_holders_[m];
  int slot = spread_slot_[inst.unit];
  if (slot >= 0) {
    auto& idx = spread_[static_cast<std::size_t>(slot)];
    if (idx.machine_domain[m] != kNone) ++idx.counts[idx.machine_domain[m]];
  }
  refresh(m);
}

std::size_t Cluster::detach(InstanceId i) {
  const MachineId m = assignment_[i];
  assignment_[i] = kNone;
  auto& on = on_machine_[m];
  // Searched from the back: an undo takes off the instance assigned last, which is there.
  const auto it = std::find(on.rbegin(), on.rend(), i).base() - 1;
  const auto pos = static_cast<std::size_t>(it - on.begin());
  on.erase(it);
  const std::size_t D = dims();
  const std::int64_t* req = request(i);
  for (std::size_t d = 0; d < D; ++d) used_[m * D + d] -= req[d];
  const Instance& inst = instances_[i];
  if (unit_has_conflicts(inst.unit)) --conflict_holders_[m];
  int slot = spread_slot_[inst.unit];
  if (slot >= 0) {
    auto& idx = spread_[static_cast<std::size_t>(slot)];
    if (idx.machine_domain[m] != kNone) --idx.counts[idx.machine_domain[m]];
  }
  refresh(m);
  return pos;
}

std::size_t Cluster::checkpoint() {
  ++open_checkpoints_;
  return undo_.size();
}

void Cluster::rollback_to(std::size_t mark) {
  // Newest first, so every position recorded by an unassign is valid again when it is undone.
  while (undo_.size() > mark) {
    const Change ch = undo_.back();
    undo_.pop_back();
    switch (ch.kind) {
      case Change::Kind::Assigned:
        detach(ch.id);
        break;
      case Change::Kind::Unassigned:
        attach(ch.id, ch.was, ch.pos);
        break;
      case Change::Kind::State:
        machine_states_[ch.id] = static_cast<MachineState>(ch.was);
        refresh(ch.id);
        break;
    }
  }
}

void Cluster::release(std::size_t mark) {
  (void)mark;  // LIFO: the changes after mark now belong to the enclosing checkpoint
  if (open_checkpoints_ == 0) return;
  if (--open_checkpoints_ == 0) undo_.clear();
}

void Cluster::build_indexes() {
  if (!trees_.get()) trees_ = detail::ClassTreesHolder();
  detail::ClassTrees& trees = *trees_.get();
  std::vector<std::int64_t>& levels = trees.fit_levels;
  const std::size_t D = dims();
  // Levels: the units' distinct positive requests in dimension 0 (spread evenly over them
  // when there are more than kMaxLevels), so most demands meet a level exactly.
  {
    std::vector<std::int64_t> distinct;
    for (UnitId u = 0; u < units_.size(); ++u) {
      if (D > 0 && requests_[u * D] > 0) distinct.push_back(requests_[u * D]);
    }
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    levels.clear();
    if (distinct.size() <= detail::kMaxLevels) {
      levels = distinct;
    } else {
      for (std::size_t j = 0; j < detail::kMaxLevels; ++j)
        levels.push_back(distinct[j * distinct.size() / detail::kMaxLevels]);
    }
  }
  const std::size_t L = levels.size();
  util_.assign(machine_count(), 0.0);
  class_position_.assign(machine_count(), 0);
  trees.classes.assign(class_count(), detail::ClassIndex{});
  for (ClassId c = 0; c < class_count(); ++c) {
    const auto& members = class_members_[c];
    detail::ClassIndex& idx = trees.classes[c];
    idx.leaves = 1;
    while (idx.leaves < members.size()) idx.leaves *= 2;
    const std::size_t nodes = 2 * idx.leaves;
    idx.max_free.assign(nodes * D, detail::kBlocked);
    idx.max_util.assign(nodes, -std::numeric_limits<double>::infinity());
    idx.min_util.assign(nodes, std::numeric_limits<double>::infinity());
    idx.min_count.assign(nodes, std::numeric_limits<std::uint32_t>::max());
    idx.min_free.assign(nodes * D, detail::kOpen);
    idx.up_count.assign(nodes, 0);
    idx.stride = D + 2;
    idx.levels = L;
    idx.level_nodes.assign(nodes * L * idx.stride, detail::kBlocked);
    for (std::size_t at = 0; at < nodes * L; ++at) {
      idx.level_nodes[at * idx.stride + D] =
          std::bit_cast<std::int64_t>(-std::numeric_limits<double>::infinity());
      idx.level_nodes[at * idx.stride + D + 1] = detail::kNoMachine;
    }
    idx.level_min_util.assign(nodes * L, std::numeric_limits<double>::infinity());
    for (std::size_t i = 0; i < members.size(); ++i)
      class_position_[members[i]] = static_cast<std::uint32_t>(i);
  }
  for (MachineId m = 0; m < machine_count(); ++m) refresh(m);
}

void Cluster::refresh(MachineId m) {
  ++version_;
  last_changed_ = m;
  detail::ClassTrees* trees = trees_.get();
  if (!trees || trees->classes.empty()) return;  // still building
  const std::size_t D = dims();
  const std::int64_t* alloc = &allocatable_[m * D];
  const std::int64_t* used = &used_[m * D];
  double u = 0;
  for (std::size_t d = 0; d < D; ++d) {
    if (alloc[d] > 0) u += static_cast<double>(used[d]) / static_cast<double>(alloc[d]);
  }
  util_[m] = u;
  detail::ClassIndex& idx = trees->classes[machine_class_[m]];
  std::size_t node = idx.leaves + class_position_[m];
  const bool up = machine_states_[m] == MachineState::Up;
  // Every summary's leaf is written, noting whether it changed: a summary whose leaf is the same
  // needs no walk up (its ancestors summarize the same leaves), e.g. up_count on a placement.
  auto set = [](auto& slot, auto value) {
    const bool changed = slot != value;
    slot = value;
    return changed;
  };
  bool max_free_changed = false, min_free_changed = false;
  for (std::size_t d = 0; d < D; ++d)
    max_free_changed |= set(idx.max_free[node * D + d], up ? alloc[d] - used[d] : detail::kBlocked);
  for (std::size_t d = 0; d < D; ++d)
    min_free_changed |= set(idx.min_free[node * D + d], up ? alloc[d] - used[d] : detail::kOpen);
  const bool up_changed = set(idx.up_count[node], up ? 1U : 0U);
  const bool max_util_changed =
      set(idx.max_util[node], up ? u : -std::numeric_limits<double>::infinity());
  const bool min_util_changed =
      set(idx.min_util[node], up ? u : std::numeric_limits<double>::infinity());
  const bool count_changed =
      set(idx.min_count[node], up ? static_cast<std::uint32_t>(on_machine_[m].size())
                                  : std::numeric_limits<std::uint32_t>::max());
  const std::size_t L = trees->fit_levels.size();
  const std::size_t nodes = idx.nodes(), stride = idx.stride;
  // A level whose leaf record is unchanged (the machine was out of it before and after, the
  // common case for the levels above the free cpu) needs no walk: its ancestors summarize the
  // same leaves. Walking it anyway read a parent and a sibling per level.
  std::uint32_t level_changed = 0, level_min_changed = 0;  // bit j: level j's leaf changed
  for (std::size_t j = 0; j < L; ++j) {
    const bool in = up && D > 0 && alloc[0] - used[0] >= trees->fit_levels[j];
    std::int64_t* rec = &idx.level_nodes[(j * nodes + node) * stride];
    bool changed = false;
    for (std::size_t d = 0; d < D; ++d)
      changed |= set(rec[d], in ? alloc[d] - used[d] : detail::kBlocked);
    changed |=
        set(rec[D], std::bit_cast<std::int64_t>(in ? u : -std::numeric_limits<double>::infinity()));
    changed |= set(rec[D + 1], in ? static_cast<std::int64_t>(m) : detail::kNoMachine);
    if (changed) level_changed |= 1U << j;
    if (set(idx.level_min_util[node * L + j], in ? u : std::numeric_limits<double>::infinity()))
      level_min_changed |= 1U << j;
  }
  // Each summary walks up on its own while it changes: a node whose summary stays the same
  // leaves every ancestor's the same too. Walked together, every summary went as high as the
  // one that changed most (a placement on the fullest machine moves the utilization maxima to
  // the root while the largest free amounts stay put below); apart, each stops at its own
  // height. `stride` values per node, this summary's `width` of them from `offset`.
  const std::size_t leaf = node;
  auto walk = [leaf](auto& values, std::size_t stride, std::size_t offset, std::size_t width,
                     auto combine) {
    for (std::size_t at = leaf / 2; at >= 1; at /= 2) {
      const std::size_t l = 2 * at * stride + offset, r = l + stride;
      const std::size_t here = at * stride + offset;
      bool changed = false;
      for (std::size_t k = 0; k < width; ++k) {
        const auto value = combine(values[l + k], values[r + k]);
        if (values[here + k] != value) {
          values[here + k] = value;
          changed = true;
        }
      }
      if (!changed) break;
    }
  };
  auto larger = [](auto a, auto b) { return std::max(a, b); };
  auto smaller = [](auto a, auto b) { return std::min(a, b); };
  if (max_free_changed) walk(idx.max_free, D, 0, D, larger);
  if (min_free_changed) walk(idx.min_free, D, 0, D, smaller);
  if (up_changed)
    walk(idx.up_count, 1, 0, 1, [](std::uint32_t a, std::uint32_t b) { return a + b; });
  if (max_util_changed) walk(idx.max_util, 1, 0, 1, larger);
  if (min_util_changed) walk(idx.min_util, 1, 0, 1, smaller);
  if (count_changed) walk(idx.min_count, 1, 0, 1, smaller);
  for (std::size_t j = 0; j < L; ++j) {
    if ((level_min_changed & (1U << j)) != 0) walk(idx.level_min_util, L, j, 1, smaller);
    if ((level_changed & (1U << j)) == 0) continue;
    // A level's records: the free maxima, the utilization maximum (stored as its bits, compared
    // as a double) and the lowest machine holding it walk up together, one record per node.
    // On equal maxima the left child's machine is the lower one (members are by id).
    std::int64_t* level = &idx.level_nodes[j * nodes * stride];
    for (std::size_t at = leaf / 2; at >= 1; at /= 2) {
      const std::int64_t* l = level + 2 * at * stride;
      const std::int64_t* r = l + stride;
      std::int64_t* here = level + at * stride;
      bool changed = false;
      for (std::size_t d = 0; d < D; ++d) {
        const std::int64_t value = std::max(l[d], r[d]);
        if (here[d] != value) {
          here[d] = value;
          changed = true;
        }
      }
      const std::int64_t* top = std::bit_cast<double>(r[D]) > std::bit_cast<double>(l[D]) ? r : l;
      if (here[D] != top[D] || here[D + 1] != top[D + 1]) {
        here[D] = top[D];
        here[D + 1] = top[D + 1];
        changed = true;
      }
      if (!changed) break;
    }
  }
}

namespace detail {

// A holder always owns trees (empty until Cluster::build fills them), except after a move.
ClassTreesHolder::ClassTreesHolder() : trees_(std::make_unique<ClassTrees>()) {}
ClassTreesHolder::~ClassTreesHolder() = default;
ClassTreesHolder::ClassTreesHolder(const ClassTreesHolder& other)
    : trees_(other.trees_ ? std::make_unique<ClassTrees>(*other.trees_) : nullptr) {}
ClassTreesHolder::ClassTreesHolder(ClassTreesHolder&& other) noexcept = default;
ClassTreesHolder& ClassTreesHolder::operator=(const ClassTreesHolder& other) {
  if (this != &other) trees_ = other.trees_ ? std::make_unique<ClassTrees>(*other.trees_) : nullptr;
  return *this;
}
ClassTreesHolder& ClassTreesHolder::operator=(ClassTreesHolder&& other) noexcept = default;

}  // namespace detail

std::vector<MachineId> Cluster::overcommitted() const {
  std::vector<MachineId> out;
  const std::size_t D = dims();
  for (MachineId m = 0; m < machine_count(); ++m) {
    for (std::size_t d = 0; d < D; ++d) {
      if (used_[m * D + d] > allocatable_[m * D + d]) {
        out.push_back(m);
        break;
      }
    }
  }
  return out;
}

}  // namespace berth
