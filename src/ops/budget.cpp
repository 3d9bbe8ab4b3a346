#include "berth/ops/budget.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "berth/constraint/glob.hpp"
#include "berth/error.hpp"

namespace berth::ops {
namespace {

std::int64_t parse_count_or_throw(std::string_view text, std::string_view whole) {
  std::int64_t v = -1;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < 0) {
    throw UsageError(
        360, fmt::format("budget \"{}\": \"{}\" is not a non-negative integer", whole, text));
  }
  return v;
}

}  // namespace

DisruptionBudget parse_budget(std::string_view text) {
  // Forms: UNITS=N (max_unavailable), UNITS:max_unavailable=N, UNITS:min_available=N.
  const auto eq = text.rfind('=');
  if (eq == std::string_view::npos || eq == 0) {
    throw UsageError(
        360,
        fmt::format(
            "budget \"{}\": expected UNITS=N, UNITS:max_unavailable=N or UNITS:min_available=N",
            text));
  }
  std::string_view left = text.substr(0, eq);
  const std::int64_t n = parse_count_or_throw(text.substr(eq + 1), text);
  DisruptionBudget b;
  std::string_view kind = "max_unavailable";
  if (auto colon = left.rfind(':'); colon != std::string_view::npos) {
    kind = left.substr(colon + 1);
    left = left.substr(0, colon);
  }
  if (left.empty()) throw UsageError(360, fmt::format("budget \"{}\": no unit named", text));
  b.units = std::string(left);
  if (kind == "max_unavailable") {
    b.max_unavailable = n;
  } else if (kind == "min_available") {
    b.min_available = n;
  } else {
    throw UsageError(
        360, fmt::format("budget \"{}\": unknown limit \"{}\" (max_unavailable or min_available)",
                         text, kind));
  }
  return b;
}

std::string to_string(const DisruptionBudget& b) {
  std::string out;
  if (b.max_unavailable) out += fmt::format("{}:max_unavailable={}", b.units, *b.max_unavailable);
  if (b.min_available)
    out += fmt::format("{}{}:min_available={}", out.empty() ? "" : " ", b.units, *b.min_available);
  return out.empty() ? b.units + ":unlimited" : out;
}

BudgetTable::BudgetTable(const Cluster& cluster, const std::vector<DisruptionBudget>& budgets)
    : allowed_(cluster.unit_count(), kUnlimited),
      instances_(cluster.unit_count(), 0),
      source_(cluster.unit_count()) {
  for (InstanceId i = 0; i < cluster.instance_count(); ++i) ++instances_[cluster.instance(i).unit];
  for (UnitId u = 0; u < cluster.unit_count(); ++u) {
    for (const DisruptionBudget& b : budgets) {
      if (!glob_match(b.units, cluster.unit(u).name)) continue;
      std::int64_t allowed = kUnlimited;
      if (b.max_unavailable) allowed = std::min(allowed, *b.max_unavailable);
      // min_available above the instance count allows nothing down (never negative).
      if (b.min_available)
        allowed = std::min(allowed, std::max<std::int64_t>(0, instances_[u] - *b.min_available));
      if (allowed < allowed_[u]) {
        allowed_[u] = allowed;
        source_[u] = to_string(b);
      }
    }
  }
}

}  // namespace berth::ops
