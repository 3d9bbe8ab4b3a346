#include "berth/allocator_policy.hpp"

#include <cstdint>
#include <cstdlib>  // first: defines __GLIBC__ (through <features.h>) for the test below

#if defined(__GLIBC__) && defined(__linux__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace berth {

#if defined(__GLIBC__) && defined(__linux__)
namespace {

// Backs the malloc heap with transparent huge pages where the kernel leaves THP to madvise
// (Debian's default). berth place on 100k machines touches ~360 MB of small objects once
// (JSON tree, spec, cluster); with 4 KiB pages a third of its CPU went to page faults and
// zeroing pages (perf: exc_page_fault, clear_page) in this VM. glibc can do this itself
// (GLIBC_TUNABLES=glibc.malloc.hugetlb=1) but a tunable must be set before the process starts.
// So: grow the heap once by a large, untouched reservation (address space only; RSS is what
// gets touched) and mark it MADV_HUGEPAGE. Failure of any step leaves the default heap.
bool back_heap_with_huge_pages() {
  constexpr std::size_t kReserve = std::size_t{1} << 30;  // heap growth kept, never trimmed below
  constexpr std::size_t kHugePage = std::size_t{2} << 20;
  // Allocations up to 32 MiB come from the heap (the marked range), not from separate mmaps;
  // this also fixes the mmap threshold instead of glibc's sliding one.
  if (mallopt(M_MMAP_THRESHOLD, 32 << 20) == 0 ||
      mallopt(M_TOP_PAD, static_cast<int>(kReserve)) == 0)
    return false;
  const auto before = reinterpret_cast<std::uintptr_t>(sbrk(0));
  void* probe = std::malloc(4 << 20);  // more than the startup heap holds: the heap grows now
  if (probe == nullptr) return false;
  // Only the range the heap just grew by (nothing, under a sanitizer's own allocator).
  const auto start = (before + kHugePage - 1) & ~(kHugePage - 1);
  const auto end = reinterpret_cast<std::uintptr_t>(sbrk(0)) & ~(kHugePage - 1);
  if (end > start) madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
  std::free(probe);
  return true;
}

}  // namespace

bool use_cli_allocator_policy(const AllocatorPolicy& policy) {
  // berth builds and frees a few large trees of small objects (the spec's JSON, the spec, the
  // compiled cluster). With glibc's fast bins, freeing them keeps coalescing chunks into large
  // ones and consolidating the fast bins again (malloc_consolidate was 9% of `berth place` on
  // 100k machines). Without fast bins (tcache still serves the hot path) it takes about 8% less
  // CPU.
  bool ok = mallopt(M_MXFAST, 0) != 0;
  if (policy.single_arena) ok = mallopt(M_ARENA_MAX, 1) != 0 && ok;
  return back_heap_with_huge_pages() && ok;
}

#else

bool use_cli_allocator_policy(const AllocatorPolicy&) { return false; }

#endif

}  // namespace berth
