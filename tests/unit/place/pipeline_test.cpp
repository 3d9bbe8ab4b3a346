// The pipeline's outcomes and its newer filters, through the public API: three outcomes
// (placed, pending unschedulable, pending unresolvable), contradictions that leave only their
// own units pending (and --strict that refuses them), taints and tolerations, host ports.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <set>

#include "berth/error.hpp"
#include "berth/io/result_json.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/place.hpp"
#include "berth/place/placer.hpp"
#include "support/invariants.hpp"

using namespace berth;

namespace {

const PendingUnit* pending(const PlacementResult& r, const std::string& unit) {
  for (const auto& p : r.pending) {
    if (p.unit == unit) return &p;
  }
  return nullptr;
}

PlacementResult place_checked(const Spec& spec, PlaceOptions options = {}) {
  PlacementResult r = place(spec, options);
  for (const auto& b : testing::check_placement(spec, r)) FAIL_CHECK(b);
  return r;
}

/// 300 ordinary units filling 19 machines to 150 of 152 cpus, and the kinds of unit no machine
/// here can ever take.
std::string mixed_spec() {
  nlohmann::json j;
  for (int i = 1; i <= 19; ++i) {
    j["machines"].push_back(
        {{"name", fmt::format("m{}", i)},
         {"capacity", {{"cpu", "8"}, {"memory", "16Gi"}}},
         {"metadata", {{"zone", std::string(1, static_cast<char>('a' + i % 3))}}}});
  }
  for (int i = 1; i <= 300; ++i) {
    j["units"].push_back(
        {{"name", fmt::format("svc{}", i)}, {"requests", {{"cpu", "500m"}, {"memory", "1Gi"}}}});
  }
  // Bigger than every machine.
  j["units"].push_back({{"name", "huge"}, {"requests", {{"cpu", "64"}}}});
  // Metadata no machine has.
  j["units"].push_back({{"name", "gpu-job"}, {"constraints", {{"metadata", {{"accel", "a100"}}}}}});
  // Replicas that must share a machine with each other yet conflict with each other.
  j["units"].push_back(
      {{"name", "pair"}, {"replicas", 2}, {"constraints", {{"conflicts", {"pair@*"}}}}});
  j["units"].push_back({{"name", "pair-side"},
                        {"replicas", 2},
                        {"constraints", {{"machine_of", "pair@%i"}, {"conflicts", {"pair@*"}}}}});
  // A co-located group that can never meet its own spread: both replicas follow one anchor,
  // so one zone gets 2 at once, over max_skew 1.
  j["units"].push_back({{"name", "anchor"}});
  j["units"].push_back({{"name", "zoned"},
                        {"replicas", 2},
                        {"constraints", {{"machine_of", "anchor"}, {"spread", "zone"}}}});
  // Names that are not in the cluster.
  j["units"].push_back({{"name", "follower"}, {"constraints", {{"machine_of", "svc-1"}}}});
  j["units"].push_back({{"name", "pinned"}, {"constraints", {{"machine_id", "m99"}}}});
  // Crowded out: fits an empty machine, but the cluster is full of equal-priority units.
  j["units"].push_back({{"name", "late"}, {"priority", -1}, {"requests", {{"cpu", "7"}}}});
  return j.dump();
}

}  // namespace

TEST_CASE("one unit's problem never blocks the others: three outcomes", "[place][pipeline]") {
  const Spec spec = parse_spec_json(mixed_spec(), "mixed.json");
  const PlacementResult r = place_checked(spec);
  for (int i = 1; i <= 300; ++i) CHECK(r.placements.count(fmt::format("svc{}", i)) == 1);
  for (const char* u : {"huge", "gpu-job", "follower", "pinned"}) {
    const PendingUnit* p = pending(r, u);
    INFO(u);
    REQUIRE(p != nullptr);
    CHECK(p->diagnosis.unresolvable);
    CHECK(p->diagnosis.kind() == PendingKind::Unresolvable);
  }
  for (const char* u :
       {"pair@1", "pair@2", "pair-side@1", "pair-side@2", "anchor", "zoned@1", "zoned@2"}) {
    INFO(u);
    REQUIRE(pending(r, u) != nullptr);
    CHECK(pending(r, u)->diagnosis.unresolvable);
  }
  CHECK(r.pending.size() == 12);
  // A dangling name says so, with a did-you-mean.
  CHECK(pending(r, "follower")->summary() ==
        "follower: unresolvable: [berth.invalid.241] unit follower: machine_of: names unknown unit "
        "\"svc-1\"; did you mean \"svc1\"?");
  CHECK(pending(r, "pinned")->diagnosis.contradiction.find("invalid.240") != std::string::npos);
  CHECK(pending(r, "zoned@1")->diagnosis.contradiction.find("invalid.269") != std::string::npos);
  CHECK(pending(r, "pair-side@2")->diagnosis.contradiction.find("invalid.247") !=
        std::string::npos);
  CHECK(pending(r, "huge")->summary().find(
            "unresolvable: no machine here could take it even if empty") != std::string::npos);
  // Merely crowded out: unschedulable.
  const PendingUnit* late = pending(r, "late");
  REQUIRE(late != nullptr);
  CHECK_FALSE(late->diagnosis.unresolvable);
  // JSON: every pending entry carries "unresolvable", next to the older "status".
  const nlohmann::json j = placement_to_json(r);
  for (const auto& p : j["pending"]) {
    REQUIRE(p.contains("unresolvable"));
    CHECK(p["unresolvable"].get<bool>() == (p["status"] == "unresolvable"));
  }
  // --strict: the same spec is refused whole, as before.
  PlaceOptions strict;
  strict.strict = true;
  CHECK_THROWS_AS(place(spec, strict), ValidationError);
}

TEST_CASE("strict mode throws each contradiction's own error", "[place][pipeline]") {
  auto code = [](const std::string& units) {
    const Spec s = parse_spec_json(
        R"({"machines":[{"name":"m1","capacity":{"cpu":"4"}}],"units":[)" + units + "]}", "t.json");
    try {
      Cluster::build(s, BuildOptions{true});
    } catch (const ValidationError& e) {
      return e.code();
    }
    return 0;
  };
  CHECK(code(R"({"name":"a","constraints":{"machine_id":"m2"}})") == 240);
  CHECK(code(R"({"name":"a","constraints":{"machine_of":"b"}})") == 241);
  CHECK(code(R"({"name":"a","constraints":{"machine_of":"a"}})") == 245);
  CHECK(code(R"({"name":"a","replicas":2,"constraints":{"global":true}})") == 248);
  CHECK(
      code(
          R"({"name":"a","replicas":3,"constraints":{"spread":"zone"}},{"name":"b","replicas":3,"constraints":{"machine_of":"a@%i","conflicts":["a@*"]}})") ==
      247);
  CHECK(
      code(
          R"({"name":"a"},{"name":"b","replicas":2,"constraints":{"machine_of":"a","spread":"zone"}})") ==
      269);
  CHECK(
      code(
          R"({"name":"a"},{"name":"b","replicas":2,"constraints":{"machine_of":"a","spread":{"key":"zone","max_skew":2}}})") ==
      0);
  // Not strict: the same specs build, with the problem recorded.
  const Spec s = parse_spec_json(
      R"({"machines":[{"name":"m1","capacity":{"cpu":"4"}}],"units":[{"name":"a","constraints":{"machine_id":"m2"}},{"name":"b"}]})",
      "t.json");
  const Cluster c = Cluster::build(s, BuildOptions{false});
  REQUIRE(c.problems().size() == 1);
  CHECK(c.problem_of(c.instance(c.find_instance("a")).group).find("m2") != std::string::npos);
  CHECK_FALSE(c.group(c.instance(c.find_instance("b")).group).unresolvable());
  CHECK(c.problem_of(c.instance(c.find_instance("b")).group).empty());
}

TEST_CASE("taints keep off units that do not tolerate them; NoExecute evicts",
          "[place][pipeline][taints]") {
  const Spec spec = parse_spec_json(R"({
    "machines": [
      {"name": "gpu1", "capacity": {"cpu": "8"}, "taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]},
      {"name": "gpu2", "capacity": {"cpu": "8"}, "taints": [{"key": "dedicated", "value": "gpu", "effect": "NoExecute"}]},
      {"name": "soft", "capacity": {"cpu": "2"}, "taints": [{"key": "spot", "effect": "PreferNoSchedule"}]}],
    "units": [
      {"name": "train", "requests": {"cpu": "6"}, "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "gpu"}]},
      {"name": "web", "requests": {"cpu": "3"}},
      {"name": "old", "requests": {"cpu": "1"}},
      {"name": "any", "requests": {"cpu": "1"}, "tolerations": [{"operator": "Exists"}]}],
    "placements": {"old": "gpu2"}})",
                                    "taints.json");
  const PlacementResult r = place_checked(spec);
  CHECK(r.placements.at("train") != "soft");
  CHECK(r.placements.count("any") == 1);
  // web tolerates nothing: the 2-cpu soft machine is too small, the others are tainted.
  const PendingUnit* web = pending(r, "web");
  REQUIRE(web != nullptr);
  CHECK(web->diagnosis.rejections.at("untolerated_taint") == 2);
  CHECK(web->diagnosis.taint_failures.count("dedicated=gpu:NoSchedule") == 1);
  CHECK(web->summary().find("untolerated taint") != std::string::npos);
  CHECK(web->diagnosis.unresolvable);  // no machine is big enough and tolerated
  // old ran on gpu2 without tolerating NoExecute: evicted (a warning), then placed anew on soft.
  CHECK(r.placements.at("old") == "soft");
  bool warned = false;
  for (const auto& w : r.warnings)
    warned = warned || w == "old evicted from gpu2: untolerated taint dedicated=gpu:NoExecute";
  CHECK(warned);
  // explain names the taint.
  Cluster c = Cluster::build(spec);
  Placer p(c, StrategyKind::BestFit);
  const auto lines = p.explain(c.find_instance("web"), c.find_machine("gpu1"));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "taint: gpu1 has dedicated=gpu:NoSchedule, which web does not tolerate");
  CHECK(p.explain(c.find_instance("train"), c.find_machine("gpu1")).empty());
}

TEST_CASE("host ports: two units binding one port and protocol never share a machine",
          "[place][pipeline][ports]") {
  const Spec spec = parse_spec_json(R"({
    "machines": [{"name": "m1", "capacity": {"cpu": "8"}}, {"name": "m2", "capacity": {"cpu": "8"}}],
    "units": [
      {"name": "web", "replicas": 3, "ports": [80]},
      {"name": "dns", "ports": ["53/udp", "80/udp"]},
      {"name": "tls", "ports": ["443/tcp"]}]})",
                                    "ports.json");
  const PlacementResult r = place_checked(spec);
  CHECK(r.placements.count("dns") == 1);  // udp/80 is not tcp/80
  CHECK(r.placements.count("tls") == 1);
  REQUIRE(r.pending.size() == 1);
  CHECK(r.pending[0].unit == "web@3");
  CHECK(r.pending[0].summary() == "web@3: 0/2 machines fit: 2 port 80/tcp taken by web@1, web@2");
  CHECK_FALSE(r.pending[0].diagnosis.unresolvable);
  Cluster c = Cluster::build(spec);
  c.assign(c.find_instance("web@1"), c.find_machine("m1"));
  Placer p(c, StrategyKind::BestFit);
  CHECK(p.explain(c.find_instance("web@2"), c.find_machine("m1")) ==
        std::vector<std::string>{"port 80/tcp taken by web@1 (on m1), which web@2 binds too"});
}

TEST_CASE("bad taints, tolerations and ports are one-line errors naming the field",
          "[place][pipeline][errors]") {
  auto error = [](const std::string& machine_extra, const std::string& unit_extra) -> std::string {
    try {
      parse_spec_json(R"({"machines":[{"name":"m1","capacity":{"cpu":"1"})" + machine_extra +
                          R"(}],"units":[{"name":"u")" + unit_extra + "}]}",
                      "bad.json");
    } catch (const ValidationError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK(error(R"(,"taints":[{"key":"a","effect":"NoScheduel"}])", "") ==
        "[berth.invalid.266] machine m1: taints[0].effect: unknown taint effect \"NoScheduel\"; "
        "did you mean \"NoSchedule\"? "
        "(expected NoSchedule, PreferNoSchedule or NoExecute) (in bad.json)");
  CHECK(error(R"(,"taints":[{"effect":"NoSchedule"}])", "")
            .find("[berth.invalid.266] machine m1: taints[0]") == 0);
  CHECK(error("", R"(,"ports":[70000])") ==
        "[berth.invalid.268] unit u: ports[0]: port 70000 is outside 1-65535 (in bad.json)");
  CHECK(error("", R"(,"ports":["80/sctpx"])") ==
        "[berth.invalid.268] unit u: ports[0]: unknown protocol \"sctpx\" in port \"80/sctpx\" "
        "(expected tcp, udp or sctp) (in bad.json)");
  CHECK(error("", R"(,"ports":["http"])")
            .find("[berth.invalid.268] unit u: ports[0]: expected a port number") == 0);
  // Unsigned values above 2^63 do not wrap to small negative numbers (18446744073709551615 is
  // not priority -1).
  CHECK(error("", R"(,"priority":18446744073709551615)") ==
        "[berth.invalid.215] unit u: priority: out of range (32-bit integer): 9223372036854775807 "
        "(in bad.json)");
  CHECK(error("", R"(,"ports":[18446744073709551615])").find("[berth.invalid.268]") == 0);
  CHECK(error("", R"(,"tolerations":[{"value":"x"}])") ==
        "[berth.invalid.267] unit u: tolerations[0]: a toleration without \"key\" must have "
        "\"operator\": \"Exists\" "
        "(it then tolerates every taint) (in bad.json)");
  CHECK(error("", R"(,"tolerations":[{"key":"a","operator":"Equals"}])")
            .find("[berth.invalid.267] unit u: tolerations[0].operator") == 0);
  CHECK(error("", R"(,"tolerations":[{"key":"a","operator":"Exists","value":"x"}])")
            .find("[berth.invalid.267]") == 0);
  CHECK(error("", R"(,"tolerations":[{"key":"a","effect":"Never"}])")
            .find("[berth.invalid.266] unit u: tolerations[0].effect") == 0);
  // And they survive a round trip.
  const Spec ok = parse_spec_json(
      R"({"machines":[{"name":"m1","taints":[{"key":"a","value":"b","effect":"NoExecute"}]}],
    "units":[{"name":"u","ports":[80,"53/udp"],"tolerations":[{"key":"a","operator":"Exists","effect":"NoExecute"}]}]})",
      "ok.json");
  const Spec back = parse_spec_json(write_spec_json(ok), "back.json");
  CHECK(back.machines[0].taints == ok.machines[0].taints);
  CHECK(back.units[0].constraints.ports == ok.units[0].constraints.ports);
  CHECK(back.units[0].constraints.tolerations == ok.units[0].constraints.tolerations);
}

TEST_CASE("place --preempt: least disruptive victims, re-placed or pending, never lost",
          "[place][pipeline][preempt]") {
  const Spec spec = parse_spec_json(R"({
    "machines": [{"name": "m1", "capacity": {"cpu": "4"}}, {"name": "m2", "capacity": {"cpu": "4"}}],
    "units": [
      {"name": "batch", "replicas": 2, "priority": -5, "requests": {"cpu": "3"}},
      {"name": "small", "priority": -1, "requests": {"cpu": "1"}},
      {"name": "front", "priority": 10, "requests": {"cpu": "4"}},
      {"name": "impossible", "priority": 100, "requests": {"cpu": "40"}}],
    "placements": {"batch@1": "m1", "batch@2": "m2", "small": "m1"}})",
                                    "preempt.json");
  // Without --preempt: front is pending (unschedulable), nothing moves.
  const PlacementResult plain = place_checked(spec);
  REQUIRE(pending(plain, "front") != nullptr);
  CHECK_FALSE(pending(plain, "front")->diagnosis.unresolvable);
  CHECK(plain.preemptions.empty());
  // With it: m2 needs one victim (batch@2), m1 two: front takes m2; batch@2 finds no room and is
  // pending; the unresolvable unit never preempts.
  PlaceOptions options;
  options.preempt = true;
  const PlacementResult r = place_checked(spec, options);
  CHECK(r.placements.at("front") == "m2");
  REQUIRE(r.preemptions.size() == 1);
  CHECK(r.preemptions[0].preemptor == "front");
  CHECK(r.preemptions[0].machine == "m2");
  CHECK(r.preemptions[0].victims == std::vector<std::string>{"batch@2"});
  REQUIRE(pending(r, "batch@2") != nullptr);
  CHECK(pending(r, "impossible")->diagnosis.unresolvable);
  CHECK(r.placements.at("batch@1") == "m1");
  CHECK(r.placements.at("small") == "m1");
  const nlohmann::json j = placement_to_json(r);
  CHECK(j["preemptions"] ==
        nlohmann::json::parse(R"([{"unit": "front", "machine": "m2", "victims": ["batch@2"]}])"));
  CHECK(nlohmann::json::parse(placement_json_text(r)) == j);
}

TEST_CASE("preferences rank machines first, never exclude them, and are reported",
          "[place][pipeline][preferences]") {
  const Spec spec = parse_spec_json(R"({
    "machines": [
      {"name": "a1", "capacity": {"cpu": "4"}, "metadata": {"zone": "a"}},
      {"name": "b1", "capacity": {"cpu": "4"}, "metadata": {"zone": "b"}},
      {"name": "c1", "capacity": {"cpu": "4"}, "metadata": {"zone": "c"}, "taints": [{"key": "spot", "effect": "PreferNoSchedule"}]}],
    "units": [
      {"name": "db", "requests": {"cpu": "1"}, "constraints": {"machine_id": "b1"}},
      {"name": "web", "replicas": 3, "requests": {"cpu": "1"},
       "preferences": [{"metadata": {"zone": "a"}, "weight": 30}, {"near": ["db"], "weight": 40}]},
      {"name": "api", "replicas": 3, "requests": {"cpu": "1"}, "preferences": [{"spread": "zone", "weight": 10}],
       "tolerations": [{"key": "spot", "operator": "Exists"}]},
      {"name": "avoid", "requests": {"cpu": "1"}, "preferences": [{"metadata": {"zone": "a"}, "weight": -100},
                                                                   {"metadata": {"zone": "b"}, "weight": -100}]}]})",
                                    "prefs.json");
  for (StrategyKind k : {StrategyKind::BestFit, StrategyKind::Spread, StrategyKind::FirstFit,
                         StrategyKind::LeastLoaded, StrategyKind::DotProduct}) {
    INFO(to_string(k));
    const PlacementResult r = place_checked(spec, PlaceOptions{k});
    // near db (+40) beats zone a (+30): web goes to b1 while it has room (4 cpus: db and 3 web).
    CHECK(r.placements.at("web@1") == "b1");
    // api spreads over the zones (each replica to the least-filled zone).
    std::set<std::string> api = {r.placements.at("api@1"), r.placements.at("api@2"),
                                 r.placements.at("api@3")};
    CHECK(api.size() == 3);
    // avoid dislikes a and b, and c's PreferNoSchedule (-25) is still better than -100: c1 if room.
    if (r.placements.count("avoid")) CHECK(r.placements.at("avoid") == "c1");
    REQUIRE(r.preferences_met.count("web@1") == 1);
    CHECK(r.preferences_met.at("web@1") == std::vector<std::string>{"near db (+40)"});
    CHECK(r.preferences_met.count("db") == 0);  // no preferences, not listed
  }
  // A preference never makes a unit pending: all -100 and still placed.
  const Spec lonely = parse_spec_json(
      R"({"machines": [{"name": "m1", "capacity": {"cpu": "1"}, "metadata": {"zone": "a"}}],
    "units": [{"name": "u", "preferences": [{"metadata": {"zone": "a"}, "weight": -100}]}]})",
      "lonely.json");
  CHECK(place_checked(lonely).placements.at("u") == "m1");
  // explain prints them.
  Cluster c = Cluster::build(spec);
  Placer p(c, StrategyKind::BestFit);
  CHECK(p.preferences_met(c.find_instance("web@2"), c.find_machine("a1")) ==
        std::vector<std::string>{"zone=a (+30)"});
}

TEST_CASE("bad preferences are one-line errors naming the field", "[place][pipeline][errors]") {
  auto error = [](const std::string& prefs) -> std::string {
    try {
      parse_spec_json(R"({"units":[{"name":"u","preferences":)" + prefs + "}]}", "bad.json");
    } catch (const ValidationError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK(error(R"([{"metadata":{"zone":"a"},"weight":500}])") ==
        "[berth.invalid.270] unit u: preferences[0].weight: must be between -100 and 100, got 500 "
        "(in bad.json)");
  CHECK(error(R"([{"weight":5}])")
            .find("[berth.invalid.270] unit u: preferences[0]: expected exactly one of") == 0);
  CHECK(error(R"([{"near":["a"],"spread":"zone"}])").find("[berth.invalid.270]") == 0);
  CHECK(error(R"([{"near":[]}])").find("[berth.invalid.270] unit u: preferences[0].near") == 0);
  CHECK(error(R"([{"metadata":{"zone":{"op":"gte","value":"1"}}}])").find("[berth.invalid.210]") ==
        0);
  CHECK(error(R"([{"spread":{"key":""}}])").find("[berth.invalid.270]") == 0);
  CHECK(error(R"([{"near":["a"],"weight":"high"}])")
            .find("[berth.invalid.202] unit u: preferences[0].weight") == 0);
  CHECK(error(R"([{"nearby":["a"]}])")
            .find("[berth.invalid.203] unit u: preferences[0].nearby: unknown field \"nearby\"; "
                  "did you mean \"near\"?") == 0);
}

TEST_CASE("explain lists every filter's objection in pipeline order; a diagnosis counts the first",
          "[place][pipeline]") {
  // m1 is draining, lacks the zone the unit requires, is tainted, runs a conflicting unit and is
  // too small: each filter objects, in the order of src/place/pipeline/filters.hpp.
  const Spec spec = parse_spec_json(R"({
    "machines": [
      {"name": "m1", "capacity": {"cpu": "2"}, "state": "draining", "metadata": {"zone": "b"},
       "taints": [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]},
      {"name": "m2", "capacity": {"cpu": "8"}, "metadata": {"zone": "a"}}],
    "units": [
      {"name": "db", "requests": {"cpu": "1"}, "tolerations": [{"operator": "Exists"}]},
      {"name": "app", "requests": {"cpu": "4"},
       "constraints": {"metadata": {"zone": "a"}, "conflicts": ["db"]}}],
    "placements": {"db": "m1"}})",
                                    "order.json");
  Cluster c = Cluster::build(spec);
  Placer p(c, StrategyKind::BestFit);
  const std::vector<std::string> lines = p.explain(c.find_instance("app"), c.find_machine("m1"));
  REQUIRE(lines.size() == 5);
  CHECK(lines[0].rfind("metadata: app requires zone=a", 0) == 0);
  CHECK(lines[1] == "taint: m1 has dedicated=db:NoSchedule, which app does not tolerate");
  CHECK(lines[2].rfind("m1 is draining", 0) == 0);
  CHECK(lines[3] == "conflict: app and db (on m1) must not share a machine");
  CHECK(lines[4].rfind("short of cpu: needs 4", 0) == 0);
  CHECK(p.explain(c.find_instance("app"), c.find_machine("m2")).empty());
  // The diagnosis counts m1 once, under the first filter that rejects it (metadata), by the
  // scan and by the indexed diagnosis alike.
  for (bool by_scan : {true, false}) {
    Diagnosis d;
    const GroupId g = c.instance(c.find_instance("app")).group;
    const MachineId m = by_scan ? p.select_scan(g, &d) : p.select_diagnosed(g, &d);
    CHECK(m == c.find_machine("m2"));
    CHECK(d.rejections.size() == 1);
    CHECK(d.rejections.at("metadata") == 1);
    CHECK(d.fit == 1);
  }
}
