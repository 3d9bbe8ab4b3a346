// Every path of the pipeline against a brute-force oracle written here, apart from the engine
// (filters and scorers: preference points are recomputed here too):
// on random clusters that use every constraint kind (metadata, taints and tolerations, glob
// conflicts including fleet's global-unit names, host ports, spread, pins, co-location,
// machine states, resources), partly filled, the oracle decides from the Spec alone whether
// each pending group may go on each machine. Then:
//   - Placer::fits(g, m) and Placer::explain(i, m).empty() (after taking the group off) agree
//     with it machine by machine;
//   - the scan, the indexed search and the indexed diagnosis pick the same machine, one the
//     oracle accepts and the best-scoring of those (or none when the oracle accepts none);
//   - the diagnoses count exactly the oracle's machines as fitting, and call a group
//     unresolvable exactly when no machine could take it even empty;
//   - preemption only ever puts a group where the oracle accepts it once the victims are gone;
//   - batch strategies' results pass the independent invariant checker.
// The seed is printed on failure. Breaking one filter (e.g. ignoring tolerations in
// Cluster::class_verdict) makes this test fail within the first few cases.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "berth/constraint/glob.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/ops/preempt.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/place.hpp"
#include "berth/place/placer.hpp"
#include "support/invariants.hpp"
#include "support/random_spec.hpp"

using namespace berth;

namespace {

constexpr std::uint64_t kOracleSeed = 20261206;

/// The oracle: may the unplaced members of `group` go on machine `m`, given what runs where
/// now? Everything is decided from the Spec's units and machines; the cluster is asked only
/// for names, groups and the current assignment.
struct Oracle {
  const Spec& spec;
  const Cluster& c;
  std::map<std::string, const Unit*> units;
  std::map<std::string, const Machine*> machines;

  Oracle(const Spec& s, const Cluster& cl) : spec(s), c(cl) {
    for (const auto& u : spec.units) units[u.name] = &u;
    for (const auto& m : spec.machines) machines[m.name] = &m;
  }
  const Unit& unit_of(InstanceId i) const { return *units.at(c.unit(c.instance(i).unit).name); }
  const Machine& machine(MachineId m) const { return *machines.at(c.machine_name(m)); }

  bool static_ok(const Unit& u, const Machine& m) const {
    for (const auto& r : u.constraints.metadata) {
      if (!r.matches(m.metadata)) return false;
    }
    return testing::oracle_tolerates(u.constraints, m);
  }
  bool pair_conflicts(InstanceId x, InstanceId y) const {
    const Unit& ux = unit_of(x);
    const Unit& uy = unit_of(y);
    auto one_way = [&](const Unit& p, const Unit& t, InstanceId ti) {
      for (const auto& pat : p.constraints.conflicts) {
        if (glob_match(pat, c.instance(ti).name)) return true;
        if (t.constraints.global && glob_match(pat, t.name)) return true;
      }
      return false;
    };
    if (one_way(ux, uy, y) || one_way(uy, ux, x)) return true;
    for (const auto& p : ux.constraints.ports) {
      for (const auto& q : uy.constraints.ports) {
        if (p.port == q.port && p.protocol == q.protocol) return true;
      }
    }
    return false;
  }
  std::string zone_of(const Machine& m, const std::string& key) const {
    auto it = m.metadata.find(key);
    return it == m.metadata.end() || it->second.empty() ? std::string() : it->second.front();
  }

  /// Preference points of the group's pending units on m: each preference met adds its
  /// weight (metadata: all requirements hold; near: an instance there whose instance or unit
  /// name a glob takes; spread: m's zone holds the fewest of the unit's placed instances among
  /// the zones it may use), each untolerated PreferNoSchedule taint -25.
  std::int64_t points(GroupId g, MachineId mid) const {
    const Machine& m = machine(mid);
    std::set<std::string> seen;
    std::int64_t pts = 0;
    for (InstanceId i : c.group(g).members) {
      if (c.assignment(i) != kNone) continue;
      const Unit& u = unit_of(i);
      if (!seen.insert(u.name).second) continue;
      for (const auto& t : m.taints) {
        if (t.effect != TaintEffect::PreferNoSchedule) continue;
        bool tolerated = false;
        for (const auto& tol : u.constraints.tolerations) {
          const bool effect = !tol.effect || *tol.effect == TaintEffect::PreferNoSchedule;
          const bool key = tol.key.empty() ? tol.op == TolerationOp::Exists : tol.key == t.key;
          const bool value = tol.op == TolerationOp::Exists || tol.value == t.value;
          tolerated = tolerated || (effect && key && value);
        }
        if (!tolerated) pts -= 25;
      }
      for (const auto& p : u.preferences) {
        bool met = false;
        if (p.kind == Preference::Kind::Metadata) {
          met = true;
          for (const auto& r : p.metadata) met = met && r.matches(m.metadata);
        } else if (p.kind == Preference::Kind::Near) {
          for (InstanceId y : c.instances_on(mid)) {
            for (const auto& pat : p.near) {
              met = met || glob_match(pat, c.instance(y).name) || glob_match(pat, unit_of(y).name);
            }
          }
        } else {
          const std::string here = zone_of(m, p.spread_key);
          std::map<std::string, long> count;
          for (const auto& other : spec.machines) {
            if (other.state != MachineState::Up || !static_ok(u, other)) continue;
            const std::string z = zone_of(other, p.spread_key);
            if (!z.empty()) count.emplace(z, 0);
          }
          for (InstanceId x = 0; x < c.instance_count(); ++x) {
            if (c.unit(c.instance(x).unit).name != u.name || c.assignment(x) == kNone) continue;
            const std::string z = zone_of(machine(c.assignment(x)), p.spread_key);
            if (count.count(z)) ++count[z];
          }
          if (!here.empty() && count.count(here)) {
            long lo = count.begin()->second;
            for (const auto& [z, k] : count) lo = std::min(lo, k);
            met = count[here] == lo;
          }
        }
        if (met) pts += p.weight;
      }
    }
    return pts;
  }

  /// `empty`: as if every other unit were gone and m were up (the unresolvable question).
  bool fits(GroupId g, MachineId mid, bool empty = false) const {
    const Group& grp = c.group(g);
    if (grp.unresolvable()) return false;
    const Machine& m = machine(mid);
    if (!empty && m.state != MachineState::Up) return false;
    std::vector<InstanceId> todo;
    for (InstanceId i : grp.members) {
      const MachineId at = c.assignment(i);
      if (at != kNone && at != mid) return false;  // follows a placed member
      if (at == kNone) todo.push_back(i);
      const Unit& u = unit_of(i);
      if (!u.constraints.machine_id.empty() && u.constraints.machine_id != m.name) return false;
      if (c.instance(i).global && c.instance(i).pinned != mid) return false;
    }
    if (todo.empty()) return false;
    Resources demand;
    std::map<std::string, int> adding;
    for (InstanceId i : todo) {
      const Unit& u = unit_of(i);
      if (!static_ok(u, m)) return false;
      demand += u.requests;
      ++adding[u.name];
      if (!empty) {
        for (InstanceId y : c.instances_on(mid)) {
          if (pair_conflicts(i, y)) return false;
        }
      }
    }
    Resources used;
    if (!empty) {
      for (InstanceId y : c.instances_on(mid)) used += unit_of(y).requests;
    }
    if (!(used + demand).fits_in(m.allocatable())) return false;
    for (const auto& [name, n] : adding) {
      const Unit& u = *units.at(name);
      if (!u.constraints.spread) continue;
      const std::string& key = u.constraints.spread->key;
      // A key no machine carries (in any state) constrains nothing.
      const bool anywhere = std::any_of(spec.machines.begin(), spec.machines.end(),
                                        [&](const Machine& x) { return !zone_of(x, key).empty(); });
      if (!anywhere) continue;
      const std::string here = zone_of(m, key);
      if (here.empty()) return false;
      if (empty) {
        if (n > u.constraints.spread->max_skew) return false;
        continue;
      }
      // Counts of u's placed instances per eligible domain (up machines u may use).
      std::map<std::string, long> count;
      for (const auto& other : spec.machines) {
        if (other.state != MachineState::Up || !static_ok(u, other)) continue;
        const std::string z = zone_of(other, key);
        if (!z.empty()) count.emplace(z, 0);
      }
      for (InstanceId i = 0; i < c.instance_count(); ++i) {
        if (c.unit(c.instance(i).unit).name != name || c.assignment(i) == kNone) continue;
        const std::string z = zone_of(machine(c.assignment(i)), key);
        if (count.count(z)) ++count[z];
      }
      long lo = 0;
      if (!count.empty()) {
        lo = count.begin()->second;
        for (const auto& [z, k] : count) lo = std::min(lo, k);
      }
      const long at = count.count(here) ? count[here] : 0;
      if (at + n - lo > u.constraints.spread->max_skew) return false;
    }
    return true;
  }
};

std::vector<GroupId> pending_groups(const Cluster& c) { return c.unplaced_groups(); }

}  // namespace

TEST_CASE("every path of the pipeline agrees with a brute-force oracle",
          "[property][place][oracle]") {
  std::mt19937_64 rng(kOracleSeed);
  std::size_t pairs = 0, fitting = 0, unresolvable = 0, contradictions = 0, preemptions = 0;
  for (int round = 0; round < 400; ++round) {
    const std::uint64_t case_seed = rng();
    std::mt19937_64 case_rng(case_seed);
    Spec spec = testing::random_oracle_cluster(case_rng);
    const auto strategy = static_cast<StrategyKind>(round % 5);
    INFO("seed " << kOracleSeed << ", case " << round << " (case seed " << case_seed
                 << "), strategy " << to_string(strategy));
    INFO("spec: " << write_spec_json(spec, -1));
    Cluster cluster = Cluster::build(spec, BuildOptions{false});
    contradictions += cluster.problems().size();
    Placer placer(cluster, strategy);
    // Fill part of the cluster with the placer itself, so later questions meet real state.
    std::vector<GroupId> groups = pending_groups(cluster);
    std::shuffle(groups.begin(), groups.end(), case_rng);
    for (std::size_t k = 0; k < groups.size() / 2; ++k) placer.place_group(groups[k]);

    const Oracle oracle(spec, cluster);
    for (GroupId g : pending_groups(cluster)) {
      std::vector<MachineId> ok;
      bool could = false;
      for (MachineId m = 0; m < cluster.machine_count(); ++m) {
        const bool want = oracle.fits(g, m);
        INFO("group of " << cluster.instance(cluster.group(g).members.front()).name << " on "
                         << cluster.machine_name(m));
        REQUIRE(placer.fits(g, m) == want);
        if (want) REQUIRE(placer.points_of(g, m) == oracle.points(g, m));
        if (want) ok.push_back(m);
        could = could || oracle.fits(g, m, true);
        ++pairs;
      }
      fitting += ok.size();
      // explain: "could it go there" with the group taken off; for an unplaced group that is
      // the oracle's answer. Only lone pending groups (none of its members placed).
      bool none_placed = true;
      for (InstanceId i : cluster.group(g).members)
        none_placed = none_placed && cluster.assignment(i) == kNone;
      if (none_placed) {
        for (MachineId m = 0; m < cluster.machine_count(); ++m) {
          INFO("explain on " << cluster.machine_name(m));
          CHECK(placer.explain(cluster.group(g).members.front(), m).empty() ==
                (std::find(ok.begin(), ok.end(), m) != ok.end()));
        }
      }
      Diagnosis by_scan, by_index;
      const MachineId scan = placer.select_scan(g, &by_scan);
      const MachineId indexed = placer.select_indexed(g);
      const MachineId diagnosed = placer.select_diagnosed(g, &by_index);
      REQUIRE(scan == indexed);
      REQUIRE(scan == diagnosed);
      REQUIRE(by_scan.fit == by_index.fit);
      REQUIRE(by_scan.rejections == by_index.rejections);
      REQUIRE(by_scan.taint_failures == by_index.taint_failures);
      REQUIRE(by_scan.ports_taken == by_index.ports_taken);
      if (ok.empty()) {
        REQUIRE(scan == kNone);
        REQUIRE(by_scan.fit == 0);
        // Unresolvable exactly when no machine could take the group even empty and up.
        REQUIRE(by_scan.unresolvable == !could);
        REQUIRE(by_index.unresolvable == !could);
        unresolvable += !could ? 1 : 0;
      } else {
        REQUIRE(std::find(ok.begin(), ok.end(), scan) != ok.end());
        REQUIRE(by_scan.fit == ok.size());
        // The best accepted machine: most preference points, then the strategy's score, ties
        // to the lower id.
        const std::int64_t best_points = oracle.points(g, scan);
        const double best = placer.score_of(g, scan);
        for (MachineId m : ok) {
          const std::int64_t p = oracle.points(g, m);
          const double s = placer.score_of(g, m);
          REQUIRE(
              (p < best_points || (p == best_points && (s < best || (s == best && m >= scan)))));
        }
      }
    }
    // Preemption: wherever it puts a group, the oracle accepts the spot once the victims left.
    for (GroupId g : pending_groups(cluster)) {
      Cluster trial = cluster;
      auto done = ops::preempt_for(trial, g);
      if (!done) continue;
      ++preemptions;
      for (InstanceId i : trial.group(g).members) {
        if (cluster.assignment(i) == kNone) trial.unassign(i);
      }
      const Oracle after(spec, trial);
      REQUIRE(after.fits(g, done->machine));
      REQUIRE(!cluster.group(g).unresolvable());
    }
  }
  CHECK(pairs > 20000);
  CHECK(fitting > 2000);
  CHECK(unresolvable > 50);
  CHECK(contradictions > 20);
  CHECK(preemptions > 20);
  WARN(pairs << " (group, machine) pairs, " << fitting << " fitting, " << unresolvable
             << " unresolvable groups, " << contradictions << " contradictions, " << preemptions
             << " preemptions");
}

TEST_CASE("batch strategies keep every promise on clusters with taints and ports",
          "[property][place][oracle]") {
  std::mt19937_64 rng(kOracleSeed + 1);
  for (int round = 0; round < 150; ++round) {
    const std::uint64_t case_seed = rng();
    std::mt19937_64 case_rng(case_seed);
    Spec spec = testing::random_oracle_cluster(case_rng);
    const auto& names = batch_strategy_names();
    const std::string& name = names[static_cast<std::size_t>(round) % names.size()];
    INFO("case " << round << " (case seed " << case_seed << "), strategy " << name);
    PlacementResult r = place(spec, place_options_for(name));
    for (const auto& b : testing::check_placement(spec, r)) FAIL(b);
  }
}
