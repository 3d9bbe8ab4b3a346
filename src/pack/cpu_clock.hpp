#pragma once
// Clock for the packing budgets: CPU time of the calling thread. On a shared, loaded machine a
// wall-clock budget gives the search a varying share of the CPU, so results would depend on
// the load; with CPU time a "1 s" budget is one second of work everywhere (on an idle machine
// the two agree). Reported durations (SolveResult::seconds) stay wall-clock.
#include <chrono>
#include <ctime>

namespace berth::pack::detail {

struct CpuClock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<CpuClock>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return time_point(duration(static_cast<rep>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec));
  }
};

}  // namespace berth::pack::detail
