// Builds a cluster in code (no files) and places a replicated, anti-affine unit.
#include <berth/berth.hpp>

#include <cstdio>
#include <string>

int main() {
  berth::Spec spec;
  for (int i = 1; i <= 3; ++i) {
    berth::Machine m;
    m.name = "node" + std::to_string(i);
    m.capacity.cpu = berth::parse_cpu("2", "cpu");
    m.capacity.memory = berth::parse_bytes("4GiB", "memory");
    spec.machines.push_back(m);
  }
  berth::Unit web;
  web.name = "web";
  web.replicas = 4;
  web.requests.cpu = 500;
  web.constraints.conflicts = {"web@*"};
  spec.units.push_back(web);
  berth::PlacementResult result = berth::place(spec);
  std::printf("embedding: %zu placed, %zu pending\n", result.placements.size(),
              result.pending.size());
  // Three machines, one replica each: the fourth must be pending because of the conflict.
  return result.placements.size() == 3 && result.pending.size() == 1 ? 0 : 1;
}
