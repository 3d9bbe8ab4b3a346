#pragma once
// CPU seconds of this whole process (every thread), for the bench programs under bench/: the
// machine is shared, so CPU time is the figure they compare (bench/RESULTS.md).
#include <ctime>

namespace berth::bench {

inline double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

}  // namespace berth::bench
