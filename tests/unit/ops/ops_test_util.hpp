#pragma once
// Small builders for hand-written clusters in the ops tests.
#include <fmt/format.h>

#include <string>

#include "berth/model/spec.hpp"
#include "berth/place/cluster.hpp"

namespace berth::ops::test {

constexpr std::int64_t kMi = 1024 * 1024;
constexpr std::int64_t kGi = 1024 * kMi;

inline Machine machine(const std::string& name, std::int64_t memory_gi,
                       const std::string& zone = "", std::int64_t cpu = 8000) {
  Machine m;
  m.name = name;
  m.capacity.cpu = cpu;
  m.capacity.memory = memory_gi * kGi;
  if (!zone.empty()) m.metadata["zone"] = {zone};
  return m;
}

inline Unit unit(const std::string& name, std::int64_t memory_mi, int priority = 0,
                 int replicas = 0) {
  Unit u;
  u.name = name;
  u.requests.cpu = 100;
  u.requests.memory = memory_mi * kMi;
  u.priority = priority;
  if (replicas > 0) u.replicas = replicas;
  return u;
}

inline std::string where(const Cluster& c, const std::string& instance) {
  const MachineId m = c.assignment(c.find_instance(instance));
  return m == kNone ? "" : c.machine_name(m);
}

}  // namespace berth::ops::test
