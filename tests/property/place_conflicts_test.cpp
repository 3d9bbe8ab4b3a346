// The conflict relation compiled at build (Cluster::conflict_peers, match_all_units) against
// the definition, evaluated here pair by pair from the Spec alone: instance x conflicts with
// instance y when one of x's unit's patterns glob-matches y's instance name (or, for a global
// unit, its unit name), or the other way round, or their units bind one host port.
// Random units use names and patterns from a small alphabet with every glob feature (`*`,
// `?`, `[..]`, `[!..]`, `\` escapes) and `@` inside names, so prefixes collide and stems nest
// (`a@` is a prefix of `a@b`'s instances): the cases the prefix ranges must get right.
// The seed is printed on failure.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <set>

#include "berth/constraint/glob.hpp"
#include "berth/place/cluster.hpp"
#include "support/random_spec.hpp"

using namespace berth;

namespace {

constexpr std::uint64_t kConflictsSeed = 1717;

}  // namespace

TEST_CASE("the compiled conflict relation equals the patterns evaluated pair by pair",
          "[property][conflicts]") {
  std::mt19937_64 rng(kConflictsSeed);
  int cases = 0, related_pairs = 0;
  for (int round = 0; round < 400; ++round) {
    Spec spec = testing::random_conflict_spec(rng);
    // Instance names may collide (`a@1` as a unit and a replica): such specs are refused at build.
    Cluster c;
    try {
      c = Cluster::build(spec, BuildOptions{false});
    } catch (const ValidationError&) {
      continue;
    }
    ++cases;
    INFO("seed " << kConflictsSeed << ", round " << round);
    // One way: p's patterns take t's instance (by its name, or a global unit's by its unit name).
    auto one_way = [&](InstanceId p, InstanceId t) {
      const Unit& tu = c.unit(c.instance(t).unit);
      for (const auto& pat : c.unit(c.instance(p).unit).constraints.conflicts) {
        if (glob_match(pat, c.instance(t).name) ||
            (tu.constraints.global && glob_match(pat, tu.name)))
          return true;
      }
      return false;
    };
    auto ports_shared = [&](UnitId a, UnitId b) {
      for (const HostPort& x : c.unit(a).constraints.ports) {
        for (const HostPort& y : c.unit(b).constraints.ports) {
          if (x == y) return true;
        }
      }
      return false;
    };
    for (InstanceId a = 0; a < c.instance_count(); ++a) {
      for (InstanceId b = 0; b < c.instance_count(); ++b) {
        const UnitId ua = c.instance(a).unit, ub = c.instance(b).unit;
        const bool want = a != b && (one_way(a, b) || one_way(b, a) || ports_shared(ua, ub));
        INFO(c.instance(a).name << " vs " << c.instance(b).name);
        REQUIRE(c.conflicts(a, b) == want);
        // The unit-level class bounds every instance pair of the two units.
        const std::uint8_t cls = c.conflict_class(ua, ub);
        if (a != b && cls == 1) REQUIRE_FALSE((one_way(a, b) || ports_shared(ua, ub)));
        if (a != b && cls == 2) REQUIRE((one_way(a, b) || ports_shared(ua, ub)));
        if (want) {
          // A group can only be rejected for a conflict when its unit is related (the placer's
          // early exit), and the other unit is its peer, matches all, or shares a port.
          REQUIRE((c.unit_related(ua) || c.matches_all(ub)));
          const auto peers = c.conflict_peers(ua);
          const bool peer =
              std::any_of(peers.begin(), peers.end(),
                          [&](const Cluster::ConflictPeer& e) { return e.unit == ub; });
          REQUIRE((peer || c.matches_all(ua) || c.matches_all(ub) || ports_shared(ua, ub)));
          ++related_pairs;
        }
      }
    }
    // Peers hold only related units, once each, in order, with both directions agreeing.
    for (UnitId u = 0; u < c.unit_count(); ++u) {
      const auto peers = c.conflict_peers(u);
      for (std::size_t k = 0; k < peers.size(); ++k) {
        if (k > 0) REQUIRE(peers[k - 1].unit < peers[k].unit);
        REQUIRE((peers[k].out != 1 || peers[k].in != 1));
        const auto back = c.conflict_peers(peers[k].unit);
        auto it = std::find_if(back.begin(), back.end(),
                               [&](const Cluster::ConflictPeer& e) { return e.unit == u; });
        REQUIRE(it != back.end());
        REQUIRE(it->out == peers[k].in);
        REQUIRE(it->in == peers[k].out);
      }
    }
  }
  REQUIRE(cases > 200);
  REQUIRE(related_pairs > 1000);
}
