// Side-by-side strategies on the same generated vector packing workloads (issue 4).
// Counters: bins used and bins over the lower bound; time is per solve.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "berth/pack/bounds.hpp"
#include "berth/pack/solve.hpp"

namespace {

using berth::pack::Instance;
using berth::pack::Size;

// Workload kinds after the public classes: uniform small/large items, correlated dimensions.
enum Kind : int { kUniform = 0, kSmallItems = 1, kCorrelated = 2 };

Instance workload(int kind, std::size_t n, std::size_t d, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Instance in;
  in.dims = d;
  in.capacity.assign(d, 1000);
  std::vector<Size> item(d);
  for (std::size_t i = 0; i < n; ++i) {
    if (kind == kUniform) {
      std::uniform_int_distribution<Size> u(100, 400);
      for (auto& x : item) x = u(rng);
    } else if (kind == kSmallItems) {
      std::uniform_int_distribution<Size> u(50, 200);
      for (auto& x : item) x = u(rng);
    } else {
      std::uniform_int_distribution<Size> u(100, 500), noise(-50, 50);
      const Size base = u(rng);
      for (auto& x : item) x = std::clamp<Size>(base + noise(rng), 1, 1000);
    }
    in.add_item(item);
  }
  return in;
}

void BM_strategy(benchmark::State& state, std::string strategy) {
  const Instance in =
      workload(static_cast<int>(state.range(0)), static_cast<std::size_t>(state.range(1)), 3, 42);
  const std::size_t lb = berth::pack::lower_bounds(in).best;
  berth::pack::SolveOptions o;
  o.max_iterations = 20000;  // fixed work, so runs compare like with like
  std::size_t bins = 0;
  for (auto _ : state) {
    const auto r = berth::pack::solve(in, strategy, o);
    bins = r.solution.bins;
    benchmark::DoNotOptimize(bins);
  }
  state.counters["bins"] = static_cast<double>(bins);
  state.counters["over_lb"] = static_cast<double>(bins - lb);
}

const int registered = [] {
  for (const auto& name : berth::pack::strategy_names()) {
    benchmark::RegisterBenchmark(("pack/" + name).c_str(), BM_strategy, name)
        ->ArgsProduct({{kUniform, kSmallItems, kCorrelated}, {100, 250}})
        ->ArgNames({"kind", "n"})
        ->Unit(benchmark::kMillisecond);
  }
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
