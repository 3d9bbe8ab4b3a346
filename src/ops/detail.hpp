#pragma once
// Helpers shared by the operations (not installed).
#include <fmt/format.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "berth/ops/budget.hpp"
#include "berth/ops/ops.hpp"

namespace berth::ops::detail {

/// A unit no machine can take, explained as a fresh placement would be.
inline Blocked blocked_from(const Diagnosis& diag, const std::string& unit,
                            const std::string& machine) {
  Blocked b;
  b.unit = unit;
  b.machine = machine;
  b.reason = BlockReason::NoMachine;
  b.diagnosis = diag;
  b.diagnosis->unit = unit;
  b.summary = b.diagnosis->summary();
  if (diag.closest) {
    b.needs = diag.closest->missing;
    b.needs_on = diag.closest->machine;
  }
  return b;
}

/// Whether `members` (a co-located group with no other home, on a machine that goes down) may
/// stop with the machine and restart after it: "" when each member's service may have that
/// many more instances down (BudgetTable::allowed_to_stop, counting the instances already
/// down, `moving` and `stopping` per service), and then `stopping` counts them; else the reason
/// they may not, as a clause to append to their summary.
inline std::string stop_refusal(const Cluster& c, const BudgetTable& budgets,
                                const std::vector<InstanceId>& members,
                                const std::vector<std::int64_t>& already_down,
                                const std::map<BudgetTable::ServiceId, std::int64_t>& moving,
                                std::map<BudgetTable::ServiceId, std::int64_t>& stopping) {
  std::map<BudgetTable::ServiceId, std::pair<std::int64_t, UnitId>> need;
  for (InstanceId i : members) {
    auto& [k, u] = need[budgets.service(c.instance(i).unit)];
    ++k;
    u = c.instance(i).unit;
  }
  for (const auto& [s, ku] : need) {
    const auto [k, u] = ku;
    const std::int64_t allowed = budgets.allowed_to_stop(u);
    // Init-capture: clang 14 (the sanitizer build) cannot capture structured bindings.
    auto count = [&, service = s](const std::map<BudgetTable::ServiceId, std::int64_t>& m) {
      auto it = m.find(service);
      return it == m.end() ? std::int64_t{0} : it->second;
    };
    const std::int64_t down = already_down[s] + count(moving) + count(stopping) + k;
    if (allowed == kUnlimited || down <= allowed) continue;
    if (budgets.source(u).empty()) {
      return fmt::format(
          "it cannot stop with the machine either: {} has {} instance(s) and no --budget, so {} "
          "may be down at "
          "once (one of a replicated service, none of a singleton), and {} would be (moved, "
          "stopped or pending)",
          budgets.service_name(s), budgets.instances(u), allowed, down);
    }
    return fmt::format(
        "it cannot stop with the machine either: disruption budget {} allows {} down and {} would "
        "be "
        "(moved, stopped or pending)",
        budgets.source(u), allowed, down);
  }
  for (const auto& [s, ku] : need) stopping[s] += ku.first;
  return "";
}

}  // namespace berth::ops::detail
