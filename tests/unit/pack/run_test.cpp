// What berth pack does with a request (pack/run.hpp): checks, runs, and the JSON it prints.
#include "berth/pack/run.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>

#include "berth/error.hpp"
#include "berth/pack/solve.hpp"
#include "berth/pack/vbp.hpp"

using namespace berth;
using namespace berth::pack;

namespace {

// One dimension, bins of 10, items 6, 5, 4: two bins (6+4, 5), and the continuous bound
// ceil(15/10) = 2 proves it.
Instance three_items() { return parse_vbp("1\n10\n3\n6 1\n5 1\n4 1\n"); }

PackRequest request(const std::string& strategy) {
  PackRequest r;
  r.strategy = strategy;
  r.iterations = 1000;  // deterministic: no clock
  return r;
}

int usage_code(const PackRequest& r) {
  try {
    check_pack_request(r);
  } catch (const UsageError& e) {
    return e.code();
  }
  return 0;
}

}  // namespace

TEST_CASE("pack requests: time limits and strategy names are checked first", "[pack][run]") {
  CHECK(usage_code(request("search")) == 0);
  CHECK(usage_code(request("all")) == 0);
  CHECK(usage_code(request("nope")) == 350);
  PackRequest r = request("search");
  r.time_limit = -1;
  CHECK(usage_code(r) == 353);
  r.time_limit = std::nan("");
  CHECK(usage_code(r) == 353);
  r.time_limit = 0;
  CHECK(usage_code(r) == 0);
  // run_pack checks the request before the instance.
  Instance bad = three_items();
  bad.sizes[0] = 11;
  CHECK_THROWS_AS(run_pack(bad, request("nope")), UsageError);
  CHECK_THROWS_AS(run_pack(bad, request("search")), ValidationError);
}

TEST_CASE("pack runs: one strategy, every strategy, or exact mode", "[pack][run]") {
  const Instance in = three_items();
  const auto one = run_pack(in, request("ffd-max"));
  REQUIRE(one.size() == 1);
  CHECK(one[0].strategy == "ffd-max");
  CHECK(one[0].solution.bins == 2);
  CHECK(one[0].lower_bound == 2);
  CHECK(one[0].proven);
  CHECK(one[0].gap == 0.0);
  const auto all = run_pack(in, request("all"));
  REQUIRE(all.size() == strategy_names().size());
  for (std::size_t k = 0; k < all.size(); ++k) {
    CHECK(all[k].strategy == strategy_names()[k]);
    CHECK(all[k].solution.bins == 2);
  }
  PackRequest exact = request("search");
  exact.exact = true;
  const auto proved = run_pack(in, exact);
  REQUIRE(proved.size() == 1);
  CHECK(proved[0].strategy == "exact");
  CHECK(proved[0].solution.bins == 2);
  CHECK(proved[0].proven);
}

TEST_CASE("pack JSON: an array for all, else one object with its strategy", "[pack][run]") {
  const Instance in = three_items();
  const PackRequest one = request("ffd-max");
  const nlohmann::json j = pack_to_json(run_pack(in, one), one);
  REQUIRE(j.is_object());
  CHECK(j["strategy"] == "ffd-max");
  CHECK(j["bins"] == 2);
  CHECK(j["lower_bound"] == 2);
  CHECK(j["proven_optimal"] == true);
  CHECK(j["gap"] == 0.0);
  REQUIRE(j["assignment"].size() == 3);
  // 6 and 4 share a bin; 5 is alone.
  CHECK(j["assignment"][0] == j["assignment"][2]);
  CHECK(j["assignment"][0] != j["assignment"][1]);
  CHECK(j.contains("seconds"));
  const PackRequest every = request("all");
  const nlohmann::json a = pack_to_json(run_pack(in, every), every);
  REQUIRE(a.is_array());
  CHECK(a.size() == strategy_names().size());
  CHECK(a[0]["strategy"] == strategy_names()[0]);
  PackRequest exact = every;
  exact.exact = true;
  CHECK(pack_to_json(run_pack(in, exact), exact).is_object());  // exact: one answer
}
