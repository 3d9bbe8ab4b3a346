#include "berth/explain/diagnosis.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "berth/model/resources.hpp"

namespace berth {

PendingKind Diagnosis::kind() const {
  return unresolvable ? PendingKind::Unresolvable : PendingKind::Unschedulable;
}

std::strong_ordering operator<=>(const SpreadDomain& a, const SpreadDomain& b) {
  if (a.key == b.key) return a.value.compare(b.value) <=> 0;
  // The byte at position i of "key=value" (as unsigned char, as std::string compares), or -1
  // past its end: compares the two texts without building them.
  auto at = [](const SpreadDomain& d, std::size_t i) -> int {
    if (i < d.key.size()) return static_cast<unsigned char>(d.key[i]);
    if (i == d.key.size()) return '=';
    i -= d.key.size() + 1;
    return i < d.value.size() ? static_cast<unsigned char>(d.value[i]) : -1;
  };
  const std::size_t n = std::max(a.key.size() + a.value.size(), b.key.size() + b.value.size()) + 1;
  for (std::size_t i = 0; i < n; ++i) {
    if (const int ca = at(a, i), cb = at(b, i); ca != cb) return ca <=> cb;
  }
  // One text, two domains ("a=b" "c" and "a" "b=c"): still two keys, so that the order agrees
  // with operator== (a map would merge them otherwise).
  return a.key.compare(b.key) <=> 0;
}

namespace {

const std::string& text(const std::string& s) { return s; }
std::string text(const SpreadDomain& d) { return d.describe(); }

/// "3 metadata role!=api" or "3 metadata (2 role!=api, 1 zone!=b)".
template <typename Map>
std::string detail_list(const Map& details, std::size_t limit = 3) {
  std::vector<std::pair<std::string, std::size_t>> items;
  items.reserve(details.size());
  for (const auto& [key, count] : details) items.emplace_back(text(key), count);
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
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
  if (!contradiction.empty()) return fmt::format("{}: unresolvable: {}", unit, contradiction);
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
      detail += fmt::format("; most free {} on {}", format_amount(s.dimension, s.most_free),
                            s.most_free_on);
    }
    parts.push_back(fmt::format("{} short of {} ({})", counted, s.dimension, detail));
  }
  auto count_of = [&](const char* code) {
    auto it = rejections.find(code);
    return it == rejections.end() ? std::size_t{0} : it->second;
  };
  if (std::size_t n = count_of(reason::kMetadata))
    parts.push_back(fmt::format("{} metadata {}", n, detail_list(metadata_failures)));
  if (std::size_t n = count_of(reason::kTaint))
    parts.push_back(fmt::format("{} untolerated taint {}", n, detail_list(taint_failures)));
  if (std::size_t n = count_of(reason::kConflict))
    parts.push_back(fmt::format("{} conflict with {}", n, detail_list(conflicts_with)));
  if (std::size_t n = count_of(reason::kPort)) {
    // "2 port 80/tcp taken by web@1, web@2": keys are "<port> taken by <instance>", grouped by
    // port so the line reads as the reason it is.
    std::map<std::string, std::vector<std::string>> by_port;
    for (const auto& [key, count] : ports_taken) {
      const auto at = key.find(" taken by ");
      by_port[key.substr(0, at)].push_back(at == std::string::npos ? std::string()
                                                                   : key.substr(at + 10));
    }
    std::string text;
    for (const auto& [port, holders] : by_port) {
      if (!text.empty()) text += "; ";
      text += fmt::format("{} taken by {}", port, holders.front());
      for (std::size_t k = 1; k < holders.size() && k < 3; ++k) text += ", " + holders[k];
      if (holders.size() > 3) text += fmt::format(" (+{} more)", holders.size() - 3);
    }
    parts.push_back(fmt::format("{} port {}", n, text));
  }
  if (std::size_t n = count_of(reason::kSpread)) {
    parts.push_back(fmt::format("{} spread limit ({} full)", n, detail_list(spread_failures)));
  }
  if (std::size_t n = count_of(reason::kSpreadKey))
    parts.push_back(fmt::format("{} lack the spread key", n));
  if (std::size_t n = count_of(reason::kPinned))
    parts.push_back(fmt::format("{} not the pinned machine", n));
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
  // Said in words, because it changes what to do: waiting or adding room will not help.
  if (unresolvable && considered > 0)
    out += "; unresolvable: no machine here could take it even if empty";
  return out;
}

}  // namespace berth
