// Packing quality of a placement and strategies side by side (place/compare.hpp).
#include <catch2/catch.hpp>

#include "berth/error.hpp"
#include "berth/place/batch.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/compare.hpp"
#include "berth/place/place.hpp"
#include "support/builders.hpp"

using namespace berth;
using testing::kGi;

TEST_CASE("measure_placement counts machines, utilization and stranded capacity",
          "[place][compare]") {
  // One 4-CPU/8-GiB machine full in memory with 3 CPUs free: nothing else fits, so its free
  // CPU is stranded.
  Spec spec;
  spec.machines = {testing::machine("m1", 4000, 8 * kGi), testing::machine("m2", 4000, 8 * kGi)};
  spec.units.push_back(testing::unit("web", 1000, 8 * kGi, 1));
  Unit small = testing::unit("small", 100, kGi);
  small.constraints.machine_id = "m2";
  spec.units.push_back(small);
  Cluster cluster = Cluster::build(spec);
  place_on(spec, cluster, place_options_for("ffd-max"));
  PlacementMetrics m = measure_placement(cluster);
  CHECK(m.placed == 2);
  CHECK(m.machines_used == 2);
  REQUIRE(m.dimensions.size() == 2);
  CHECK(m.dimensions[0].name == "cpu");
  CHECK(m.dimensions[0].stranded == 3000);  // m1 only: m2 still fits `small`
  CHECK(m.dimensions[0].peak_utilization == Approx(0.25));
  CHECK(m.dimensions[1].peak_utilization == Approx(1.0));
  auto rows = compare_strategies(spec, {"best-fit", "flow"});
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].strategy == "flow");
  CHECK(rows[1].pending == 0);
}

TEST_CASE("compare_strategies measures each named strategy and refuses unknown names",
          "[place][compare]") {
  // m1 and m2: 4 cpu, 8 GiB each. small (100m, 1 GiB) is pinned to m2, so web (1 cpu, 8 GiB)
  // only fits on m1, whatever the strategy.
  Spec spec;
  spec.machines = {testing::machine("m1", 4000, 8 * kGi), testing::machine("m2", 4000, 8 * kGi)};
  spec.units.push_back(testing::unit("web", 1000, 8 * kGi));
  Unit small = testing::unit("small", 100, kGi);
  small.constraints.machine_id = "m2";
  spec.units.push_back(small);
  const auto rows = compare_strategies(spec, {"first-fit", "spread"});
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].strategy == "first-fit");
  CHECK(rows[1].strategy == "spread");
  for (const PlacementMetrics& m : rows) {
    INFO(m.strategy);
    CHECK(m.instances == 2);
    CHECK(m.placed == 2);
    CHECK(m.pending == 0);
    CHECK(m.machines_up == 2);
    CHECK(m.machines_used == 2);
    REQUIRE(m.dimensions.size() == 2);
    CHECK(m.dimensions[0].allocatable == 8000);
    CHECK(m.dimensions[1].name == "memory");
    CHECK(m.dimensions[1].allocatable == 16 * kGi);
    // cpu: m1 1000/4000, m2 100/4000; memory: m1 full, m2 1/8.
    CHECK(m.dimensions[0].mean_utilization == Approx((0.25 + 0.025) / 2));
    CHECK(m.dimensions[1].mean_utilization == Approx((1.0 + 0.125) / 2));
    // m1's 3 free cpus are stranded (no unit fits in 0 bytes); m2 still fits small.
    CHECK(m.dimensions[0].stranded == 3000);
    CHECK(m.dimensions[0].stranded_fraction == Approx(3000.0 / 8000.0));
    CHECK(m.dimensions[1].stranded == 0);
  }
  try {
    compare_strategies(spec, {"first-fit", "best_fit"});
    FAIL("no error");
  } catch (const UsageError& e) {
    CHECK(e.code() == 302);
    CHECK_THAT(e.what(), Catch::Contains("best_fit"));
  }
}
