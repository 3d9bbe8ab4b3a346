// Online strategy names (place/strategy.hpp); what each strategy chooses is in place_test.cpp.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "berth/error.hpp"
#include "berth/place/strategy.hpp"

using namespace berth;

TEST_CASE("strategy names round-trip in documentation order", "[place][strategy]") {
  CHECK(strategy_names() ==
        std::vector<std::string>{"least-loaded", "first-fit", "best-fit", "spread", "dot-product"});
  for (const std::string& name : strategy_names()) CHECK(to_string(parse_strategy(name)) == name);
  CHECK(parse_strategy("least-loaded") == StrategyKind::LeastLoaded);
  CHECK(parse_strategy("first-fit") == StrategyKind::FirstFit);
  CHECK(parse_strategy("best-fit") == StrategyKind::BestFit);
  CHECK(parse_strategy("spread") == StrategyKind::Spread);
  CHECK(parse_strategy("dot-product") == StrategyKind::DotProduct);
}

TEST_CASE("an unknown strategy is usage error 302 with the list and a hint", "[place][strategy]") {
  try {
    parse_strategy("spraed");
    FAIL("no error");
  } catch (const UsageError& e) {
    CHECK(e.code() == 302);
    CHECK(e.id() == "[berth.usage.302]");
    CHECK_THAT(e.what(),
               Catch::Contains("unknown strategy \"spraed\"") &&
                   Catch::Contains("did you mean \"spread\"") &&
                   Catch::Contains("least-loaded, first-fit, best-fit, spread, dot-product"));
  }
  // Names are exact: no case folding, no hint for something unlike every name.
  CHECK_THROWS_AS(parse_strategy("Spread"), UsageError);
  try {
    parse_strategy("zzzzzzzzzz");
    FAIL("no error");
  } catch (const UsageError& e) {
    CHECK_THAT(e.what(), !Catch::Contains("did you mean"));
  }
}
