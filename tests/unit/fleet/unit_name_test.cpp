// Unit names, fleet's specifiers and template ranges.
#include "berth/fleet/unit_name.hpp"

#include <catch2/catch.hpp>

#include "berth/error.hpp"

using namespace berth;
using namespace berth::fleet;

TEST_CASE("unit names split like fleet's UnitNameInfo", "[fleet][names]") {
  auto i = parse_unit_name("web@1.service");
  REQUIRE(i);
  CHECK(i->is_instance());
  CHECK_FALSE(i->is_template());
  CHECK(i->prefix == "web");
  CHECK(i->instance == "1");
  CHECK(i->name == "web@1");
  CHECK(i->suffix == ".service");
  CHECK(i->template_name() == "web@.service");
  auto t = parse_unit_name("web@.service");
  REQUIRE(t);
  CHECK(t->is_template());
  auto p = parse_unit_name("conflict.multiple.0.service");
  REQUIRE(p);
  CHECK(p->prefix == "conflict.multiple.0");
  CHECK_FALSE(p->has_at);
  CHECK(parse_unit_name("x.socket"));
  CHECK_FALSE(parse_unit_name("readme.txt"));
  CHECK_FALSE(parse_unit_name("@1.service"));
  CHECK_FALSE(parse_unit_name("dir/x.service"));
}

TEST_CASE("each specifier expands: %n %N %p %i %%", "[fleet][names][specifiers]") {
  const auto u = *parse_unit_name("api-lb@7.service");
  CHECK(expand_specifiers("%n", u) == "api-lb@7.service");
  CHECK(expand_specifiers("%N", u) == "api-lb@7");
  CHECK(expand_specifiers("%p", u) == "api-lb");
  CHECK(expand_specifiers("%i", u) == "7");
  CHECK(expand_specifiers("100%%", u) == "100%");
  CHECK(expand_specifiers("api@%i.service", u) == "api@7.service");
  CHECK(expand_specifiers("%p-%i-%%i", u) == "api-lb-7-%i");
  CHECK(expand_specifiers("%H stays, so does %", u) == "%H stays, so does %");
  CHECK(unknown_specifiers("a%Hb%i%%%m") == std::vector<std::string>{"%H", "%m"});
  // Plain units expand too (systemd's rule); %i is empty.
  const auto plain = *parse_unit_name("hello.service");
  CHECK(expand_specifiers("%p/%i/%n", plain) == "hello//hello.service");
}

TEST_CASE("ranges expand like fleetctl start service@{1..10}", "[fleet][names][ranges]") {
  CHECK(expand_range("web@{1..3}.service") ==
        std::vector<std::string>{"web@1.service", "web@2.service", "web@3.service"});
  CHECK(expand_range("dir/web@{3..1}.service") ==
        std::vector<std::string>{"dir/web@3.service", "dir/web@2.service", "dir/web@1.service"});
  CHECK(expand_range("w@{08..10}.service") ==
        std::vector<std::string>{"w@08.service", "w@09.service", "w@10.service"});
  CHECK(expand_range("w@{a,b}.service") == std::vector<std::string>{"w@a.service", "w@b.service"});
  CHECK(expand_range("w@5.service") == std::vector<std::string>{"w@5.service"});
  CHECK(expand_range("w@{1..10}.service").size() == 10);
  CHECK(has_range("w@{1..2}.service"));
  CHECK_FALSE(has_range("w@1.service"));
  for (const char* bad : {"w@{1..}.service", "w@{x..3}.service", "w@{1}.service",
                          "w@{1..2}{3..4}.service", "w@{1..200000}.service", "w@{-1..2}.service"}) {
    INFO(bad);
    try {
      expand_range(bad);
      FAIL("expected a ParseError");
    } catch (const ParseError& e) {
      CHECK(e.code() == 127);
    }
  }
}
