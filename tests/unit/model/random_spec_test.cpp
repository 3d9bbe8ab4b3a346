// Pins what the shared random generators (support/random_spec.hpp) produce for a few seeds, so
// that folding their common skeleton into one generator provably changes no property test's
// cases: every property test's seeds must keep giving the same specs.
//
// The text hashed is written here from the model structs field by field, not by io/spec_json,
// so that a change to the JSON writer cannot move the pins. The values depend on libstdc++'s
// std::uniform_int_distribution (the standard fixes mt19937_64, not the distribution): they hold
// for the GCC and clang builds of CI, which both use libstdc++ (and, since no call takes two
// draws as arguments any more (random_spec.hpp, kArgumentOrder), evaluate the draws in the same
// order: before that, random_diagnose_cluster and random_index_cluster differed between them).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>

#include "berth/model/spec.hpp"
#include "support/random_spec.hpp"

using namespace berth;

namespace {

std::string text_of(const Resources& r) {
  std::string s = fmt::format("{}/{}/{}", r.cpu, r.memory, r.disk);
  for (const auto& [name, amount] : r.extended) s += fmt::format("/{}={}", name, amount);
  return s;
}

std::string text_of(const std::vector<MetadataRequirement>& reqs) {
  std::string s;
  for (const MetadataRequirement& r : reqs)
    s += fmt::format("[{} {} {}]", r.key, static_cast<int>(r.op), fmt::join(r.values, ","));
  return s;
}

// Every field a generator sets, in declaration order.
std::string text_of(const Spec& spec) {
  std::string s;
  for (const Machine& m : spec.machines) {
    s += fmt::format("M {} {} {} {}", m.name, text_of(m.capacity), text_of(m.reserved),
                     static_cast<int>(m.state));
    for (const auto& [key, values] : m.metadata)
      s += fmt::format(" {}={}", key, fmt::join(values, ","));
    for (const Taint& t : m.taints)
      s += fmt::format(" T{}={}:{}", t.key, t.value, static_cast<int>(t.effect));
    s += '\n';
  }
  for (const Unit& u : spec.units) {
    const Constraints& c = u.constraints;
    s += fmt::format("U {} {} {} {} {} C{} of={} id={} g={}", u.name, text_of(u.requests),
                     u.priority, u.replicas ? *u.replicas : -1, text_of(c.metadata),
                     fmt::join(c.conflicts, ","), c.machine_of, c.machine_id, c.global);
    if (c.spread) s += fmt::format(" S{}:{}", c.spread->key, c.spread->max_skew);
    for (const Toleration& t : c.tolerations)
      s += fmt::format(" O{}:{}:{}:{}", t.key, static_cast<int>(t.op), t.value,
                       t.effect ? static_cast<int>(*t.effect) : -1);
    for (const HostPort& p : c.ports)
      s += fmt::format(" P{}/{}", p.port, static_cast<int>(p.protocol));
    for (const Preference& p : u.preferences)
      s += fmt::format(" W{}:{}:{}:{}:{}", static_cast<int>(p.kind), p.weight, text_of(p.metadata),
                       fmt::join(p.near, ","), p.spread_key);
    s += '\n';
  }
  return s;
}

// FNV-1a, 64 bits: fixed by its definition (std::hash is not).
std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// The hash of the specs of seeds 1..8, drawn one after another from one engine per seed.
template <typename Generate>
std::uint64_t hash_of_seeds(Generate generate) {
  std::string all;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    std::mt19937_64 rng(seed);
    all += text_of(generate(rng));
    all += text_of(generate(rng));
  }
  return fnv1a(all);
}

}  // namespace

TEST_CASE("the text hashed tells specs apart", "[support][random]") {
  std::mt19937_64 rng(1);
  Spec a = testing::random_spec(rng);
  Spec b = a;
  CHECK(fnv1a(text_of(a)) == fnv1a(text_of(b)));
  b.units.back().constraints.machine_id += "x";
  CHECK(fnv1a(text_of(a)) != fnv1a(text_of(b)));
  b = a;
  b.machines.front().capacity.extended["gpu"] += 1;
  CHECK(fnv1a(text_of(a)) != fnv1a(text_of(b)));
}

TEST_CASE("each random generator gives the same specs for the same seeds", "[support][random]") {
  CHECK(hash_of_seeds([](std::mt19937_64& rng) { return testing::random_spec(rng); }) ==
        0x9b5461afd4b88f1cull);
  CHECK(hash_of_seeds([](std::mt19937_64& rng) { return testing::random_conflict_spec(rng); }) ==
        0xe0bb7eed50bf8faaull);
  CHECK(hash_of_seeds([](std::mt19937_64& rng) { return testing::random_diagnose_cluster(rng); }) ==
        0xcf49046d1d08a4e5ull);
  CHECK(hash_of_seeds([](std::mt19937_64& rng) { return testing::random_index_cluster(rng); }) ==
        0x0601f8a2390cefeaull);
  CHECK(hash_of_seeds([](std::mt19937_64& rng) { return testing::random_oracle_cluster(rng); }) ==
        0x85072cff1a39e8a5ull);
  std::string all;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    testing::Gen g(seed);
    all += text_of(testing::random_ops_spec(g));
    all += text_of(testing::random_ops_spec(g));
  }
  CHECK(fnv1a(all) == 0xcf2975bfe3515447ull);
}
