#include <catch2/catch.hpp>

#include "berth/constraint/glob.hpp"
#include "berth/constraint/metadata.hpp"

using namespace berth;

TEST_CASE("metadata requirements follow fleet's semantics plus operators", "[metadata]") {
  Metadata md = {{"role", {"api"}}, {"region", {"west", "us"}}, {"cpu", {"4"}}};
  CHECK(MetadataRequirement{"role", MetadataOp::In, {"api"}}.matches(md));
  CHECK(MetadataRequirement{"role", MetadataOp::In, {"web", "api"}}.matches(
      md));  // any of the values
  CHECK_FALSE(MetadataRequirement{"role", MetadataOp::In, {"web"}}.matches(md));
  CHECK(MetadataRequirement{"region", MetadataOp::In, {"us"}}.matches(
      md));  // machine has several values
  CHECK(MetadataRequirement{"role", MetadataOp::NotIn, {"network"}}.matches(md));
  CHECK_FALSE(MetadataRequirement{"role", MetadataOp::NotIn, {"api"}}.matches(md));
  CHECK(MetadataRequirement{"zone", MetadataOp::NotIn, {"a"}}.matches(md));  // absent key is not in
  CHECK(MetadataRequirement{"role", MetadataOp::Exists, {}}.matches(md));
  CHECK_FALSE(MetadataRequirement{"zone", MetadataOp::Exists, {}}.matches(md));
  CHECK(MetadataRequirement{"zone", MetadataOp::NotExists, {}}.matches(md));
  CHECK(MetadataRequirement{"cpu", MetadataOp::Gt, {"2"}}.matches(md));
  CHECK_FALSE(MetadataRequirement{"cpu", MetadataOp::Gt, {"4"}}.matches(md));
  CHECK(MetadataRequirement{"cpu", MetadataOp::Lt, {"8"}}.matches(md));
  CHECK_FALSE(MetadataRequirement{"role", MetadataOp::Gt, {"1"}}.matches(md));  // not numeric
  CHECK(MetadataRequirement{"role", MetadataOp::In, {"web"}}.describe_failure() == "role!=web");
  CHECK(MetadataRequirement{"cpu", MetadataOp::Gt, {"4"}}.describe_failure() == "cpu<=4");
}

TEST_CASE("operator names round-trip", "[metadata]") {
  for (auto op : {MetadataOp::In, MetadataOp::NotIn, MetadataOp::Exists, MetadataOp::NotExists,
                  MetadataOp::Gt, MetadataOp::Lt}) {
    MetadataOp parsed{};
    REQUIRE(parse_metadata_op(to_string(op), parsed));
    CHECK(parsed == op);
  }
  MetadataOp ignored{};
  CHECK_FALSE(parse_metadata_op("equals", ignored));
}

TEST_CASE("globs match unit names like fleet's Conflicts", "[glob]") {
  CHECK(glob_match("api@*", "api@1"));
  CHECK(glob_match("api@*", "api@"));
  CHECK_FALSE(glob_match("api@*", "api"));
  CHECK_FALSE(glob_match("api@*", "xapi@1"));
  CHECK(glob_match("deis-router@*.service", "deis-router@2.service"));
  CHECK(glob_match("web@?", "web@3"));
  CHECK_FALSE(glob_match("web@?", "web@10"));
  CHECK(glob_match("db-[ab]", "db-a"));
  CHECK_FALSE(glob_match("db-[ab]", "db-c"));
  CHECK(glob_match("db-[!ab]", "db-c"));
  CHECK(glob_match("n[0-9]", "n7"));
  CHECK(glob_match("*", "anything"));
  CHECK(glob_match("a*b*c", "aXXbYYc"));
  CHECK_FALSE(glob_match("a*b*c", "aXXbYY"));
  CHECK(glob_match("a\\*", "a*"));
  CHECK_FALSE(glob_match("a\\*", "ab"));
  CHECK(glob_match("[", "["));  // malformed class is literal
  CHECK(glob_is_literal("web"));
  CHECK_FALSE(glob_is_literal("web@*"));
  // No exponential blow-up on adversarial patterns.
  std::string name(200, 'a');
  CHECK_FALSE(glob_match("a*a*a*a*a*a*a*a*a*a*a*a*b", name));
}
