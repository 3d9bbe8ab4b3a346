#include <catch2/catch.hpp>

#include "berth/error.hpp"
#include "berth/pack/assign.hpp"
#include "pack_test_support.hpp"

using namespace berth::pack;

TEST_CASE("assign: heterogeneous bins, allowed lists, unplaced items", "[pack][assign]") {
  const std::vector<std::vector<Size>> bins{{4, 4}, {10, 10}, {2, 2}};
  std::vector<AssignItem> items{
      {{3, 3}, {}},      // anywhere
      {{9, 9}, {1}},     // only the big bin
      {{2, 2}, {0, 2}},  // small bins only
      {{5, 5}, {0}},     // cannot fit bin 0: unplaced
  };
  const AssignResult r = assign_items(bins, items);
  CHECK(r.bin_of[1] == 1);
  CHECK((r.bin_of[2] == 0 || r.bin_of[2] == 2));
  CHECK(r.bin_of[3] == kUnassigned);
  CHECK(r.unplaced == std::vector<std::size_t>{3});
  // Capacity respected everywhere.
  std::vector<std::vector<Size>> load(3, {0, 0});
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (r.bin_of[i] == kUnassigned) continue;
    for (std::size_t k = 0; k < 2; ++k) load[r.bin_of[i]][k] += items[i].size[k];
  }
  for (std::size_t b = 0; b < 3; ++b) {
    for (std::size_t k = 0; k < 2; ++k) CHECK(load[b][k] <= bins[b][k]);
  }
}

TEST_CASE("assign: repair moves one item to make room", "[pack][assign]") {
  // Greedy puts the flexible item in bin 0 (used first); the pinned one then needs it moved.
  const std::vector<std::vector<Size>> bins{{10}, {10}};
  std::vector<AssignItem> items{{{6}, {}}, {{6}, {0}}};
  const AssignResult r = assign_items(bins, items);
  CHECK(r.unplaced.empty());
  CHECK(r.bin_of[1] == 0);
  CHECK(r.bin_of[0] == 1);
}

TEST_CASE("assign: random cases never overcommit", "[pack][assign][property]") {
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    std::mt19937_64 rng(seed);
    const std::size_t d = 1 + rng() % 3, nb = 1 + rng() % 6, n = rng() % 20;
    std::vector<std::vector<Size>> bins(nb, std::vector<Size>(d));
    for (auto& b : bins) {
      for (auto& c : b) c = 5 + static_cast<Size>(rng() % 20);
    }
    std::vector<AssignItem> items(n);
    for (auto& it : items) {
      it.size.resize(d);
      for (auto& s : it.size) s = static_cast<Size>(rng() % 10);
      if (rng() % 2) it.allowed = {rng() % nb};
    }
    const AssignResult r = assign_items(bins, items);
    INFO("seed " << seed);
    std::vector<std::vector<Size>> load(nb, std::vector<Size>(d, 0));
    for (std::size_t i = 0; i < n; ++i) {
      if (r.bin_of[i] == kUnassigned) continue;
      if (!items[i].allowed.empty()) REQUIRE(r.bin_of[i] == items[i].allowed[0]);
      for (std::size_t k = 0; k < d; ++k) load[r.bin_of[i]][k] += items[i].size[k];
    }
    for (std::size_t b = 0; b < nb; ++b) {
      for (std::size_t k = 0; k < d; ++k) REQUIRE(load[b][k] <= bins[b][k]);
    }
  }
  CHECK_THROWS_AS(assign_items({{1}}, {{{1, 2}, {}}}), berth::UsageError);
  CHECK_THROWS_AS(assign_items({{1}}, {{{1}, {3}}}), berth::UsageError);
}
