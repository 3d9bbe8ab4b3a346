#include "berth/ops/ops.hpp"

namespace berth::ops {

const char* to_string(BlockReason r) {
  switch (r) {
    case BlockReason::NoMachine:
      return "no_machine";
    case BlockReason::Budget:
      return "budget";
  }
  return "no_machine";
}

}  // namespace berth::ops
