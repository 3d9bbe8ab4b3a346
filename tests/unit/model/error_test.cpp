// berth::Error messages are one printable line whatever the input they quote (issue 9).
#include <catch2/catch.hpp>

#include <string>

#include "berth/error.hpp"

using berth::UsageError;
using berth::ValidationError;

TEST_CASE("error messages carry their id and escape control characters", "[error]") {
  UsageError e(300, "line one\nline two\tand\x01 more");
  CHECK(std::string(e.what()) == "[berth.usage.300] line one\\nline two\\tand\\x01 more");
  CHECK(e.id() == "[berth.usage.300]");
}

TEST_CASE("bytes that are not UTF-8 are escaped, well-formed UTF-8 is kept", "[error]") {
  // A stray continuation byte, a lone lead byte, an overlong '/', a UTF-16 surrogate and a
  // code point above U+10FFFF: none may reach a terminal or a JSON log raw.
  UsageError bad(300, std::string("a\x80"
                                  "b\xC3"
                                  "c\xC0\xAF"
                                  "d\xED\xA0\x80"
                                  "e\xF4\x90\x80\x80"));
  CHECK(std::string(bad.what()) ==
        "[berth.usage.300] a\\x80b\\xc3c\\xc0\\xafd\\xed\\xa0\\x80e\\xf4\\x90\\x80\\x80");
  UsageError good(300, "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\xA2");  // é, €, 🚢
  CHECK(std::string(good.what()) == "[berth.usage.300] caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\xA2");
}

TEST_CASE("escaping is stable when an error is re-wrapped", "[error]") {
  ValidationError inner(201, "unit \xFF", "bad \x80 value");
  ValidationError outer(201, inner.subject(), inner.detail());
  CHECK(std::string(outer.what()).find("\\xff") != std::string::npos);
  CHECK(std::string(outer.what()).find("\\\\x") == std::string::npos);
}

TEST_CASE("long messages are cut on a character boundary and say how much was cut", "[error]") {
  const std::string euro = "\xE2\x82\xAC";
  // The limit (1000 bytes) falls before the character: it is cut whole.
  UsageError before(300, std::string(1000, 'x') + euro + std::string(5000, 'y'));
  CHECK(std::string(before.what()).find("x... (5003 more bytes)") != std::string::npos);
  // The limit falls inside the character: it is kept whole, never split.
  UsageError inside(300, std::string(999, 'x') + euro + std::string(5000, 'y'));
  CHECK(std::string(inside.what()).find("x" + euro + "... (5000 more bytes)") != std::string::npos);
}
