#pragma once
// Helpers shared by the operations (not installed).
#include <string>

#include "berth/ops/ops.hpp"

namespace berth::ops::detail {

/// A unit no machine can take, explained as a fresh placement would be.
inline Blocked blocked_from(const Diagnosis& diag, const std::string& unit,
                            const std::string& machine) {
  Blocked b;
  b.unit = unit;
  b.machine = machine;
  b.reason = "no_machine";
  b.diagnosis = diag;
  b.diagnosis->unit = unit;
  b.summary = b.diagnosis->summary();
  if (diag.closest) {
    b.needs = diag.closest->missing;
    b.needs_on = diag.closest->machine;
  }
  return b;
}

}  // namespace berth::ops::detail
