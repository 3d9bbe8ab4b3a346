#include "berth/explain/diagnosis.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "berth/model/resources.hpp"

namespace berth {

PendingKind Diagnosis::kind() const {
  // Capacity (more machines, or preemption) fixes a unit when some machine was rejected for
  // resources, spread or conflicts alone; metadata, pins and state mismatches need a change
  // to the unit or the machines.
  for (const auto& [code, count] : rejections) {
    if (count == 0) continue;
    if (code.rfind(reason::kInsufficientPrefix, 0) == 0 || code == reason::kConflict || code == reason::kSpread ||
        code == reason::kNotUp) {
      return PendingKind::Unschedulable;
    }
  }
  return considered == 0 ? PendingKind::Unschedulable : PendingKind::Unresolvable;
}

namespace {

/// "3 metadata role!=api" or "3 metadata (2 role!=api, 1 zone!=b)".
template <typename Map>
std::string detail_list(const Map& details, std::size_t limit = 3) {
  std::vector<std::pair<std::string, std::size_t>> items(details.begin(), details.end());
  std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  std::size_t shown = 0;
  for (const auto& [what, count] : items) {
    if (shown == limit) {
      out += fmt::format(", +{} more", items.size() - limit);
      break;
    }
    if (!out.empty()) out += ", ";
    out += items.size() == 1 ? what : fmt::format("{} {}", count, what);
    ++shown;
  }
  return out;
}

}  // namespace

std::string Diagnosis::summary() const {
  std::string out = fmt::format("{}: {}/{} machines fit", unit, fit, considered);
  if (group.size() > 1) {
    std::string others;
    for (const auto& g : group) {
      if (g == unit) continue;
      if (!others.empty()) others += ", ";
      others += g;
    }
    out += fmt::format(" (placed together with {})", others);
  }
  std::vector<std::string> parts;
  // Resource reasons first: they are the ones more capacity fixes, with the numbers to act on.
  for (const Shortfall& s : shortfalls) {
    std::size_t counted = 0;
    auto it = rejections.find(std::string(reason::kInsufficientPrefix) + s.dimension);
    if (it != rejections.end()) counted = it->second;
    if (counted == 0) continue;
    std::string detail = fmt::format("needs {}", format_amount(s.dimension, s.needs));
    if (!s.most_free_on.empty()) {
      detail += fmt::format("; most free {} on {}", format_amount(s.dimension, s.most_free), s.most_free_on);
    }
    parts.push_back(fmt::format("{} short of {} ({})", counted, s.dimension, detail));
  }
  auto count_of = [&](const char* code) {
    auto it = rejections.find(code);
    return it == rejections.end() ? std::size_t{0} : it->second;
  };
  if (std::size_t n = count_of(reason::kMetadata)) parts.push_back(fmt::format("{} metadata {}", n, detail_list(metadata_failures)));
  if (std::size_t n = count_of(reason::kConflict)) parts.push_back(fmt::format("{} conflict with {}", n, detail_list(conflicts_with)));
  if (std::size_t n = count_of(reason::kSpread)) {
    parts.push_back(fmt::format("{} spread limit ({} full)", n, detail_list(spread_failures)));
  }
  if (std::size_t n = count_of(reason::kSpreadKey)) parts.push_back(fmt::format("{} lack the spread key", n));
  if (std::size_t n = count_of(reason::kPinned)) parts.push_back(fmt::format("{} not the pinned machine", n));
  if (std::size_t n = count_of(reason::kNotUp)) parts.push_back(fmt::format("{} not up", n));
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i == 0 ? ": " : ", ") + parts[i];
  if (considered == 0) out += ": there are no machines";
  if (closest && !closest->missing.empty()) {
    std::string need;
    for (const auto& [dim, amount] : closest->missing) {
      if (!need.empty()) need += " and ";
      // Rounded up: adding the printed amount must be enough.
      need += fmt::format("{} {}", format_amount_at_least(dim, amount), dim);
    }
    out += fmt::format("; closest: {} needs {} more", closest->machine, need);
  }
  if (!note.empty()) out += fmt::format(" ({})", note);
  return out;
}

}  // namespace berth
