#include "berth/model/unit.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace berth {

std::string Preference::describe() const {
  std::string what;
  switch (kind) {
    case Kind::Metadata: {
      std::vector<std::string> parts;
      for (const auto& r : metadata) parts.push_back(r.describe());
      what = fmt::format("{}", fmt::join(parts, ", "));
      break;
    }
    case Kind::Near:
      what = fmt::format("near {}", fmt::join(near, ","));
      break;
    case Kind::Spread:
      what = fmt::format("spread over {}", spread_key);
      break;
  }
  return fmt::format("{} ({:+})", what, weight);
}

bool operator==(const Preference& a, const Preference& b) {
  if (a.kind != b.kind || a.weight != b.weight) return false;
  switch (a.kind) {
    case Preference::Kind::Metadata:
      return a.metadata == b.metadata;
    case Preference::Kind::Near:
      return a.near == b.near;
    case Preference::Kind::Spread:
      return a.spread_key == b.spread_key;
  }
  return true;
}

}  // namespace berth
