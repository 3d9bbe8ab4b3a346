#pragma once
// Synthetic clusters and workloads for benchmarks: deterministic for a seed, shaped like the
// clusters berth is for (a few machine sizes, roles and zones; services with replicas,
// role constraints, anti-affinity and zone spread).
#include <fmt/format.h>

#include <cstdint>
#include <random>

#include "berth/model/spec.hpp"

namespace berth::bench {

struct GenerateOptions {
  std::size_t machines = 1000;
  std::size_t units = 10000;  ///< instances in total
  std::size_t replicas = 20;  ///< instances per service
  bool anti_affinity = true;  ///< conflicts: ["svcK@*"]
  bool spread = false;        ///< spread over zone, max_skew 1
  std::uint64_t seed = 42;
};

inline Spec generate_spec(const GenerateOptions& o) {
  std::mt19937_64 rng(o.seed);
  const char* roles[] = {"api", "web", "db", "batch"};
  const char* zones[] = {"a", "b", "c"};
  struct Size {
    std::int64_t cpu, memory;
  } sizes[] = {{8000, 32LL << 30}, {16000, 64LL << 30}, {32000, 128LL << 30}};
  Spec spec;
  spec.machines.reserve(o.machines);
  for (std::size_t i = 0; i < o.machines; ++i) {
    Machine m;
    m.name = fmt::format("m{}", i + 1);
    const Size& s = sizes[rng() % 3];
    m.capacity.cpu = s.cpu;
    m.capacity.memory = s.memory;
    m.capacity.disk = 500LL << 30;
    m.reserved.cpu = 250;
    m.metadata["role"] = {roles[rng() % 4]};
    m.metadata["zone"] = {zones[rng() % 3]};
    m.metadata["region"] = {"west"};
    spec.machines.push_back(std::move(m));
  }
  const std::size_t services = (o.units + o.replicas - 1) / o.replicas;
  for (std::size_t k = 0; k < services; ++k) {
    Unit u;
    u.name = fmt::format("svc{}", k + 1);
    u.replicas = static_cast<int>(std::min(o.replicas, o.units - k * o.replicas));
    // 10-20 units fill a machine: requests of 250m-1500m cpu and 1-6 GiB memory.
    u.requests.cpu = 250 * static_cast<std::int64_t>(1 + rng() % 6);
    u.requests.memory = static_cast<std::int64_t>(1 + rng() % 6) << 30;
    u.requests.disk = static_cast<std::int64_t>(1 + rng() % 10) << 30;
    u.constraints.metadata.push_back({"role", MetadataOp::In, {roles[rng() % 4]}});
    if (o.anti_affinity) u.constraints.conflicts.push_back(u.name + "@*");
    if (o.spread) u.constraints.spread = SpreadConstraint{"zone", 1};
    spec.units.push_back(std::move(u));
  }
  return spec;
}

}  // namespace berth::bench
