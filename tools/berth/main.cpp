// berth: where containers should run. The verbs live in cmd_*.cpp; this file only wires them.
#include <fmt/format.h>
#include <fmt/ranges.h>
#if defined(__GLIBC__) && defined(__linux__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#endif

#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include "berth/error.hpp"
#include "command.hpp"

namespace berth::cli {
namespace {

#if defined(__GLIBC__) && defined(__linux__)
// Backs the malloc heap with transparent huge pages where the kernel leaves THP to madvise
// (Debian's default). berth place on 100k machines touches ~360 MB of small objects once
// (JSON tree, spec, cluster); with 4 KiB pages a third of its CPU went to page faults and
// zeroing pages (perf: exc_page_fault, clear_page) in this VM. glibc can do this itself
// (GLIBC_TUNABLES=glibc.malloc.hugetlb=1) but a tunable must be set before the process starts.
// So: grow the heap once by a large, untouched reservation (address space only; RSS is what
// gets touched) and mark it MADV_HUGEPAGE. Failure of any step leaves the default heap.
void back_heap_with_huge_pages() {
  constexpr std::size_t kReserve = std::size_t{1} << 30;   // heap growth kept, never trimmed below
  constexpr std::size_t kHugePage = std::size_t{2} << 20;
  // Allocations up to 32 MiB come from the heap (the marked range), not from separate mmaps;
  // this also fixes the mmap threshold instead of glibc's sliding one.
  if (mallopt(M_MMAP_THRESHOLD, 32 << 20) == 0 || mallopt(M_TOP_PAD, static_cast<int>(kReserve)) == 0) return;
  const auto before = reinterpret_cast<std::uintptr_t>(sbrk(0));
  void* probe = std::malloc(4 << 20);  // more than the startup heap holds: the heap grows now
  if (probe == nullptr) return;
  // Only the range the heap just grew by (nothing, under a sanitizer's own allocator).
  const auto start = (before + kHugePage - 1) & ~(kHugePage - 1);
  const auto end = reinterpret_cast<std::uintptr_t>(sbrk(0)) & ~(kHugePage - 1);
  if (end > start) madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
  std::free(probe);
}
#endif

struct Registered {
  std::string name;
  int order;
  CommandSetup setup;
};

std::vector<Registered>& registry() {
  static std::vector<Registered> commands;
  return commands;
}

}  // namespace

bool register_command(const std::string& name, int order, CommandSetup setup) {
  registry().push_back({name, order, std::move(setup)});
  return true;
}

}  // namespace berth::cli

int main(int argc, char** argv) {
  using namespace berth::cli;
#if defined(__GLIBC__)
  // berth builds and frees a few large trees of small objects (the spec's JSON, the spec, the
  // compiled cluster) and exits. With glibc's fast bins, freeing them keeps coalescing chunks
  // into large ones and consolidating the fast bins again (malloc_consolidate was 9% of
  // `berth place` on 100k machines). Without fast bins (tcache still serves the hot path)
  // `berth place` at 100k machines takes about 8% less CPU.
  mallopt(M_MXFAST, 0);
#if defined(__linux__)
  back_heap_with_huge_pages();
#endif
#endif
  CLI::App app{"berth: decides where containers should run, and says why when they can't."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "berth 0.1.0");
  Context ctx;
  ctx.store_option = app.add_option("--store", ctx.store,
                                    "State store: sqlite:PATH or etcd:http://HOST:PORT (bare "
                                    "--store: sqlite:./berth.db; default: $BERTH_STORE, or none)")
                         ->expected(0, 1);
  app.fallthrough();

  auto& commands = registry();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const Registered& a, const Registered& b) { return a.order < b.order; });
  for (auto& c : commands) c.setup(app, ctx);
  // Runs after the whole command line is parsed and before any verb runs: --store given to a
  // verb that never reads a store would otherwise be ignored, and the user would believe the
  // answer came from (or went to) the store.
  app.parse_complete_callback([&app, &ctx] {
    if (ctx.store_option->count() == 0) return;
    for (const CLI::App* verb : app.get_subcommands()) {
      if (ctx.store_verbs.count(verb->get_name()) == 0) {
        throw berth::UsageError(308, fmt::format("--store: berth {} does not use a state store (only {} do); "
                                                 "drop --store, or export the stored cluster with `berth state export` "
                                                 "and give the spec to {}",
                                                 verb->get_name(), fmt::join(ctx.store_verbs, " and "), verb->get_name()));
      }
    }
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Argument errors carry an id like every other error, so scripts can grep them.
    std::fprintf(stderr, "berth: error: [berth.usage.300] %s (see berth --help)\n", e.what());
    return kExitInvalid;
  } catch (const berth::Error& e) {
    std::fprintf(stderr, "berth: error: %s\n", e.what());
    return kExitInvalid;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "berth: error: %s\n", e.what());
    return kExitInvalid;
  }
  return ctx.exit_code;
}
