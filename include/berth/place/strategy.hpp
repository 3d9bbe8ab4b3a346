#pragma once
/// \file Placement strategies: how to rank the machines that passed every filter.
#include <string>
#include <vector>

#include "berth/export.hpp"

namespace berth {

enum class StrategyKind {
  LeastLoaded,  ///< fewest units on the machine: fleet's behaviour, kept as the baseline
  FirstFit,     ///< the first machine (in name order) that fits
  BestFit,      ///< the most allocated machine after placement (packs tightly)
  Spread,       ///< the least allocated machine after placement (balances load)
  DotProduct,   ///< the machine whose free vector best aligns with the demand (Panigrahy et al.)
};

/// Names as the CLI takes them: least-loaded, first-fit, best-fit, spread, dot-product.
BERTH_API const char* to_string(StrategyKind s);
/// Throws UsageError (302) with the list of strategies (and a did-you-mean) when unknown.
BERTH_API StrategyKind parse_strategy(const std::string& name);
/// Every strategy name, in documentation order.
BERTH_API const std::vector<std::string>& strategy_names();

}  // namespace berth
