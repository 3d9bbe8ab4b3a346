#pragma once
// The one set of builders for hand-written clusters in tests: a machine and a unit from a name
// and integer amounts (millicores, bytes), in that order everywhere. Areas that want other
// defaults (ops: memory in GiB and a zone; plan: replicas first) wrap these.
#include <cstdint>
#include <optional>
#include <string>

#include "berth/model/spec.hpp"

namespace berth::testing {

inline constexpr std::int64_t kMi = std::int64_t{1} << 20;
inline constexpr std::int64_t kGi = std::int64_t{1} << 30;

/// A machine with `cpu` millicores and `memory` bytes, up, with `metadata`.
inline Machine machine(const std::string& name, std::int64_t cpu, std::int64_t memory,
                       Metadata metadata = {}) {
  Machine m;
  m.name = name;
  m.capacity.cpu = cpu;
  m.capacity.memory = memory;
  m.metadata = std::move(metadata);
  return m;
}

/// A unit requesting `cpu` millicores and `memory` bytes (`replicas` unset: one instance).
inline Unit unit(const std::string& name, std::int64_t cpu, std::int64_t memory,
                 std::optional<int> replicas = std::nullopt) {
  Unit u;
  u.name = name;
  u.requests.cpu = cpu;
  u.requests.memory = memory;
  u.replicas = replicas;
  return u;
}

}  // namespace berth::testing
