// Vector bin packing instances and solutions (pack/instance.hpp).
#include "berth/pack/instance.hpp"

#include <catch2/catch.hpp>

#include <vector>

#include "berth/error.hpp"

using namespace berth;
using namespace berth::pack;

namespace {

Instance two_dims() {
  // Built whole: assigning a short literal to the default-constructed name trips GCC 12's
  // -Wrestrict at -O3 (a false positive inside libstdc++, GCC bug 105329).
  Instance in{"t", 2, {10, 20}, {}};
  in.add_item(std::vector<Size>{3, 4});
  in.add_item(std::vector<Size>{10, 20});
  in.add_item(std::vector<Size>{-1, 0});  // negative sizes are allowed (published files)
  return in;
}

int validation_code(const Instance& in) {
  try {
    in.check();
  } catch (const ValidationError& e) {
    return e.code();
  }
  return 0;
}

}  // namespace

TEST_CASE("items are stored item-major, one size per dimension", "[pack][instance]") {
  const Instance in = two_dims();
  CHECK(in.item_count() == 3);
  CHECK(in.sizes == std::vector<Size>{3, 4, 10, 20, -1, 0});
  CHECK(std::vector<Size>(in.item(1).begin(), in.item(1).end()) == std::vector<Size>{10, 20});
  CHECK(Instance{}.item_count() == 0);  // no dimensions: no items, no division by zero
  Instance bad = two_dims();
  CHECK_THROWS_AS(bad.add_item(std::vector<Size>{1}), UsageError);
  CHECK(bad.item_count() == 3);  // nothing appended
}

TEST_CASE("check: ids 250-252 for unusable dimensions, capacities and items", "[pack][instance]") {
  CHECK(validation_code(two_dims()) == 0);  // an item exactly the bin's size is fine
  Instance no_dims;
  CHECK(validation_code(no_dims) == 250);
  Instance missing_capacity = two_dims();
  missing_capacity.capacity.pop_back();
  CHECK(validation_code(missing_capacity) == 250);
  Instance zero_capacity = two_dims();
  zero_capacity.capacity[1] = 0;
  CHECK(validation_code(zero_capacity) == 251);
  Instance too_big = two_dims();
  too_big.sizes[3] = 21;  // item 1, dimension 1
  CHECK(validation_code(too_big) == 252);
  CHECK_THROWS_WITH(too_big.check(), Catch::Contains("item 1 has size 21 in dimension 1"));
}

TEST_CASE("solutions: items by bin, and normalize renumbers bins densely", "[pack][instance]") {
  Solution s{{4, 0, 4, kUnassigned, 2}, 5};
  CHECK(items_by_bin(s) == std::vector<std::vector<std::size_t>>{{1}, {}, {4}, {}, {0, 2}});
  normalize(s);
  // Bins in order of first appearance: 4 -> 0, 0 -> 1, 2 -> 2; unassigned stays.
  CHECK(s.bin_of == std::vector<std::size_t>{0, 1, 0, kUnassigned, 2});
  CHECK(s.bins == 3);
  CHECK(items_by_bin(s) == std::vector<std::vector<std::size_t>>{{0, 2}, {1}, {4}});
  Solution empty;
  normalize(empty);
  CHECK(empty.bins == 0);
  CHECK(items_by_bin(empty).empty());
}
