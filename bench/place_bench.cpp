// Placement speed: one decision on a loaded cluster, and batch placement, per strategy and
// cluster size. Run: build/bench/berth_place_bench --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <optional>
#include <stdexcept>

#include "berth/place/cluster.hpp"
#include "berth/place/place.hpp"
#include "berth/place/placer.hpp"
#include "support/generate.hpp"

using namespace berth;

namespace {

/// A cluster loaded to about half its capacity, plus one probe unit with three constraints
/// (role metadata, anti-affinity, zone spread) whose instances are placed and removed.
struct Loaded {
  Cluster cluster;
  GroupId probe;
};

Loaded make_loaded(std::size_t machines, StrategyKind strategy) {
  bench::GenerateOptions o;
  o.machines = machines;
  o.units = machines * 6;
  Spec spec = bench::generate_spec(o);
  Unit probe;
  probe.name = "probe";
  probe.replicas = 3;
  probe.requests.cpu = 500;
  probe.requests.memory = 1LL << 30;
  probe.constraints.metadata.push_back({"role", MetadataOp::In, {"api"}});
  probe.constraints.conflicts.push_back("probe@*");
  probe.constraints.spread = SpreadConstraint{"zone", 1};
  spec.units.push_back(probe);
  Cluster cluster = Cluster::build(spec);
  Placer placer(cluster, strategy);
  // Load everything but the probe.
  InstanceId first_probe = cluster.find_instance("probe@1");
  GroupId probe_group = cluster.instance(first_probe).group;
  for (GroupId g : placer.batch_order([&] {
         std::vector<GroupId> all;
         for (GroupId g = 0; g < cluster.group_count(); ++g) {
           if (cluster.instance(cluster.group(g).members.front()).unit !=
               cluster.instance(first_probe).unit)
             all.push_back(g);
         }
         return all;
       }())) {
    placer.place_group(g);
  }
  return {std::move(cluster), probe_group};
}

/// One decision for the probe, placed and removed again: by the indexed search (`scan` false,
/// what select() does) or by the exhaustive scan (the fallback the index must beat).
void single_placement(benchmark::State& state, bool scan) {
  const auto machines = static_cast<std::size_t>(state.range(0));
  const auto strategy = static_cast<StrategyKind>(state.range(1));
  Loaded loaded = make_loaded(machines, strategy);
  Placer placer(loaded.cluster, strategy);
  InstanceId member = loaded.cluster.group(loaded.probe).members.front();
  for (auto _ : state) {
    MachineId m = scan ? placer.select_scan(loaded.probe) : placer.select_indexed(loaded.probe);
    loaded.cluster.assign(member, m);
    benchmark::DoNotOptimize(m);
    loaded.cluster.unassign(member);
  }
  state.SetLabel(to_string(strategy));
}

void BM_SinglePlacement(benchmark::State& state) { single_placement(state, false); }
void BM_SinglePlacementScan(benchmark::State& state) { single_placement(state, true); }

void BM_BatchPlacement(benchmark::State& state) {
  const auto machines = static_cast<std::size_t>(state.range(0));
  const auto strategy = static_cast<StrategyKind>(state.range(1));
  bench::GenerateOptions o;
  o.machines = machines;
  o.units = 10000;  // a fixed batch, so the per-unit cost shows how it grows with machines
  Spec spec = bench::generate_spec(o);
  std::size_t placed = 0;
  for (auto _ : state) {
    PlacementResult r = place(spec, PlaceOptions{strategy});
    placed = r.placements.size();
    benchmark::DoNotOptimize(placed);
  }
  state.counters["units"] = static_cast<double>(o.units);
  state.counters["placed"] = static_cast<double>(placed);
  state.counters["us_per_unit"] = benchmark::Counter(
      static_cast<double>(o.units),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.SetLabel(to_string(strategy));
}

/// A cluster filled by the placer with twice what fits (the workload of bench/RESULTS.md,
/// "Explanations at scale": services with role metadata and anti-affinity), and the first instance
/// left pending there. Built once per size and shared by both diagnoses.
struct Full {
  Cluster cluster;
  GroupId probe;
};

Full& full_cluster(std::size_t machines) {
  static std::map<std::size_t, std::unique_ptr<Full>> built;
  auto& slot = built[machines];
  if (slot) return *slot;
  bench::GenerateOptions o;
  o.machines = machines;
  o.units = machines * 20;
  Spec spec = bench::generate_spec(o);
  Cluster cluster = Cluster::build(spec);
  Placer placer(cluster, StrategyKind::BestFit);
  std::vector<GroupId> all(cluster.group_count());
  for (GroupId g = 0; g < all.size(); ++g) all[g] = g;
  for (GroupId g : placer.batch_order(std::move(all))) placer.place_group(g);
  const InstanceId pending = [&] {
    for (InstanceId i = 0; i < cluster.instance_count(); ++i) {
      if (cluster.assignment(i) == kNone) return i;
    }
    return kNone;
  }();
  if (pending == kNone) throw std::runtime_error("nothing pending: the cluster is not full");
  const GroupId group = cluster.instance(pending).group;
  slot = std::make_unique<Full>(Full{std::move(cluster), group});
  return *slot;
}

/// Diagnosis of a pending unit on a full cluster: by the exhaustive scan or by the indexes.
/// The indexed diagnosis keeps each class's resource counts per request vector while the class
/// is unchanged, so asking again measures the reuse (what `place` pays for the next pending
/// unit of the same request shape). `first` re-sets one machine's state (untimed) before each
/// diagnosis: a change the placer did not make, so it keeps nothing and counts every class, as
/// for the first pending unit of a shape (its other scratch, built on first use, stays warm).
void diagnose_pending(benchmark::State& state, bool scan, bool first = false) {
  Full& full = full_cluster(static_cast<std::size_t>(state.range(0)));
  Placer placer(full.cluster, StrategyKind::BestFit);
  Diagnosis diag;
  for (auto _ : state) {
    if (first) {
      state.PauseTiming();
      full.cluster.set_state(0, full.cluster.machine_state(0));
      state.ResumeTiming();
    }
    const MachineId m =
        scan ? placer.select_scan(full.probe, &diag) : placer.select_diagnosed(full.probe, &diag);
    benchmark::DoNotOptimize(m);
  }
  state.counters["fit"] = static_cast<double>(diag.fit);
  state.counters["conflicts"] = static_cast<double>(diag.rejections[reason::kConflict]);
  state.SetLabel(diag.summary().substr(0, 100));
}

void BM_DiagnoseScan(benchmark::State& state) { diagnose_pending(state, true); }
void BM_DiagnoseIndexed(benchmark::State& state) { diagnose_pending(state, false); }
void BM_DiagnoseIndexedFirst(benchmark::State& state) { diagnose_pending(state, false, true); }

void strategies(benchmark::internal::Benchmark* b, std::initializer_list<std::int64_t> sizes) {
  for (auto n : sizes) {
    for (int s = 0; s < 5; ++s) b->Args({n, s});
  }
}

}  // namespace

BENCHMARK(BM_SinglePlacement)->Apply([](auto* b) {
                               strategies(b, {1000, 10000, 100000});
                             }) -> Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SinglePlacementScan)->Apply([](auto* b) {
                                   strategies(b, {1000, 10000, 100000});
                                 }) -> Unit(benchmark::kMicrosecond);
BENCHMARK(BM_BatchPlacement)->Apply([](auto* b) {
                              strategies(b, {1000, 10000, 100000});
                            }) -> Unit(benchmark::kMillisecond) -> Iterations(1);

BENCHMARK(BM_DiagnoseScan)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DiagnoseIndexed)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DiagnoseIndexedFirst)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
