#include "berth/fleet/unit_name.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "berth/error.hpp"

namespace berth::fleet {

std::string UnitName::template_name() const {
  return has_at ? prefix + "@" + suffix : std::string();
}

const std::vector<std::string>& unit_suffixes() {
  static const std::vector<std::string> kSuffixes = {".service",   ".socket", ".device", ".mount",
                                                     ".automount", ".swap",   ".target", ".path",
                                                     ".timer",     ".slice",  ".scope"};
  return kSuffixes;
}

std::optional<UnitName> parse_unit_name(std::string_view full) {
  const auto dot = full.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const auto suffix = full.substr(dot);
  bool known = false;
  for (const auto& s : unit_suffixes()) known = known || s == suffix;
  if (!known || full.find('/') != std::string_view::npos) return std::nullopt;
  UnitName u;
  u.full = std::string(full);
  u.name = std::string(full.substr(0, dot));
  u.suffix = std::string(suffix);
  const auto at = u.name.find('@');
  u.has_at = at != std::string::npos;
  u.prefix = u.has_at ? u.name.substr(0, at) : u.name;
  u.instance = u.has_at ? u.name.substr(at + 1) : std::string();
  if (u.prefix.empty()) return std::nullopt;
  return u;
}

std::string expand_specifiers(std::string_view value, const UnitName& unit) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%' || i + 1 >= value.size()) {
      out += value[i];
      continue;
    }
    switch (value[i + 1]) {
      case 'n':
        out += unit.full;
        break;
      case 'N':
        out += unit.name;
        break;
      case 'p':
        out += unit.prefix;
        break;
      case 'i':
        out += unit.instance;
        break;
      case '%':
        out += '%';
        break;
      default:
        out += value.substr(i, 2);
        break;  // fleet leaves other specifiers alone
    }
    ++i;
  }
  return out;
}

std::vector<std::string> unknown_specifiers(std::string_view value) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i + 1 < value.size(); ++i) {
    if (value[i] != '%') continue;
    const char c = value[i + 1];
    if (c != 'n' && c != 'N' && c != 'p' && c != 'i' && c != '%')
      out.push_back(fmt::format("%{}", c));
    ++i;
  }
  return out;
}

bool has_range(std::string_view arg) {
  const auto open = arg.find('{');
  return open != std::string_view::npos && arg.find('}', open) != std::string_view::npos;
}

namespace {

constexpr long kMaxRange = 100000;

[[noreturn]] void bad_range(std::string_view arg, const std::string& why) {
  throw ParseError(127, SourceLocation{std::string(arg), 0, 0},
                   fmt::format("expected a range like web@{{1..10}}.service: {}", why));
}

bool parse_long(std::string_view s, long& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

}  // namespace

std::vector<std::string> expand_range(std::string_view arg) {
  const auto open = arg.find('{');
  if (open == std::string_view::npos) return {std::string(arg)};
  const auto close = arg.find('}', open);
  if (close == std::string_view::npos) bad_range(arg, "'{' is not closed");
  const auto head = arg.substr(0, open);
  const auto tail = arg.substr(close + 1);
  const auto body = arg.substr(open + 1, close - open - 1);
  if (tail.find('{') != std::string_view::npos) bad_range(arg, "only one {...} group is supported");
  std::vector<std::string> items;
  const auto dots = body.find("..");
  if (dots != std::string_view::npos) {
    const auto a = body.substr(0, dots);
    const auto b = body.substr(dots + 2);
    long from = 0;
    long to = 0;
    if (!parse_long(a, from) || !parse_long(b, to) || from < 0 || to < 0) {
      bad_range(arg, fmt::format("\"{}\" is not FROM..TO with whole numbers", body));
    }
    if (std::abs(to - from) >= kMaxRange) bad_range(arg, "more than 100000 instances");
    // bash pads to the wider bound when either bound has a leading zero ({01..10}).
    const bool pad = (a.size() > 1 && a.front() == '0') || (b.size() > 1 && b.front() == '0');
    const std::size_t width = pad ? std::max(a.size(), b.size()) : 0;
    const long step = from <= to ? 1 : -1;
    for (long v = from;; v += step) {
      items.push_back(fmt::format("{:0{}}", v, width));
      if (v == to) break;
    }
  } else if (body.find(',') != std::string_view::npos) {
    std::size_t start = 0;
    while (true) {
      const auto comma = body.find(',', start);
      items.emplace_back(body.substr(
          start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  } else {
    bad_range(arg, fmt::format("\"{{{}}}\" has neither '..' nor ','", body));
  }
  std::vector<std::string> out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(fmt::format("{}{}{}", head, item, tail));
  return out;
}

}  // namespace berth::fleet
