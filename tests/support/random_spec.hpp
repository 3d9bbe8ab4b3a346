#pragma once
// Every random cluster generator of the tests, in one place. Each property test draws from the
// one shaped for what it checks; the pieces they share (labels, taints, ports, conflicts,
// spread, links) are the blocks below, each drawing exactly what the generators drew before,
// in the same order, so each seed still gives the same cases (random_spec_test pins them).
//
// random_spec: machines of random sizes, roles, zones and states; units with random requests,
// priorities, replicas, metadata requirements, conflicts, spread, pins, global units,
// co-location, taints and tolerations, host ports. Can write contradictions (Cluster::build
// refuses them with a ValidationError in strict mode).
#include <fmt/format.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "berth/model/spec.hpp"
#include "support/builders.hpp"

namespace berth::testing {

// kArgumentOrder: two draws must never be arguments of one call. C++ leaves the order in which
// function arguments are evaluated unspecified, and GCC (right to left) and clang (left to
// right) differ, so `f(pick(..), pick(..))` gave the GCC and the clang builds different cases
// for the same seed. Where a call needs two draws, the later argument is drawn first into a
// local, which keeps the cases the GCC build always had (tests/unit/model/random_spec_test.cpp
// pins them).

/// Uniform integers in [lo, hi] from one engine: the draw every generator makes.
struct Draw {
  std::mt19937_64& rng;
  int operator()(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
};

inline constexpr const char* kRoles[] = {"api", "web", "db"};
inline constexpr const char* kZones[] = {"a", "b", "c"};

/// 2 cpus and 4 GiB per shape step: machines of one shape form one class.
inline void size_by_shape(Machine& m, int shape) {
  m.capacity.cpu = 1000 * shape * 2;
  m.capacity.memory = static_cast<std::int64_t>(shape) << 32;
}

/// A role among the first `roles` of kRoles; a zone unless 1 in `zone_odds + 1`; not up 1 in
/// `state_odds + 1`.
inline void label(Draw& pick, Machine& m, int roles, int zone_odds, int state_odds) {
  m.metadata["role"] = {kRoles[pick(0, roles - 1)]};
  if (pick(0, zone_odds) != 0) m.metadata["zone"] = {kZones[pick(0, 2)]};
  if (pick(0, state_odds) == 0) m.state = static_cast<MachineState>(pick(1, 3));
}

/// A `dedicated=value` taint of a random effect (soft ones included).
inline void add_dedicated_taint(Draw& pick, Machine& m, const std::string& value) {
  const TaintEffect effects[] = {TaintEffect::NoSchedule, TaintEffect::NoExecute,
                                 TaintEffect::PreferNoSchedule};
  m.taints.push_back({"dedicated", value, effects[pick(0, 2)]});
}

/// 1 in `odds + 1`: `role in (one of the first `roles` roles)`.
inline void maybe_role_requirement(Draw& pick, Constraints& c, int odds, int roles) {
  if (pick(0, odds) == 0)
    c.metadata.push_back({"role", MetadataOp::In, {kRoles[pick(0, roles - 1)]}});
}

/// 1 in `odds + 1`: the unit's replicas never share a machine.
inline void maybe_self_conflict(Draw& pick, Unit& u, int odds) {
  if (pick(0, odds) == 0) u.constraints.conflicts.push_back(u.name + "@*");
}

/// 1 in `odds + 1`: spread over zones with a skew of 1 or 2.
inline void maybe_spread(Draw& pick, Constraints& c, int odds) {
  if (pick(0, odds) == 0) c.spread = SpreadConstraint{"zone", pick(1, 2)};
}

/// 1 in `odds + 1`: one host port of three (two share a number with another protocol).
inline void maybe_port(Draw& pick, Constraints& c, int odds) {
  if (pick(0, odds) == 0) {
    const HostPort ports[] = {
        {80, PortProtocol::Tcp}, {443, PortProtocol::Tcp}, {80, PortProtocol::Udp}};
    c.ports.push_back(ports[pick(0, 2)]);
  }
}

/// A conflict with one instance (`u3@2`) of one of the first `units` units, so that verdicts
/// depend on the instance. The instance is drawn first (kArgumentOrder).
inline void add_instance_conflict(Draw& pick, Constraints& c, int units, int instances) {
  const int instance = pick(1, instances);
  c.conflicts.push_back(fmt::format("u{}@{}", pick(1, units), instance));
}

/// How a unit may be tied to the rest: kind = pick(0, kinds); 0 global, 1 pinned to a random
/// machine, 2 (with `dangling`) co-located with a unit that does not exist, up to
/// `last_sidekick` a sidekick of an earlier unit (with its replica count), unless that unit is
/// global, or (without `follow_sidekicks`) itself a sidekick.
struct LinkRule {
  int kinds = 9;
  int last_sidekick = 3;
  bool dangling = false;
  bool follow_sidekicks = true;
};

inline void link(Draw& pick, const Spec& spec, Unit& u, int i, int machines, const LinkRule& rule) {
  Constraints& c = u.constraints;
  const int kind = pick(0, rule.kinds);
  if (kind == 0) {
    c.global = true;
    u.replicas.reset();
    c.spread.reset();
  } else if (kind == 1) {
    c.machine_id = fmt::format("m{}", pick(1, machines));
  } else if (kind == 2 && rule.dangling) {
    c.machine_of = "nosuchunit";  // dangling: this unit alone is unresolvable
  } else if (kind <= rule.last_sidekick && i > 0) {
    const Unit& main = spec.units[static_cast<std::size_t>(pick(0, i - 1))];
    if (!main.constraints.global &&
        (rule.follow_sidekicks || main.constraints.machine_of.empty())) {
      c.machine_of = main.replicas ? main.name + "@%i" : main.name;
      u.replicas = main.replicas;
      // No instance to follow (only random_spec draws zero replicas).
      if (main.replicas && *main.replicas == 0) c.machine_of.clear();
    }
  }
}

inline Spec random_spec(std::mt19937_64& rng) {
  Draw pick{rng};
  Spec spec;
  const int machines = pick(1, 24);
  for (int i = 0; i < machines; ++i) {
    Machine m;
    m.name = fmt::format("m{}", i + 1);
    m.capacity.cpu = pick(1, 16) * 500;
    m.capacity.memory = static_cast<std::int64_t>(pick(1, 32)) << 28;
    m.capacity.disk = pick(0, 3) * (std::int64_t{10} << 30);
    if (pick(0, 4) == 0) m.capacity.extended["gpu"] = pick(0, 2);
    if (pick(0, 3) == 0) m.reserved.cpu = pick(0, 2) * 100;
    label(pick, m, 3, 5, 9);
    if (pick(0, 4) == 0) add_dedicated_taint(pick, m, kRoles[pick(0, 2)]);
    spec.machines.push_back(std::move(m));
  }
  const int units = pick(1, 14);
  for (int i = 0; i < units; ++i) {
    Unit u;
    u.name = fmt::format("u{}", i + 1);
    u.requests.cpu = pick(0, 8) * 250;
    u.requests.memory = static_cast<std::int64_t>(pick(0, 16)) << 27;
    if (pick(0, 6) == 0) u.requests.disk = std::int64_t{pick(1, 20)} << 30;
    if (pick(0, 8) == 0) u.requests.extended["gpu"] = 1;
    u.priority = pick(0, 3);
    if (pick(0, 2) != 0) u.replicas = pick(0, 6);
    Constraints& c = u.constraints;
    maybe_role_requirement(pick, c, 2, 3);
    if (pick(0, 5) == 0) c.metadata.push_back({"role", MetadataOp::NotIn, {kRoles[pick(0, 2)]}});
    if (pick(0, 6) == 0) c.metadata.push_back({"zone", MetadataOp::Exists, {}});
    maybe_self_conflict(pick, u, 3);
    if (pick(0, 6) == 0 && i > 0) c.conflicts.push_back(fmt::format("u{}*", pick(1, i)));
    maybe_spread(pick, c, 4);
    if (pick(0, 3) == 0) {
      Toleration t;
      t.key = "dedicated";
      if (pick(0, 1) == 0) {
        t.op = TolerationOp::Exists;
      } else {
        t.value = kRoles[pick(0, 2)];
      }
      if (pick(0, 2) == 0) t.effect = TaintEffect::NoSchedule;
      c.tolerations.push_back(t);
    }
    maybe_port(pick, c, 4);
    link(pick, spec, u, i, machines, LinkRule{9, 3, false, true});
    spec.units.push_back(std::move(u));
  }
  return spec;
}

// place_conflicts_test: names and glob patterns over the alphabet "ab@1" (names holding '@',
// patterns with classes and escapes), three machines, units that conflict by pattern.
inline std::string random_text(std::mt19937_64& rng, int min_len, int max_len) {
  static const char alphabet[] = "ab@1";
  std::uniform_int_distribution<int> len(min_len, max_len), ch(0, 3);
  std::string s;
  for (int n = len(rng); n > 0; --n) s.push_back(alphabet[ch(rng)]);
  return s;
}

inline std::string random_pattern(std::mt19937_64& rng, const std::vector<std::string>& names) {
  Draw pick{rng};
  switch (pick(0, 9)) {
    case 0:
      return "*";
    case 1:
      return names[static_cast<std::size_t>(pick(0, static_cast<int>(names.size()) - 1))] + "@*";
    case 2:
      return names[static_cast<std::size_t>(pick(0, static_cast<int>(names.size()) - 1))];
    default:
      break;
  }
  std::string p;
  for (int n = pick(1, 5); n > 0; --n) {
    switch (pick(0, 9)) {
      case 0:
        p += '*';
        break;
      case 1:
        p += '?';
        break;
      case 2:
        p += "[ab]";
        break;
      case 3:
        p += "[!@]";
        break;
      case 4:
        p += "\\@";
        break;
      default:
        p += random_text(rng, 1, 2);
        break;
    }
  }
  return p;
}

inline Spec random_conflict_spec(std::mt19937_64& rng) {
  Draw pick{rng};
  Spec spec;
  for (int i = 0; i < 3; ++i) {
    Machine m;
    m.name = fmt::format("m{}", i + 1);
    m.capacity.cpu = 1000;
    spec.machines.push_back(std::move(m));
  }
  std::set<std::string> used;
  std::vector<std::string> names;
  const int units = pick(2, 14);
  for (int i = 0; i < units; ++i) {
    std::string name;
    do name = random_text(rng, 1, 4);
    while (!used.insert(name).second);
    names.push_back(name);
  }
  for (const std::string& name : names) {
    Unit u;
    u.name = name;
    u.requests.cpu = 1;
    const int kind = pick(0, 5);
    if (kind <= 2)
      u.replicas = pick(1, 3);
    else if (kind == 3)
      u.constraints.global = true;
    for (int n = pick(0, 2); n > 0; --n)
      u.constraints.conflicts.push_back(random_pattern(rng, names));
    if (pick(0, 7) == 0)
      u.constraints.ports.push_back({static_cast<std::uint16_t>(pick(80, 81)), PortProtocol::Tcp});
    spec.units.push_back(std::move(u));
  }
  return spec;
}

// place_diagnose_test: small or large clusters of a few shapes with roles and zones.
inline Spec random_diagnose_cluster(std::mt19937_64& rng) {
  Draw pick{rng};
  Spec spec;
  const int machines = pick(1, 4) == 1 ? pick(1, 8) : pick(20, 160);
  const int shapes = pick(1, 3);
  for (int i = 0; i < machines; ++i) {
    Machine m;
    m.name = fmt::format("m{}", i + 1);
    const int shape = pick(1, shapes);
    size_by_shape(m, shape);
    if (shape == 3) m.capacity.disk = std::int64_t{100} << 30;
    if (shape == 2) m.capacity.extended["gpu"] = 2;
    if (shape == 1 && pick(0, 1) == 0) m.reserved.cpu = 500;
    label(pick, m, 2, 7, 6);
    spec.machines.push_back(std::move(m));
  }
  const int units = pick(1, 14);
  for (int i = 0; i < units; ++i) {
    Unit u;
    u.name = fmt::format("u{}", i + 1);
    u.requests.cpu = pick(0, 8) * 250;
    u.requests.memory = static_cast<std::int64_t>(pick(0, 12)) << 29;
    if (pick(0, 8) == 0) u.requests.disk = std::int64_t{pick(1, 60)} << 30;
    if (pick(0, 6) == 0) u.requests.extended["gpu"] = pick(1, 2);
    if (pick(0, 12) == 0) u.requests.cpu = 5000;  // fits nowhere
    u.priority = pick(0, 2);
    if (pick(0, 4) != 0) u.replicas = pick(1, 14);
    Constraints& c = u.constraints;
    maybe_role_requirement(pick, c, 3, 2);
    if (pick(0, 8) == 0) c.metadata.push_back({"zone", MetadataOp::Exists, {}});
    maybe_self_conflict(pick, u, 2);
    if (pick(0, 3) == 0) add_instance_conflict(pick, c, units, 4);
    if (pick(0, 6) == 0) c.conflicts.push_back(fmt::format("u{}*", pick(1, units)));  // by prefix
    if (pick(0, 8) == 0)
      c.conflicts.push_back(fmt::format("u{}", pick(1, units)));  // single instance
    maybe_spread(pick, c, 3);
    link(pick, spec, u, i, machines, LinkRule{11, 4, false, false});
    spec.units.push_back(std::move(u));
  }
  return spec;
}

// place_index_test: up to 60 machines of 1-3 shapes (large classes), replicated units with
// self-conflicts, instance-specific conflicts and spread.
inline Spec random_index_cluster(std::mt19937_64& rng) {
  Draw pick{rng};
  Spec spec;
  const int machines = pick(1, 60);
  const int shapes = pick(1, 3);  // few shapes, so classes hold many machines
  for (int i = 0; i < machines; ++i) {
    Machine m;
    m.name = fmt::format("m{}", i + 1);
    size_by_shape(m, pick(1, shapes));
    if (pick(0, 3) == 0) m.capacity.extended["gpu"] = pick(0, 2);
    m.metadata["role"] = {pick(0, 1) ? "api" : "web"};
    m.metadata["zone"] = {pick(0, 1) ? "a" : "b"};
    if (pick(0, 12) == 0) m.state = MachineState::Draining;
    spec.machines.push_back(std::move(m));
  }
  const int units = pick(1, 12);
  for (int i = 0; i < units; ++i) {
    Unit u;
    u.name = fmt::format("u{}", i + 1);
    u.replicas = pick(1, 12);
    u.requests.cpu = pick(0, 6) * 250;
    u.requests.memory = static_cast<std::int64_t>(pick(0, 8)) << 28;
    if (pick(0, 6) == 0) u.requests.extended["gpu"] = 1;
    if (pick(0, 2) == 0) u.constraints.metadata.push_back({"role", MetadataOp::In, {"api"}});
    maybe_self_conflict(pick, u, 2);
    // Now and then a pattern that takes some instances of a unit and not others, so verdicts
    // depend on the instance (rankings and reused diagnoses must notice).
    if (pick(0, 4) == 0) add_instance_conflict(pick, u.constraints, units, 3);
    maybe_spread(pick, u.constraints, 4);
    spec.units.push_back(std::move(u));
  }
  return spec;
}

// place_shape_memo_test: many units drawn from a few request vectors and selectors, so that
// different units ask the same question (the placer's shape memos), mixed with the units that
// must not share a memo: self-conflicts, spread, preferences, soft taints, priorities.
inline Spec random_shape_cluster(std::mt19937_64& rng) {
  Draw pick{rng};
  Spec spec;
  const int machines = pick(1, 50);
  const int shapes = pick(1, 3);
  const bool soft_taints = pick(0, 9) == 0;  // preference points for everyone: no memo at all
  for (int i = 0; i < machines; ++i) {
    Machine m;
    m.name = fmt::format("m{}", i + 1);
    size_by_shape(m, pick(1, shapes));
    m.metadata["role"] = {pick(0, 1) ? "api" : "web"};
    m.metadata["zone"] = {pick(0, 1) ? "a" : "b"};
    if (pick(0, 15) == 0) m.state = MachineState::Draining;
    if (soft_taints && pick(0, 3) == 0)
      m.taints.push_back({"x", "y", TaintEffect::PreferNoSchedule});
    spec.machines.push_back(std::move(m));
  }
  const int vectors = pick(1, 4);
  const int units = pick(1, 40);
  for (int i = 0; i < units; ++i) {
    Unit u;
    u.name = fmt::format("u{}", i + 1);
    const int v = pick(0, vectors - 1);
    u.requests.cpu = 250 * (1 + v % 3);
    u.requests.memory = static_cast<std::int64_t>(1 + v / 3) << 30;
    if (pick(0, 3) == 0) u.replicas = pick(1, 4);
    if (pick(0, 4) == 0) u.priority = 1;
    if (pick(0, 2) == 0) u.constraints.metadata.push_back({"role", MetadataOp::In, {"api"}});
    maybe_self_conflict(pick, u, 6);
    maybe_spread(pick, u.constraints, 9);
    if (pick(0, 9) == 0) {
      Preference p;
      p.metadata.push_back({"zone", MetadataOp::In, {"a"}});
      p.weight = 50;
      u.preferences.push_back(std::move(p));
    }
    spec.units.push_back(std::move(u));
  }
  return spec;
}

// place_oracle_test: few shapes (so classes are large) and every constraint kind, including
// the ones that must not block others: a dangling machine_of and a self-contradicting group.
inline Spec random_oracle_cluster(std::mt19937_64& rng) {
  Draw pick{rng};
  Spec spec;
  const int machines = pick(1, 3) == 1 ? pick(1, 6) : pick(10, 60);
  for (int i = 0; i < machines; ++i) {
    Machine m;
    m.name = fmt::format("m{}", i + 1);
    const int shape = pick(1, 3);
    size_by_shape(m, shape);
    if (shape == 2) m.capacity.extended["gpu"] = 2;
    label(pick, m, 2, 6, 7);
    if (pick(0, 3) == 0) add_dedicated_taint(pick, m, pick(0, 1) ? "gpu" : "");
    spec.machines.push_back(std::move(m));
  }
  const int units = pick(2, 12);
  for (int i = 0; i < units; ++i) {
    Unit u;
    u.name = fmt::format("u{}", i + 1);
    u.requests.cpu = pick(0, 6) * 250;
    u.requests.memory = static_cast<std::int64_t>(pick(0, 10)) << 29;
    if (pick(0, 8) == 0) u.requests.extended["gpu"] = 1;
    if (pick(0, 12) == 0) u.requests.cpu = 100000;  // bigger than every machine
    u.priority = pick(0, 3);
    if (pick(0, 2) != 0) u.replicas = pick(1, 5);
    Constraints& c = u.constraints;
    maybe_role_requirement(pick, c, 3, 2);
    if (pick(0, 12) == 0) c.metadata.push_back({"role", MetadataOp::In, {"nowhere"}});
    maybe_self_conflict(pick, u, 3);
    if (pick(0, 5) == 0 && i > 0)
      c.conflicts.push_back(fmt::format("u{}", pick(1, i)));  // fleet-style unit name
    maybe_spread(pick, c, 4);
    if (pick(0, 2) == 0) {
      Toleration t;
      t.key = pick(0, 4) == 0 ? "" : "dedicated";
      t.op = t.key.empty() || pick(0, 1) ? TolerationOp::Exists : TolerationOp::Equal;
      if (t.op == TolerationOp::Equal) t.value = pick(0, 1) ? "gpu" : "";
      if (pick(0, 2) == 0) t.effect = pick(0, 1) ? TaintEffect::NoSchedule : TaintEffect::NoExecute;
      c.tolerations.push_back(t);
    }
    maybe_port(pick, c, 3);
    // Preferences of every kind, some negative.
    for (int k = pick(0, 2); k > 0; --k) {
      Preference p;
      p.weight = pick(-100, 100);
      switch (pick(0, 2)) {
        case 0:
          p.kind = Preference::Kind::Metadata;
          p.metadata.push_back({"zone", MetadataOp::In, {kZones[pick(0, 2)]}});
          break;
        case 1:
          p.kind = Preference::Kind::Near;
          p.near.push_back(fmt::format("u{}*", pick(1, units)));
          break;
        default:
          p.kind = Preference::Kind::Spread;
          p.spread_key = "zone";
      }
      u.preferences.push_back(std::move(p));
    }
    link(pick, spec, u, i, machines, LinkRule{11, 4, true, true});
    spec.units.push_back(std::move(u));
  }
  return spec;
}

// ops_invariants_test: a seeded source of choices, and clusters of 2-12 GiB machines in zones
// with units that link (machine_of), pin, spread and go global, for random timelines.
struct Gen {
  std::mt19937_64 rng;
  explicit Gen(std::uint64_t seed) : rng(seed) {}
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
  bool chance(int percent) { return uniform(1, 100) <= percent; }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(uniform(0, static_cast<int>(v.size()) - 1))];
  }
};

inline Unit random_ops_unit(Gen& g, const std::string& name, const std::vector<Unit>& earlier,
                            bool allow_links) {
  Unit u;
  u.name = name;
  u.requests.cpu = 100 * g.uniform(1, 15);
  u.requests.memory = 128 * kMi * g.uniform(1, 24);
  u.priority = g.pick(std::vector<int>{0, 0, 5, 10});
  if (g.chance(60)) u.replicas = g.uniform(1, 4);
  const int kind = g.uniform(1, 100);
  if (kind <= 10) {
    // A small global unit (no replicas, no links).
    u.replicas.reset();
    u.constraints.global = true;
    u.requests.cpu = 50;
    u.requests.memory = 32 * kMi;
    if (g.chance(30)) u.constraints.metadata.push_back({"role", MetadataOp::In, {"web"}});
    return u;
  }
  if (g.chance(20))
    u.constraints.metadata.push_back({"role", MetadataOp::In, {g.chance(50) ? "web" : "db"}});
  if (g.chance(15)) u.constraints.metadata.push_back({"disk", MetadataOp::In, {"ssd"}});
  if (u.replicas && g.chance(25)) u.constraints.conflicts.push_back(name + "@*");
  if (u.replicas && *u.replicas > 1 && g.chance(20))
    u.constraints.spread = SpreadConstraint{"zone", g.uniform(1, 2)};
  if (allow_links && g.chance(15)) {
    // Follow an earlier unit: single follows single, N replicas follow N replicas.
    std::vector<const Unit*> targets;
    for (const Unit& e : earlier) {
      if (e.constraints.global || !e.constraints.machine_of.empty() || e.constraints.spread)
        continue;
      if (e.replicas.has_value() != u.replicas.has_value()) continue;
      if (e.replicas && *e.replicas != *u.replicas) continue;
      if (!e.constraints.conflicts.empty() || !e.constraints.machine_id.empty()) continue;
      targets.push_back(&e);
    }
    if (!targets.empty()) {
      u.constraints.machine_of = g.pick(targets)->name;
      u.constraints.spread.reset();
      u.constraints.conflicts.clear();
      u.constraints.metadata.clear();
    }
  }
  return u;
}

inline Spec random_ops_spec(Gen& g) {
  Spec s;
  const int n = g.uniform(3, 9);
  for (int k = 1; k <= n; ++k) {
    Machine m;
    m.name = fmt::format("m{}", k);
    m.capacity.cpu = 1000 * g.uniform(2, 8);
    m.capacity.memory = 1024 * kMi * g.uniform(2, 12);
    if (g.chance(30)) m.reserved.cpu = 200;
    m.metadata["zone"] = {std::string(1, static_cast<char>('a' + g.uniform(0, 2)))};
    m.metadata["role"] = {g.chance(60) ? "web" : "db"};
    if (g.chance(40)) m.metadata["disk"] = {"ssd"};
    if (g.chance(8)) m.state = MachineState::Down;  // down from the start: its globals wait
    s.machines.push_back(std::move(m));
  }
  const int units = g.uniform(2, 8);
  for (int k = 0; k < units; ++k) {
    Unit u = random_ops_unit(g, fmt::format("u{}", k), s.units, true);
    if (!u.constraints.global && u.constraints.machine_of.empty() && !u.replicas &&
        !u.constraints.spread && g.chance(8)) {
      u.constraints.machine_id = g.pick(s.machines).name;
    }
    s.units.push_back(std::move(u));
  }
  return s;
}

}  // namespace berth::testing
