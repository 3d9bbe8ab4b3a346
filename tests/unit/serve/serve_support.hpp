#pragma once
// Shared by the serve tests: a server on 127.0.0.1 over a store, an httplib client, and an
// independent check of a stored state (written from the spec's words, not from the engine).
#include <httplib.h>

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "berth/model/spec.hpp"
#include "berth/serve/server.hpp"
#include "berth/state/store.hpp"

namespace berth::serve::testing {

/// A store and a server on it, on a free loopback port; stopped when destroyed.
struct Running {
  std::unique_ptr<state::StateStore> store;
  std::unique_ptr<Server> server;
  int port = 0;

  explicit Running(const std::string& url, ServerOptions options = {})
      : store(state::open_store(url)) {
    options.host = "127.0.0.1";
    options.port = 0;
    server = std::make_unique<Server>(*store, options);
    port = server->start();
  }
  ~Running() {
    if (server) server->stop();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30, 0);
    return c;
  }
};

inline nlohmann::json body_of(const httplib::Result& r) {
  REQUIRE(r);
  return nlohmann::json::parse(r->body);
}

/// Problems with a stored state: a placement naming a machine or instance that does not exist,
/// a machine holding more than it can, in any dimension. Empty: the state is sound.
inline std::vector<std::string> state_problems(const Spec& spec) {
  std::vector<std::string> bad;
  std::map<std::string, const Machine*> machines;
  for (const auto& m : spec.machines) machines[m.name] = &m;
  std::map<std::string, const Unit*> instances;
  for (const auto& u : spec.units) {
    if (u.replicas) {
      for (int r = 1; r <= *u.replicas; ++r) instances[u.name + "@" + std::to_string(r)] = &u;
    } else {
      instances[u.name] = &u;
    }
  }
  std::map<std::string, Resources> used;
  for (const auto& [inst, m] : spec.placements) {
    auto u = instances.find(inst);
    if (u == instances.end()) bad.push_back("placement of unknown instance " + inst);
    if (!machines.count(m)) bad.push_back("placement on unknown machine " + m);
    if (u != instances.end()) used[m] += u->second->requests;
  }
  for (const auto& [m, r] : used) {
    auto it = machines.find(m);
    if (it != machines.end() && !r.fits_in(it->second->allocatable()))
      bad.push_back("machine " + m + " overcommitted");
  }
  return bad;
}

/// Instances a unit should have (name@1..N, or the name).
inline std::vector<std::string> instances_of(const Unit& u) {
  std::vector<std::string> out;
  if (u.replicas) {
    for (int r = 1; r <= *u.replicas; ++r) out.push_back(u.name + "@" + std::to_string(r));
  } else {
    out.push_back(u.name);
  }
  return out;
}

// Built as JSON values rather than by string concatenation (GCC 12's -Wrestrict misfires on
// `"literal" + std::string&&` at -O3).
inline std::string machines_json(int count, const std::string& cpu, const std::string& memory) {
  nlohmann::json out = nlohmann::json::array();
  for (int i = 1; i <= count; ++i) {
    out.push_back({{"name", "m" + std::to_string(i)},
                   {"capacity", {{"cpu", cpu}, {"memory", memory}}},
                   {"metadata", {{"zone", "z" + std::to_string(i % 2)}}}});
  }
  return out.dump();
}

inline std::string unit_json(const std::string& name, const std::string& cpu,
                             const std::string& memory, int replicas = 0) {
  nlohmann::json u = {{"name", name}, {"requests", {{"cpu", cpu}, {"memory", memory}}}};
  if (replicas > 0) u["replicas"] = replicas;
  return u.dump();
}

}  // namespace berth::serve::testing
