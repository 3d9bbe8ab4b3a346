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

#include "berth/export.hpp"
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
BERTH_API DisruptionBudget parse_budget(std::string_view text);
/// `web:max_unavailable=1`
BERTH_API std::string to_string(const DisruptionBudget& b);

/// The service a unit belongs to, for budgets: the unit itself (`web`, whose replicas are
/// `web@1..N`), except that fleet's instances of one template (`api@1.service`,
/// `api@2.service`: separate units read from one `api@.service`) are one service, named by the
/// template (`api@.service`): the part before `@` plus the type suffix.
BERTH_API std::string service_name(std::string_view unit);

/// Throws UsageError (365) for a budget whose glob names no unit of `cluster` (a typo would
/// otherwise leave the service unprotected), with a did-you-mean.
BERTH_API void check_budget_units(const Cluster& cluster,
                                  const std::vector<DisruptionBudget>& budgets);

/// Budgets resolved against one cluster, per service (see service_name): how many instances
/// of each service may be down at once. Every count of instances "down" is per service
/// (ServiceId, 0..service_count()-1).
class BERTH_API BudgetTable {
 public:
  using ServiceId = std::size_t;
  BudgetTable(const Cluster& cluster, const std::vector<DisruptionBudget>& budgets);
  ServiceId service(UnitId u) const { return service_of_[u]; }
  std::size_t service_count() const { return names_.size(); }
  const std::string& service_name(ServiceId s) const { return names_[s]; }
  /// Instances of u's service that may be down at the same time (kUnlimited when unbudgeted).
  std::int64_t allowed_down(UnitId u) const { return allowed_[service_of_[u]]; }
  /// Instances of u's service that may be down at once when one of them has no other home and
  /// must stop with its machine: the budget when one names the service; otherwise 1 for a
  /// replicated service (at most one instance down, moved or stopped) and 0 for a singleton
  /// (blocked unless a budget allows it).
  std::int64_t allowed_to_stop(UnitId u) const;
  /// Instances of u's service (placed or not).
  std::int64_t instances(UnitId u) const { return instances_[service_of_[u]]; }
  /// The budget text that limits u's service ("" when none).
  const std::string& source(UnitId u) const { return source_[service_of_[u]]; }
  /// Per service: instances with no machine that are not stopped (pending count as down).
  std::vector<std::int64_t> down_now(const Cluster& cluster) const;

 private:
  std::vector<ServiceId> service_of_;  // per unit
  std::vector<std::string> names_;     // per service
  std::vector<std::int64_t> allowed_;
  std::vector<std::int64_t> instances_;
  std::vector<std::string> source_;
};

}  // namespace berth::ops
