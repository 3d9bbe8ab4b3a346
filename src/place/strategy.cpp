#include "berth/place/strategy.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "berth/did_you_mean.hpp"
#include "berth/error.hpp"

namespace berth {

const char* to_string(StrategyKind s) {
  switch (s) {
    case StrategyKind::LeastLoaded:
      return "least-loaded";
    case StrategyKind::FirstFit:
      return "first-fit";
    case StrategyKind::BestFit:
      return "best-fit";
    case StrategyKind::Spread:
      return "spread";
    case StrategyKind::DotProduct:
      return "dot-product";
  }
  return "best-fit";
}

const std::vector<std::string>& strategy_names() {
  static const std::vector<std::string> names = {"least-loaded", "first-fit", "best-fit", "spread",
                                                 "dot-product"};
  return names;
}

StrategyKind parse_strategy(const std::string& name) {
  for (auto s : {StrategyKind::LeastLoaded, StrategyKind::FirstFit, StrategyKind::BestFit,
                 StrategyKind::Spread, StrategyKind::DotProduct}) {
    if (name == to_string(s)) return s;
  }
  std::string hint = did_you_mean(name, strategy_names());
  throw UsageError(302, fmt::format("unknown strategy \"{}\"{} (expected one of: {})", name,
                                    hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint),
                                    fmt::join(strategy_names(), ", ")));
}

}  // namespace berth
