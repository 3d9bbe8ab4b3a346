// Strict JSON reading shared by the spec, events, kube and catalogue readers (issue 9).
#include <catch2/catch.hpp>

#include <string>

#include "berth/error.hpp"
#include "berth/io/json_document.hpp"

using berth::JsonDocumentKind;
using berth::ParseError;
using berth::parse_json_document;

namespace {

std::string error_of(const std::string& text, const JsonDocumentKind& kind = {101, ""}) {
  try {
    (void)parse_json_document(text, "f.json", kind);
  } catch (const ParseError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the same key in sibling objects is fine; twice in one object is not", "[json_document]") {
  CHECK(error_of(R"([{"name":"a","cpu":1},{"name":"b","cpu":2},{"x":{"name":"c"},"name":"d"}])").empty());
  CHECK(error_of("{\"a\":{\"b\":1},\n \"c\":2,\n   \"a\":3}") ==
        "[berth.parse_error.102] f.json:3:4: duplicate key \"a\": each key may appear once in an object");
  // The duplicate in an inner object, after an earlier object that used the same key.
  CHECK(error_of(R"({"m":[{"k":1},{"j":1,"k":2,"k":3}]})") ==
        "[berth.parse_error.102] f.json:1:28: duplicate key \"k\": each key may appear once in an object");
}

TEST_CASE("keys are located even after strings that look like keys", "[json_document]") {
  // The string value "x:" and an escaped quote must not be counted as keys.
  CHECK(error_of(R"({"v":"x\":", "w":"a", "v":2})") ==
        "[berth.parse_error.102] f.json:1:23: duplicate key \"v\": each key may appear once in an object");
}

TEST_CASE("large objects (a spec's placements) are checked too", "[json_document]") {
  std::string text = "{";
  for (int i = 0; i < 1000; ++i) text += "\"u" + std::to_string(i) + "\":\"m\",";
  CHECK(error_of(text + "\"last\":1}").empty());
  CHECK(error_of(text + "\"u500\":1}").find("duplicate key \"u500\"") != std::string::npos);
}

TEST_CASE("syntax errors and huge numbers carry the reader's id and prefix", "[json_document]") {
  CHECK(error_of("{\"a\":\n  tru}", {170, "not a kubectl JSON dump: "}) ==
        "[berth.parse_error.170] f.json:2:6: not a kubectl JSON dump: parsing value - invalid literal; last read: '\"a\":<U+000A>  tru}'");
  CHECK(error_of(R"({"a":1e400})", {180, ""}) ==
        "[berth.parse_error.180] f.json: expected a number within the range of a double, found '1e400'");
}
