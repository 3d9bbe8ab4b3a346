// Writes a synthetic spec (bench/support/generate.hpp) as JSON, for end-to-end runs of
// `berth place`:  berth_bench_gen_spec MACHINES UNITS [REPLICAS] > spec.json
#include <cstdio>
#include <cstdlib>
#include <string>

#include "berth/io/spec_json.hpp"
#include "../support/generate.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MACHINES UNITS [REPLICAS] [--spread]\n", argv[0]);
    return 1;
  }
  berth::bench::GenerateOptions o;
  o.machines = std::strtoull(argv[1], nullptr, 10);
  o.units = std::strtoull(argv[2], nullptr, 10);
  if (argc > 3) o.replicas = std::strtoull(argv[3], nullptr, 10);
  for (int i = 3; i < argc; ++i) {
    if (std::string(argv[i]) == "--spread") o.spread = true;
  }
  std::fputs(berth::write_spec_json(berth::bench::generate_spec(o), -1).c_str(), stdout);
  return 0;
}
