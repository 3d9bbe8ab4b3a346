// Fuzzes the JSON spec reader; an accepted spec written back must read to an equal spec.
#include <string>

#include "berth/io/spec_json.hpp"
#include "fuzz_support.hpp"

using namespace berth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  Spec spec;
  try {
    spec = parse_spec_json(text, "fuzz.json");
  } catch (const Error& e) {
    fuzz::check_error(e);
    return 0;
  }
  // Spec has no operator==; the canonical writer output stands in for equality, and a second
  // round must be a fixed point.
  std::string first = write_spec_json(spec);
  Spec again;
  try {
    again = parse_spec_json(first, "roundtrip.json");
  } catch (const Error& e) {
    fuzz::fail(std::string("written spec does not parse back: ") + e.what(), text, first);
  }
  std::string second = write_spec_json(again);
  if (first != second) fuzz::fail("spec round trip differs", first, second);
  return 0;
}
