#include "berth/model/machine.hpp"

namespace berth {

const char* to_string(MachineState s) {
  switch (s) {
    case MachineState::Up:
      return "up";
    case MachineState::Draining:
      return "draining";
    case MachineState::Down:
      return "down";
    case MachineState::Rebooting:
      return "rebooting";
  }
  return "up";
}

std::optional<MachineState> parse_machine_state(const std::string& s) {
  if (s == "up") return MachineState::Up;
  if (s == "draining") return MachineState::Draining;
  if (s == "down") return MachineState::Down;
  if (s == "rebooting") return MachineState::Rebooting;
  return std::nullopt;
}

}  // namespace berth
