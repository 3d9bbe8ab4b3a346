#pragma once
/// \file Resource vectors as people write them: CPU, memory, disk and named extended resources.
/// All integer (millicores, bytes, counts): capacity arithmetic never touches floating point.
#include <cstdint>
#include <map>
#include <string>

#include "berth/export.hpp"

namespace berth {

/// A request or a capacity. Absent extended resources are zero.
struct BERTH_API Resources {
  std::int64_t cpu = 0;                          ///< millicores
  std::int64_t memory = 0;                       ///< bytes
  std::int64_t disk = 0;                         ///< bytes
  std::map<std::string, std::int64_t> extended;  ///< e.g. {"gpu": 2, "iops": 3000}

  /// Value of a dimension by name ("cpu", "memory", "disk" or an extended name).
  std::int64_t get(const std::string& dimension) const;
  void set(const std::string& dimension, std::int64_t value);
  bool is_zero() const;

  Resources& operator+=(const Resources& other);
  /// Subtraction may go negative; callers check with fits_in.
  Resources& operator-=(const Resources& other);
  friend Resources operator+(Resources a, const Resources& b) { return a += b; }
  friend Resources operator-(Resources a, const Resources& b) { return a -= b; }
  friend BERTH_API bool operator==(const Resources&, const Resources&);

  /// True when every dimension of *this is <= the same dimension of `room`.
  bool fits_in(const Resources& room) const;
};

/// kube's `pods` resource (docs/kube.md): every imported pod requests one slot and a node's
/// capacity is its max-pods. It counts instances, it is not a size: scaling a unit's requests
/// (`whatif --scale-requests`) never changes it.
inline constexpr const char* kPodSlots = "pods";

/// Human text for one dimension's amount: "1.5 GiB", "500m", "3".
BERTH_API std::string format_amount(const std::string& dimension, std::int64_t value);
/// format_amount for an amount someone must add ("needs N more"): never printed below `value`
/// (bytes round up; cpu and counts are exact anyway).
BERTH_API std::string format_amount_at_least(const std::string& dimension, std::int64_t value);
/// Compact human text of a whole vector: "cpu 500m, memory 512 MiB".
BERTH_API std::string format_resources(const Resources& r);

}  // namespace berth
