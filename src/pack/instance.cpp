#include "berth/pack/instance.hpp"

#include <fmt/format.h>

#include <unordered_map>

#include "berth/error.hpp"

namespace berth::pack {

void Instance::add_item(std::span<const Size> size) {
  if (size.size() != dims) {
    throw UsageError(
        351, fmt::format("item has {} sizes, instance has {} dimensions", size.size(), dims));
  }
  sizes.insert(sizes.end(), size.begin(), size.end());
}

void Instance::check() const {
  if (dims == 0 || capacity.size() != dims || sizes.size() % dims != 0) {
    throw ValidationError(250, name,
                          "instance needs >= 1 dimension and one capacity per dimension");
  }
  for (std::size_t k = 0; k < dims; ++k) {
    if (capacity[k] <= 0) {
      throw ValidationError(251, name, fmt::format("capacity of dimension {} is not positive", k));
    }
  }
  for (std::size_t i = 0; i < item_count(); ++i) {
    for (std::size_t k = 0; k < dims; ++k) {
      const Size s = sizes[i * dims + k];
      if (s > capacity[k]) {
        throw ValidationError(
            252, name,
            fmt::format("item {} has size {} in dimension {} (capacity {})", i, s, k, capacity[k]));
      }
    }
  }
}

std::vector<std::vector<std::size_t>> items_by_bin(const Solution& solution) {
  std::vector<std::vector<std::size_t>> out(solution.bins);
  for (std::size_t i = 0; i < solution.bin_of.size(); ++i) {
    const std::size_t b = solution.bin_of[i];
    if (b < out.size()) out[b].push_back(i);
  }
  return out;
}

void normalize(Solution& solution) {
  std::unordered_map<std::size_t, std::size_t> remap;
  for (auto& b : solution.bin_of) {
    if (b == kUnassigned) continue;
    auto [it, inserted] = remap.try_emplace(b, remap.size());
    b = it->second;
  }
  solution.bins = remap.size();
}

}  // namespace berth::pack
