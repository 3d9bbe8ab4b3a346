#pragma once
// Helpers shared by the packing tests: random instances and real-instance lookup.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "berth/pack/instance.hpp"
#include "berth/pack/solve.hpp"

namespace pack_test {

/// A random instance: n items, d dims, capacity cap, sizes uniform in [lo, hi] (clamped).
inline berth::pack::Instance random_instance(std::uint64_t seed, std::size_t n, std::size_t d,
                                             std::int64_t cap, std::int64_t lo, std::int64_t hi) {
  std::mt19937_64 rng(seed);
  berth::pack::Instance in;
  in.name = "random-" + std::to_string(seed);
  in.dims = d;
  in.capacity.assign(d, cap);
  std::uniform_int_distribution<std::int64_t> dist(lo, std::min(hi, cap));
  std::vector<std::int64_t> item(d);
  for (std::size_t i = 0; i < n; ++i) {
    for (auto& x : item) x = dist(rng);
    in.add_item(item);
  }
  return in;
}

/// Triplet instance with a known optimum of n/3: each group of three sums to cap exactly.
inline berth::pack::Instance triplet_instance(std::uint64_t seed, std::size_t groups,
                                              std::size_t d) {
  std::mt19937_64 rng(seed);
  berth::pack::Instance in;
  in.name = "triplets-" + std::to_string(seed);
  in.dims = d;
  in.capacity.assign(d, 100);
  std::uniform_int_distribution<std::int64_t> dist(25, 49);
  std::vector<std::vector<std::int64_t>> items;
  for (std::size_t g = 0; g < groups; ++g) {
    std::vector<std::int64_t> a(d), b(d), c(d);
    for (std::size_t k = 0; k < d; ++k) {
      a[k] = dist(rng);
      b[k] = dist(rng);
      c[k] = 100 - a[k] - b[k];
    }
    items.push_back(a);
    items.push_back(b);
    items.push_back(c);
  }
  std::shuffle(items.begin(), items.end(), rng);
  for (const auto& it : items) in.add_item(it);
  return in;
}

// Iteration limits, never wall time: the tests must give the same answer on any machine.
inline berth::pack::SolveOptions deterministic(std::uint64_t iterations, std::uint64_t seed = 1) {
  berth::pack::SolveOptions o;
  o.max_iterations = iterations;
  o.seed = seed;
  return o;
}

// Optimum by brute force over set partitions (tiny n only): an oracle independent of B&B.
inline std::size_t brute_force_optimum(const berth::pack::Instance& in) {
  const std::size_t n = in.item_count();
  std::vector<std::size_t> bin(n, 0);
  std::size_t best = n;
  std::vector<berth::pack::Size> load(n * in.dims, 0);
  std::function<void(std::size_t, std::size_t)> go = [&](std::size_t i, std::size_t used) {
    if (used >= best) return;
    if (i == n) {
      best = used;
      return;
    }
    for (std::size_t b = 0; b <= used && b < n; ++b) {
      bool ok = true;
      for (std::size_t k = 0; k < in.dims; ++k)
        ok = ok && load[b * in.dims + k] + in.item(i)[k] <= in.capacity[k];
      if (!ok) continue;
      for (std::size_t k = 0; k < in.dims; ++k) load[b * in.dims + k] += in.item(i)[k];
      go(i + 1, b == used ? used + 1 : used);
      for (std::size_t k = 0; k < in.dims; ++k) load[b * in.dims + k] -= in.item(i)[k];
    }
  };
  go(0, 0);
  return best;
}

/// ../shared/data, or "" when it is absent.
inline std::filesystem::path shared_data() {
  const std::filesystem::path p = BERTH_SHARED_DATA;
  return std::filesystem::exists(p / "vbp") ? p : std::filesystem::path();
}

}  // namespace pack_test
