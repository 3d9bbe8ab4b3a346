// The min-cost-flow assignment (place/flow.hpp).
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>

#include "berth/place/batch.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/flow.hpp"
#include "berth/place/place.hpp"
#include "support/builders.hpp"
#include "support/invariants.hpp"

using namespace berth;
using testing::kGi;

namespace {

// `machines` machines of `machine_cpu` millicores and 8 GiB; one unit `web` of `units`
// replicas, each `unit_cpu` millicores and 1 GiB.
Spec uniform_cluster(int machines, std::int64_t machine_cpu, int units, std::int64_t unit_cpu) {
  Spec spec;
  for (int i = 1; i <= machines; ++i)
    spec.machines.push_back(testing::machine(fmt::format("m{}", i), machine_cpu, 8 * kGi));
  spec.units.push_back(testing::unit("web", unit_cpu, kGi, units));
  return spec;
}

}  // namespace

TEST_CASE("the flow plans types onto classes and the placer verifies anti-affinity",
          "[place][batch][flow]") {
  Spec spec = uniform_cluster(2, 4000, 3, 1000);
  spec.units[0].constraints.conflicts = {"web@*"};
  Cluster cluster = Cluster::build(spec);
  std::vector<GroupId> groups;
  for (GroupId g = 0; g < cluster.group_count(); ++g) groups.push_back(g);
  FlowStats stats;
  std::vector<MachineId> plan = flow_assignment(cluster, groups, &stats);
  CHECK(stats.types == 1);
  CHECK(stats.routed == 2);  // one per machine: the self-conflict is expressible
  CHECK(stats.unscheduled == 1);
  CHECK(std::count(plan.begin(), plan.end(), kNone) == 1);

  PlacementResult r = place(spec, place_options_for("flow"));
  REQUIRE(r.pending.size() == 1);
  CHECK(r.pending[0].diagnosis.rejections.at("conflict") == 2);
  CHECK(testing::check_placement(spec, r).empty());
}
