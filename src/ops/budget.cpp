#include "berth/ops/budget.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "berth/constraint/glob.hpp"
#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/ops/reschedule.hpp"

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

std::string service_name(std::string_view unit) {
  const auto at = unit.find('@');
  if (at == std::string_view::npos) return std::string(unit);
  const auto dot = unit.rfind('.');
  return std::string(unit.substr(0, at + 1)) +
         (dot != std::string_view::npos && dot > at ? std::string(unit.substr(dot)) : "");
}

BudgetTable::BudgetTable(const Cluster& cluster, const std::vector<DisruptionBudget>& budgets)
    : service_of_(cluster.unit_count(), 0) {
  std::map<std::string, ServiceId> ids;
  for (UnitId u = 0; u < cluster.unit_count(); ++u) {
    auto [it, added] =
        ids.try_emplace(berth::ops::service_name(cluster.unit(u).name), names_.size());
    if (added) names_.push_back(it->first);
    service_of_[u] = it->second;
  }
  allowed_.assign(names_.size(), kUnlimited);
  instances_.assign(names_.size(), 0);
  source_.assign(names_.size(), "");
  for (InstanceId i = 0; i < cluster.instance_count(); ++i)
    ++instances_[service_of_[cluster.instance(i).unit]];
  // A budget applies to every service one of whose units it names, counted over the whole
  // service: `api@*:min_available=2` keeps two of fleet's api@1..3.service up.
  for (UnitId u = 0; u < cluster.unit_count(); ++u) {
    const ServiceId s = service_of_[u];
    for (const DisruptionBudget& b : budgets) {
      if (!glob_match(b.units, cluster.unit(u).name)) continue;
      std::int64_t allowed = kUnlimited;
      if (b.max_unavailable) allowed = std::min(allowed, *b.max_unavailable);
      // min_available above the instance count allows nothing down (never negative).
      if (b.min_available)
        allowed = std::min(allowed, std::max<std::int64_t>(0, instances_[s] - *b.min_available));
      if (source_[s].empty() || allowed < allowed_[s]) {
        allowed_[s] = allowed;
        source_[s] = to_string(b);
      }
    }
  }
}

void check_budget_units(const Cluster& cluster, const std::vector<DisruptionBudget>& budgets) {
  std::vector<std::string> names;
  for (UnitId u = 0; u < cluster.unit_count(); ++u) names.push_back(cluster.unit(u).name);
  for (const DisruptionBudget& b : budgets) {
    if (std::any_of(names.begin(), names.end(),
                    [&](const std::string& n) { return glob_match(b.units, n); }))
      continue;
    const std::string hint = did_you_mean(b.units, names);
    throw UsageError(365,
                     fmt::format("--budget {}: \"{}\" names no unit{}", to_string(b), b.units,
                                 hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint)));
  }
}

std::int64_t BudgetTable::allowed_to_stop(UnitId u) const {
  const ServiceId s = service_of_[u];
  if (!source_[s].empty()) return allowed_[s];
  return instances_[s] >= 2 ? 1 : 0;
}

std::vector<std::int64_t> BudgetTable::down_now(const Cluster& cluster) const {
  std::vector<std::int64_t> down(names_.size(), 0);
  for (InstanceId i = 0; i < cluster.instance_count(); ++i) {
    if (cluster.assignment(i) == kNone && !is_stopped(cluster, i))
      ++down[service_of_[cluster.instance(i).unit]];
  }
  return down;
}

}  // namespace berth::ops
