#include <catch2/catch.hpp>

#include "berth/error.hpp"
#include "berth/pack/vbp.hpp"

using namespace berth::pack;

namespace {

// Returns "file:line:col" of the ParseError `text` raises, and its code through `code`.
std::string error_at(const std::string& text, int& code) {
  try {
    parse_vbp(text, "t.vbp");
  } catch (const berth::ParseError& e) {
    code = e.code();
    return e.where().to_string();
  }
  return "no error";
}

}  // namespace

TEST_CASE("vbp: reads dimensions, capacities and items with demands", "[pack][vbp]") {
  const Instance in = parse_vbp("2\n10 20\n3\n1 2 1\n3 4 2\n0 0 0\n", "x.vbp");
  CHECK(in.dims == 2);
  CHECK(in.capacity == std::vector<Size>{10, 20});
  REQUIRE(in.item_count() == 3);  // demand 2 counts twice, demand 0 not at all
  CHECK(in.item(0)[1] == 2);
  CHECK(in.item(1)[0] == 3);
  CHECK(in.item(2)[1] == 4);
  CHECK(in.name == "x.vbp");
}

TEST_CASE("vbp: any number of dimensions, free whitespace, round trip", "[pack][vbp]") {
  const Instance in = parse_vbp("  4 5 5 5 5\n\n2 1 1 1 1 1 \t2 2 2 2 1", "y.vbp");
  CHECK(in.dims == 4);
  CHECK(in.item_count() == 2);
  const Instance again = parse_vbp(to_vbp(in));
  CHECK(again.sizes == in.sizes);
  CHECK(again.capacity == in.capacity);
}

TEST_CASE("vbp: negative sizes (present in published files) are accepted", "[pack][vbp]") {
  const Instance in = parse_vbp("1\n100\n2\n-2 1\n50 1\n");
  CHECK(in.item(0)[0] == -2);
  CHECK_NOTHROW(in.check());
}

TEST_CASE("vbp: bad input names file:line:col and what was expected", "[pack][vbp]") {
  int code = 0;
  CHECK(error_at("", code) == "t.vbp:1:1");
  CHECK(code == 151);
  CHECK(error_at("2\n10 x\n", code) == "t.vbp:2:4");
  CHECK(code == 152);
  CHECK(error_at("0\n", code) == "t.vbp:1:1");
  CHECK(code == 154);
  CHECK(error_at("1\n0\n", code) == "t.vbp:2:1");
  CHECK(code == 155);
  CHECK(error_at("1\n10\n-1\n", code) == "t.vbp:3:1");
  CHECK(code == 156);
  CHECK(error_at("2\n10 10\n1\n3 11 1\n", code) == "t.vbp:4:3");
  CHECK(code == 157);
  CHECK(error_at("1\n10\n1\n3 -1\n", code) == "t.vbp:4:3");
  CHECK(code == 158);
  CHECK(error_at("1\n10\n1\n3 1\n7\n", code) == "t.vbp:5:1");
  CHECK(code == 159);
  CHECK(error_at("1\n10\n2\n3 1\n", code) == "t.vbp:5:1");  // second item line missing
  CHECK(code == 151);
  CHECK(error_at("1\n99999999999999999999\n", code) == "t.vbp:2:1");
  CHECK(code == 153);
  try {
    parse_vbp("1\n10\n1\n3 1\n7\n", "t.vbp");
    FAIL("no error");
  } catch (const berth::ParseError& e) {
    CHECK(std::string(e.what()).find("[berth.parse_error.159] t.vbp:5:1: expected end of input") ==
          0);
  }
}

TEST_CASE("vbp: a missing file is parse error 150", "[pack][vbp]") {
  CHECK_THROWS_AS(load_vbp("/nonexistent/dir/x.vbp"), berth::ParseError);
}
