#pragma once
/// \file Disruption budgets: how many instances of a service may be down at once.
///
/// A budget names units by glob (`web`, `db-*`, `*`) and gives `max_unavailable` (at most N
/// instances down at once) and/or `min_available` (at least M instances up). Every matching
/// budget applies; the tightest wins. A unit no budget matches may lose any number at once.
/// Budgets are options (CLI `--budget`, the events file), not part of the spec.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/place/cluster.hpp"

namespace berth::ops {

/// At most `max_unavailable` down, or at least `min_available` up, for units matching `units`.
struct DisruptionBudget {
  std::string units = "*";  ///< glob on unit names
  std::optional<std::int64_t> max_unavailable;
  std::optional<std::int64_t> min_available;
  friend bool operator==(const DisruptionBudget&, const DisruptionBudget&) = default;
};

/// No limit.
inline constexpr std::int64_t kUnlimited = std::numeric_limits<std::int64_t>::max();

/// Parses `web=1` / `web:max_unavailable=1` / `db:min_available=2`. Throws UsageError (360).
DisruptionBudget parse_budget(std::string_view text);
/// `web:max_unavailable=1`
std::string to_string(const DisruptionBudget& b);

/// Budgets resolved against one cluster: how many instances of each unit may be down at once.
class BudgetTable {
 public:
  BudgetTable(const Cluster& cluster, const std::vector<DisruptionBudget>& budgets);
  /// Instances of unit u that may be down at the same time (kUnlimited when unbudgeted).
  std::int64_t allowed_down(UnitId u) const { return allowed_[u]; }
  /// Instances of unit u (placed or not).
  std::int64_t instances(UnitId u) const { return instances_[u]; }
  /// The budget text that limits u ("" when none).
  const std::string& source(UnitId u) const { return source_[u]; }

 private:
  std::vector<std::int64_t> allowed_;
  std::vector<std::int64_t> instances_;
  std::vector<std::string> source_;
};

}  // namespace berth::ops
