// Disruption budgets (ops/budget.hpp): parsing, services, and the table the operations read.
#include "berth/ops/budget.hpp"

#include <catch2/catch.hpp>

#include "berth/error.hpp"
#include "ops_test_util.hpp"

using namespace berth;
using namespace berth::ops;
using namespace berth::ops::test;

TEST_CASE("budgets are per service: fleet's template instances form one", "[ops][drain]") {
  CHECK(service_name("api@1.service") == "api@.service");
  CHECK(service_name("api@.service") == "api@.service");
  CHECK(service_name("web") == "web");
  CHECK(service_name("db.service") == "db.service");
  Spec s;
  s.machines = {machine("m1", 8)};
  s.units = {unit("api@1.service", 64), unit("api@2.service", 64), unit("api@3.service", 64),
             unit("web", 64, 0, 2)};
  const Cluster c = Cluster::build(s);
  const BudgetTable t(c, {parse_budget("api@*:min_available=2")});
  const UnitId a1 = c.instance(c.find_instance("api@1.service")).unit;
  const UnitId a3 = c.instance(c.find_instance("api@3.service")).unit;
  CHECK(t.service(a1) == t.service(a3));
  CHECK(t.instances(a1) == 3);
  CHECK(t.allowed_down(a1) == 1);  // 3 instances, at least 2 up
  CHECK(t.allowed_to_stop(a1) == 1);
  const UnitId web = c.instance(c.find_instance("web@1")).unit;
  CHECK(t.allowed_down(web) == kUnlimited);
  CHECK(t.allowed_to_stop(web) == 1);  // replicated, unbudgeted: one at a time
  CHECK_THROWS_WITH(check_budget_units(c, {parse_budget("wbe=1")}),
                    "[berth.usage.365] --budget wbe:max_unavailable=1: \"wbe\" names no unit; did "
                    "you mean \"web\"?");
  CHECK_NOTHROW(check_budget_units(c, {parse_budget("api@*=1")}));
}

TEST_CASE("budgets parse in three forms and reject nonsense", "[ops][drain]") {
  CHECK(parse_budget("web=2").max_unavailable == 2);
  CHECK(parse_budget("web:max_unavailable=0").max_unavailable == 0);
  DisruptionBudget b = parse_budget("db-*:min_available=3");
  CHECK(b.units == "db-*");
  CHECK(b.min_available == 3);
  CHECK_FALSE(b.max_unavailable);
  CHECK_THROWS_AS(parse_budget("web"), UsageError);
  CHECK_THROWS_AS(parse_budget("web=-1"), UsageError);
  CHECK_THROWS_AS(parse_budget("web:most=1"), UsageError);
  CHECK_THROWS_WITH(parse_budget("=1"),
                    Catch::Contains("berth.usage_error.360") || Catch::Contains("360"));
}

TEST_CASE("the tightest matching budget wins", "[ops][drain]") {
  Spec s;
  s.machines = {machine("m1", 8)};
  s.units = {unit("web", 1024, 0, 3), unit("db", 2048)};
  const Cluster c = Cluster::build(s);
  const BudgetTable t(
      c, {parse_budget("*=2"), parse_budget("web:min_available=3"), parse_budget("db=5")});
  const UnitId web = c.instance(c.find_instance("web@1")).unit;
  const UnitId db = c.instance(c.find_instance("db")).unit;
  CHECK(t.allowed_down(web) == 0);
  CHECK(t.allowed_down(db) == 2);
  CHECK(t.instances(web) == 3);
}

TEST_CASE("a budget prints as the text that parses back to it", "[ops][budget]") {
  CHECK(to_string(parse_budget("web=2")) == "web:max_unavailable=2");
  CHECK(to_string(parse_budget("db-*:min_available=3")) == "db-*:min_available=3");
  for (const char* text : {"web:max_unavailable=0", "*:min_available=1"})
    CHECK(parse_budget(to_string(parse_budget(text))) == parse_budget(text));
  CHECK(to_string(DisruptionBudget{}) == "*:unlimited");
}

TEST_CASE("the budget table names its source and counts what is down now", "[ops][budget]") {
  // web x3 with only web@1 placed: two instances are down (pending) before anything moves.
  Spec s;
  s.machines = {machine("m1", 8)};
  s.units = {unit("web", 1024, 0, 3), unit("db", 2048), unit("solo", 64)};
  s.placements = {{"web@1", "m1"}, {"db", "m1"}, {"solo", "m1"}};
  const Cluster c = Cluster::build(s);
  const BudgetTable t(c, {parse_budget("*=2"), parse_budget("web:min_available=2")});
  const UnitId web = c.instance(c.find_instance("web@1")).unit;
  const UnitId db = c.instance(c.find_instance("db")).unit;
  CHECK(t.service_count() == 3);
  CHECK(t.service_name(t.service(web)) == "web");
  // web: 3 instances, at least 2 up: one may be down; the tighter of the two budgets.
  CHECK(t.allowed_down(web) == 1);
  CHECK(t.source(web) == "web:min_available=2");
  CHECK(t.allowed_down(db) == 2);
  CHECK(t.source(db) == "*:max_unavailable=2");
  const std::vector<std::int64_t> down = t.down_now(c);
  REQUIRE(down.size() == 3);
  CHECK(down[t.service(web)] == 2);
  CHECK(down[t.service(db)] == 0);
  // No budget: a singleton may not stop (0), a replicated service one at a time.
  const BudgetTable none(c, {});
  const UnitId solo = c.instance(c.find_instance("solo")).unit;
  CHECK(none.source(solo).empty());
  CHECK(none.allowed_down(solo) == kUnlimited);
  CHECK(none.allowed_to_stop(solo) == 0);
  CHECK(none.allowed_to_stop(web) == 1);
}
