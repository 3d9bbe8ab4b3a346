// Diagnosis as a value: its one-line summary, its kind, its equality and the spread domains it
// carries as data (explain/diagnosis.hpp). The placer's counting is tested in
// place/placer_test.cpp and the property tests.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <compare>
#include <random>
#include <string>

#include "berth/explain/diagnosis.hpp"
#include "berth/io/result_json.hpp"
#include "support/builders.hpp"

using namespace berth;

namespace {

using berth::testing::kGi;  // tests/support/builders.hpp

Diagnosis memory_short() {
  Diagnosis d;
  d.unit = "web@3";
  d.group = {"web@3"};
  d.considered = 12;
  d.rejections = {{"insufficient_memory", 7}, {reason::kMetadata, 3}, {reason::kConflict, 2}};
  d.metadata_failures = {{"role!=api", 3}};
  d.conflicts_with = {{"web@1", 2}};
  d.shortfalls = {Shortfall{"memory", 2 * kGi, 3 * kGi / 2, "m4", 7}};
  return d;
}

}  // namespace

TEST_CASE("summary: resource reasons first, with the numbers, then the others by kind") {
  CHECK(memory_short().summary() ==
        "web@3: 0/12 machines fit: 7 short of memory (needs 2 GiB; most free 1.5 GiB on m4), "
        "3 metadata role!=api, 2 conflict with web@1");
}

TEST_CASE("summary: several details are counted and the most frequent come first") {
  Diagnosis d;
  d.unit = "db";
  d.considered = 9;
  d.rejections = {{reason::kMetadata, 9}};
  d.metadata_failures = {{"a!=1", 1}, {"b!=2", 4}, {"c!=3", 2}, {"d!=4", 2}};
  CHECK(d.summary() == "db: 0/9 machines fit: 9 metadata 4 b!=2, 2 c!=3, 2 d!=4, +1 more");
}

TEST_CASE("summary: contradiction, no machines, closest and unresolvable") {
  Diagnosis d;
  d.unit = "x";
  d.contradiction = "[berth.invalid.241] unit x: machine_of: names unknown unit \"y\"";
  d.unresolvable = true;
  CHECK(d.summary() ==
        "x: unresolvable: [berth.invalid.241] unit x: machine_of: names unknown unit \"y\"");
  CHECK(d.kind() == PendingKind::Unresolvable);

  Diagnosis none;
  none.unit = "y";
  CHECK(none.summary() == "y: 0/0 machines fit: there are no machines");
  CHECK(none.kind() == PendingKind::Unschedulable);

  Diagnosis c = memory_short();
  c.closest = ClosestMachine{"m4", {{"memory", kGi / 2 + 1}}};
  c.unresolvable = true;
  // Rounded up: adding the printed amount must be enough.
  CHECK_THAT(
      c.summary(),
      Catch::EndsWith("; closest: m4 needs 512.01 MiB memory more; unresolvable: no machine here "
                      "could take it even if empty"));
}

TEST_CASE("spread domains print as key=value and sort as that text") {
  CHECK(SpreadDomain{"zone", "a"}.describe() == "zone=a");
  Diagnosis d;
  d.unit = "s@1";
  d.considered = 4;
  d.rejections = {{reason::kSpread, 4}};
  // "zone2=x" sorts before "zone=a" as text ('2' < '='), though "zone" < "zone2" as keys.
  d.spread_failures = {{SpreadDomain{"zone", "a"}, 2}, {SpreadDomain{"zone2", "x"}, 2}};
  CHECK(d.spread_failures.begin()->first == SpreadDomain{"zone2", "x"});
  CHECK(d.summary() == "s@1: 0/4 machines fit: 4 spread limit (2 zone2=x, 2 zone=a full)");
  const nlohmann::json j = diagnosis_to_json(d);
  CHECK(j["spread_failures"].dump() == R"({"zone2=x":2,"zone=a":2})");
}

TEST_CASE("spread domains with one text add up in JSON, as when the text was the key") {
  Diagnosis d;
  d.spread_failures = {{SpreadDomain{"a=b", "c"}, 1}, {SpreadDomain{"a", "b=c"}, 2}};
  CHECK(d.spread_failures.size() == 2);  // as data they differ
  CHECK(diagnosis_to_json(d)["spread_failures"].dump() == R"({"a=b=c":3})");
}

TEST_CASE(
    "spread domain order is the order of their texts, then keys (random, against std::string)") {
  // Oracle: compare the built "key=value" strings. Alphabet with '=' and bytes either side of it.
  const std::uint64_t seed = 18;
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  const std::string alphabet = "=<>09az\x7f\xc3";
  auto word = [&] {
    std::string w;
    for (auto n = rng() % 4; n > 0; --n) w += alphabet[rng() % alphabet.size()];
    return w;
  };
  for (int i = 0; i < 20000; ++i) {
    const SpreadDomain a{word(), word()}, b{word(), word()};
    INFO(a.describe() << " vs " << b.describe());
    // By text; one text from two domains ("a=b" "c", "a" "b=c") is two keys, ordered by key.
    int want = a.describe().compare(b.describe());
    if (want == 0) want = a.key.compare(b.key);
    const auto got = a <=> b;
    CHECK((want < 0) == std::is_lt(got));
    CHECK((want > 0) == std::is_gt(got));
    CHECK((want == 0) == (a == b));
  }
}

TEST_CASE("diagnoses compare field by field") {
  const Diagnosis a = memory_short();
  Diagnosis b = a;
  CHECK(a == b);
  b.shortfalls[0].most_free_on = "m5";
  CHECK(a != b);
  b = a;
  b.closest = ClosestMachine{"m4", {}};
  CHECK(a != b);
  b = a;
  b.spread_failures[SpreadDomain{"zone", "a"}] = 1;
  CHECK(a != b);
  b = a;
  b.unresolvable = true;
  CHECK(a != b);
}
