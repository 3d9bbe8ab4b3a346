// Packing quality and speed of every placement strategy, online and batch, on the same
// generated cluster workloads (issue 4). Each benchmark places a whole spec (Cluster::build
// included) and reports, as counters, what berth compare reports: instances placed and
// pending, machines used, mean CPU and memory utilization of the machines in use, stranded
// CPU and memory (fraction of the total).
// Run: build/bench/berth_compare_bench --benchmark_min_time=0.05 --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include "berth/place/cluster.hpp"
#include "berth/place/compare.hpp"
#include "berth/place/place.hpp"
#include "support/generate.hpp"

using namespace berth;

namespace {

/// The workloads, all on 200 machines:
///  services  generate_spec's services (role metadata, anti-affinity), about 80% of CPU asked
///  spread    the same with zone spread (max_skew 1) instead of anti-affinity
///  uniform   many similar units meeting many similar machines: 200 machines of one shape, 4
///            unit shapes, no constraints, about 90% of the CPU asked: the flow's case
Spec workload(int kind) {
  bench::GenerateOptions o;
  o.machines = 200;
  o.units = 3400;
  if (kind == 1) {
    o.anti_affinity = false;
    o.spread = true;
  }
  if (kind != 2) return bench::generate_spec(o);
  Spec spec;
  for (int i = 1; i <= 200; ++i) {
    Machine m;
    m.name = fmt::format("m{}", i);
    m.capacity.cpu = 16000;
    m.capacity.memory = 64LL << 30;
    spec.machines.push_back(std::move(m));
  }
  const struct {
    std::int64_t cpu, memory;
    int replicas;
  } shapes[] = {{2000, 4LL << 30, 400},
                {1000, 8LL << 30, 500},
                {500, 2LL << 30, 800},
                {3000, 6LL << 30, 250}};
  int k = 0;
  for (const auto& s : shapes) {
    Unit u;
    u.name = fmt::format("svc{}", ++k);
    u.replicas = s.replicas;
    u.requests.cpu = s.cpu;
    u.requests.memory = s.memory;
    spec.units.push_back(std::move(u));
  }
  return spec;
}

const char* kWorkloads[] = {"services", "spread", "uniform"};

void compare(benchmark::State& state, int kind, const std::string& strategy) {
  const Spec spec = workload(kind);
  const PlaceOptions options = place_options_for(strategy);
  PlacementMetrics metrics;
  for (auto _ : state) {
    Cluster cluster = Cluster::build(spec);
    PlacementResult r = place_on(spec, cluster, options);
    benchmark::DoNotOptimize(r);
    state.PauseTiming();
    metrics = measure_placement(cluster);
    state.ResumeTiming();
  }
  state.counters["placed"] = static_cast<double>(metrics.placed);
  state.counters["pending"] = static_cast<double>(metrics.pending);
  state.counters["machines"] = static_cast<double>(metrics.machines_used);
  for (const auto& d : metrics.dimensions) {
    if (d.name != "cpu" && d.name != "memory") continue;
    state.counters[d.name + "_mean"] = d.mean_utilization;
    state.counters[d.name + "_strand"] = d.stranded_fraction;
  }
}

const bool registered = [] {
  for (int kind = 0; kind < 3; ++kind) {
    for (const std::string& name : all_strategy_names()) {
      benchmark::RegisterBenchmark(fmt::format("compare/{}/{}", kWorkloads[kind], name).c_str(),
                                   [kind, name](benchmark::State& s) { compare(s, kind, name); })
          ->Unit(benchmark::kMillisecond);
    }
  }
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
