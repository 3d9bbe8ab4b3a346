#pragma once
// Random clusters and workloads for property tests: machines of random sizes, roles, zones and
// states; units with random requests, priorities, replicas, metadata requirements, conflicts,
// spread, pins, global units, co-location, taints and tolerations, host ports. Can write
// contradictions (Cluster::build refuses them with a ValidationError in strict mode).
#include <fmt/format.h>

#include <random>

#include "berth/model/spec.hpp"

namespace berth::testing {

inline Spec random_spec(std::mt19937_64& rng) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const char* roles[] = {"api", "web", "db"};
  const char* zones[] = {"a", "b", "c"};
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
    m.metadata["role"] = {roles[pick(0, 2)]};
    if (pick(0, 5) != 0) m.metadata["zone"] = {zones[pick(0, 2)]};
    if (pick(0, 9) == 0) m.state = static_cast<MachineState>(pick(1, 3));
    if (pick(0, 4) == 0) {
      const TaintEffect effects[] = {TaintEffect::NoSchedule, TaintEffect::NoExecute, TaintEffect::PreferNoSchedule};
      m.taints.push_back({"dedicated", roles[pick(0, 2)], effects[pick(0, 2)]});
    }
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
    if (pick(0, 2) == 0) c.metadata.push_back({"role", MetadataOp::In, {roles[pick(0, 2)]}});
    if (pick(0, 5) == 0) c.metadata.push_back({"role", MetadataOp::NotIn, {roles[pick(0, 2)]}});
    if (pick(0, 6) == 0) c.metadata.push_back({"zone", MetadataOp::Exists, {}});
    if (pick(0, 3) == 0) c.conflicts.push_back(u.name + "@*");
    if (pick(0, 6) == 0 && i > 0) c.conflicts.push_back(fmt::format("u{}*", pick(1, i)));
    if (pick(0, 4) == 0) c.spread = SpreadConstraint{"zone", pick(1, 2)};
    if (pick(0, 3) == 0) {
      Toleration t;
      t.key = "dedicated";
      if (pick(0, 1) == 0) {
        t.op = TolerationOp::Exists;
      } else {
        t.value = roles[pick(0, 2)];
      }
      if (pick(0, 2) == 0) t.effect = TaintEffect::NoSchedule;
      c.tolerations.push_back(t);
    }
    if (pick(0, 4) == 0) {
      const HostPort ports[] = {{80, PortProtocol::Tcp}, {443, PortProtocol::Tcp}, {80, PortProtocol::Udp}};
      c.ports.push_back(ports[pick(0, 2)]);
    }
    const int kind = pick(0, 9);
    if (kind == 0) {
      c.global = true;
      u.replicas.reset();
      c.spread.reset();
    } else if (kind == 1) {
      c.machine_id = fmt::format("m{}", pick(1, machines));
    } else if (kind <= 3 && i > 0) {
      // A sidekick of an earlier, non-global unit with the same replica count.
      const Unit& main = spec.units[static_cast<std::size_t>(pick(0, i - 1))];
      if (!main.constraints.global) {
        c.machine_of = main.replicas ? main.name + "@%i" : main.name;
        u.replicas = main.replicas;
        if (main.replicas && *main.replicas == 0) c.machine_of.clear();
      }
    }
    spec.units.push_back(std::move(u));
  }
  return spec;
}

}  // namespace berth::testing
