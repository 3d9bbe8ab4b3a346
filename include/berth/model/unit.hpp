#pragma once
/// \file A unit (a container, a systemd service) and its hard constraints.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "berth/constraint/metadata.hpp"
#include "berth/constraint/taint.hpp"
#include "berth/export.hpp"
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
  std::vector<Toleration> tolerations;  ///< machine taints this unit tolerates
  std::vector<HostPort> ports;          ///< host ports it binds, sorted, no duplicates
  friend bool operator==(const Constraints&, const Constraints&) = default;
};

/// A soft constraint (Nomad's affinity and spread, kube's preferred terms): machines that meet
/// it rank above those that do not, by `weight` points; it never makes a unit pending.
struct BERTH_API Preference {
  enum class Kind : std::uint8_t { Metadata, Near, Spread };
  Kind kind = Kind::Metadata;
  std::vector<MetadataRequirement> metadata;  ///< Metadata: all must hold on the machine
  std::vector<std::string> near;              ///< Near: globs on instances running there
  std::string spread_key;                     ///< Spread: prefer the least-filled value of this key
  int weight = 50;                            ///< -100..100; negative: avoid
  /// `zone=a (+50)`, `near db* (+20)`, `spread over zone (+10)`.
  std::string describe() const;
  /// Kind, weight and the field of that kind: a Near preference's `metadata` means nothing
  /// (the spec's JSON form cannot even hold it), so it does not make two preferences differ.
  /// (A friend is not a member: the class's BERTH_API does not export it, so it says so itself.)
  friend BERTH_API bool operator==(const Preference& a, const Preference& b);
};

/// A unit as written. `replicas` (when set) expands into instances `name@1..N`.
struct Unit {
  std::string name;
  Resources requests;
  std::int32_t priority = 0;
  std::optional<int> replicas;  ///< unset: one instance named `name`
  Constraints constraints;
  std::vector<Preference> preferences;  ///< soft: order machines, never exclude them

  friend bool operator==(const Unit&, const Unit&) = default;
};

}  // namespace berth
