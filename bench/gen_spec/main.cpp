// Writes a synthetic spec as JSON, for end-to-end runs of `berth place`:
//   berth_bench_gen_spec MACHINES UNITS [REPLICAS] [--spread] > spec.json
//       services of REPLICAS instances (bench/support/generate.hpp; UNITS counts instances)
//   berth_bench_gen_spec --realistic MACHINES UNITS [--fill F] [--preferences P] [--seed S] >
//   spec.json
//       issue 17's mix (bench/support/realistic.hpp; UNITS counts units, ~1.4 instances each)
#include <cstdio>
#include <cstdlib>
#include <string>

#include "../support/generate.hpp"
#include "../support/realistic.hpp"
#include "berth/io/spec_json.hpp"

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--realistic") {
    if (argc < 4) {
      std::fprintf(stderr,
                   "usage: %s --realistic MACHINES UNITS [--fill F] [--preferences P] [--seed S]\n",
                   argv[0]);
      return 1;
    }
    berth::bench::RealisticOptions o;
    o.machines = std::strtoull(argv[2], nullptr, 10);
    o.units = std::strtoull(argv[3], nullptr, 10);
    for (int i = 4; i + 1 < argc; i += 2) {
      const std::string flag = argv[i];
      if (flag == "--fill")
        o.fill = std::strtod(argv[i + 1], nullptr);
      else if (flag == "--preferences")
        o.preferences = std::strtod(argv[i + 1], nullptr);
      else if (flag == "--seed")
        o.seed = std::strtoull(argv[i + 1], nullptr, 10);
      else {
        std::fprintf(stderr, "unknown option %s\n", argv[i]);
        return 1;
      }
    }
    std::fputs(berth::write_spec_json(berth::bench::generate_realistic_spec(o), -1).c_str(),
               stdout);
    return 0;
  }
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: %s MACHINES UNITS [REPLICAS] [--spread]\n       %s --realistic MACHINES "
                 "UNITS [--fill F] [--preferences P] [--seed S]\n",
                 argv[0], argv[0]);
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
