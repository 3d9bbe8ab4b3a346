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

using namespace berth;

namespace {

constexpr std::uint64_t kSeed = 1717;

std::string random_text(std::mt19937_64& rng, int min_len, int max_len) {
  static const char alphabet[] = "ab@1";
  std::uniform_int_distribution<int> len(min_len, max_len), ch(0, 3);
  std::string s;
  for (int n = len(rng); n > 0; --n) s.push_back(alphabet[ch(rng)]);
  return s;
}

std::string random_pattern(std::mt19937_64& rng, const std::vector<std::string>& names) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  switch (pick(0, 9)) {
    case 0: return "*";
    case 1: return names[static_cast<std::size_t>(pick(0, static_cast<int>(names.size()) - 1))] + "@*";
    case 2: return names[static_cast<std::size_t>(pick(0, static_cast<int>(names.size()) - 1))];
    default: break;
  }
  std::string p;
  for (int n = pick(1, 5); n > 0; --n) {
    switch (pick(0, 9)) {
      case 0: p += '*'; break;
      case 1: p += '?'; break;
      case 2: p += "[ab]"; break;
      case 3: p += "[!@]"; break;
      case 4: p += "\\@"; break;
      default: p += random_text(rng, 1, 2); break;
    }
  }
  return p;
}

Spec random_spec(std::mt19937_64& rng) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Spec spec;
  for (int i = 0; i < 3; ++i) {
    Machine m;
    m.name = fmt::format("m{}", i + 1);
    m.capacity.cpu = 1000;
    spec.machines.push_back(std::move(m));
  }
  std::set<std::string> used;
  std::vector<std::string> names;
  const int units = pick(2, 14);
  for (int i = 0; i < units; ++i) {
    std::string name;
    do name = random_text(rng, 1, 4);
    while (!used.insert(name).second);
    names.push_back(name);
  }
  for (const std::string& name : names) {
    Unit u;
    u.name = name;
    u.requests.cpu = 1;
    const int kind = pick(0, 5);
    if (kind <= 2) u.replicas = pick(1, 3);
    else if (kind == 3) u.constraints.global = true;
    for (int n = pick(0, 2); n > 0; --n) u.constraints.conflicts.push_back(random_pattern(rng, names));
    if (pick(0, 7) == 0) u.constraints.ports.push_back({static_cast<std::uint16_t>(pick(80, 81)), PortProtocol::Tcp});
    spec.units.push_back(std::move(u));
  }
  return spec;
}

}  // namespace

TEST_CASE("the compiled conflict relation equals the patterns evaluated pair by pair", "[property][conflicts]") {
  std::mt19937_64 rng(kSeed);
  int cases = 0, related_pairs = 0;
  for (int round = 0; round < 400; ++round) {
    Spec spec = random_spec(rng);
    // Instance names may collide (`a@1` as a unit and a replica): such specs are refused at build.
    Cluster c;
    try {
      c = Cluster::build(spec, BuildOptions{false});
    } catch (const ValidationError&) {
      continue;
    }
    ++cases;
    INFO("seed " << kSeed << ", round " << round);
    // One way: p's patterns take t's instance (by its name, or a global unit's by its unit name).
    auto one_way = [&](InstanceId p, InstanceId t) {
      const Unit& tu = c.unit(c.instance(t).unit);
      for (const auto& pat : c.unit(c.instance(p).unit).constraints.conflicts) {
        if (glob_match(pat, c.instance(t).name) || (tu.constraints.global && glob_match(pat, tu.name))) return true;
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
          const bool peer = std::any_of(peers.begin(), peers.end(), [&](const Cluster::ConflictPeer& e) { return e.unit == ub; });
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
        auto it = std::find_if(back.begin(), back.end(), [&](const Cluster::ConflictPeer& e) { return e.unit == u; });
        REQUIRE(it != back.end());
        REQUIRE(it->out == peers[k].in);
        REQUIRE(it->in == peers[k].out);
      }
    }
  }
  REQUIRE(cases > 200);
  REQUIRE(related_pairs > 1000);
}
