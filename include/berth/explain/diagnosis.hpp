#pragma once
/// \file Why a unit has no machine: counts per reason (they add up to the machines considered),
/// the shortfall per resource dimension, and the machine closest to fitting.
///
/// Counting is done as filters reject (Nomad's AllocMetric idea), so the success path pays only
/// for integer increments; the text is built only for units that end up pending.
#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "berth/export.hpp"

namespace berth {

/// Reason codes (stable; used as keys of `rejections` in JSON output).
namespace reason {
inline constexpr const char* kNotUp = "machine_not_up";     ///< draining, down or rebooting
inline constexpr const char* kPinned = "pinned_elsewhere";  ///< machine_id names another machine
inline constexpr const char* kMetadata = "metadata";        ///< a metadata requirement fails
inline constexpr const char* kConflict = "conflict";        ///< a conflicting unit runs there
inline constexpr const char* kSpread = "spread";            ///< would exceed max_skew
inline constexpr const char* kSpreadKey = "spread_key_missing";  ///< machine lacks the spread key
inline constexpr const char* kInsufficientPrefix = "insufficient_";  ///< + dimension name
inline constexpr const char* kTaint = "untolerated_taint";  ///< a NoSchedule/NoExecute taint
inline constexpr const char* kPort = "port_taken";  ///< a unit there binds the same host port
inline constexpr const char* kContradiction = "unresolvable";  ///< the unit contradicts itself
}  // namespace reason

/// kube-scheduler's three-way split: more capacity or preemption could fix `Unschedulable`;
/// nothing in this cluster helps an `Unresolvable` unit (bigger than every machine's
/// allocatable, metadata or taints no machine satisfies, a contradiction in the unit itself,
/// a reference to a unit or machine the cluster lacks): only changing the unit or the
/// machines does.
enum class PendingKind { Unschedulable, Unresolvable };

/// One value of a unit's spread key (`zone=a`): the key and the value as data, so nobody has to
/// split `describe()` back at its '=' (a key or value may hold one).
struct SpreadDomain {
  std::string key;    ///< "zone"
  std::string value;  ///< "a"
  /// "zone=a", as diagnoses have always printed it.
  std::string describe() const { return key + "=" + value; }
  /// Ordered as their describe() text, so maps keyed by domains list them (in summaries and
  /// JSON) in the order they had when the key was that text.
  friend BERTH_API std::strong_ordering operator<=>(const SpreadDomain& a, const SpreadDomain& b);
  friend bool operator==(const SpreadDomain&, const SpreadDomain&) = default;
};

/// One resource dimension that some machines are short of.
struct Shortfall {
  std::string dimension;       ///< "memory"
  std::int64_t needs = 0;      ///< the unit's (or co-located group's) request
  std::int64_t most_free = 0;  ///< the largest free amount among the machines short of it
  std::string most_free_on;    ///< that machine
  std::size_t machines = 0;    ///< machines short of this dimension (may overlap across dimensions;
                             ///< `rejections` counts each machine once, under its worst dimension)
  friend bool operator==(const Shortfall&, const Shortfall&) = default;
};

/// The machine that would need the least added capacity to take the unit.
struct ClosestMachine {
  std::string machine;
  std::map<std::string, std::int64_t> missing;  ///< dimension -> amount it is short
  friend bool operator==(const ClosestMachine&, const ClosestMachine&) = default;
};

struct BERTH_API Diagnosis {
  std::string unit;                ///< instance name, e.g. "web@3"
  std::vector<std::string> group;  ///< co-located instances placed with it (incl. itself)
  std::size_t considered = 0;      ///< machines considered
  std::size_t fit = 0;             ///< machines that passed every filter
  std::map<std::string, std::size_t>
      rejections;  ///< reason code -> machines (sums to considered - fit)
  std::map<std::string, std::size_t> metadata_failures;  ///< "role!=api" -> machines
  std::map<std::string, std::size_t> conflicts_with;     ///< "web@1" -> machines
  std::map<SpreadDomain, std::size_t> spread_failures;   ///< zone=a -> machines
  std::map<std::string, std::size_t> taint_failures;     ///< "dedicated=gpu:NoSchedule" -> machines
  std::map<std::string, std::size_t> ports_taken;        ///< "80/tcp by web1" -> machines
  std::vector<Shortfall> shortfalls;                     ///< by dimension order
  std::optional<ClosestMachine> closest;
  std::string note;  ///< extra reason not tied to a machine (e.g. "co-located unit x is pending")
  /// Nothing in this cluster can take the unit (see PendingKind); set by the Placer on every
  /// diagnosis it makes, from the filters that no placement or eviction changes.
  bool unresolvable = false;
  /// For a unit that contradicts itself or names what the cluster lacks: the error line
  /// `--strict` would exit with (`[berth.invalid.241] unit web: machine_of: ...`).
  std::string contradiction;

  PendingKind kind() const;
  /// One line: `web@3: 0/12 machines fit: 7 short of memory (needs 2 GiB; most free 1.5 GiB on
  /// m4), 3 metadata role!=api, 2 conflict with web@1`.
  std::string summary() const;

  /// Every field, in order (two diagnoses of the same unit by the scan and the indexed search
  /// must agree on all of them).
  friend bool operator==(const Diagnosis&, const Diagnosis&) = default;
};

}  // namespace berth
