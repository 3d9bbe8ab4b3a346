#include "berth/plan/whatif.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "berth/constraint/glob.hpp"
#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/model/instance_name.hpp"
#include "berth/place/cluster.hpp"

namespace berth::plan {
namespace {

int parse_int(std::string_view text, std::string_view what, int code) {
  int v = 0;
  std::string_view digits = text;
  bool negative = false;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size()) {
    throw UsageError(code, fmt::format("{}: \"{}\" is not a whole number", what, text));
  }
  return negative ? -v : v;
}

std::int64_t scale_value(std::int64_t v, int percent) {
  // ceil(v * (100 + p) / 100) without overflow or floating point.
  const __int128 num = static_cast<__int128>(v) * (100 + percent);
  __int128 q = num / 100;
  if (num % 100 > 0) ++q;
  if (q < 0) q = 0;
  if (q > static_cast<__int128>(INT64_MAX)) q = INT64_MAX;
  return static_cast<std::int64_t>(q);
}

/// The instance names read here were made from the original spec's units (replicas and units
/// added by the changes come after the names are read): one parser (model/instance_name.hpp).
std::string unit_of(const UnitNameIndex& names, const std::string& instance) {
  return names.unit_of(instance);
}

int replica_of(const UnitNameIndex& names, const std::string& instance) {
  const auto n = names.parse(instance);
  return n && n->kind == InstanceName::Kind::Replica ? n->replica : 0;
}

Unit* find_unit(Spec& spec, const std::string& name) {
  for (Unit& u : spec.units) {
    if (u.name == name) return &u;
  }
  std::vector<std::string> names;
  for (const Unit& u : spec.units) names.push_back(u.name);
  std::string hint = did_you_mean(name, names);
  throw UsageError(387,
                   fmt::format("no unit named \"{}\"{}", name,
                               hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint)));
}

/// --remove: the machines matching the patterns leave `after`. What they ran moves (it joins
/// `evicted`), except what cannot run elsewhere: global instances and units pinned there.
void remove_machines(const Spec& spec, const UnitNameIndex& names, const WhatIf& changes,
                     WhatIfResult& out, Spec& after, std::map<std::string, std::string>& keep,
                     std::set<std::string>& evicted) {
  std::set<std::string> removed;
  for (const std::string& pattern : changes.remove) {
    std::size_t hits = 0;
    for (const Machine& m : spec.machines) {
      if (glob_match(pattern, m.name)) {
        removed.insert(m.name);
        ++hits;
      }
    }
    if (hits == 0) {
      std::vector<std::string> names;
      for (const Machine& m : spec.machines) names.push_back(m.name);
      std::string hint = did_you_mean(pattern, names);
      throw UsageError(
          387, fmt::format("--remove: no machine matches \"{}\"{}", pattern,
                           hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint)));
    }
  }
  if (!removed.empty()) {
    std::erase_if(after.machines, [&](const Machine& m) { return removed.count(m.name) > 0; });
    // Units pinned (machine_id) to a removed machine can run nowhere else: they go with it, as
    // a global unit's instance does and as `kubectl drain --ignore-daemonsets` treats DaemonSet
    // pods (berth import kube pins them to their node). So do the units that follow them
    // (machine_of), transitively: their whole co-location group lived on that machine.
    std::set<std::string> gone;
    for (bool grew = true; grew;) {
      grew = false;
      for (const Unit& u : after.units) {
        if (gone.count(u.name)) continue;
        if ((!u.constraints.machine_id.empty() && removed.count(u.constraints.machine_id)) ||
            (!u.constraints.machine_of.empty() && gone.count(u.constraints.machine_of))) {
          gone.insert(u.name);
          grew = true;
        }
      }
    }
    if (!gone.empty()) {
      std::erase_if(after.units, [&](const Unit& u) { return gone.count(u.name) > 0; });
      std::erase_if(keep, [&](const auto& kv) {
        return gone.count(unit_of(names, kv.first)) > 0 || gone.count(kv.first) > 0;
      });
      out.removed_with_machines.assign(gone.begin(), gone.end());
      std::sort(out.removed_with_machines.begin(), out.removed_with_machines.end(),
                [](const std::string& a, const std::string& b) { return natural_less(a, b); });
    }
    for (auto it = keep.begin(); it != keep.end();) {
      if (removed.count(it->second)) {
        // A global unit's instance dies with its machine; anything else has to move.
        bool global = false;
        for (const Unit& u : spec.units)
          global = global || (u.name == unit_of(names, it->first) && u.constraints.global);
        if (!global) evicted.insert(it->first);
        it = keep.erase(it);
      } else {
        ++it;
      }
    }
    out.applied.push_back(
        fmt::format("removed {} machine(s): {}", removed.size(), fmt::join(removed, ", ")));
    if (!out.removed_with_machines.empty()) {
      out.applied.push_back(fmt::format("removed with them, pinned there: {}",
                                        fmt::join(out.removed_with_machines, ", ")));
    }
  }
}

/// --add-machines: new machines of a catalogue type, or copies of a machine of the spec, named
/// `TYPE-new-K` with K the first numbers not taken.
void add_machines(const Spec& spec, const WhatIf& changes, const Catalogue* catalogue,
                  WhatIfResult& out, Spec& after) {
  std::set<std::string> names;
  for (const Machine& m : after.machines) names.insert(m.name);
  for (const Machine& m : spec.machines) names.insert(m.name);
  for (const WhatIf::Add& a : changes.add) {
    Machine proto;
    int t = catalogue ? catalogue->find(a.type) : -1;
    if (t >= 0) {
      proto = catalogue->types[static_cast<std::size_t>(t)].make_machine("");
    } else {
      auto it = std::find_if(spec.machines.begin(), spec.machines.end(),
                             [&](const Machine& m) { return m.name == a.type; });
      if (it == spec.machines.end()) {
        std::vector<std::string> known;
        if (catalogue) {
          for (const auto& ty : catalogue->types) known.push_back(ty.name);
        }
        for (const Machine& m : spec.machines) known.push_back(m.name);
        std::string hint = did_you_mean(a.type, known);
        throw UsageError(
            387,
            fmt::format(
                "--add-machines: \"{}\" is neither a machine type{} nor a machine of the spec{}",
                a.type, catalogue ? "" : " (no --machine-types given)",
                hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint)));
      }
      proto = *it;
      proto.state = MachineState::Up;
    }
    std::vector<std::string> added;
    for (int k = 1; static_cast<int>(added.size()) < a.count; ++k) {
      std::string name = fmt::format("{}-new-{}", a.type, k);
      if (!names.insert(name).second) continue;
      Machine m = proto;
      m.name = name;
      after.machines.push_back(m);
      out.machine_type[name] = a.type;
      added.push_back(name);
    }
    out.applied.push_back(
        fmt::format("added {} x {} ({})", a.count, a.type, fmt::join(added, ", ")));
  }
}

/// --grow: replica counts. A unit without replicas becomes replica 1 (its placement follows);
/// replicas beyond the new count lose their placements.
void grow_units(const UnitNameIndex& names, const WhatIf& changes, WhatIfResult& out, Spec& after,
                std::map<std::string, std::string>& keep) {
  for (const WhatIf::Grow& g : changes.grow) {
    Unit* u = find_unit(after, g.unit);
    if (u->constraints.global)
      throw UsageError(386, fmt::format("--grow: {} is global (one instance per machine)", g.unit));
    const int before = u->replicas.value_or(1);
    const int now = g.absolute ? g.delta : std::max(0, before + g.delta);
    if (!u->replicas) {
      // A single instance becomes replica 1 of a replicated unit.
      auto it = keep.find(u->name);
      if (it != keep.end()) {
        keep[u->name + "@1"] = it->second;
        keep.erase(it);
      }
    }
    u->replicas = now;
    for (auto it = keep.begin(); it != keep.end();) {
      if (unit_of(names, it->first) == u->name && replica_of(names, it->first) > now)
        it = keep.erase(it);
      else
        ++it;
    }
    out.applied.push_back(fmt::format("{}: {} -> {} replicas", g.unit, before, now));
  }
}

/// --scale-requests: bigger (or smaller) requests. Returns whether any unit was scaled.
bool scale_requests(const WhatIf& changes, WhatIfResult& out, Spec& after) {
  bool scaled = false;
  for (const WhatIf::Scale& s : changes.scale) {
    scaled = true;
    if (s.unit.empty()) {
      for (Unit& u : after.units) u.requests = scale_resources(u.requests, s.percent);
      out.applied.push_back(fmt::format("every unit's requests {:+}%", s.percent));
    } else {
      Unit* u = find_unit(after, s.unit);
      u->requests = scale_resources(u->requests, s.percent);
      out.applied.push_back(fmt::format("{}: requests {:+}% (now {})", s.unit, s.percent,
                                        format_resources(u->requests)));
    }
  }
  return scaled;
}

/// After --scale-requests, machines that no longer hold what they run keep their instances in
/// priority order, then name order, while they fit (beyond_capacity: the rule `place` reports
/// overcommitted machines with); the rest leave `keep` and are placed again. `c` is the
/// compiled `after` cluster, before any placement is applied to it.
void evict_beyond_capacity(const Cluster& c, std::map<std::string, std::string>& keep,
                           std::set<std::string>& evicted) {
  std::map<std::string, std::vector<std::string>> on;
  for (const auto& [inst, m] : keep) on[m].push_back(inst);
  for (auto& [m, insts] : on) {
    MachineId mid = c.find_machine(m);
    if (mid == kNone) continue;
    std::vector<InstanceId> ids;
    for (const std::string& inst : insts) {
      InstanceId i = c.find_instance(inst);
      if (i != kNone) ids.push_back(i);
    }
    for (InstanceId i : beyond_capacity(c, mid, ids)) {
      keep.erase(c.instance(i).name);
      evicted.insert(c.instance(i).name);
    }
  }
}

/// Places `after` (its placements: what stays) on one compiled cluster: the scaled requests'
/// evictions are decided on it before the placements that stay are applied to it, then the
/// engine places the rest there (place_on), instead of compiling the changed spec twice.
PlacementResult place_after(Spec& after, bool scaled, std::map<std::string, std::string>& keep,
                            std::set<std::string>& evicted, const PlaceOptions& options) {
  after.placements.clear();
  Cluster c = Cluster::build(after, BuildOptions{options.strict});
  if (scaled) evict_beyond_capacity(c, keep, evicted);
  after.placements = keep;
  c.apply_placements(after.placements);
  return place_on(after, c, options);
}

}  // namespace

Resources scale_resources(const Resources& r, int percent) {
  Resources out = r;
  out.cpu = scale_value(r.cpu, percent);
  out.memory = scale_value(r.memory, percent);
  out.disk = scale_value(r.disk, percent);
  // Extended resources the unit requests are sizes too (gpu, iops), except kube's pod slot:
  // one pod stays one pod however large it grows.
  for (auto& [k, v] : out.extended) {
    if (k != kPodSlots) v = scale_value(v, percent);
  }
  return out;
}

WhatIf::Add WhatIf::parse_add(std::string_view text) {
  Add a;
  auto eq = text.rfind('=');
  a.type = std::string(text.substr(0, eq));
  if (eq != std::string_view::npos)
    a.count = parse_int(text.substr(eq + 1), "--add-machines TYPE=N", 383);
  if (a.type.empty() || a.count <= 0)
    throw UsageError(383, fmt::format("--add-machines takes TYPE=N with N >= 1, got \"{}\"", text));
  return a;
}

WhatIf::Grow WhatIf::parse_grow(std::string_view text) {
  Grow g;
  auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 >= text.size()) {
    throw UsageError(384, fmt::format("--grow takes UNIT=+N, UNIT=-N or UNIT=N, got \"{}\"", text));
  }
  g.unit = std::string(text.substr(0, eq));
  std::string_view n = text.substr(eq + 1);
  g.absolute = n.front() != '+' && n.front() != '-';
  g.delta = parse_int(n, "--grow", 384);
  if (g.absolute && g.delta < 0) throw UsageError(384, "--grow: replicas cannot be negative");
  return g;
}

WhatIf::Scale WhatIf::parse_scale(std::string_view text) {
  Scale s;
  auto eq = text.find('=');
  std::string_view p = text;
  if (eq != std::string_view::npos) {
    s.unit = std::string(text.substr(0, eq));
    p = text.substr(eq + 1);
  }
  if (!p.empty() && p.back() == '%') p.remove_suffix(1);
  s.percent = parse_int(p, "--scale-requests", 385);
  if (s.percent <= -100)
    throw UsageError(
        385, fmt::format("--scale-requests: {}% would leave nothing to request", s.percent));
  return s;
}

WhatIfResult what_if(const Spec& spec, const WhatIf& changes, const Catalogue* catalogue,
                     const PlaceOptions& options) {
  WhatIfResult out;
  out.before_spec = spec;
  out.before = place(spec, options);
  Spec after = spec;
  std::map<std::string, std::string> keep = out.before.placements;
  std::set<std::string> evicted;

  // Each change edits the spec to place (`after`) and the placements that stay (`keep`), in
  // this order: machines out, machines in, replicas, requests.
  const UnitNameIndex names(spec.units);
  remove_machines(spec, names, changes, out, after, keep, evicted);
  add_machines(spec, changes, catalogue, out, after);
  grow_units(names, changes, out, after, keep);
  const bool scaled = scale_requests(changes, out, after);
  out.after = place_after(after, scaled, keep, evicted, options);
  out.after_spec = std::move(after);
  out.evicted.assign(evicted.begin(), evicted.end());
  std::sort(out.evicted.begin(), out.evicted.end(),
            [](const std::string& a, const std::string& b) { return natural_less(a, b); });
  for (const std::string& inst : out.evicted) {
    auto it = out.after.placements.find(inst);
    if (it != out.after.placements.end()) out.moved[inst] = it->second;
  }
  std::set<std::string> pending_before;
  for (const PendingUnit& p : out.before.pending) pending_before.insert(p.unit);
  for (const PendingUnit& p : out.after.pending) {
    if (pending_before.count(p.unit))
      out.still_pending.push_back(p);
    else
      out.newly_pending.push_back(p);
  }
  return out;
}

}  // namespace berth::plan
