// The CLI's allocator policy (allocator_policy.hpp). It changes the process it runs in, so this
// test only checks what a caller can rely on: on glibc/Linux (without a sanitizer's allocator,
// which ignores mallopt) it reports success, and the heap keeps working either way.
#include "berth/allocator_policy.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <memory>
#include <numeric>
#include <vector>

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizedHeap = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || \
    __has_feature(thread_sanitizer)
constexpr bool kSanitizedHeap = true;
#else
constexpr bool kSanitizedHeap = false;
#endif
#else
constexpr bool kSanitizedHeap = false;
#endif

}  // namespace

TEST_CASE("the allocator policy applies on glibc and leaves a working heap", "[allocator]") {
  const bool applied = berth::use_cli_allocator_policy();
#if defined(__GLIBC__) && defined(__linux__)
  if (!kSanitizedHeap) CHECK(applied);
#else
  CHECK_FALSE(applied);
#endif
  // Small and large blocks, freed in another order than allocated.
  std::vector<std::unique_ptr<std::vector<int>>> blocks;
  for (int i = 1; i <= 64; ++i) blocks.push_back(std::make_unique<std::vector<int>>(i * 1000, i));
  std::vector<long> big(1 << 20, 1);
  for (std::size_t i = 0; i < blocks.size(); i += 2) blocks[i].reset();
  long sum = 0;
  for (const auto& b : blocks) {
    if (b) sum += std::accumulate(b->begin(), b->end(), 0L);
  }
  // Odd-indexed blocks stay: i = 2, 4, ..., 64 elements i*1000 each of value i.
  long expected = 0;
  for (long i = 2; i <= 64; i += 2) expected += i * i * 1000;
  CHECK(sum == expected);
  CHECK(std::accumulate(big.begin(), big.end(), 0L) == (1L << 20));
}
