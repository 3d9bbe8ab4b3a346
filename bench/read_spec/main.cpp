// The read phase of `berth place` alone (issue 17): parse_spec_json on a spec already in memory,
// the sequential read against the split read (docs/spec.md, "Reading a large spec"), wall and
// CPU time of each, in turn.
//
//   berth_bench_read_spec SPEC [RUNS] [THREADS...]
//
// RUNS (default 3) rounds; each reads SPEC once sequentially and once split with each THREADS
// (default: 1 and the number of cores). Prints min / median / max per mode. The CLI's allocator
// policy is set, as in `berth place`. In one process the later rounds reuse the heap the earlier
// ones freed: no first-touch page faults, which `berth place` pays once (bench/scale/realistic.py
// measures whole processes).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "../support/process_clock.hpp"
#include "berth/allocator_policy.hpp"
#include "berth/io/spec_json.hpp"

namespace {

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string three(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return fmt::format("{:.3f} / {:.3f} / {:.3f}", v.front(), v[v.size() / 2], v.back());
}

struct Mode {
  std::string name;
  berth::SpecReadOptions options;
  std::vector<double> wall, cpu;
  bool parallel = false;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: berth_bench_read_spec SPEC [RUNS] [THREADS...]\n");
    return 2;
  }
  berth::use_cli_allocator_policy();
  const std::string text = berth::read_text_file(argv[1]);
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
  std::vector<unsigned> threads;
  for (int k = 3; k < argc; ++k) threads.push_back(static_cast<unsigned>(std::atoi(argv[k])));
  if (threads.empty()) threads = {1, std::max(1U, std::thread::hardware_concurrency())};

  std::vector<Mode> modes;
  modes.push_back({"sequential", berth::SpecReadOptions{1, SIZE_MAX}, {}, {}});
  for (unsigned t : threads)
    modes.push_back({fmt::format("split, {} thread(s)", t), berth::SpecReadOptions{t, 1}, {}, {}});
  std::size_t machines = 0;
  std::size_t units = 0;
  for (int r = 0; r < runs; ++r) {
    for (Mode& mode : modes) {
      berth::SpecReadReport report;
      const double w0 = wall_seconds();
      const double c0 = berth::bench::process_cpu_seconds();
      const berth::Spec spec = berth::parse_spec_json(text, argv[1], mode.options, &report);
      mode.cpu.push_back(berth::bench::process_cpu_seconds() - c0);
      mode.wall.push_back(wall_seconds() - w0);
      mode.parallel = report.parallel;
      machines = spec.machines.size();
      units = spec.units.size();
      // Freed outside the timing: `berth place` keeps the spec (the cluster takes it).
    }
  }
  fmt::print("{}: {} machines, {} units, {:.1f} MB; {} run(s), min / median / max\n", argv[1],
             machines, units, static_cast<double>(text.size()) / 1e6, runs);
  for (const Mode& mode : modes) {
    fmt::print("  {:<22} wall {} s  CPU {} s{}\n", mode.name, three(mode.wall), three(mode.cpu),
               mode.parallel || mode.options.parallel_from == SIZE_MAX ? "" : "  (fell back)");
  }
  return 0;
}
