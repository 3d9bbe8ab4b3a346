#pragma once
// Small builders for hand-written clusters in the ops tests.
#include <fmt/format.h>

#include <string>

#include "berth/model/spec.hpp"
#include "berth/place/cluster.hpp"
#include "support/builders.hpp"

namespace berth::ops::test {

using berth::testing::kGi;
using berth::testing::kMi;

// The ops tests' shorthand over the shared builders (support/builders.hpp): memory in GiB, an
// optional zone, 8 cpus.
inline Machine machine(const std::string& name, std::int64_t memory_gi,
                       const std::string& zone = "", std::int64_t cpu = 8000) {
  Metadata md;
  if (!zone.empty()) md["zone"] = {zone};
  return berth::testing::machine(name, cpu, memory_gi * kGi, std::move(md));
}

// 100m cpu, memory in MiB; replicas 0: unset.
inline Unit unit(const std::string& name, std::int64_t memory_mi, int priority = 0,
                 int replicas = 0) {
  Unit u = berth::testing::unit(name, 100, memory_mi * kMi,
                                replicas > 0 ? std::optional<int>(replicas) : std::nullopt);
  u.priority = priority;
  return u;
}

inline std::string where(const Cluster& c, const std::string& instance) {
  const MachineId m = c.assignment(c.find_instance(instance));
  return m == kNone ? "" : c.machine_name(m);
}

}  // namespace berth::ops::test
