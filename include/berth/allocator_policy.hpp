#pragma once
/// \file The allocator policy the berth CLI sets for its own process (glibc only): no fast
/// bins, and a main heap backed by transparent huge pages. A library must not change its host's
/// allocator, so nothing in berth calls this on its own: the CLI does at startup, and the Python
/// module offers it as an explicit opt-in (berth.use_cli_allocator_policy(), docs/python.md).
#include "berth/export.hpp"

namespace berth {

struct AllocatorPolicy {
  /// Also make threads created later allocate from the main heap (M_ARENA_MAX = 1), so that
  /// work run on a worker thread gets the huge-page heap too. Only takes effect while the
  /// process has no second malloc arena yet.
  bool single_arena = false;
};

/// Applies the policy; returns false when the platform has no such controls (not glibc/Linux)
/// or a step failed (what succeeded stays applied; the process keeps working either way).
BERTH_API bool use_cli_allocator_policy(const AllocatorPolicy& policy = {});

}  // namespace berth
