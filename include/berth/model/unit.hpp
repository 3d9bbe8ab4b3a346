#pragma once
/// \file A unit (a container, a systemd service) and its hard constraints.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "berth/constraint/metadata.hpp"
#include "berth/model/resources.hpp"

namespace berth {

/// Spread instances of one unit over the values of a metadata key (e.g. `zone`) so that no
/// value holds more than `max_skew` instances above the least-loaded value.
struct SpreadConstraint {
  std::string key;
  int max_skew = 1;
  friend bool operator==(const SpreadConstraint&, const SpreadConstraint&) = default;
};

struct Constraints {
  std::vector<MetadataRequirement> metadata;  ///< all must hold
  std::vector<std::string> conflicts;         ///< globs on unit names; symmetric
  std::string machine_of;                     ///< co-locate with this unit ("" = none)
  std::string machine_id;                     ///< pin to this machine ("" = none)
  bool global = false;                        ///< one instance on every matching up machine
  std::optional<SpreadConstraint> spread;
  friend bool operator==(const Constraints&, const Constraints&) = default;
};

/// A unit as written. `replicas` (when set) expands into instances `name@1..N`.
struct Unit {
  std::string name;
  Resources requests;
  std::int32_t priority = 0;
  std::optional<int> replicas;  ///< unset: one instance named `name`
  Constraints constraints;
};

}  // namespace berth
