// POST /v1/apply and POST /v1/machines/NAME/state: the desired-state library (state/apply.hpp)
// behind HTTP.
#include <catch2/catch.hpp>

#include "berth/io/spec_json.hpp"
#include "unit/serve/serve_support.hpp"

using namespace berth;
using namespace berth::serve;
using namespace berth::serve::testing;
using nlohmann::json;

namespace {

std::string v1() {
  return R"({"machines": )" + machines_json(3, "4", "8Gi") + R"(, "units": [
    {"name": "web", "replicas": 3, "requests": {"cpu": "1", "memory": "1Gi"}, "constraints": {"conflicts": ["web@*"]}},
    {"name": "db", "requests": {"cpu": "1", "memory": "2Gi"}},
    {"name": "cache", "requests": {"cpu": "500m", "memory": "512Mi"}}]})";
}

}  // namespace

TEST_CASE("serve: apply and machine state over HTTP", "[serve][apply]") {
  ServerOptions o;
  o.place_pending = false;
  Running run("memory:", o);
  auto c = run.client();
  auto applied = c.Post("/v1/apply", v1(), "application/json");
  REQUIRE(applied);
  INFO(applied->body);
  REQUIRE(applied->status == 200);
  json a = body_of(applied);
  CHECK(a["placements"].size() == 5);
  CHECK(a.contains("changes"));
  Spec s = run.store->snapshot().spec;
  CHECK(s.placements.size() == 5);
  CHECK(state_problems(s).empty());

  // Applying the same spec again changes nothing.
  std::int64_t rev = run.store->revision();
  REQUIRE(c.Post("/v1/apply", v1(), "application/json")->status == 200);
  CHECK(run.store->revision() == rev);

  std::vector<std::string> on_m1;
  for (const auto& [inst, m] : s.placements) {
    if (m == "m1") on_m1.push_back(inst);
  }
  REQUIRE(!on_m1.empty());
  std::int64_t before_down = std::stoll(c.Get("/v1/state")->get_header_value("X-Berth-Revision"));
  auto down = c.Post("/v1/machines/m1/state", R"({"state": "down"})", "application/json");
  REQUIRE(down);
  INFO(down->body);
  REQUIRE(down->status == 200);
  json d = body_of(down);
  for (const auto& inst : on_m1) CHECK(d["changes"]["moved"].contains(inst));
  Spec after = run.store->snapshot().spec;
  CHECK(state_problems(after).empty());
  for (const auto& [inst, m] : after.placements) CHECK(m != "m1");
  // A watcher that saw the state before sees the same moves.
  json w = body_of(c.Get("/v1/watch?revision=" + std::to_string(before_down) + "&timeout=0"));
  CHECK(w["changes"]["machines"]["updated"] == json::array({"m1"}));
  int pending = 0;
  for (const auto& inst : on_m1) {
    if (after.placements.count(inst)) {
      REQUIRE(w["changes"]["placements"]["moved"].contains(inst));
      CHECK(w["changes"]["placements"]["moved"][inst]["from"] == "m1");
      CHECK(w["changes"]["placements"]["moved"][inst]["to"] == after.placements.at(inst));
    } else {  // web's anti-affinity leaves one replica no machine: pending, its placement gone
      ++pending;
      CHECK(d["changes"]["moved"][inst]["to"] == "");
      const json& removed = w["changes"]["placements"]["removed"];
      CHECK(std::find(removed.begin(), removed.end(), inst) != removed.end());
    }
  }
  CHECK(pending == 1);

  auto unknown = c.Post("/v1/machines/nope/state", R"({"state": "down"})", "application/json");
  REQUIRE(unknown);
  CHECK(unknown->status != 200);
  CHECK(body_of(unknown)["error"]["id"].get<std::string>().rfind("berth.", 0) == 0);

  auto bad = c.Post("/v1/apply", R"({"machines": [{"name": "m1", "capacity": {"cpu": "x"}}]})",
                    "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 400);
}
