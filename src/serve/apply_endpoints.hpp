#pragma once
// The two endpoints that run the desired-state library (state/apply.hpp): POST /v1/apply and
// POST /v1/machines/NAME/state. Kept apart so the HTTP layer does not depend on how apply is
// built.
#include <nlohmann/json.hpp>

#include <string>

#include "berth/model/machine.hpp"
#include "berth/model/spec.hpp"
#include "berth/place/place.hpp"
#include "berth/state/store.hpp"

namespace berth::serve::detail {

/// What `berth apply --format json` prints for `spec` applied to the store.
nlohmann::json apply_answer(state::StateStore& store, const Spec& spec,
                            const PlaceOptions& options);
/// Sets `machine`'s state and reschedules its units as the ops rules say; the moves.
nlohmann::json machine_state_answer(state::StateStore& store, const std::string& machine,
                                    MachineState state, const PlaceOptions& options);

}  // namespace berth::serve::detail
