#include "berth/plan/whatif.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "berth/error.hpp"
#include "berth/plan/whatif_report.hpp"
#include "plan_test_util.hpp"

using namespace berth;
using namespace berth::plan;
using namespace plan_test;

namespace {

/// Three machines of 2 cpu / 4 GiB, web x4 (500m, 1 GiB) placed two per machine on m1, m2.
Spec small_cluster() {
  Spec s;
  for (const char* n : {"m1", "m2", "m3"}) {
    Machine m;
    m.name = n;
    m.capacity = res(2000, 4096);
    m.metadata["zone"] = {std::string(n) == "m3" ? "b" : "a"};
    s.machines.push_back(m);
  }
  s.units = {unit("web", 4, 500, 1024), unit("db", 1, 1500, 2048)};
  s.placements = {
      {"web@1", "m1"}, {"web@2", "m1"}, {"web@3", "m2"}, {"web@4", "m2"}, {"db@1", "m3"}};
  return s;
}

}  // namespace

TEST_CASE("whatif: nothing changes, everything fits", "[plan][whatif]") {
  WhatIfResult r = what_if(small_cluster(), WhatIf{});
  CHECK(r.fits());
  CHECK(r.evicted.empty());
  CHECK(r.after.placements == r.before.placements);
}

TEST_CASE("whatif: removing a machine moves its units and keeps the rest", "[plan][whatif]") {
  WhatIf w;
  w.remove = {"m1"};
  WhatIfResult r = what_if(small_cluster(), w);
  CHECK(r.fits());
  CHECK(r.evicted == std::vector<std::string>{"web@1", "web@2"});
  CHECK(r.moved.size() == 2);
  CHECK(r.after.placements.at("web@3") == "m2");
  CHECK(r.after.placements.at("db@1") == "m3");
  for (const auto& [inst, m] : r.after.placements) CHECK(m != "m1");
}

TEST_CASE("whatif: removing too much says what stops fitting and why", "[plan][whatif]") {
  WhatIf w;
  w.remove = {"m1", "m2"};
  WhatIfResult r = what_if(small_cluster(), w);
  CHECK_FALSE(r.fits());
  // m3 has 500m cpu left after db: one web fits, three do not.
  CHECK(r.newly_pending.size() == 3);
  CHECK(r.newly_pending.front().summary().find("short of cpu") != std::string::npos);
  ClusterReport after = report_after(r, nullptr);
  nlohmann::json j = whatif_to_json(r, after);
  CHECK(j["fits"] == false);
  CHECK(j["stops_fitting"].size() == 3);
  CHECK(j["stops_fitting"][0].contains("rejections"));
  std::string text = format_whatif_text(r, after);
  CHECK(text.find("3 stop fitting") != std::string::npos);
  CHECK(whatif_html(r, after).find("id=\"stops\"") != std::string::npos);
}

TEST_CASE("whatif: growing a service and adding machines", "[plan][whatif]") {
  WhatIf grow;
  grow.grow.push_back(WhatIf::parse_grow("web=+6"));
  WhatIfResult r = what_if(small_cluster(), grow);
  // 10 web x 500m + 1.5 db = 6.5 cpu > 6: some stop fitting.
  CHECK_FALSE(r.fits());
  CHECK(r.after_spec.units[0].replicas == 10);
  CHECK(r.evicted.empty());

  Catalogue cat;
  cat.types = {type("big", 4000, 8192, 100000)};
  grow.add.push_back(WhatIf::parse_add("big=1"));
  WhatIfResult r2 = what_if(small_cluster(), grow, &cat);
  CHECK(r2.fits());
  CHECK(r2.machine_type.at("big-new-1") == "big");
  // Existing instances stayed put.
  for (const auto& [inst, m] : small_cluster().placements) CHECK(r2.after.placements.at(inst) == m);

  // Copying an existing machine works without a catalogue.
  WhatIf copy;
  copy.grow.push_back(WhatIf::parse_grow("web=+6"));
  copy.add.push_back(WhatIf::parse_add("m3=1"));
  CHECK(what_if(small_cluster(), copy).fits());

  // Shrinking drops the highest replicas.
  WhatIf shrink;
  shrink.grow.push_back(WhatIf::parse_grow("web=2"));
  WhatIfResult r3 = what_if(small_cluster(), shrink);
  CHECK(r3.fits());
  CHECK(r3.after.placements.count("web@3") == 0);
  CHECK(r3.after.placements.at("web@2") == "m1");
}

TEST_CASE("whatif: raised requests evict what no longer fits, by priority then name",
          "[plan][whatif]") {
  WhatIf w;
  w.scale.push_back(WhatIf::parse_scale("web=100%"));
  WhatIfResult r = what_if(small_cluster(), w);
  // web becomes 1 cpu / 2 GiB: m1 and m2 each still hold two; m3 has room for none (db 1.5).
  CHECK(r.fits());
  CHECK(r.evicted.empty());
  WhatIf more;
  more.scale.push_back(WhatIf::parse_scale("+150%"));
  WhatIfResult r2 = what_if(small_cluster(), more);
  // web 1.25 cpu: one per machine; db 3.75 cpu fits nowhere.
  CHECK_FALSE(r2.fits());
  CHECK(std::find(r2.evicted.begin(), r2.evicted.end(), "web@2") != r2.evicted.end());
  CHECK(r2.after.placements.at("web@1") == "m1");
  for (const auto& [inst, m] : r2.after.placements) {
    (void)inst;
    CHECK(m != "");
  }
  CHECK(scale_resources(res(1000, 1), 20).cpu == 1200);
  CHECK(scale_resources(res(1, 1), 20).cpu == 2);  // rounded up
  CHECK(scale_resources(res(1000, 1), -50).cpu == 500);
}

// The scaled requests are decided on the compiled `after` cluster, which is built as place()
// builds (not strict unless asked): a unit that contradicts itself is pending and unresolvable
// there, as with every other change. Raised requests used to compile a strict probe of their
// own, so the same spec answered `--grow` and failed `--scale-requests` with invalid.241.
TEST_CASE("whatif: raised requests answer for a spec with an unresolvable unit", "[plan][whatif]") {
  Spec s = small_cluster();
  Unit side = unit("side", 1, 100, 100);
  side.replicas.reset();
  side.constraints.machine_of = "nothere";
  s.units.push_back(side);
  WhatIf w;
  w.scale.push_back(WhatIf::parse_scale("+150%"));
  WhatIfResult r = what_if(s, w);
  REQUIRE(r.still_pending.size() == 1);
  CHECK(r.still_pending[0].unit == "side");
  CHECK(r.still_pending[0].diagnosis.unresolvable);
  CHECK(std::find(r.evicted.begin(), r.evicted.end(), "web@2") != r.evicted.end());
  PlaceOptions strict;
  strict.strict = true;
  CHECK_THROWS_AS(what_if(s, w, nullptr, strict), ValidationError);
}

// Issue 16 item 3: --scale-requests 400% multiplied each kube pod's `pods` slot too, so a
// node with max-pods 2 holding two pods "stopped fitting" although one pod is still one pod.
TEST_CASE("whatif: scaling requests scales sizes, never kube's pod slots", "[plan][whatif]") {
  Resources r = res(100, 64);
  r.extended["pods"] = 1;
  r.extended["gpu"] = 1;
  Resources scaled = scale_resources(r, 300);
  CHECK(scaled.cpu == 400);
  CHECK(scaled.memory == 4 * 64 * 1024 * 1024);
  CHECK(scaled.extended.at("gpu") == 4);
  CHECK(scaled.extended.at("pods") == 1);
  CHECK(scale_resources(r, -50).extended.at("pods") == 1);

  Spec s;
  Machine node;
  node.name = "node-1";
  node.capacity = res(4000, 4096);
  node.capacity.extended["pods"] = 2;
  s.machines.push_back(node);
  Unit pod = unit("ns/pod", 2, 100, 64);
  pod.requests.extended["pods"] = 1;
  s.units = {pod};
  s.placements = {{"ns/pod@1", "node-1"}, {"ns/pod@2", "node-1"}};
  WhatIf w;
  w.scale.push_back(WhatIf::parse_scale("400%"));
  WhatIfResult after = what_if(s, w);
  CHECK(after.fits());
  CHECK(after.evicted.empty());
}

TEST_CASE("whatif: bad changes are usage errors with hints", "[plan][whatif]") {
  CHECK_THROWS_AS(WhatIf::parse_grow("web"), UsageError);
  CHECK_THROWS_AS(WhatIf::parse_grow("web=+x"), UsageError);
  CHECK_THROWS_AS(WhatIf::parse_add("big=0"), UsageError);
  CHECK_THROWS_AS(WhatIf::parse_scale("-100%"), UsageError);
  CHECK(WhatIf::parse_scale("20%").percent == 20);
  CHECK(WhatIf::parse_scale("api=-10%").unit == "api");
  WhatIf w;
  w.remove = {"m9"};
  try {
    what_if(small_cluster(), w);
    FAIL("no error");
  } catch (const UsageError& e) {
    CHECK(std::string(e.what()).find("did you mean \"m1\"") != std::string::npos);
  }
  WhatIf g;
  g.grow.push_back(WhatIf::parse_grow("wbe=+1"));
  CHECK_THROWS_WITH(what_if(small_cluster(), g), Catch::Contains("did you mean \"web\""));
  WhatIf a;
  a.add.push_back(WhatIf::parse_add("huge=2"));
  CHECK_THROWS_AS(what_if(small_cluster(), a), UsageError);
}
