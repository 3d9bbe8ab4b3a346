#include <catch2/catch.hpp>

#include "berth/pack/bounds.hpp"
#include "berth/pack/heuristics.hpp"
#include "berth/pack/validate.hpp"
#include "pack_test_support.hpp"

using namespace berth::pack;

TEST_CASE("minimum bin slack packs every item validly", "[pack][heuristics]") {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const std::size_t n = 1 + seed % 40;
    const Instance in =
        pack_test::random_instance(seed, n, 1 + seed % 5, 100, seed % 3 == 0 ? 0 : 5, 70);
    for (const bool squared : {false, true}) {
      const Solution s = min_bin_slack(in, squared, 200);
      INFO("seed " << seed << " squared " << squared);
      CHECK_FALSE(validate(in, s).has_value());
      CHECK(s.bins >= lower_bounds(in).best);
    }
  }
}
