#include "berth/pack/validate.hpp"

#include <fmt/format.h>

#include <vector>

namespace berth::pack {

std::optional<std::string> validate(const Instance& instance, const Solution& solution) {
  const std::size_t n = instance.item_count();
  const std::size_t d = instance.dims;
  if (solution.bin_of.size() != n) {
    return fmt::format("solution has {} assignments for {} items", solution.bin_of.size(), n);
  }
  // Loads are recomputed from scratch in 128-bit-safe int64 (sizes are capped by the reader).
  std::vector<Size> load(solution.bins * d, 0);
  std::vector<bool> used(solution.bins, false);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t b = solution.bin_of[i];
    if (b >= solution.bins) return fmt::format("item {} is in bin {} (of {})", i, b, solution.bins);
    used[b] = true;
    for (std::size_t k = 0; k < d; ++k) load[b * d + k] += instance.sizes[i * d + k];
  }
  for (std::size_t b = 0; b < solution.bins; ++b) {
    if (!used[b]) return fmt::format("bin {} is counted but empty", b);
    for (std::size_t k = 0; k < d; ++k) {
      if (load[b * d + k] > instance.capacity[k]) {
        return fmt::format("bin {} holds {} in dimension {} (capacity {})", b, load[b * d + k], k,
                           instance.capacity[k]);
      }
    }
  }
  return std::nullopt;
}

}  // namespace berth::pack
