// Fuzzes the events-file reader of `berth simulate` (ops/ops_json.hpp): bad input may only
// be rejected with a one-line, id-carrying berth::Error (no nlohmann exception, no crash).
#include <string>

#include "berth/ops/ops_json.hpp"
#include "fuzz_support.hpp"

using namespace berth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  ops::Scenario scenario;
  try {
    scenario = ops::parse_scenario_json(text, "fuzz.json");
  } catch (const Error& e) {
    fuzz::check_error(e);
    return 0;
  }
  return 0;
}
