// Fuzzes the JSON spec reader; an accepted spec written back must read to an equal spec, and
// the streamed reader (parse_spec_json) must answer what the whole-document reader
// (parse_json_document + spec_from_json) answers: the same spec or the same error. So must the
// split read of a large spec (docs/spec.md, "Reading a large spec"), forced here on every
// input, with one thread or two.
#include <fmt/format.h>

#include <string>

#include "berth/io/json_document.hpp"
#include "berth/io/spec_json.hpp"
#include "fuzz_support.hpp"

using namespace berth;

namespace {

std::string whole_document_answer(std::string_view text) {
  try {
    const nlohmann::json root = parse_json_document(text, "fuzz.json", JsonDocumentKind{101, ""});
    try {
      return write_spec_json(spec_from_json(root));
    } catch (const ValidationError& e) {
      throw ValidationError(
          e.code(), e.subject(),
          fmt::format("{} (in fuzz.json)",
                      e.detail().substr(e.subject().empty() ? 0 : e.subject().size() + 2)));
    }
  } catch (const Error& e) {
    return std::string("error: ") + e.what();
  }
}

std::string split_answer(std::string_view text) {
  try {
    const SpecReadOptions split{1 + static_cast<unsigned>(text.size() % 2), 1};
    return write_spec_json(parse_spec_json(text, "fuzz.json", split));
  } catch (const Error& e) {
    return std::string("error: ") + e.what();
  }
}

[[noreturn]] void fail_streamed(const std::string& whole, const std::string& streamed) {
  fuzz::fail("the streamed reader differs from the whole-document reader", whole, streamed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  Spec spec;
  const std::string oracle = whole_document_answer(text);
  if (const std::string split = split_answer(text); split != oracle)
    fuzz::fail("the split read differs from the whole-document reader", oracle, split);
  try {
    spec = parse_spec_json(text, "fuzz.json");
  } catch (const Error& e) {
    fuzz::check_error(e);
    if (oracle != std::string("error: ") + e.what()) fail_streamed(oracle, e.what());
    return 0;
  }
  // Spec has no operator==; the canonical writer output stands in for equality, and a second
  // round must be a fixed point.
  std::string first = write_spec_json(spec);
  if (oracle != first) fail_streamed(oracle, first);
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
