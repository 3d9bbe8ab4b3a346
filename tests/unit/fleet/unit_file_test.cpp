// systemd unit-file syntax (man systemd.syntax): the corner cases berth must read like systemd.
#include "berth/fleet/unit_file.hpp"

#include <catch2/catch.hpp>

#include "berth/error.hpp"
#include "fleet_test_util.hpp"

using namespace berth;
using namespace berth::fleet;

namespace {

UnitFile parse(const std::string& text) { return parse_unit_file(text, "t.service"); }

int parse_error_code(const std::string& text, std::size_t* line = nullptr) {
  try {
    parse(text);
  } catch (const ParseError& e) {
    if (line) *line = e.where().line;
    return e.code();
  }
  return 0;
}

}  // namespace

TEST_CASE("sections, keys and values keep systemd's whitespace rules", "[fleet][syntax]") {
  const auto f =
      parse("[Unit]\n  Description =  Hello world  \n\n[Service]\nExecStart=/bin/true\n");
  REQUIRE(f.sections.size() == 2);
  CHECK(f.sections[0].name == "Unit");
  REQUIRE(f.last("Unit", "Description"));
  CHECK(f.last("Unit", "Description")->value == "Hello world");
  CHECK(f.last("Unit", "Description")->line == 2);
  CHECK(f.last("Service", "ExecStart")->value == "/bin/true");
  CHECK(f.last("Service", "Missing") == nullptr);
  CHECK(f.section("Nope") == nullptr);
}

TEST_CASE("# and ; start comment lines, also indented; not inside a value", "[fleet][syntax]") {
  const auto f = parse("# c1\n; c2\n[Unit]\n   # c3\nDescription=a # not a comment\n\t; c4\n");
  CHECK(f.last("Unit", "Description")->value == "a # not a comment");
  CHECK(f.sections[0].entries.size() == 1);
}

TEST_CASE("backslash continuation joins lines with a space", "[fleet][syntax]") {
  const auto f = parse("[Service]\nExecStart=/bin/echo \\\n  one \\\n  two\nUser=x\n");
  CHECK(f.last("Service", "ExecStart")->value == "/bin/echo    one    two");
  CHECK(f.last("Service", "ExecStart")->line == 2);
  CHECK(f.last("Service", "User")->line == 5);
}

TEST_CASE("comment lines inside a continuation are skipped", "[fleet][syntax]") {
  const auto f = parse("[Service]\nExecStart=/bin/echo \\\n# a comment\n  one\n");
  CHECK(f.last("Service", "ExecStart")->value == "/bin/echo    one");
}

TEST_CASE("an escaped backslash at the end does not continue", "[fleet][syntax]") {
  const auto f = parse("[Service]\nA=x\\\\\nB=y\n");
  CHECK(f.last("Service", "A")->value == "x\\\\");
  CHECK(f.last("Service", "B")->value == "y");
}

TEST_CASE("continuation at end of file and CRLF line ends", "[fleet][syntax]") {
  const auto f = parse("[Service]\r\nA=1 \\\r\n");
  CHECK(f.last("Service", "A")->value == "1");
  const auto g = parse("\xEF\xBB\xBF[Unit]\r\nDescription=bom\r\n");
  CHECK(g.last("Unit", "Description")->value == "bom");
}

TEST_CASE("repeated keys accumulate, an empty assignment resets the list", "[fleet][syntax]") {
  const auto f = parse("[Unit]\nAfter=a\nAfter=b\nAfter=\nAfter=c\nAfter=d\n");
  CHECK(f.list("Unit", "After") == std::vector<std::string>{"c", "d"});
  CHECK(f.last("Unit", "After")->value == "d");
  const auto g = parse("[Unit]\nAfter=a\nAfter=\n");
  CHECK(g.list("Unit", "After").empty());
}

TEST_CASE("a repeated section header continues the same section", "[fleet][syntax]") {
  const auto f = parse("[X-Fleet]\nConflicts=a\n[Service]\nA=1\n[X-Fleet]\nConflicts=b\n");
  REQUIRE(f.sections.size() == 2);
  CHECK(f.list("X-Fleet", "Conflicts") == std::vector<std::string>{"a", "b"});
}

TEST_CASE("unknown sections are kept", "[fleet][syntax]") {
  const auto f = parse("[X-Custom Section]\nFoo=bar\n[Install]\nWantedBy=multi-user.target\n");
  REQUIRE(f.section("X-Custom Section"));
  CHECK(f.last("X-Custom Section", "Foo")->value == "bar");
}

TEST_CASE("keys are case-sensitive and values keep '=' signs", "[fleet][syntax]") {
  const auto f = parse("[X-Fleet]\nMachineMetadata=a=b\nmachinemetadata=c\n");
  CHECK(f.list("X-Fleet", "MachineMetadata") == std::vector<std::string>{"a=b"});
  CHECK(f.list("X-Fleet", "machinemetadata") == std::vector<std::string>{"c"});
}

TEST_CASE("quoting is kept raw in values and interpreted per setting", "[fleet][syntax]") {
  const auto f = parse("[Service]\nExecStart=/bin/sh -c \"echo 'a b'\"\n");
  CHECK(f.last("Service", "ExecStart")->value == "/bin/sh -c \"echo 'a b'\"");
  auto words = split_words(f.last("Service", "ExecStart")->value);
  REQUIRE(words);
  CHECK(*words == std::vector<std::string>{"/bin/sh", "-c", "echo 'a b'"});
  CHECK(*split_words("a\\ b 'c d' \"e\\\"f\" \\x41") ==
        std::vector<std::string>{"a b", "c d", "e\"f", "A"});
  CHECK_FALSE(split_words("\"unterminated"));
  CHECK(split_fleet_values("\"a=1\" \"b=2 c\" d  e") ==
        std::vector<std::string>{"a=1", "b=2 c", "d", "e"});
}

TEST_CASE("booleans as systemd spells them", "[fleet][syntax]") {
  for (const char* t : {"1", "yes", "Y", "true", "T", "on", "TRUE"})
    CHECK(parse_boolean(t) == true);
  for (const char* f : {"0", "no", "n", "false", "F", "off"}) CHECK(parse_boolean(f) == false);
  CHECK_FALSE(parse_boolean("ture"));
  CHECK_FALSE(parse_boolean(""));
}

TEST_CASE("syntax errors carry file:line:column and a code", "[fleet][syntax][errors]") {
  std::size_t line = 0;
  CHECK(parse_error_code("Description=x\n", &line) == 121);
  CHECK(line == 1);
  CHECK(parse_error_code("[Unit]\n[Service\n", &line) == 122);
  CHECK(line == 2);
  CHECK(parse_error_code("[Unit] trailing\n") == 122);
  CHECK(parse_error_code("[]\n") == 122);
  CHECK(parse_error_code("[Unit]\nDescription x\n", &line) == 123);
  CHECK(line == 2);
  CHECK(parse_error_code("[Unit]\n  =value\n") == 124);
  CHECK(parse_error_code(std::string("[Unit]\nA=\0b\n", 12)) == 125);
  CHECK(parse_error_code("[Unit]\nA=caf\xe9\n", &line) == 125);  // Latin-1, not UTF-8
  CHECK(line == 2);
  CHECK(parse_error_code("[Unit]\nDescription=caf\xc3\xa9 \xe2\x9c\x93\n") == 0);
  try {
    parse("[Unit]\nA=1\n\n   bogus line\n");
    FAIL("expected a ParseError");
  } catch (const ParseError& e) {
    CHECK(e.where().to_string() == "t.service:4:4");
    CHECK(std::string(e.what()).find("[berth.parse_error.123] t.service:4:4") == 0);
  }
}

TEST_CASE("collecting mode records every syntax error and keeps going", "[fleet][syntax][errors]") {
  std::vector<Problem> ps;
  const auto f = parse_unit_file("A=1\n[Unit]\nbad\nDescription=ok\n[Oops\nB=2\n", "x", &ps);
  REQUIRE(ps.size() == 3);
  CHECK(ps[0].code == 121);
  CHECK(ps[1].code == 123);
  CHECK(ps[2].code == 122);
  CHECK(f.last("Unit", "Description")->value == "ok");
  CHECK(f.last("Unit", "B")->value == "2");  // the bad header left us in [Unit]
}

TEST_CASE("unreadable file is error 120", "[fleet][syntax][errors]") {
  try {
    read_unit_file("/nonexistent/dir/x.service");
    FAIL("expected a ParseError");
  } catch (const ParseError& e) {
    CHECK(e.code() == 120);
    CHECK(e.where().file == "/nonexistent/dir/x.service");
  }
}

TEST_CASE("random bytes never crash the parser", "[fleet][syntax][errors]") {
  // Fixed seed, printed on failure, so a crash can be replayed.
  const unsigned seed = 20261125;
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  const std::string alphabet = "[]=#;\\\n\r \t\"'aZ%@.{}\x01\xff";
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const int len = static_cast<int>(rng() % 200);
    for (int i = 0; i < len; ++i) text += alphabet[rng() % alphabet.size()];
    std::vector<Problem> ps;
    CHECK_NOTHROW(parse_unit_file(text, "fuzz", &ps));
    try {
      parse_unit_file(text, "fuzz");
    } catch (const ParseError& e) {
      CHECK(e.code() >= 120);
      CHECK(e.code() <= 139);
    }
  }
}

TEST_CASE("UTF-8 validation", "[fleet][syntax]") {
  CHECK(invalid_utf8_at("plain ascii") == std::string_view::npos);
  CHECK(invalid_utf8_at("caf\xc3\xa9 \xf0\x9f\x9a\xa2") == std::string_view::npos);
  CHECK(invalid_utf8_at("ab\xff") == 2);
  CHECK(invalid_utf8_at("\xc0\xaf") == 0);          // overlong '/'
  CHECK(invalid_utf8_at("\xed\xa0\x80") == 0);      // surrogate
  CHECK(invalid_utf8_at("\xf4\x90\x80\x80") == 0);  // above U+10FFFF
  CHECK(invalid_utf8_at("x\xe2\x9c") == 1);         // truncated
}
