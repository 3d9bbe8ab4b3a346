// Capacity plans on the public vector packing instances (../shared/data/vbp), one machine
// type = the bin: the plan must match the packing engine, and reach the proven optimum on
// these small instances.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "berth/pack/solve.hpp"
#include "berth/pack/vbp.hpp"
#include "berth/plan/capacity.hpp"
#include "plan_test_util.hpp"

namespace fs = std::filesystem;
using namespace berth;
using namespace berth::plan;

TEST_CASE("shared data: vbp instances as one machine type", "[plan][shared]") {
  struct Case {
    const char* path;
    std::size_t optimum;
  };
  const Case cases[] = {{"vbp/triplet/caprara/classC_60_3_2.vbp", 20},
                        {"vbp/triplet/caprara/classC_60_3_3.vbp", 20},
                        {"vbp/panigrahy/class1/class1_60_3_0.vbp", 17}};
  for (const Case& c : cases) {
    fs::path file = fs::path(BERTH_SHARED_DATA) / c.path;
    if (!fs::exists(file)) {
      WARN("skipped: " << file << " not found");
      continue;
    }
    INFO(c.path);
    pack::Instance inst = pack::load_vbp(file);
    Spec w;
    Catalogue cat;
    MachineType t;
    t.name = "bin";
    t.cost = 1000000;
    for (std::size_t d = 0; d < inst.dims; ++d)
      t.capacity.extended[fmt::format("d{}", d + 1)] = inst.capacity[d];
    cat.types.push_back(t);
    for (std::size_t i = 0; i < inst.item_count(); ++i) {
      Unit u;
      u.name = fmt::format("i{}", i + 1);
      for (std::size_t d = 0; d < inst.dims; ++d)
        u.requests.extended[fmt::format("d{}", d + 1)] = inst.item(i)[d];
      w.units.push_back(std::move(u));
    }
    CapacityOptions o;
    o.max_iterations = 2000;
    CapacityPlan plan = plan_capacity(w, cat, o);
    REQUIRE(plan.feasible);
    plan_test::check_places_everything(plan);
    pack::SolveOptions so;
    so.max_iterations = o.max_iterations;
    pack::SolveResult best = pack::solve(inst, pack::kDefaultStrategy, so);
    CHECK(plan.spec.machines.size() <= best.solution.bins);
    CHECK(plan.spec.machines.size() == c.optimum);
    CHECK(plan.lower_bound <= plan.cost);
    CHECK(plan.lower_bound >= static_cast<Micros>(best.lower_bound) * 1000000);
  }
}
