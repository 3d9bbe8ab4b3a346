#include "berth/io/explain_json.hpp"

#include <nlohmann/json.hpp>

namespace berth {

nlohmann::json explain_to_json(const ExplainAnswer& answer) {
  nlohmann::json j = {{"unit", answer.unit},
                      {"machine", answer.machine},
                      {"fits", answer.fits()},
                      {"reasons", answer.reasons}};
  if (answer.preferences_met) j["preferences_met"] = *answer.preferences_met;
  j["placed_on"] = answer.placed_on ? nlohmann::json(*answer.placed_on) : nlohmann::json(nullptr);
  return j;
}

}  // namespace berth
