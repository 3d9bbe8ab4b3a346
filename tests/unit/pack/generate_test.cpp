// The benchmark's instance generator (bench/packing/generate.hpp): the draws follow the
// published class descriptions, and triplet instances really have the optimum n/3.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "../../../bench/packing/generate.hpp"
#include "berth/pack/solve.hpp"
#include "berth/pack/validate.hpp"

using namespace berth::pack;

TEST_CASE("generated Panigrahy classes stay in their published ranges and are reproducible",
          "[pack][generate]") {
  struct Range {
    Size h, lo, hi;
  };
  const Range ranges[] = {{1000, 100, 400}, {1000, 1, 1000}, {1000, 200, 800},
                          {1000, 50, 200},  {1000, 25, 100}, {150, 20, 100}};
  for (int cls = 1; cls <= 9; ++cls) {
    for (std::size_t d : {3, 5}) {
      const Instance in = bench_pack::panigrahy_instance(cls, 40, d, 7);
      INFO(fmt::format("class {} d {}", cls, d));
      REQUIRE(in.item_count() == 40);
      REQUIRE_NOTHROW(in.check());
      CHECK(bench_pack::panigrahy_instance(cls, 40, d, 7).sizes == in.sizes);
      CHECK(bench_pack::panigrahy_instance(cls, 40, d, 8).sizes != in.sizes);
      for (std::size_t i = 0; i < in.item_count(); ++i) {
        for (std::size_t k = 0; k < d; ++k) {
          const Size v = in.item(i)[k];
          if (cls <= 6) {
            CHECK(in.capacity[k] == ranges[cls - 1].h);
            CHECK(v >= ranges[cls - 1].lo);
            CHECK(v <= ranges[cls - 1].hi);
          } else if (cls <= 8) {
            CHECK(in.capacity[k] == 150);
            if (k % 2 == 1) {
              const Size first = in.item(i)[k - 1];
              const Size centre = cls == 7 ? first : 120 - first;
              CHECK(v >= centre - 10);
              CHECK(v <= centre + 10);
            } else {
              CHECK(v >= 20);
              CHECK(v <= 100);
            }
          } else {
            CHECK(v >= 0);
            CHECK(v <= 100);
          }
        }
      }
    }
  }
}

TEST_CASE("generated triplets fill their bins exactly and search finds n/3 bins",
          "[pack][generate]") {
  for (char kind : {'C', 'F'}) {
    for (std::size_t d : {3, 5}) {
      const Instance in = bench_pack::triplet_instance(kind, 10, d, 3);
      INFO(fmt::format("kind {} d {}", kind, d));
      REQUIRE(in.item_count() == 30);
      for (std::size_t k = 0; k < d; ++k) {
        Size sum = 0;
        for (std::size_t i = 0; i < in.item_count(); ++i) sum += in.item(i)[k];
        CHECK(sum == 10 * 100);
      }
      SolveOptions o;
      o.max_iterations = 2000;  // deterministic
      const SolveResult r = solve(in, "search", o);
      REQUIRE_FALSE(validate(in, r.solution).has_value());
      CHECK(r.solution.bins == 10);
    }
  }
}
