// berth serve over HTTP: every endpoint against a real server on 127.0.0.1 (docs/serve.md).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"
#include "unit/serve/serve_support.hpp"
#include "unit/state/fixtures.hpp"

using namespace berth;
using namespace berth::serve;
using namespace berth::serve::testing;
using berth::state::testing::TempDir;
using nlohmann::json;

namespace {

std::string cluster_body() {
  return R"({"machines": )" + machines_json(3, "4", "8Gi") + R"(, "units": [)" +
         unit_json("web", "1", "1Gi", 3) +
         R"(, {"name": "db", "requests": {"cpu": "2", "memory": "4Gi"}, "constraints": {"metadata": {"zone": "z1"}}}]})";
}

/// Runs the CLI and returns its standard output (stderr dropped).
std::string cli_output(const std::string& args) {
  std::string cmd = std::string(BERTH_CLI) + " " + args + " 2>/dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe);
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  pclose(pipe);
  return out;
}

}  // namespace

TEST_CASE("serve: healthz, place and state answer what the CLI prints", "[serve]") {
  TempDir dir;
  std::string db = dir.file("a.db");
  Running run("sqlite:" + db, [] {
    ServerOptions o;
    o.place_pending = false;
    return o;
  }());
  auto c = run.client();

  auto health = c.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(body_of(health)["status"] == "ok");

  auto placed = c.Post("/v1/place", cluster_body(), "application/json");
  REQUIRE(placed);
  REQUIRE(placed->status == 200);
  // The same request through `berth place --store --format json` on a fresh store: the same
  // answer, but for the store's name.
  std::string spec_file = dir.file("cluster.json");
  std::ofstream(spec_file) << cluster_body();
  std::string cli =
      cli_output("--store sqlite:" + dir.file("b.db") + " place " + spec_file + " --format json");
  json served = json::parse(placed->body), printed = json::parse(cli);
  CHECK(served["store"]["name"] == "sqlite:" + db);
  served["store"].erase("name");
  printed["store"].erase("name");
  CHECK(served == printed);
  json answer = json::parse(placed->body);
  CHECK(answer["placements"].size() == 4);
  CHECK((answer["placements"]["db"] == "m1" || answer["placements"]["db"] == "m3"));  // zone z1
  CHECK(std::stoll(placed->get_header_value("X-Berth-Revision")) == run.store->revision());

  auto st = c.Get("/v1/state");
  REQUIRE(st);
  CHECK(st->status == 200);
  CHECK(st->body == cli_output("--store sqlite:" + db + " state export --format json"));
  Spec stored = parse_spec_json(st->body);
  CHECK(stored.placements.size() == 4);
  CHECK(state_problems(stored).empty());
}

TEST_CASE("serve: explain says why, with the pipeline's reasons", "[serve]") {
  Running run("memory:", [] {
    ServerOptions o;
    o.place_pending = false;
    return o;
  }());
  auto c = run.client();
  REQUIRE(c.Post("/v1/place", cluster_body(), "application/json")->status == 200);
  // db needs zone z1: m2 is in z0.
  json no = body_of(c.Get("/v1/explain?unit=db&machine=m2"));
  CHECK(no["fits"] == false);
  REQUIRE(no["reasons"].size() >= 1);
  CHECK(no["reasons"][0].get<std::string>().find("zone") != std::string::npos);
  json yes = body_of(
      c.Get("/v1/explain?unit=web@1&machine=" +
            body_of(c.Get("/v1/explain?unit=web@1&machine=m1"))["placed_on"].get<std::string>()));
  CHECK(yes["unit"] == "web@1");

  auto unknown = c.Get("/v1/explain?unit=nope&machine=m1");
  REQUIRE(unknown);
  CHECK(unknown->status == 400);
  CHECK(body_of(unknown)["error"]["id"] == "berth.usage.306");
  auto missing = c.Get("/v1/explain?unit=db");
  REQUIRE(missing);
  CHECK(missing->status == 400);
  CHECK(body_of(missing)["error"]["id"] == "berth.usage.334");
}

TEST_CASE("serve: watch returns the changes after a revision, or times out", "[serve]") {
  Running run("memory:", [] {
    ServerOptions o;
    o.place_pending = false;
    return o;
  }());
  auto c = run.client();
  auto first = c.Post("/v1/place", R"({"machines": )" + machines_json(2, "4", "8Gi") + "}",
                      "application/json");
  REQUIRE(first->status == 200);
  auto st = c.Get("/v1/state");
  std::int64_t rev = std::stoll(st->get_header_value("X-Berth-Revision"));

  json idle = body_of(c.Get("/v1/watch?revision=" + std::to_string(rev) + "&timeout=0.2"));
  CHECK(idle["timed_out"] == true);
  CHECK(idle["revision"] == rev);
  CHECK(idle["changes"]["placements"]["added"].empty());

  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto w = run.client();
    auto r = w.Post("/v1/place", R"({"units": [)" + unit_json("api", "1", "1Gi", 2) + "]}",
                    "application/json");
    CHECK(r->status == 200);
  });
  auto t0 = std::chrono::steady_clock::now();
  json changed = body_of(c.Get("/v1/watch?revision=" + std::to_string(rev) + "&timeout=10"));
  auto waited = std::chrono::steady_clock::now() - t0;
  writer.join();
  CHECK(waited < std::chrono::seconds(5));  // woken by the commit, not by the timeout
  CHECK(changed["timed_out"] == false);
  CHECK(changed["revision"].get<std::int64_t>() > rev);
  CHECK(changed["changes"]["units"]["added"] == json::array({"api"}));
  CHECK(changed["changes"]["placements"]["added"].size() == 2);
  CHECK(changed["changes"]["placements"]["added"].contains("api@1"));

  // A revision this server never saw: the whole state, flagged as a reset.
  json reset = body_of(c.Get("/v1/watch?revision=0&timeout=0"));
  CHECK(reset["reset"] == true);
  CHECK(reset["state"]["units"].size() == 1);

  auto bad = c.Get("/v1/watch?revision=x");
  CHECK(bad->status == 400);
  CHECK(body_of(bad)["error"]["id"] == "berth.usage.334");
}

TEST_CASE("serve: bad input is 400 with an id and changes nothing; 404, 405, 413", "[serve]") {
  ServerOptions o;
  o.place_pending = false;
  o.max_body = 4096;
  Running run("memory:", o);
  auto c = run.client();
  REQUIRE(c.Post("/v1/place", cluster_body(), "application/json")->status == 200);
  std::int64_t before = run.store->revision();

  auto syntax = c.Post("/v1/place", R"({"units": [)", "application/json");
  REQUIRE(syntax);
  CHECK(syntax->status == 400);
  json e = body_of(syntax);
  CHECK(e["error"]["id"].get<std::string>().rfind("berth.parse_error.", 0) == 0);
  CHECK(e["error"]["message"].get<std::string>().find("POST /v1/place:1:") != std::string::npos);

  auto invalid = c.Post("/v1/place", R"({"units": [{"name": "x", "requests": {"cpu": "-1"}}]})",
                        "application/json");
  REQUIRE(invalid);
  CHECK(invalid->status == 400);
  CHECK(body_of(invalid)["error"]["id"].get<std::string>().rfind("berth.invalid.", 0) == 0);

  // A unit whose machine_of names nobody: with ?strict=true (place --strict) refused whole...
  std::string dangling_body = R"({"units": [{"name": "y", "requests": {"cpu": "1"},
      "constraints": {"machine_of": "ghost"}}]})";
  auto dangling = c.Post("/v1/place?strict=true", dangling_body, "application/json");
  REQUIRE(dangling);
  CHECK(dangling->status == 400);
  CHECK(body_of(dangling)["error"]["id"].get<std::string>().rfind("berth.invalid.", 0) == 0);
  CHECK(run.store->revision() == before);
  // ...without, stored pending (as place --store does), waiting for `ghost` to arrive.
  auto stored = c.Post("/v1/place", dangling_body, "application/json");
  REQUIRE(stored);
  CHECK(stored->status == 200);
  CHECK(body_of(stored)["pending"].size() == 1);
  before = run.store->revision();

  auto nowhere = c.Get("/v2/state");
  CHECK(nowhere->status == 404);
  CHECK(body_of(nowhere)["error"]["id"] == "berth.usage.338");
  auto wrong = c.Delete("/v1/state");
  CHECK(wrong->status == 405);
  CHECK(wrong->get_header_value("Allow") == "GET");
  CHECK(body_of(wrong)["error"]["id"] == "berth.usage.339");
  auto get_place = c.Get("/v1/place");
  CHECK(get_place->status == 405);

  std::string big =
      R"({"units": [)" + unit_json("big", "1", "1Gi") + "]" + std::string(5000, ' ') + "}";
  auto too_big = c.Post("/v1/place", big, "application/json");
  REQUIRE(too_big);
  CHECK(too_big->status == 413);
  CHECK(body_of(too_big)["error"]["id"] == "berth.usage.340");
  CHECK(run.store->revision() == before);

  auto state_body = c.Post("/v1/machines/m1/state", R"({"state": "sideways"})", "application/json");
  REQUIRE(state_body);
  CHECK(state_body->status == 400);
  CHECK(body_of(state_body)["error"]["id"] == "berth.usage.335");
  CHECK(run.store->revision() == before);
}

TEST_CASE("serve: a token guards every request and is never echoed", "[serve]") {
  ServerOptions o;
  o.place_pending = false;
  o.token = "s3cret-token-value";
  Running run("memory:", o);
  auto c = run.client();
  auto none = c.Get("/healthz");
  REQUIRE(none);
  CHECK(none->status == 401);
  CHECK(body_of(none)["error"]["id"] == "berth.usage.337");
  CHECK(none->get_header_value("WWW-Authenticate") == "Bearer");

  httplib::Headers wrong = {{"Authorization", "Bearer s3cret-token-valuf"}};
  auto bad = c.Get("/v1/state", wrong);
  CHECK(bad->status == 401);
  CHECK(bad->body.find("s3cret") == std::string::npos);
  auto bad_post = c.Post("/v1/place", wrong, cluster_body(), "application/json");
  CHECK(bad_post->status == 401);
  CHECK(run.store->revision() == 0);

  c.set_bearer_token_auth("s3cret-token-value");
  auto ok = c.Get("/healthz");
  CHECK(ok->status == 200);
  auto placed = c.Post("/v1/place", cluster_body(), "application/json");
  CHECK(placed->status == 200);
  CHECK(placed->body.find("s3cret") == std::string::npos);
}

TEST_CASE("serve: listening policy and addresses", "[serve]") {
  CHECK(parse_listen_address("127.0.0.1:8080") == std::pair<std::string, int>{"127.0.0.1", 8080});
  CHECK(parse_listen_address("[::1]:9") == std::pair<std::string, int>{"::1", 9});
  for (const char* bad : {"8080", "host:", ":80", "h:99999", "h:8x", "[::1]8080", "a:b:c"}) {
    try {
      parse_listen_address(bad);
      FAIL("accepted " << bad);
    } catch (const UsageError& e) {
      CHECK(e.code() == 330);
    }
  }
  ServerOptions open;
  open.host = "0.0.0.0";
  CHECK_THROWS_AS(check_listen_policy(open), UsageError);
  open.token = "t";
  CHECK_NOTHROW(check_listen_policy(open));
  ServerOptions local;
  CHECK_NOTHROW(check_listen_policy(local));

  TempDir dir;
  std::ofstream(dir.file("token")) << "  abc123 \nsecond line\n";
  CHECK(read_token_file(dir.file("token")) == "abc123");
  std::ofstream(dir.file("empty")) << "\n";
  try {
    read_token_file(dir.file("empty"));
    FAIL("empty token accepted");
  } catch (const UsageError& e) {
    CHECK(e.code() == 332);
  }
}

TEST_CASE("serve: a SQLite store survives a restart of the server", "[serve]") {
  TempDir dir;
  std::string url = "sqlite:" + dir.file("keep.db");
  std::string exported;
  {
    Running run(url);
    auto c = run.client();
    REQUIRE(c.Post("/v1/place", cluster_body(), "application/json")->status == 200);
    exported = c.Get("/v1/state")->body;
  }
  Running again(url);
  auto c = again.client();
  auto st = c.Get("/v1/state");
  REQUIRE(st);
  CHECK(st->body == exported);
  CHECK(parse_spec_json(st->body).placements.size() == 4);
}

TEST_CASE("serve: units left pending are placed once another writer makes room", "[serve]") {
  TempDir dir;
  std::string url = "sqlite:" + dir.file("pending.db");
  Running run(url);
  auto c = run.client();
  // One 4-cpu machine; `late` (3 cpu) cannot fit next to `hog` (2 cpu) and is stored pending.
  REQUIRE(c.Post("/v1/place",
                 R"({"machines": )" + machines_json(1, "4", "8Gi") + R"(, "units": [)" +
                     unit_json("hog", "2", "1Gi") + "]}",
                 "application/json")
              ->status == 200);
  auto r = c.Post("/v1/place", R"({"units": [)" + unit_json("late", "3", "1Gi") + "]}",
                  "application/json");
  REQUIRE(r->status == 200);
  CHECK(body_of(r)["pending"].size() == 1);
  // Another writer (a second process would do the same) adds a machine.
  auto other = state::open_store(url);
  Spec more;
  more.machines.push_back(Machine{});
  more.machines.back().name = "m9";
  more.machines.back().capacity =
      parse_spec_json(R"({"machines": [{"name": "x", "capacity": {"cpu": "4", "memory": "8Gi"}}]})")
          .machines[0]
          .capacity;
  state::Snapshot snap = other->snapshot();
  REQUIRE(other->commit(state::plan_with_additions(snap, more, Plan{}), snap).committed());
  // The server's watcher notices and its placer commits `late` on m9.
  bool placed = false;
  for (int i = 0; i < 100 && !placed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto s = other->snapshot();
    placed = s.spec.placements.count("late") && s.spec.placements.at("late") == "m9";
  }
  CHECK(placed);
}
