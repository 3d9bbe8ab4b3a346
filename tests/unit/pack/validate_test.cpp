#include <catch2/catch.hpp>

#include "berth/pack/validate.hpp"
#include "berth/pack/vbp.hpp"

using namespace berth::pack;

TEST_CASE("validator rejects what it should", "[pack][validate]") {
  Instance in = berth::pack::parse_vbp("2\n10 10\n3\n6 1 1\n5 9 1\n4 1 1\n");
  CHECK_FALSE(validate(in, Solution{{0, 1, 0}, 2}).has_value());
  CHECK(validate(in, Solution{{0, 0, 1}, 2}).has_value());            // 6+5 > 10
  CHECK(validate(in, Solution{{0, 1}, 2}).has_value());               // an item missing
  CHECK(validate(in, Solution{{0, 1, kUnassigned}, 2}).has_value());  // unpacked
  CHECK(validate(in, Solution{{0, 1, 3}, 2}).has_value());            // bin out of range
  CHECK(validate(in, Solution{{0, 2, 0}, 3}).has_value());            // counted bin empty
}
