#pragma once
/// \file Preemption for the operations: the engine's own (place/preempt.hpp), under the ops
/// names it has always had.
#include "berth/ops/ops.hpp"
#include "berth/place/preempt.hpp"

namespace berth::ops {

using berth::preempt_for;
using berth::PreemptionResult;

}  // namespace berth::ops
