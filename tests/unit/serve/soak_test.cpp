// Load and crashes: 8 clients x 1,000 requests with zero errors; `kill -9` of a `berth serve`
// process during places loses no acknowledged change and leaves no half-applied one; SIGTERM
// finishes the request in flight and exits 0.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "berth/io/spec_json.hpp"
#include "unit/serve/serve_support.hpp"
#include "unit/state/fixtures.hpp"

using namespace berth;
using namespace berth::serve;
using namespace berth::serve::testing;
using berth::state::testing::TempDir;
using nlohmann::json;

TEST_CASE("serve: soak, 8 clients x 1000 requests, zero errors, a sound final state",
          "[serve][soak]") {
  TempDir dir;
  Running run("sqlite:" + dir.file("soak.db"));
  {
    auto c = run.client();
    REQUIRE(c.Post("/v1/place", R"({"machines": )" + machines_json(8, "64", "256Gi") + "}",
                   "application/json")
                ->status == 200);
  }
  constexpr int kThreads = 8, kRequests = 1000;
  std::atomic<int> errors{0};
  std::mutex mutex;
  std::vector<std::string> failures;
  std::set<std::string> acknowledged;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto c = run.client();
      for (int i = 0; i < kRequests; ++i) {
        std::string unit;
        auto send = [&]() -> httplib::Result {
          switch (i % 10) {
            case 0:
              unit = "u" + std::to_string(t) + "-" + std::to_string(i);
              return c.Post("/v1/place",
                            R"({"units": [)" + unit_json(unit, "20m", "32Mi", 2) + "]}",
                            "application/json");
            case 1:
              return c.Get("/v1/state");
            case 2:
              return c.Get("/v1/explain?unit=nobody&machine=m1");  // a 400 is the right answer
            case 3:
              return c.Get("/v1/watch?revision=0&timeout=0");
            default:
              return c.Get("/healthz");
          }
        };
        httplib::Result r = send();
        int want = i % 10 == 2 ? 400 : 200;
        if (!r || r->status != want) {
          ++errors;
          std::lock_guard<std::mutex> lock(mutex);
          failures.push_back(r ? std::to_string(r->status) + " " + r->body
                               : "transport error " + std::to_string(static_cast<int>(r.error())));
        } else if (!unit.empty()) {
          std::lock_guard<std::mutex> lock(mutex);
          acknowledged.insert(unit);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  INFO((failures.empty() ? std::string() : failures.front()));
  CHECK(errors.load() == 0);
  Spec final_state = run.store->snapshot().spec;
  CHECK(state_problems(final_state).empty());
  CHECK(acknowledged.size() == kThreads * kRequests / 10);
  std::set<std::string> stored;
  for (const auto& u : final_state.units) stored.insert(u.name);
  for (const auto& u : acknowledged) CHECK(stored.count(u));
  for (const auto& u : final_state.units) {
    for (const auto& inst : instances_of(u)) CHECK(final_state.placements.count(inst));
  }
}

namespace {

/// `berth --store URL serve --listen 127.0.0.1:0` as a child process; reads the port it prints.
struct ServeProcess {
  pid_t pid = -1;
  int port = 0;

  explicit ServeProcess(const std::string& url, std::vector<std::string> extra = {}) {
    int out[2];
    REQUIRE(::pipe(out) == 0);
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::dup2(out[1], 2);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<std::string> args = {BERTH_CLI, "--store",  url,
                                       "serve",   "--listen", "127.0.0.1:0"};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(BERTH_CLI, argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    char ch;
    while (::read(out[0], &ch, 1) == 1 && ch != '\n') line += ch;
    // Later lines (placer notes) must not block the child: drain them on a detached reader.
    std::thread([fd = out[0]] {
      char buf[512];
      while (::read(fd, buf, sizeof buf) > 0) {
      }
      ::close(fd);
    }).detach();
    auto colon = line.find("127.0.0.1:");
    INFO(line);
    REQUIRE(colon != std::string::npos);
    port = std::stoi(line.substr(colon + 10));
  }
  int wait_exit() {
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  ~ServeProcess() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

}  // namespace

TEST_CASE("serve: kill -9 during places loses no acknowledged change, leaves none half-applied",
          "[serve][crash]") {
  TempDir dir;
  std::string url = "sqlite:" + dir.file("crash.db");
  std::set<std::string> acknowledged;
  std::mutex mutex;
  {
    ServeProcess serve(url);
    httplib::Client setup("127.0.0.1", serve.port);
    REQUIRE(setup
                .Post("/v1/place", R"({"machines": )" + machines_json(6, "64", "256Gi") + "}",
                      "application/json")
                ->status == 200);
    std::atomic<bool> killed{false};
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t) {
      clients.emplace_back([&, t] {
        httplib::Client c("127.0.0.1", serve.port);
        for (int i = 0; !killed.load(); ++i) {
          std::string unit = "k" + std::to_string(t) + "-" + std::to_string(i);
          // Three replicas and a sidekick per request: one commit must carry all of them.
          std::string body =
              R"({"units": [)" + unit_json(unit, "50m", "64Mi", 3) + R"(, {"name": ")" + unit +
              R"(-log", "requests": {"cpu": "10m"}, "constraints": {"machine_of": ")" + unit +
              R"(@1"}}]})";
          auto r = c.Post("/v1/place", body, "application/json");
          if (r && r->status == 200) {
            std::lock_guard<std::mutex> lock(mutex);
            acknowledged.insert(unit);
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    ::kill(serve.pid, SIGKILL);
    killed.store(true);
    for (auto& c : clients) c.join();
    CHECK(serve.wait_exit() == -SIGKILL);
  }
  REQUIRE(acknowledged.size() > 10);  // the clients really were writing when it died
  auto store = state::open_store(url);
  Spec s = store->snapshot().spec;
  CHECK(state_problems(s).empty());
  std::set<std::string> stored;
  for (const auto& u : s.units) stored.insert(u.name);
  for (const auto& u : acknowledged) {
    CHECK(stored.count(u));
    CHECK(stored.count(u + "-log"));
  }
  // Whatever is stored came with all its placements (capacity was ample): nothing half-done.
  for (const auto& u : s.units) {
    for (const auto& inst : instances_of(u)) CHECK(s.placements.count(inst));
    if (u.name.size() > 4 && u.name.substr(u.name.size() - 4) == "-log") {
      CHECK(stored.count(u.name.substr(0, u.name.size() - 4)));
    }
  }
  // And a new server picks the store up where the dead one left it.
  ServeProcess again(url);
  httplib::Client c("127.0.0.1", again.port);
  auto st = c.Get("/v1/state");
  REQUIRE(st);
  CHECK(parse_spec_json(st->body).units.size() == s.units.size());
}

namespace {

/// Desired state number k: four machines, web with 1 + k % 5 replicas, job-k x2, db.
std::string apply_version(int k) {
  json spec;
  spec["machines"] = json::parse(machines_json(4, "64", "256Gi"));
  spec["units"] =
      json::array({json::parse(unit_json("web", "100m", "128Mi", 1 + k % 5)),
                   json::parse(unit_json("job-" + std::to_string(k), "100m", "128Mi", 2)),
                   json::parse(unit_json("db", "200m", "256Mi"))});
  return spec.dump();
}

}  // namespace

TEST_CASE("serve: kill -9 during applies leaves exactly the last acknowledged spec or the next",
          "[serve][crash]") {
  TempDir dir;
  std::string url = "sqlite:" + dir.file("apply-crash.db");
  int acknowledged = 0;
  {
    ServeProcess serve(url);
    std::atomic<bool> killed{false};
    std::thread client([&] {
      httplib::Client c("127.0.0.1", serve.port);
      for (int k = 1; !killed.load(); ++k) {
        auto r = c.Post("/v1/apply", apply_version(k), "application/json");
        if (!r) break;
        if (r->status != 200) {
          FAIL_CHECK("apply " << k << " answered " << r->status << ": " << r->body);
          break;
        }
        acknowledged = k;
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    ::kill(serve.pid, SIGKILL);
    killed.store(true);
    client.join();
    CHECK(serve.wait_exit() == -SIGKILL);
  }
  REQUIRE(acknowledged > 5);
  Spec s = state::open_store(url)->snapshot().spec;
  CHECK(state_problems(s).empty());
  // The store holds one whole version: the last acknowledged, or the one in flight if its
  // commit landed before the kill. Never a mix.
  int version = 0;
  for (const auto& u : s.units) {
    if (u.name.rfind("job-", 0) == 0) version = std::stoi(u.name.substr(4));
  }
  INFO("acknowledged " << acknowledged << ", stored version " << version);
  CHECK((version == acknowledged || version == acknowledged + 1));
  Spec want = parse_spec_json(apply_version(version));
  REQUIRE(s.units.size() == want.units.size());
  std::set<std::string> want_instances, have_instances;
  for (const auto& u : want.units) {
    for (const auto& i : instances_of(u)) want_instances.insert(i);
  }
  for (const auto& [inst, m] : s.placements) have_instances.insert(inst);
  CHECK(have_instances == want_instances);
  CHECK(s.machines.size() == 4);
}

TEST_CASE("serve: SIGTERM finishes the request in flight and exits 0", "[serve][crash]") {
  TempDir dir;
  std::string url = "sqlite:" + dir.file("term.db");
  ServeProcess serve(url);
  httplib::Client c("127.0.0.1", serve.port);
  REQUIRE(c.Post("/v1/place", R"({"machines": )" + machines_json(2, "8", "16Gi") + "}",
                 "application/json")
              ->status == 200);
  // A long poll is in flight when SIGTERM arrives: it is answered, then the process exits 0.
  std::int64_t rev = std::stoll(c.Get("/v1/state")->get_header_value("X-Berth-Revision"));
  std::optional<httplib::Result> watch;
  std::thread poller([&] {
    httplib::Client w("127.0.0.1", serve.port);
    w.set_read_timeout(20, 0);
    watch.emplace(w.Get("/v1/watch?revision=" + std::to_string(rev) + "&timeout=10"));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(serve.pid, SIGTERM);
  poller.join();
  REQUIRE(watch);
  REQUIRE(*watch);
  CHECK((*watch)->status == 200);
  CHECK(serve.wait_exit() == 0);
  auto store = state::open_store(url);
  CHECK(store->snapshot().spec.machines.size() == 2);
}

TEST_CASE("serve: the CLI's --token-file and --max-body", "[serve][cli]") {
  TempDir dir;
  std::ofstream(dir.file("token")) << "tok-123456\n";
  ServeProcess serve("sqlite:" + dir.file("flags.db"),
                     {"--token-file", dir.file("token"), "--max-body", "512"});
  httplib::Client c("127.0.0.1", serve.port);
  auto denied = c.Get("/healthz");
  REQUIRE(denied);
  CHECK(denied->status == 401);
  c.set_bearer_token_auth("tok-123456");
  CHECK(c.Get("/healthz")->status == 200);
  auto big = c.Post("/v1/place", std::string(600, ' ') + "{}", "application/json");
  REQUIRE(big);
  CHECK(big->status == 413);
  CHECK(c.Post("/v1/place", R"({"machines": )" + machines_json(1, "1", "1Gi") + "}",
               "application/json")
            ->status == 200);
  ::kill(serve.pid, SIGTERM);
  CHECK(serve.wait_exit() == 0);
}

TEST_CASE("serve: over etcd, place, state and a watch woken by another writer", "[serve][etcd]") {
  state::testing::EtcdServer etcd;
  if (!etcd.ok()) {
    WARN("etcd not available: " << etcd.reason());
    return;
  }
  ServerOptions o;
  o.place_pending = false;
  Running run(etcd.url(), o);
  auto c = run.client();
  auto placed = c.Post("/v1/place",
                       R"({"machines": )" + machines_json(2, "4", "8Gi") + R"(, "units": [)" +
                           unit_json("web", "1", "1Gi", 2) + "]}",
                       "application/json");
  REQUIRE(placed);
  REQUIRE(placed->status == 200);
  CHECK(body_of(placed)["placements"].size() == 2);
  auto st = c.Get("/v1/state");
  std::int64_t rev = std::stoll(st->get_header_value("X-Berth-Revision"));
  CHECK(parse_spec_json(st->body).placements.size() == 2);
  std::thread other([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto store = state::open_store(etcd.url());
    Spec more;
    more.units.push_back(
        parse_spec_json(R"({"units": [)" + unit_json("api", "1", "1Gi") + "]}").units[0]);
    state::place_and_commit(*store, more);
  });
  json w = body_of(c.Get("/v1/watch?revision=" + std::to_string(rev) + "&timeout=10"));
  other.join();
  CHECK(w["timed_out"] == false);
  CHECK(w["changes"]["units"]["added"] == json::array({"api"}));
  CHECK(w["changes"]["placements"]["added"].contains("api"));
}
