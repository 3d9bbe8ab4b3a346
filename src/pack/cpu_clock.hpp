#pragma once
// Clock for the packing budgets. Two modes, per thread:
//
// * CPU time of the calling thread (the default). On a shared, loaded machine a wall-clock
//   budget gives the search a varying share of the CPU, so results would depend on the load;
//   with CPU time a "1 s" budget is one second of work everywhere (on an idle machine the two
//   agree). Still, the work done per CPU second varies with the load (caches, frequency), so
//   results vary from run to run.
// * Work (inside a WorkClockScope): now() is the sum of the work the solvers have counted with
//   add_work(), each unit weighted by its measured cost on the reference machine (see the
//   kWork* constants). Every budget then runs out at the same point of the
//   computation on every run, whatever the load: the result depends only on the input. This is
//   what the default `berth pack` uses (docs/pack.md). The solvers count work in their inner
//   loops whatever the mode (an increment of a thread-local counter).
//
// Reported durations (SolveResult::seconds) stay wall-clock.
#include <chrono>
#include <cstdint>
#include <ctime>

namespace berth::pack::detail {

inline thread_local bool work_clock_active = false;
inline thread_local std::uint64_t work_clock_ps = 0;

/// Counts `ps` picoseconds (of the reference machine) of work.
inline void add_work(std::uint64_t ps) noexcept { work_clock_ps += ps; }

// Weights, picoseconds per counted unit, fitted on the reference machine (AMD EPYC VM, Release
// build, a CPU-time run traced phase by phase) so that a work second is about a CPU second
// there; the repair search's by least squares over its step, bin, candidate and fit-check
// counts on six instances of 60-500 items. See bench/RESULTS.md ("Vector packing") for the CPU time
// they give, and bench/history/2026-diary.md ("2026-12-04, `wip/pack2`", "Time") for the fit.
inline constexpr std::uint64_t kWorkCnsStep = 500'000;  // repair search: a step's own overhead
inline constexpr std::uint64_t kWorkCnsBin = 20'000;    // repair search: one bin tried for an item
inline constexpr std::uint64_t kWorkCnsCand =
    8'500;                                      // repair search: one candidate (or pair) weighed
inline constexpr std::uint64_t kWorkFit = 800;  // repair search: one fit check of an item in a bin
inline constexpr std::uint64_t kWorkScan = 1'000;  // one element of a plain scan
inline constexpr std::uint64_t kWorkLpCell = 750;  // pattern LP: one cell of B^-1 updated
inline constexpr std::uint64_t kWorkNode =
    40'000;  // a tree node (branch-and-bound, bin completion)
inline constexpr std::uint64_t kWorkFillItem = 2'000;  // one item looked at in a tree node

struct CpuClock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<CpuClock>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept {
    if (work_clock_active) return time_point(duration(static_cast<rep>(work_clock_ps / 1000)));
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return time_point(duration(static_cast<rep>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec));
  }
};

/// While alive, CpuClock::now() on this thread is the work clock (restored on destruction).
class WorkClockScope {
 public:
  explicit WorkClockScope(bool active = true) : saved_(work_clock_active) {
    if (active) work_clock_active = true;
  }
  ~WorkClockScope() { work_clock_active = saved_; }
  WorkClockScope(const WorkClockScope&) = delete;
  WorkClockScope& operator=(const WorkClockScope&) = delete;

 private:
  bool saved_;
};

}  // namespace berth::pack::detail
