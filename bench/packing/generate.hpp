#pragma once
// Fresh instances of the kinds in ../shared/data/vbp, drawn from the published descriptions
// (the origin's generator scripts are not available to us; see ../shared/data/SOURCES.md):
//
// * Panigrahy classes 1-6: every size uniform in [alpha, beta], capacity h (per class).
// * class 7 / 8: dimensions in pairs (0,1), (2,3), ...; the first of a pair uniform in
//   [20, 100], the second its value +-10 (7, correlated) or 120 minus it +-10 (8,
//   anti-correlated); an unpaired last dimension uniform in [20, 100]; capacity 150.
// * class 9: bins of capacity 100 cut into 1-3 pieces in every dimension independently (so
//   sizes may be 0); the number of bins cut is an upper bound on the optimum.
// * triplets (capacity 100, optimum n/3 by construction): Caprara-style a, b uniform in
//   [25, 50] and c = 100 - a - b; Falkenauer-style a uniform in [38, 49], b uniform in
//   [25, (100 - a) / 2], c = 100 - a - b; per dimension independently, items shuffled.
//
// The seeds are fixed by the caller; std::mt19937_64 and our own integer draws (no
// std::uniform_int_distribution, whose output differs between standard libraries) make the
// instances the same everywhere.
#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "berth/pack/instance.hpp"

namespace bench_pack {

using berth::pack::Instance;
using berth::pack::Size;

/// Uniform integer in [lo, hi] (lo <= hi), portable across standard libraries.
inline Size draw(std::mt19937_64& rng, Size lo, Size hi) {
  return lo + static_cast<Size>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
}

/// Panigrahy class 1-9 with n items and d dimensions.
inline Instance panigrahy_instance(int cls, std::size_t n, std::size_t d, std::uint64_t seed) {
  std::mt19937_64 rng(seed * 1000003 + static_cast<std::uint64_t>(cls) * 7919 + n * 31 + d);
  Instance in;
  in.name = "gen/panigrahy/class" + std::to_string(cls) + "_" + std::to_string(n) + "_" +
            std::to_string(d) + "_" + std::to_string(seed);
  in.dims = d;
  struct Range {
    Size h, lo, hi;
  };
  static const Range ranges[] = {{1000, 100, 400}, {1000, 1, 1000}, {1000, 200, 800},
                                 {1000, 50, 200},  {1000, 25, 100}, {150, 20, 100}};
  std::vector<Size> item(d);
  if (cls >= 1 && cls <= 6) {
    const Range r = ranges[cls - 1];
    in.capacity.assign(d, r.h);
    for (std::size_t i = 0; i < n; ++i) {
      for (auto& x : item) x = draw(rng, r.lo, r.hi);
      in.add_item(item);
    }
  } else if (cls == 7 || cls == 8) {
    in.capacity.assign(d, 150);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t k = 0; k < d; k += 2) {
        item[k] = draw(rng, 20, 100);
        if (k + 1 < d) {
          const Size centre = cls == 7 ? item[k] : 120 - item[k];
          item[k + 1] = draw(rng, centre - 10, centre + 10);
        }
      }
      in.add_item(item);
    }
  } else {  // class 9
    in.capacity.assign(d, 100);
    while (in.item_count() < n) {
      const std::size_t pieces = static_cast<std::size_t>(draw(rng, 1, 3));
      std::vector<std::vector<Size>> bin(pieces, std::vector<Size>(d));
      for (std::size_t k = 0; k < d; ++k) {
        std::vector<Size> cuts{0, 100};
        for (std::size_t c = 1; c < pieces; ++c) cuts.push_back(draw(rng, 0, 100));
        std::sort(cuts.begin(), cuts.end());
        for (std::size_t p = 0; p < pieces; ++p) bin[p][k] = cuts[p + 1] - cuts[p];
      }
      for (std::size_t p = 0; p < pieces && in.item_count() < n; ++p) in.add_item(bin[p]);
    }
  }
  return in;
}

/// Triplet instance, `kind` 'C' (Caprara) or 'F' (Falkenauer): 3 * groups items whose
/// optimum is `groups` (each group fills a bin exactly in every dimension).
inline Instance triplet_instance(char kind, std::size_t groups, std::size_t d, std::uint64_t seed) {
  std::mt19937_64 rng(seed * 1000003 + static_cast<std::uint64_t>(kind) * 7919 + groups * 31 + d);
  Instance in;
  in.name = std::string("gen/triplet/class") + kind + "_" + std::to_string(3 * groups) + "_" +
            std::to_string(d) + "_" + std::to_string(seed);
  in.dims = d;
  in.capacity.assign(d, 100);
  std::vector<std::vector<Size>> items;
  for (std::size_t g = 0; g < groups; ++g) {
    std::vector<Size> a(d), b(d), c(d);
    for (std::size_t k = 0; k < d; ++k) {
      if (kind == 'C') {
        a[k] = draw(rng, 25, 50);
        b[k] = draw(rng, 25, 50);
      } else {
        a[k] = draw(rng, 38, 49);
        b[k] = draw(rng, 25, (100 - a[k]) / 2);
      }
      c[k] = 100 - a[k] - b[k];
    }
    items.push_back(a);
    items.push_back(b);
    items.push_back(c);
  }
  for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[rng() % i]);
  for (const auto& it : items) in.add_item(it);
  return in;
}

/// An instance of the same kind as `pool` (the data's replicates of one class, item count
/// and dimension): `n` items drawn with replacement from all of their items. For the New
/// classes of Mommessin et al., whose generator is described only loosely, this is the
/// closest we can get to "another instance of that class" without tuning to the files.
inline Instance resampled_instance(const std::string& name, const std::vector<Instance>& pool,
                                   std::size_t n, std::uint64_t seed) {
  std::uint64_t name_hash = 1469598103934665603ull;  // FNV-1a: std::hash differs between libraries
  for (char c : name) name_hash = (name_hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  std::mt19937_64 rng(seed * 1000003 + n * 31 + name_hash % 65521);
  Instance in;
  in.name = name + "_" + std::to_string(seed);
  in.dims = pool.front().dims;
  in.capacity = pool.front().capacity;
  std::vector<std::vector<Size>> items;
  for (const auto& p : pool) {
    for (std::size_t i = 0; i < p.item_count(); ++i) {
      const auto it = p.item(i);
      items.emplace_back(it.begin(), it.end());
    }
  }
  for (std::size_t i = 0; i < n; ++i) in.add_item(items[rng() % items.size()]);
  return in;
}

}  // namespace bench_pack
