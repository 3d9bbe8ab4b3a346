// Placer::select_diagnosed: the scan's Diagnosis, field by field, from class sizes and index
// queries instead of a visit to every machine (issue 8). select_scan stays the reference;
// tests/property/place_diagnose_test.cpp compares the two on random clusters.
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "berth/place/placer.hpp"
#include "shortfall_tally.hpp"

namespace berth {
void Placer::conflict_targets(UnitId u, std::vector<UnitId>& out) {
  // The units whose instances may conflict with unit u's, either way: its peers in the pattern
  // relation compiled at build, every unit when u's `*` takes everything, the units whose `*`
  // takes u's, and the units binding one of u's host ports (found in a port index).
  const Cluster& c = cluster_;
  if (port_units_known_ != c.unit_count()) {
    port_units_.clear();
    for (UnitId t = 0; t < c.unit_count(); ++t) {
      for (const HostPort& p : c.unit(t).constraints.ports) port_units_.emplace_back(p, t);
    }
    std::sort(port_units_.begin(), port_units_.end());
    port_units_known_ = c.unit_count();
  }
  if (c.matches_all(u)) {
    for (UnitId t = 0; t < c.unit_count(); ++t) out.push_back(t);
    return;
  }
  for (const Cluster::ConflictPeer& p : c.conflict_peers(u)) out.push_back(p.unit);
  out.insert(out.end(), c.match_all_units().begin(), c.match_all_units().end());
  for (const HostPort& p : c.unit(u).constraints.ports) {
    auto it = std::lower_bound(port_units_.begin(), port_units_.end(), std::pair<HostPort, UnitId>(p, 0));
    for (; it != port_units_.end() && it->first == p; ++it) out.push_back(it->second);
  }
}

MachineId Placer::select_diagnosed(GroupId g, Diagnosis* diag) {
  cluster_.check_group(g, "Placer::select_diagnosed");
  const Cluster& c = cluster_;
  const Group& grp = c.group(g);
  // Nothing to place, or one machine to look at: the scan is already as cheap as it gets.
  if (!prepare(g) || grp.pinned != kNone || follow_ != kNone || grp.unresolvable()) return select_scan(g, diag);
  const std::size_t D = c.dims();
  const std::size_t K = c.class_count();
  *diag = Diagnosis{};
  diag->unit = c.instance(todo_.front()).name;
  for (InstanceId i : grp.members) diag->group.push_back(c.instance(i).name);
  diag->considered = c.machine_count();

  // 1. Metadata, per class: a class that fails counts with its size (as in the scan).
  std::vector<std::uint8_t> class_pass(K, 0);
  for (ClassId k = 0; k < K; ++k) {
    class_pass[k] = class_rejects(k, c.class_members(k).size(), diag) ? 0 : 1;
  }

  // 2. Conflicts: only machines running an instance of a unit that may conflict with the group
  // can be rejected for it. They are found from where those units' instances run, then each is
  // checked exactly as the scan checks it (conflicts_on: the first conflicting instance on the
  // machine names the conflict), if it is up and its class passed metadata (earlier filters).
  index_unit_instances();
  if (class_conflicts_.size() < K) class_conflicts_.resize(K);
  for (ClassId k = 0; k < K; ++k) class_conflicts_[k].clear();
  conflict_candidates_.clear();
  std::vector<UnitId>& targets = targets_scratch_;
  targets.clear();
  for (UnitId u : units_) conflict_targets(u, targets);
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
  for (UnitId t : targets) {
    // A relation that depends on the instance may let the scan's verdict differ between
    // replicas: say so, as the scan would (place_pending then diagnoses the next replica anew).
    for (UnitId u : units_) {
      if (c.conflict_class(u, t) == 3 || c.conflict_class(t, u) == 3) per_instance_ = true;
    }
    for (std::uint32_t j = unit_instance_start_[t]; j < unit_instance_start_[t + 1]; ++j) {
      const MachineId m = c.assignment(unit_instances_[j]);
      if (m == kNone || c.machine_state(m) != MachineState::Up || !class_pass[c.machine_class(m)]) continue;
      conflict_candidates_.push_back(m);
    }
  }
  std::sort(conflict_candidates_.begin(), conflict_candidates_.end());
  conflict_candidates_.erase(std::unique(conflict_candidates_.begin(), conflict_candidates_.end()), conflict_candidates_.end());
  for (MachineId m : conflict_candidates_) {
    InstanceId with = kNone;
    if (!conflicts_on(m, &with)) continue;
    count_conflict(*diag, with);
    class_conflicts_[c.machine_class(m)].push_back(c.class_position(m));  // ascending ids: sorted
  }

  // 3.-4. Per class: not up, spread (a class shares metadata, so the spread domain), resources.
  // The resource bookkeeping is the scan's, visited in the scan's order (class by class, members
  // in order), so strict comparisons pick the same most_free_on and closest machines.
  detail::ShortfallTally tally(c, demand_, D);
  auto& short_count = tally.short_count;
  auto& most_free = tally.most_free;
  auto& most_free_on = tally.most_free_on;
  auto& closest = tally.closest;
  auto& closest_key = tally.closest_key;

  // One machine that is up and passed every earlier filter: exactly the scan's resource step.
  auto evaluate = [&](MachineId m) {
    const int first_short = tally.first_short(m);
    if (first_short < 0) {
      ++diag->fit;
      return;
    }
    tally.count_machine(m, static_cast<std::size_t>(first_short), *diag);
  };

  // The subtree's first leaf (in member order) satisfying `take` on a node; the root must.
  auto leftmost = [&](ClassId k, std::size_t node, std::size_t first, std::size_t span, auto take) {
    const Cluster::ClassIndex& idx = c.class_index(k);
    while (span > 1) {
      span /= 2;
      if (take(idx, 2 * node)) {
        node = 2 * node;
      } else {
        node = 2 * node + 1;
        first += span;
      }
    }
    return c.class_members(k)[first];
  };

  auto visit = [&](auto& self, ClassId k, std::size_t node, std::size_t first, std::size_t span) -> void {
    const Cluster::ClassIndex& idx = c.class_index(k);
    const auto& members = c.class_members(k);
    if (first >= members.size() || idx.up_count[node] == 0) return;  // not up: counted per class
    const auto& conf = class_conflicts_[k];
    const auto it = std::lower_bound(conf.begin(), conf.end(), first);
    const bool pure = it == conf.end() || *it >= first + span;  // no machine rejected for conflicts
    if (span == 1) {
      if (pure) evaluate(members[first]);
      return;
    }
    if (pure) {
      // Up machines all fit (min free >= demand everywhere), or all miss exactly one
      // dimension (max free < demand there, min free >= demand elsewhere): count them at once.
      const std::int64_t* lo = &idx.min_free[node * D];
      const std::int64_t* hi = &idx.max_free[node * D];
      int short_dim = -1;
      bool whole = true;
      for (std::size_t d = 0; whole && d < D; ++d) {
        if (lo[d] >= demand_[d]) continue;
        if (short_dim < 0 && hi[d] < demand_[d] && demand_[d] > 0) {
          short_dim = static_cast<int>(d);
        } else {
          whole = false;
        }
      }
      if (whole) {
        const std::size_t count = idx.up_count[node];
        if (short_dim < 0) {
          diag->fit += count;
          return;
        }
        const auto sd = static_cast<std::size_t>(short_dim);
        diag->rejections[reason::kInsufficientPrefix + c.dimension_names()[sd]] += count;
        short_count[sd] += count;
        const std::int64_t top = hi[sd];
        if (top > most_free[sd]) {  // the scan's strict >: the first machine with the most free
          most_free[sd] = top;
          most_free_on[sd] = leftmost(k, node, first, span, [&](const Cluster::ClassIndex& x, std::size_t n) { return x.max_free[n * D + sd] == top; });
        }
        // The scan's key for a machine missing one dimension is (1, missing / needs), computed
        // in double: never larger for more free, least for the most free. The scan keeps the
        // first machine with the least key: the leftmost whose key equals the top's (every
        // machine with nothing free ties at 1.0; equal doubles from different amounts tie too),
        // and a subtree holds one exactly when its own max_free gives that key.
        const double needs = static_cast<double>(demand_[sd]);
        auto missing = [&](std::int64_t free) { return 0.0 + static_cast<double>(demand_[sd] - std::max<std::int64_t>(free, 0)) / needs; };
        const std::pair<int, double> key{1, missing(top)};
        if (closest == kNone || key < closest_key) {
          closest = leftmost(k, node, first, span, [&](const Cluster::ClassIndex& x, std::size_t n) {
            return x.up_count[n] > 0 && missing(x.max_free[n * D + sd]) == key.second;
          });
          closest_key = key;
        }
        return;
      }
    }
    self(self, k, 2 * node, first, span / 2);
    self(self, k, 2 * node + 1, first + span / 2, span / 2);
  };

  for (ClassId k = 0; k < K; ++k) {
    if (!class_pass[k]) continue;
    const auto& members = c.class_members(k);
    const Cluster::ClassIndex& idx = c.class_index(k);
    const std::size_t up = idx.up_count[1];
    if (members.size() > up) diag->rejections[reason::kNotUp] += members.size() - up;
    const std::size_t left = up - class_conflicts_[k].size();
    if (!spreads_.empty()) {
      const SpreadCheck* failed = nullptr;
      if (const int v = spread_verdict(members.front(), &failed); v != 0) {
        if (left == 0) continue;
        if (v == 1) {
          diag->rejections[reason::kSpreadKey] += left;
        } else {
          diag->rejections[reason::kSpread] += left;
          diag->spread_failures[fmt::format("{}={}", c.unit(failed->unit).constraints.spread->key,
                                            c.spread_domain_name(failed->unit, c.spread_domain(failed->unit, members.front())))] += left;
        }
        continue;
      }
    }
    if (left > 0) visit(visit, k, 1, 0, idx.leaves);
  }

  tally.finish(*diag, diag->fit == 0);
  if (diag->fit == 0) {
    diag->unresolvable = !resolvable();
    return kNone;
  }
  // Some machine fits: the indexed search names the one the scan would pick. It starts afresh
  // (prepare), so keep what this diagnosis learnt about per-instance verdicts.
  const bool per_instance = per_instance_;
  const MachineId best = select_indexed(g);
  per_instance_ = per_instance_ || per_instance;
  return best;
}

}  // namespace berth
