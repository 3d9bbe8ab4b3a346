// Spelling hints (did_you_mean.hpp): the closest candidate within max(2, len/3) edits.
#include "berth/did_you_mean.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using berth::did_you_mean;

TEST_CASE("the closest candidate within the edit budget", "[did_you_mean]") {
  const std::vector<std::string> fields = {"cpu", "memory", "disk"};
  CHECK(did_you_mean("cpus", fields) == "cpu");
  CHECK(did_you_mean("memroy", fields) == "memory");  // a swap is two edits, within 2
  CHECK(did_you_mean("xyz", fields).empty());         // 3 edits from cpu: beyond 2
  CHECK(did_you_mean("cpu", {}).empty());
  // The closest wins over an earlier, farther one; ties go to the first.
  CHECK(did_you_mean("memorx", {"memo", "memory"}) == "memory");
  CHECK(did_you_mean("cat", {"bat", "hat"}) == "bat");
}

TEST_CASE("long words allow len/3 edits", "[did_you_mean]") {
  // 12 letters: 4 edits allowed, 5 not.
  CHECK(did_you_mean("abcdefghijkl", {"abcdefghWXYZ"}) == "abcdefghWXYZ");
  CHECK(did_you_mean("abcdefghijkl", {"abcdefgVWXYZ"}).empty());
}

TEST_CASE("case counts: the spec's names are exact", "[did_you_mean]") {
  // Three substitutions; fleet's own hint (fleet/did_you_mean.hpp) ignores case instead.
  CHECK(did_you_mean("CPU", {"cpu"}).empty());
  CHECK(did_you_mean("Cpu", {"cpu"}) == "cpu");
}
