// Operations benchmarks (issue 5): rescheduling after losing 1% of 10,000 machines at 80%
// utilization, and planning a rolling reboot of 1,000 machines at 85% utilization.
// Results and commands: bench/RESULTS.md, "Failures, drain and reboot (ops)".
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <map>
#include <string>

#include "berth/ops/reboot_plan.hpp"
#include "berth/ops/reschedule.hpp"
#include "berth/place/cluster.hpp"

namespace {

using namespace berth;

constexpr std::int64_t kGi = 1024LL * 1024 * 1024;

/// `machines` machines of 16 cores / 64 GiB in 3 zones, each running 4 "large" (2 cores,
/// 8 GiB) and 4 "small" instances sized so that every machine sits at `percent` utilization
/// in both dimensions. Services have 100 replicas.
Spec synthetic(int machines, int percent) {
  Spec s;
  for (int k = 0; k < machines; ++k) {
    Machine m;
    m.name = fmt::format("m{}", k + 1);
    m.capacity.cpu = 16000;
    m.capacity.memory = 64 * kGi;
    m.metadata["zone"] = {fmt::format("z{}", k % 3)};
    m.metadata["rack"] = {fmt::format("r{}", k / 40)};
    s.machines.push_back(std::move(m));
  }
  // small: what is left to reach `percent` after 4 large ones (8 cores, 32 GiB).
  const std::int64_t small_cpu = (16000 * percent / 100 - 8000) / 4;
  const std::int64_t small_mem = (64 * kGi * percent / 100 - 32 * kGi) / 4;
  const int per_service = 100;
  const int services = machines * 4 / per_service;
  for (int k = 0; k < services; ++k) {
    Unit large;
    large.name = fmt::format("large{}", k);
    large.replicas = per_service;
    large.requests.cpu = 2000;
    large.requests.memory = 8 * kGi;
    large.priority = k % 3;
    s.units.push_back(large);
    Unit small;
    small.name = fmt::format("small{}", k);
    small.replicas = per_service;
    small.requests.cpu = small_cpu;
    small.requests.memory = small_mem;
    s.units.push_back(small);
  }
  // Instance k goes to machine (k * 7919) mod n (7919 is prime and coprime with the sizes used):
  // every machine gets exactly four of each kind, and a service's replicas scatter over the
  // cluster as a scheduler would leave them, not on neighbouring machines.
  for (int k = 0; k < services * per_service; ++k) {
    const std::string machine =
        fmt::format("m{}", static_cast<int>((static_cast<std::int64_t>(k) * 7919) % machines) + 1);
    s.placements[fmt::format("large{}@{}", k / per_service, k % per_service + 1)] = machine;
    s.placements[fmt::format("small{}@{}", k / per_service, k % per_service + 1)] = machine;
  }
  return s;
}

void BM_RescheduleAfterLosingOnePercent(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const Cluster base = Cluster::build(synthetic(n, 80));
  std::vector<MachineId> lost;
  for (int k = 0; k < n / 100; ++k) lost.push_back(static_cast<MachineId>(k * 100 + 7));
  std::size_t evicted = 0, moves = 0, pending = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Cluster c = base;
    state.ResumeTiming();
    ops::RescheduleResult r = ops::fail_machines(c, lost, {});
    evicted = r.evicted.size();
    moves = r.moves.size();
    pending = r.pending.size();
    benchmark::DoNotOptimize(r);
    if (!c.overcommitted().empty()) state.SkipWithError("overcommit");
  }
  state.counters["machines"] = n;
  state.counters["lost"] = static_cast<double>(lost.size());
  state.counters["evicted"] = static_cast<double>(evicted);
  state.counters["moved"] = static_cast<double>(moves);
  state.counters["pending"] = static_cast<double>(pending);
}
BENCHMARK(BM_RescheduleAfterLosingOnePercent)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

void BM_RebootPlan(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const int max_unavailable = static_cast<int>(state.range(1));
  const Cluster c = Cluster::build(synthetic(n, 85));
  std::vector<MachineId> all(c.machine_count());
  for (MachineId m = 0; m < c.machine_count(); ++m) all[m] = m;
  ops::RebootOptions ro;
  ro.max_unavailable = max_unavailable;
  ops::OpsOptions o;
  o.budgets = {ops::parse_budget("*=2")};  // at most 2 replicas of any service down at once
  std::size_t waves = 0, moves = 0;
  bool safe = false;
  for (auto _ : state) {
    ops::RebootPlan plan = ops::plan_reboot(c, all, ro, o);
    waves = plan.waves.size();
    moves = 0;
    for (const auto& w : plan.waves) moves += w.moves.size();
    safe = plan.safe;
    benchmark::DoNotOptimize(plan);
  }
  state.counters["machines"] = n;
  state.counters["waves"] = static_cast<double>(waves);
  state.counters["moves"] = static_cast<double>(moves);
  state.counters["safe"] = safe ? 1 : 0;
}
BENCHMARK(BM_RebootPlan)
    ->Args({1000, 1})
    ->Args({1000, 10})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
