#include "apply_endpoints.hpp"

#include "berth/error.hpp"

#ifdef BERTH_HAVE_APPLY
#include "berth/state/apply.hpp"
#endif

namespace berth::serve::detail {

#ifdef BERTH_HAVE_APPLY

nlohmann::json apply_answer(state::StateStore& store, const Spec& spec, const PlaceOptions& options) {
  state::ApplyOptions ao;
  ao.place = options;
  return state::to_json(state::apply(store, spec, ao));
}

nlohmann::json machine_state_answer(state::StateStore& store, const std::string& machine, MachineState state,
                                    const PlaceOptions& options) {
  state::ApplyOptions ao;
  ao.place = options;
  return state::to_json(state::set_machine_state(store, machine, state, ao));
}

#else

// The apply library (state/apply.hpp's implementation, issue 15 items 1 and 6) is not in this
// build: both endpoints answer 501 with usage.342 rather than pretend.
nlohmann::json apply_answer(state::StateStore&, const Spec&, const PlaceOptions&) {
  throw UsageError(342, "POST /v1/apply is not available in this build (the apply library is not built in yet)");
}

nlohmann::json machine_state_answer(state::StateStore&, const std::string&, MachineState, const PlaceOptions&) {
  throw UsageError(342, "POST /v1/machines/NAME/state is not available in this build (the apply library is not built in yet)");
}

#endif

}  // namespace berth::serve::detail
