#include <catch2/catch.hpp>

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
