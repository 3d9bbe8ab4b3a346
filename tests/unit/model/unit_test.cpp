// A unit and its constraints (model/unit.hpp): preferences' text and comparison.
#include "berth/model/unit.hpp"

#include <catch2/catch.hpp>

#include "support/builders.hpp"

using namespace berth;

TEST_CASE("a preference describes itself with its signed weight", "[model][unit]") {
  Preference zone;
  zone.metadata = {MetadataRequirement{"zone", MetadataOp::In, {"a"}}};
  zone.weight = 50;
  CHECK(zone.describe() == "zone=a (+50)");
  zone.metadata.push_back(MetadataRequirement{"disk", MetadataOp::Exists, {}});
  zone.weight = -20;
  CHECK(zone.describe() == "zone=a, " + zone.metadata[1].describe() + " (-20)");
  Preference near;
  near.kind = Preference::Kind::Near;
  near.near = {"db*", "cache"};
  near.weight = 20;
  CHECK(near.describe() == "near db*,cache (+20)");
  Preference spread;
  spread.kind = Preference::Kind::Spread;
  spread.spread_key = "zone";
  spread.weight = 10;
  CHECK(spread.describe() == "spread over zone (+10)");
}

TEST_CASE("a preference compares by the field its kind uses") {
  Preference a;
  a.kind = Preference::Kind::Near;
  a.near = {"db*"};
  Preference b = a;
  b.metadata = {MetadataRequirement{"zone", MetadataOp::In, {"a"}}};  // meaningless for Near
  CHECK(a == b);
  b.near = {"web*"};
  CHECK(a != b);
  b = a;
  b.weight = -a.weight;
  CHECK(a != b);
}

TEST_CASE("units compare field by field, constraints included", "[model][unit]") {
  const Unit a = testing::unit("web", 500, testing::kGi, 3);
  Unit b = a;
  CHECK(a == b);
  b.replicas.reset();  // one instance named `web` is not three
  CHECK(a != b);
  b = a;
  b.constraints.ports.push_back(HostPort{80, PortProtocol::Tcp});
  CHECK(a != b);
  b = a;
  b.constraints.spread = SpreadConstraint{"zone", 1};
  CHECK(a != b);
  Unit c = b;
  c.constraints.spread->max_skew = 2;
  CHECK(b != c);
  b = a;
  b.constraints.tolerations.push_back(Toleration{});
  CHECK(a != b);
  b = a;
  b.priority = 1;
  CHECK(a != b);
  // An absent extended resource and one of zero are the same request (Resources' rule).
  b = a;
  b.requests.extended["gpu"] = 0;
  CHECK(a == b);
}
