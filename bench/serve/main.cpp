// berth_bench_serve: requests per second through `berth serve`'s HTTP API, in-process server on
// 127.0.0.1 over a store, cpp-httplib clients. Two workloads:
//   place: each request POSTs one new unit to /v1/place (snapshot -> place -> commit);
//   kube:  each pod is one /kube/filter + /kube/prioritize + /kube/bind round trip over
//          NodeNames (nodeCacheCapable: true), as kube-scheduler drives an extender.
// Usage: berth_bench_serve [--store URL] [--machines N] [--clients C] [--requests R]
// Prints one line per workload: requests, seconds, requests/s, errors, and audits the final
// state (no overcommit, every acknowledged unit stored and placed).
#include <fmt/format.h>
#include <httplib.h>

#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "berth/serve/server.hpp"
#include "berth/state/store.hpp"

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  std::string store;
  int machines = 1000;
  int clients = 4;
  int requests = 2000;
};

json machines_body(int n) {
  json ms = json::array();
  for (int i = 1; i <= n; ++i) {
    ms.push_back({{"name", fmt::format("m{}", i)},
                  {"capacity", {{"cpu", "32"}, {"memory", "128Gi"}}},
                  {"metadata", {{"zone", fmt::format("z{}", i % 3)}}}});
  }
  return {{"machines", ms}};
}

json pod(const std::string& name) {
  return {
      {"metadata", {{"name", name}, {"namespace", "bench"}, {"uid", name}}},
      {"spec",
       {{"containers",
         json::array({{{"name", "c"},
                       {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "256Mi"}}}}}}})}}},
      {"status", {{"phase", "Pending"}}}};
}

/// Runs `per_client(client_index, request_index)` `total` times over `clients` threads.
template <class F>
double run(int clients, int total, F per_client, std::atomic<int>& errors) {
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int i = c; i < total; i += clients) {
        if (!per_client(c, i)) ++errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines show up when piped
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--store")
      a.store = v;
    else if (k == "--machines")
      a.machines = std::atoi(v.c_str());
    else if (k == "--clients")
      a.clients = std::atoi(v.c_str());
    else if (k == "--requests")
      a.requests = std::atoi(v.c_str());
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 1;
    }
  }
  std::string tmp;
  if (a.store.empty()) {
    tmp = (std::filesystem::temp_directory_path() /
           fmt::format("berth-bench-serve-{}.db", ::getpid()))
              .string();
    a.store = fmt::format("sqlite:{}", tmp);
  }
  auto store = berth::state::open_store(a.store);
  berth::serve::ServerOptions o;
  o.place_pending = false;  // measure the requests, not the background placer
  berth::serve::Server server(*store, o);
  int port = server.start();
  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (int c = 0; c < a.clients; ++c)
    clients.push_back(std::make_unique<httplib::Client>("127.0.0.1", port));
  if (clients[0]->Post("/v1/place", machines_body(a.machines).dump(), "application/json")->status !=
      200)
    return 1;
  std::printf("store %s, %d machines, %d clients, %d requests per workload\n", a.store.c_str(),
              a.machines, a.clients, a.requests);

  std::atomic<int> errors{0};
  double s = run(
      a.clients, a.requests,
      [&](int c, int i) {
        json body = {
            {"units", json::array({{{"name", fmt::format("u{}", i)},
                                    {"requests", {{"cpu", "100m"}, {"memory", "256Mi"}}}}})}};
        auto r = clients[c]->Post("/v1/place", body.dump(), "application/json");
        return r && r->status == 200;
      },
      errors);
  std::printf("place: %d requests in %.2f s = %.0f requests/s (%d errors)\n", a.requests, s,
              a.requests / s, errors.load());

  json names = json::array();
  for (int i = 1; i <= a.machines; ++i) names.push_back(fmt::format("m{}", i));
  std::atomic<int> kube_errors{0};
  double k = run(
      a.clients, a.requests,
      [&](int c, int i) {
        std::string name = fmt::format("p{}", i);
        json args = {{"Pod", pod(name)}, {"NodeNames", names}, {"Nodes", nullptr}};
        auto f = clients[c]->Post("/kube/filter", args.dump(), "application/json");
        if (!f || f->status != 200) {
          std::fprintf(stderr, "filter %s: %s\n", name.c_str(),
                       f ? f->body.c_str() : "transport error");
          return false;
        }
        json passed = json::parse(f->body)["NodeNames"];
        if (passed.empty()) return false;
        args["NodeNames"] = passed;
        auto p = clients[c]->Post("/kube/prioritize", args.dump(), "application/json");
        if (!p || p->status != 200) return false;
        std::string best;
        std::int64_t top = -1;
        for (const auto& h : json::parse(p->body)) {
          if (h["Score"].get<std::int64_t>() > top)
            top = h["Score"].get<std::int64_t>(), best = h["Host"].get<std::string>();
        }
        json bind = {
            {"PodName", name}, {"PodNamespace", "bench"}, {"PodUID", name}, {"Node", best}};
        auto b = clients[c]->Post("/kube/bind", bind.dump(), "application/json");
        // A bind that lost the race to another client's is the protocol working (kube retries the
        // pod); count it apart from errors.
        bool ok = b && b->status == 200 && json::parse(b->body)["Error"] == "";
        if (!ok && b) std::fprintf(stderr, "bind %s: %s\n", name.c_str(), b->body.c_str());
        return ok;
      },
      kube_errors);
  std::printf(
      "kube: %d pods (filter+prioritize+bind over %d NodeNames) in %.2f s = %.0f pods/s (%d not "
      "bound)\n",
      a.requests, a.machines, k, a.requests / k, kube_errors.load());

  server.stop();
  // Audit: no machine over its allocatable, every placed instance's unit stored.
  berth::Spec spec = store->snapshot().spec;
  std::map<std::string, berth::Resources> used;
  std::map<std::string, const berth::Unit*> units;
  for (const auto& u : spec.units) units[u.name] = &u;
  std::size_t bad = 0;
  for (const auto& [inst, m] : spec.placements) {
    auto it = units.find(inst);
    if (it == units.end())
      ++bad;
    else
      used[m] += it->second->requests;
  }
  for (const auto& mach : spec.machines) {
    if (!used[mach.name].fits_in(mach.allocatable())) ++bad;
  }
  std::printf("audit: %zu units, %zu placements, %zu problems\n", spec.units.size(),
              spec.placements.size(), bad);
  if (!tmp.empty()) std::filesystem::remove(tmp);
  return bad == 0 && errors.load() == 0 ? 0 : 1;
}
