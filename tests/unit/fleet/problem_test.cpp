// Problems found while reading fleet inputs (fleet/problem.hpp): one line each, and the
// exception a problem becomes when loading stops at the first error.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 at -O3 reports the SourceLocation strings of the Problem temporaries below as "may be
// used uninitialized" inside libstdc++ (a false positive; named or namespace-scope problems
// trip it too).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "berth/fleet/problem.hpp"

#include <catch2/catch.hpp>

#include <vector>

#include "berth/error.hpp"

using namespace berth;
using namespace berth::fleet;

TEST_CASE("a problem prints as location, severity, id, unit and message", "[fleet][problem]") {
  CHECK(format_problem({Severity::Error, 123, "a.service", {"a.service", 2, 0}, "broken line"}) ==
        "a.service:2: error [berth.parse_error.123] a.service: broken line");
  CHECK(format_problem({Severity::Warning, 229, "", {}, "unknown key"}) ==
        "warning [berth.invalid.229] unknown key");
  // A line without a file still says where: the reader's placeholder name.
  CHECK(format_problem({Severity::Error, 220, "b.service", {"", 3, 7}, "x"}) ==
        "<input>:3:7: error [berth.invalid.220] b.service: x");
  // The code decides the category, not the severity.
  CHECK(format_problem({Severity::Warning, 199, "", {}, "m"}) ==
        "warning [berth.parse_error.199] m");
}

TEST_CASE("raise throws a parse error below 200, a validation error from 200", "[fleet][problem]") {
  try {
    raise({Severity::Error, 123, "a.service", {"a.service", 4, 2}, "line without '='"});
    FAIL("no error");
  } catch (const ParseError& e) {
    CHECK(e.code() == 123);
    CHECK(e.where().line == 4);
    CHECK(e.where().column == 2);
    CHECK(std::string(e.what()) == "[berth.parse_error.123] a.service:4:2: line without '='");
  }
  try {
    raise({Severity::Error, 220, "a.service", {"a.service", 5, 0}, "Global with MachineID"});
    FAIL("no error");
  } catch (const ValidationError& e) {
    CHECK(e.code() == 220);
    CHECK(e.subject() == "a.service (a.service:5)");
    CHECK(std::string(e.what()) ==
          "[berth.invalid.220] a.service (a.service:5): Global with MachineID");
  }
  try {
    raise({Severity::Error, 239, "d.service", {}, "MachineOf names no unit"});
    FAIL("no error");
  } catch (const ValidationError& e) {
    CHECK(e.subject() == "d.service");
  }
}

TEST_CASE("report collects every problem, or throws at the first error", "[fleet][problem]") {
  std::vector<Problem> all;
  report(&all, {Severity::Error, 220, "a", {}, "first"});
  report(&all, {Severity::Warning, 238, "b", {}, "second"});
  REQUIRE(all.size() == 2);
  CHECK(all[0].message == "first");
  CHECK(all[1].severity == Severity::Warning);
  // Without a list: warnings are dropped, errors thrown.
  CHECK_NOTHROW(report(nullptr, {Severity::Warning, 238, "b", {}, "ignored"}));
  CHECK_THROWS_AS(report(nullptr, {Severity::Error, 120, "", {"x.service", 0, 0}, "unreadable"}),
                  ParseError);
  CHECK_THROWS_AS(report(nullptr, {Severity::Error, 221, "a", {}, "bad"}), ValidationError);
}
