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
    case Kind::Near: what = fmt::format("near {}", fmt::join(near, ",")); break;
    case Kind::Spread: what = fmt::format("spread over {}", spread_key); break;
  }
  return fmt::format("{} ({:+})", what, weight);
}

}  // namespace berth
