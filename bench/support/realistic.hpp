#pragma once
// The "realistic" mix of issue 17, closer to what kube and Nomad users run than
// generate.hpp's services (which it does not replace):
//   - machines: 8 shapes (4 to 64 cores, 2 to 8 GiB per core), 4 zones (a-d), 4 roles;
//   - units: a tenth are services with 5 replicas and anti-affinity on themselves
//     (`conflicts: ["name@*"]`), the rest single instances; a third of all units carry a role
//     selector (`role in [r]`); requests come in 6 sizes whose mean is scaled so the instances
//     ask for `fill` (default 70%) of the cluster's cpu;
//   - option: `preferences` of the units (e.g. 0.3) get one preference, `metadata zone=X`
//     weight 50 (Nomad's affinity, kube's preferred node affinity: the common one).
// Deterministic for a seed: the same options give the same spec, byte for byte.
#include <fmt/format.h>

#include <cstdint>
#include <random>

#include "berth/model/spec.hpp"

namespace berth::bench {

struct RealisticOptions {
  std::size_t machines = 100000;
  std::size_t units = 200000;  ///< units; instances are about 1.4x this
  double fill = 0.7;           ///< requested cpu over allocatable cpu
  double preferences = 0.0;    ///< share of units with one (zone) preference
  std::uint64_t seed = 17;
};

inline Spec generate_realistic_spec(const RealisticOptions& o) {
  std::mt19937_64 rng(o.seed);
  const char* roles[] = {"api", "web", "db", "batch"};
  const char* zones[] = {"a", "b", "c", "d"};
  struct Shape {
    std::int64_t cores, gib_per_core;
  } shapes[] = {{4, 4}, {8, 4}, {8, 8}, {16, 4}, {16, 8}, {32, 4}, {32, 8}, {64, 2}};
  Spec spec;
  spec.machines.reserve(o.machines);
  std::int64_t total_cpu = 0;
  for (std::size_t i = 0; i < o.machines; ++i) {
    Machine m;
    m.name = fmt::format("m{}", i + 1);
    const Shape& s = shapes[rng() % 8];
    m.capacity.cpu = s.cores * 1000;
    m.capacity.memory = (s.cores * s.gib_per_core) << 30;
    m.capacity.disk = 500LL << 30;
    m.reserved.cpu = 200;
    m.reserved.memory = 1LL << 30;
    total_cpu += m.capacity.cpu - m.reserved.cpu;
    m.metadata["role"] = {roles[rng() % 4]};
    m.metadata["zone"] = {zones[rng() % 4]};
    spec.machines.push_back(std::move(m));
  }
  // Instances: a tenth of the units have 5 replicas, so 1.4 instances per unit on average.
  const double instances = static_cast<double>(o.units) * 1.4;
  // Request sizes are multiples of a base, factors 1,1,2,2,3,4 (mean 13/6), rounded to 50m.
  const double mean_cpu = o.fill * static_cast<double>(total_cpu) / std::max(instances, 1.0);
  const std::int64_t base = std::max<std::int64_t>(
      50, static_cast<std::int64_t>(mean_cpu * 6.0 / 13.0 / 50.0 + 0.5) * 50);
  const int factors[] = {1, 1, 2, 2, 3, 4};
  spec.units.reserve(o.units);
  for (std::size_t k = 0; k < o.units; ++k) {
    Unit u;
    const bool service = rng() % 10 == 0;
    u.name = fmt::format("{}{}", service ? "svc" : "job", k + 1);
    const std::int64_t cpu = base * factors[rng() % 6];
    u.requests.cpu = cpu;
    // 1, 2 or 4 GiB per core, in MiB.
    const std::int64_t gib_per_core = std::int64_t{1} << (rng() % 3);
    u.requests.memory = (cpu * gib_per_core * 1024 / 1000) << 20;  // MiB
    u.requests.disk = static_cast<std::int64_t>(1 + rng() % 10) << 30;
    if (rng() % 3 == 0)
      u.constraints.metadata.push_back({"role", MetadataOp::In, {roles[rng() % 4]}});
    if (service) {
      u.replicas = 5;
      u.constraints.conflicts.push_back(u.name + "@*");
    }
    // Drawn whether or not used, so the same seed gives the same units with and without
    // preferences (the comparison of the two measures the preferences alone).
    const bool prefers = static_cast<double>(rng() % 1000) < o.preferences * 1000.0;
    const char* zone = zones[rng() % 4];
    if (prefers) {
      Preference p;
      p.kind = Preference::Kind::Metadata;
      p.metadata.push_back({"zone", MetadataOp::In, {zone}});
      p.weight = 50;
      u.preferences.push_back(std::move(p));
    }
    spec.units.push_back(std::move(u));
  }
  return spec;
}

}  // namespace berth::bench
