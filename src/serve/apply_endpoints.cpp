#include "apply_endpoints.hpp"

#include "berth/error.hpp"

namespace berth::serve::detail {

// state/apply.hpp (issue 15 items 1 and 6) is not in this build yet: both endpoints answer 501
// with usage.342 rather than pretend.
nlohmann::json apply_answer(state::StateStore&, const Spec&, const PlaceOptions&) {
  throw UsageError(342, "POST /v1/apply is not available in this build (the apply library is not built in yet)");
}

nlohmann::json machine_state_answer(state::StateStore&, const std::string&, MachineState, const PlaceOptions&) {
  throw UsageError(342, "POST /v1/machines/NAME/state is not available in this build (the apply library is not built in yet)");
}

}  // namespace berth::serve::detail
