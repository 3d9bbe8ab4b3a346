// Placement at scale through the library: generate, compile, place everything, and report
// time, peak memory and bytes per machine and per unit.
//   berth_bench_scale MACHINES UNITS [STRATEGY] [baseline]
// "baseline" turns off the search shortcuts (fit levels, replica ranking, shape memos) to compare.
//   berth_bench_scale --realistic MACHINES UNITS [FILL] [PREFERENCES]
// issue 17's mix (bench/support/realistic.hpp, UNITS counts units), best-fit; then every group
// left pending is diagnosed as `berth place` does (Placer::place_pending), timed on its own.
// Times are CPU seconds of this process (the machine is shared; wall time is noisy).
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "../support/generate.hpp"
#include "../support/process_clock.hpp"
#include "../support/realistic.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/placer.hpp"

namespace {

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

using berth::bench::process_cpu_seconds;

double seconds_since(double t) { return process_cpu_seconds() - t; }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MACHINES UNITS [STRATEGY]\n", argv[0]);
    return 1;
  }
  const bool realistic = std::string(argv[1]) == "--realistic";
  if (realistic) {
    ++argv;
    --argc;
  }
  berth::bench::GenerateOptions o;
  o.machines = std::strtoull(argv[1], nullptr, 10);
  o.units = std::strtoull(argv[2], nullptr, 10);
  berth::bench::RealisticOptions r;
  r.machines = o.machines;
  r.units = o.units;
  if (realistic && argc > 3) r.fill = std::strtod(argv[3], nullptr);
  if (realistic && argc > 4) r.preferences = std::strtod(argv[4], nullptr);
  const auto strategy = berth::parse_strategy(argc > 3 && !realistic ? argv[3] : "best-fit");
  const bool baseline = !realistic && argc > 4 && std::string(argv[4]) == "baseline";

  double t0 = process_cpu_seconds();
  berth::Spec spec =
      realistic ? berth::bench::generate_realistic_spec(r) : berth::bench::generate_spec(o);
  const double gen = seconds_since(t0);
  const long rss_spec = peak_rss_kib();

  t0 = process_cpu_seconds();
  berth::Cluster cluster = berth::Cluster::build(spec);
  const double build = seconds_since(t0);
  const long rss_cluster = peak_rss_kib();

  t0 = process_cpu_seconds();
  berth::Placer placer(cluster, strategy);
  if (baseline) placer.set_shortcuts({false, false, false});  // no fit levels, rankings, memos
  std::vector<berth::GroupId> groups(cluster.group_count());
  for (berth::GroupId g = 0; g < groups.size(); ++g) groups[g] = g;
  groups = placer.batch_order(std::move(groups));
  const double order = seconds_since(t0);
  t0 = process_cpu_seconds();
  std::size_t placed = 0;
  for (berth::GroupId g : groups) placed += placer.place_group(g) != berth::kNone ? 1 : 0;
  const double place = seconds_since(t0);
  const long rss_end = peak_rss_kib();

  // Diagnoses of what is left, as `berth place` gives them (the retry of each placement fails
  // at once: nothing changed).
  t0 = process_cpu_seconds();
  const auto wall0 = std::chrono::steady_clock::now();
  const std::size_t pending = placer.place_pending().size();
  const double diagnose = seconds_since(t0);
  const double diagnose_wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  const std::size_t over = cluster.overcommitted().size();
  std::printf("machines %zu, units %zu, strategy %s%s (CPU times)\n", cluster.machine_count(),
              cluster.instance_count(), berth::to_string(strategy),
              baseline ? ", baseline search" : "");
  std::printf(
      "generate %.3f s, compile %.3f s, order %.3f s, place %.3f s (%.2f us/unit), total %.3f s\n",
      gen, build, order, place, place * 1e6 / static_cast<double>(cluster.instance_count()),
      build + order + place);
  std::printf("placed %zu, pending %zu, overcommitted machines %zu\n", placed,
              cluster.group_count() - placed, over);
  std::printf("diagnosed %zu pending groups in %.3f s CPU (%.3f s wall)\n", pending, diagnose,
              diagnose_wall);
  std::printf(
      "peak RSS %.1f MiB (spec %.1f MiB, +cluster %.1f MiB); about %.0f bytes per machine+unit "
      "share\n",
      rss_end / 1024.0, rss_spec / 1024.0, (rss_cluster - rss_spec) / 1024.0,
      (rss_cluster - rss_spec) * 1024.0 /
          static_cast<double>(cluster.instance_count() + cluster.machine_count()));
  return over == 0 ? 0 : 1;
}
