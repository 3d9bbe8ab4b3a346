#include <catch2/catch.hpp>

#include <string>

#include "berth/constraint/glob.hpp"

using namespace berth;

TEST_CASE("globs match unit names like fleet's Conflicts", "[glob]") {
  CHECK(glob_match("api@*", "api@1"));
  CHECK(glob_match("api@*", "api@"));
  CHECK_FALSE(glob_match("api@*", "api"));
  CHECK_FALSE(glob_match("api@*", "xapi@1"));
  CHECK(glob_match("deis-router@*.service", "deis-router@2.service"));
  CHECK(glob_match("web@?", "web@3"));
  CHECK_FALSE(glob_match("web@?", "web@10"));
  CHECK(glob_match("db-[ab]", "db-a"));
  CHECK_FALSE(glob_match("db-[ab]", "db-c"));
  CHECK(glob_match("db-[!ab]", "db-c"));
  CHECK(glob_match("n[0-9]", "n7"));
  CHECK(glob_match("*", "anything"));
  CHECK(glob_match("a*b*c", "aXXbYYc"));
  CHECK_FALSE(glob_match("a*b*c", "aXXbYY"));
  CHECK(glob_match("a\\*", "a*"));
  CHECK_FALSE(glob_match("a\\*", "ab"));
  CHECK(glob_match("[", "["));  // malformed class is literal
  CHECK(glob_is_literal("web"));
  CHECK_FALSE(glob_is_literal("web@*"));
  // No exponential blow-up on adversarial patterns.
  std::string name(200, 'a');
  CHECK_FALSE(glob_match("a*a*a*a*a*a*a*a*a*a*a*a*b", name));
}
