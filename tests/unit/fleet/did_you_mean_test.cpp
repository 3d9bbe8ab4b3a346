// fleet's spelling hints (fleet/did_you_mean.hpp): like berth::did_you_mean, but case does not
// count, because systemd users write `machineof=` for `MachineOf=`.
#include "berth/fleet/did_you_mean.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using berth::fleet::did_you_mean;

TEST_CASE("fleet hints ignore case and allow max(2, len/3) edits", "[fleet][did_you_mean]") {
  const std::vector<std::string> keys = {"MachineOf", "MachineID", "MachineMetadata", "Global"};
  CHECK(did_you_mean("machineof", keys) == "MachineOf");  // distance 0 ignoring case
  CHECK(did_you_mean("MachinOf", keys) == "MachineOf");   // one letter missing
  CHECK(did_you_mean("GLOBL", keys) == "Global");
  CHECK(did_you_mean("Conflicts", keys).empty());
  CHECK(did_you_mean("MachineOf", {}).empty());
  // 3 letters: 2 edits allowed, 3 not.
  CHECK(did_you_mean("abc", {"xbz"}) == "xbz");
  CHECK(did_you_mean("abc", {"xyz"}).empty());
  // Ties go to the first candidate.
  CHECK(did_you_mean("cat", {"bat", "hat"}) == "bat");
}
