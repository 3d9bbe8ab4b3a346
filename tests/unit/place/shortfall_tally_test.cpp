// detail::ShortfallCounts and ShortfallTally (src/place/shortfall_tally.hpp): counts of runs of
// machines appended in order equal the counts of one run over them all, and a machine taken
// back out (uncount) leaves the counts of one run without it, or says it cannot. The indexed
// diagnosis keeps per-class counts on these two operations; here they are checked directly
// against one plain run, on random free amounts (overcommitted machines and zero requests
// included, whose 0/0 keys make a run "unordered").
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>

#include "../../../src/place/shortfall_tally.hpp"
#include "berth/error.hpp"
#include "berth/place/cluster.hpp"

using namespace berth;

namespace {

void require_same_counts(const detail::ShortfallCounts& a, const detail::ShortfallCounts& b) {
  REQUIRE(a.fit == b.fit);
  REQUIRE(a.short_count == b.short_count);
  REQUIRE(a.worst_count == b.worst_count);
  REQUIRE(a.most_free_on == b.most_free_on);
  for (std::size_t d = 0; d < a.most_free_on.size(); ++d) {
    if (a.most_free_on[d] != kNone) REQUIRE(a.most_free[d] == b.most_free[d]);
  }
  REQUIRE(a.closest == b.closest);
  if (a.closest != kNone) {
    REQUIRE(a.closest_key.first == b.closest_key.first);
    REQUIRE(std::isnan(a.closest_key.second) == std::isnan(b.closest_key.second));
    if (!std::isnan(a.closest_key.second)) REQUIRE(a.closest_key.second == b.closest_key.second);
  }
}

/// Counts machines [from, to) in id order, as a diagnosis counts a class's members.
detail::ShortfallCounts run(const Cluster& c, const std::vector<std::int64_t>& demand,
                            MachineId from, MachineId to, const std::vector<MachineId>& skip = {}) {
  detail::ShortfallTally t(c, demand, c.dims());
  for (MachineId m = from; m < to; ++m) {
    if (std::find(skip.begin(), skip.end(), m) != skip.end()) continue;
    const int first = t.first_short(m);
    if (first < 0) {
      ++t.n.fit;
    } else {
      t.count_machine(m, static_cast<std::size_t>(first));
    }
  }
  return std::move(t.n);
}

}  // namespace

TEST_CASE("shortfall counts: appended runs and uncounted machines equal one plain run",
          "[property][explain]") {
  constexpr std::uint64_t kSeed = 20261206;
  std::mt19937_64 rng(kSeed);
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  std::size_t appended = 0, unordered = 0, uncounted = 0, refused = 0;
  for (int round = 0; round < 400; ++round) {
    INFO("seed " << kSeed << ", case " << round);
    Spec spec;
    const auto machines = static_cast<std::size_t>(pick(1, 40));
    for (std::size_t i = 0; i < machines; ++i) {
      Machine m;
      m.name = fmt::format("m{}", i + 1);
      m.capacity.cpu = pick(0, 4) * 500;  // few values: ties for most free and closest
      m.capacity.memory = pick(0, 4) << 30;
      if (pick(0, 2) == 0) m.capacity.extended["gpu"] = pick(0, 2);
      spec.machines.push_back(std::move(m));
    }
    for (int i = 0; i < 30; ++i) {
      Unit u;
      u.name = fmt::format("u{}", i + 1);
      u.requests.cpu = pick(0, 3) * 250;
      u.requests.memory = pick(0, 3) << 29;
      spec.units.push_back(std::move(u));
    }
    std::optional<Cluster> built;
    try {
      built.emplace(Cluster::build(spec));
    } catch (const ValidationError&) {
      continue;
    }
    Cluster& c = *built;
    for (InstanceId i = 0; i < c.instance_count(); ++i) {  // forced: overcommits some machines
      if (pick(0, 2) != 0) c.assign(i, static_cast<MachineId>(pick(0, machines - 1)));
    }
    for (int q = 0; q < 10; ++q) {
      std::vector<std::int64_t> demand(c.dims());
      for (auto& x : demand) x = pick(0, 3) == 0 ? 0 : pick(1, 2);  // gpu, disk, ...
      demand[0] = pick(0, 4) * 250;                                 // cpu
      demand[1] = pick(0, 4) << 29;                                 // memory
      const auto n = static_cast<MachineId>(machines);
      const detail::ShortfallCounts whole = run(c, demand, 0, n);
      unordered += whole.unordered ? 1 : 0;

      // Appended runs (cut at random places) equal one run, unless a later run is unordered.
      detail::ShortfallCounts sum(c.dims());
      bool exact = true;
      for (MachineId from = 0; from < n;) {
        const MachineId to = std::min<MachineId>(n, from + static_cast<MachineId>(pick(1, 12)));
        const detail::ShortfallCounts part = run(c, demand, from, to);
        exact = exact && (from == 0 || !part.unordered);
        sum.append(part);
        from = to;
      }
      if (exact) {
        require_same_counts(sum, whole);
        ++appended;
      }

      // Machines taken back out: the counts of a run without them, or a refusal.
      if (whole.unordered) continue;
      detail::ShortfallTally t(c, demand, c.dims());
      t.n = whole;
      std::vector<MachineId> out;
      bool accepted = true;
      for (int k = pick(1, 3); k > 0 && accepted; --k) {
        const auto m = static_cast<MachineId>(pick(0, n - 1));
        if (std::find(out.begin(), out.end(), m) != out.end()) continue;
        accepted = t.uncount(m);
        if (accepted) out.push_back(m);
      }
      if (accepted) {
        require_same_counts(t.n, run(c, demand, 0, n, out));
        ++uncounted;
      } else {
        ++refused;
      }
    }
  }
  INFO("appended " << appended << ", unordered " << unordered << ", uncounted " << uncounted
                   << ", refused " << refused);
  CHECK(appended > 2500);
  CHECK(unordered > 100);
  CHECK(uncounted > 1500);
  CHECK(refused > 300);
}
