#include "apply_endpoints.hpp"

#include "berth/error.hpp"
#include "berth/state/apply.hpp"

namespace berth::serve::detail {

nlohmann::json apply_answer(state::StateStore& store, const Spec& spec,
                            const PlaceOptions& options) {
  state::ApplyOptions ao;
  ao.place = options;
  return state::to_json(state::apply(store, spec, ao));
}

nlohmann::json machine_state_answer(state::StateStore& store, const std::string& machine,
                                    MachineState state, const PlaceOptions& options) {
  state::ApplyOptions ao;
  ao.place = options;
  return state::to_json(state::set_machine_state(store, machine, state, ao));
}

}  // namespace berth::serve::detail
