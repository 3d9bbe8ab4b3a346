#include "berth/constraint/metadata.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <cstdint>

namespace berth {
namespace {

bool parse_int(const std::string& s, std::int64_t& out) {
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  if (begin != end && *begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, out);
  return ec == std::errc() && ptr == end && begin != end;
}

/// Values as people read them; an empty value is shown as "" rather than vanishing.
std::string shown(const std::string& v) { return v.empty() ? std::string("\"\"") : v; }

bool has_value(const std::vector<std::string>& have, const std::vector<std::string>& wanted) {
  for (const auto& w : wanted) {
    for (const auto& h : have) {
      if (h == w) return true;
    }
  }
  return false;
}

}  // namespace

bool MetadataRequirement::matches(const Metadata& metadata) const {
  auto it = metadata.find(key);
  const bool present = it != metadata.end() && !it->second.empty();
  switch (op) {
    case MetadataOp::In:
      return present && has_value(it->second, values);
    case MetadataOp::NotIn:
      return !present || !has_value(it->second, values);
    case MetadataOp::Exists:
      return present;
    case MetadataOp::NotExists:
      return !present;
    case MetadataOp::Gt:
    case MetadataOp::Lt: {
      std::int64_t bound = 0;
      if (!present || values.empty() || !parse_int(values.front(), bound)) return false;
      // A key with several values matches when any of them does (fleet's OR within a key).
      for (const auto& v : it->second) {
        std::int64_t have = 0;
        if (!parse_int(v, have)) continue;
        if (op == MetadataOp::Gt ? have > bound : have < bound) return true;
      }
      return false;
    }
  }
  return false;
}

std::string MetadataRequirement::describe() const {
  switch (op) {
    case MetadataOp::In:
      return values.size() == 1 ? fmt::format("{}={}", key, shown(values.front()))
                                : fmt::format("{} in ({})", key, fmt::join(values, ","));
    case MetadataOp::NotIn:
      return values.size() == 1 ? fmt::format("{}!={}", key, shown(values.front()))
                                : fmt::format("{} not in ({})", key, fmt::join(values, ","));
    case MetadataOp::Exists:
      return fmt::format("has {}", key);
    case MetadataOp::NotExists:
      return fmt::format("no {}", key);
    case MetadataOp::Gt:
      return fmt::format("{}>{}", key, values.empty() ? "" : values.front());
    case MetadataOp::Lt:
      return fmt::format("{}<{}", key, values.empty() ? "" : values.front());
  }
  return key;
}

std::string MetadataRequirement::describe_failure() const {
  switch (op) {
    case MetadataOp::In:
      return values.size() == 1 ? fmt::format("{}!={}", key, shown(values.front()))
                                : fmt::format("{} not in ({})", key, fmt::join(values, ","));
    case MetadataOp::NotIn:
      return values.size() == 1 ? fmt::format("{}={}", key, shown(values.front()))
                                : fmt::format("{} in ({})", key, fmt::join(values, ","));
    case MetadataOp::Exists:
      return fmt::format("no {}", key);
    case MetadataOp::NotExists:
      return fmt::format("has {}", key);
    case MetadataOp::Gt:
      return fmt::format("{}<={}", key, values.empty() ? "" : values.front());
    case MetadataOp::Lt:
      return fmt::format("{}>={}", key, values.empty() ? "" : values.front());
  }
  return key;
}

const char* to_string(MetadataOp op) {
  switch (op) {
    case MetadataOp::In:
      return "in";
    case MetadataOp::NotIn:
      return "not_in";
    case MetadataOp::Exists:
      return "exists";
    case MetadataOp::NotExists:
      return "not_exists";
    case MetadataOp::Gt:
      return "gt";
    case MetadataOp::Lt:
      return "lt";
  }
  return "in";
}

bool parse_metadata_op(const std::string& name, MetadataOp& out) {
  static const std::pair<const char*, MetadataOp> kOps[] = {
      {"in", MetadataOp::In},         {"not_in", MetadataOp::NotIn},
      {"exists", MetadataOp::Exists}, {"not_exists", MetadataOp::NotExists},
      {"gt", MetadataOp::Gt},         {"lt", MetadataOp::Lt}};
  for (const auto& [n, op] : kOps) {
    if (name == n) {
      out = op;
      return true;
    }
  }
  return false;
}

}  // namespace berth
