// Placer::select_diagnosed: the scan's Diagnosis, field by field, from class sizes and index
// queries instead of a visit to every machine (issue 8). select_scan stays the reference;
// tests/property/place_diagnose_test.cpp compares the two on random clusters.
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "berth/place/placer.hpp"
#include "class_index.hpp"
#include "pipeline/filters.hpp"
#include "pipeline/placer_state.hpp"
#include "shortfall_tally.hpp"

namespace berth {
void Placer::conflict_targets(UnitId u, std::vector<UnitId>& out) {
  // The units whose instances may conflict with unit u's, either way: its peers in the pattern
  // relation compiled at build, every unit when u's `*` takes everything, the units whose `*`
  // takes u's, and the units binding one of u's host ports (found in a port index).
  const Cluster& c = cluster_;
  auto& port_units = s_->port_units;
  if (s_->port_units_known != c.unit_count()) {
    port_units.clear();
    for (UnitId t = 0; t < c.unit_count(); ++t) {
      for (const HostPort& p : c.unit(t).constraints.ports) port_units.emplace_back(p, t);
    }
    std::sort(port_units.begin(), port_units.end());
    s_->port_units_known = c.unit_count();
  }
  if (c.matches_all(u)) {
    for (UnitId t = 0; t < c.unit_count(); ++t) out.push_back(t);
    return;
  }
  for (const Cluster::ConflictPeer& p : c.conflict_peers(u)) out.push_back(p.unit);
  out.insert(out.end(), c.match_all_units().begin(), c.match_all_units().end());
  for (const HostPort& p : c.unit(u).constraints.ports) {
    auto it =
        std::lower_bound(port_units.begin(), port_units.end(), std::pair<HostPort, UnitId>(p, 0));
    for (; it != port_units.end() && it->first == p; ++it) out.push_back(it->second);
  }
}

namespace {

/// The resource filter counted over one class tree for the indexed diagnosis: the scan's
/// bookkeeping (ShortfallTally), visited in the scan's order (members in order), so strict
/// comparisons pick the same most_free_on and closest machines; a subtree is counted at once
/// when it holds no machine rejected for conflicts and its up machines all fit or all miss
/// exactly one dimension.
struct TreeTally {
  const Cluster& c;
  const std::vector<std::int64_t>& demand;
  detail::ShortfallTally& tally;

  /// One machine that is up and passed every earlier filter: exactly the scan's resource step.
  void evaluate(MachineId m) {
    const int first_short = tally.first_short(m);
    if (first_short < 0) {
      ++tally.n.fit;
      return;
    }
    tally.count_machine(m, static_cast<std::size_t>(first_short));
  }

  /// The subtree's first leaf (in member order) satisfying `take` on a node; the root must.
  template <class Take>
  MachineId leftmost(ClassId k, std::size_t node, std::size_t first, std::size_t span,
                     Take take) const {
    const detail::ClassIndex& idx = detail::class_index(c, k);
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
  }

  /// Counts the subtree at `node` (leaves first..first+span) of class k; `conf` holds the
  /// positions of the class's machines rejected for conflicts, sorted.
  void visit(ClassId k, std::size_t node, std::size_t first, std::size_t span,
             const std::vector<std::uint32_t>& conf) {
    const detail::ClassIndex& idx = detail::class_index(c, k);
    const auto& members = c.class_members(k);
    if (first >= members.size() || idx.up_count[node] == 0) return;  // not up: counted per class
    const auto it = std::lower_bound(conf.begin(), conf.end(), first);
    const bool pure = it == conf.end() || *it >= first + span;  // no machine rejected for conflicts
    if (span == 1) {
      if (pure) evaluate(members[first]);
      return;
    }
    if (pure && count_whole(k, node, first, span)) return;
    visit(k, 2 * node, first, span / 2, conf);
    visit(k, 2 * node + 1, first + span / 2, span / 2, conf);
  }

  /// Up machines all fit (min free >= demand everywhere), or all miss exactly one dimension
  /// (max free < demand there, min free >= demand elsewhere): counts them at once and returns
  /// true; false when the subtree must be descended.
  bool count_whole(ClassId k, std::size_t node, std::size_t first, std::size_t span) {
    const std::size_t D = demand.size();
    const detail::ClassIndex& idx = detail::class_index(c, k);
    const std::int64_t* lo = &idx.min_free[node * D];
    const std::int64_t* hi = &idx.max_free[node * D];
    int short_dim = -1;
    for (std::size_t d = 0; d < D; ++d) {
      if (lo[d] >= demand[d]) continue;
      if (short_dim < 0 && hi[d] < demand[d] && demand[d] > 0) {
        short_dim = static_cast<int>(d);
      } else {
        return false;
      }
    }
    const std::size_t count = idx.up_count[node];
    detail::ShortfallCounts& n = tally.n;
    if (short_dim < 0) {
      n.fit += count;
      return true;
    }
    const auto sd = static_cast<std::size_t>(short_dim);
    n.worst_count[sd] += count;
    n.short_count[sd] += count;
    const std::int64_t top = hi[sd];
    if (top > n.most_free[sd]) {  // the scan's strict >: the first machine with the most free
      n.most_free[sd] = top;
      n.most_free_on[sd] =
          leftmost(k, node, first, span, [&](const detail::ClassIndex& x, std::size_t j) {
            return x.max_free[j * D + sd] == top;
          });
    }
    // The scan's key for a machine missing one dimension is (1, missing / needs), computed in
    // double: never larger for more free, least for the most free. The scan keeps the first
    // machine with the least key: the leftmost whose key equals the top's (every machine with
    // nothing free ties at 1.0; equal doubles from different amounts tie too), and a subtree
    // holds one exactly when its own max_free gives that key.
    const double needs = static_cast<double>(demand[sd]);
    auto missing = [&](std::int64_t free) {
      return 0.0 + static_cast<double>(demand[sd] - std::max<std::int64_t>(free, 0)) / needs;
    };
    const std::pair<int, double> key{1, missing(top)};
    if (n.closest == kNone || key < n.closest_key) {
      n.closest = leftmost(k, node, first, span, [&](const detail::ClassIndex& x, std::size_t j) {
        return x.up_count[j] > 0 && missing(x.max_free[j * D + sd]) == key.second;
      });
      n.closest_key = key;
    }
    return true;
  }
};

/// Counts the resource filter over class k's up machines except those rejected for conflicts
/// (`conflicted`: their positions, sorted) into `tally`.
void count_resources(const Cluster& c, const std::vector<std::int64_t>& demand, ClassId k,
                     const std::vector<std::uint32_t>& conflicted, detail::ClassCountsCache& cache,
                     detail::ClassCountsCache::Row& kept, detail::ShortfallTally& tally) {
  // Class k's up machines counted once per request vector and kept until the class changes;
  // the machines rejected for conflicts are taken back out. The kept counts cannot say which
  // machine is next when a machine they name (most free, closest) is taken out, and cannot be
  // appended when their closest machine was chosen among NaN keys: then the class is counted
  // into the diagnosis's tally machine by machine, as without the cache.
  const std::size_t leaves = detail::class_index(c, k).leaves;
  if (!cache.fresh(kept, k)) {
    detail::ShortfallTally whole(c, demand, c.dims());
    static const std::vector<std::uint32_t> kNoConflicts;
    TreeTally{c, demand, whole}.visit(k, 1, 0, leaves, kNoConflicts);
    cache.keep(kept, k, std::move(whole.n));
  }
  const detail::ShortfallCounts& counts = kept.counts[k];
  if (!counts.unordered) {
    if (conflicted.empty()) {
      tally.n.append(counts);
      return;
    }
    detail::ShortfallTally rest(c, demand, c.dims());
    rest.n = counts;
    bool exact = true;
    for (std::uint32_t pos : conflicted) exact = exact && rest.uncount(c.class_members(k)[pos]);
    if (exact) {
      tally.n.append(rest.n);
      return;
    }
  }
  TreeTally{c, demand, tally}.visit(k, 1, 0, leaves, conflicted);
}

}  // namespace

void Placer::diagnose_conflicts(const std::vector<std::uint8_t>& class_pass, Diagnosis& diag) {
  // Only machines running an instance of a unit that may conflict with the group can be
  // rejected for it. They are found from where those units' instances run, then each is checked
  // exactly as the scan checks it (Conflicts::conflicting: the first conflicting instance on the
  // machine names the conflict), if it is up and its class passed the class filters (earlier
  // filters). The machines rejected are kept per class (PlacerState::class_conflicts).
  pipeline::PlacerState& s = *s_;
  const Cluster& c = cluster_;
  const std::size_t K = c.class_count();
  index_unit_instances();
  auto& class_conflicts = s.class_conflicts;
  auto& candidates = s.conflict_candidates;
  if (class_conflicts.size() < K) class_conflicts.resize(K);
  for (ClassId k = 0; k < K; ++k) class_conflicts[k].clear();
  candidates.clear();
  std::vector<UnitId>& targets = s.targets_scratch;
  targets.clear();
  for (UnitId u : s.units) conflict_targets(u, targets);
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
  for (UnitId t : targets) {
    // A relation that depends on the instance may let the scan's verdict differ between
    // replicas: say so, as the scan would (place_pending then diagnoses the next replica anew).
    for (UnitId u : s.units) {
      if (c.conflict_class(u, t) == 3 || c.conflict_class(t, u) == 3) s.per_instance = true;
    }
    for (std::uint32_t j = s.unit_instance_start[t]; j < s.unit_instance_start[t + 1]; ++j) {
      const MachineId m = c.assignment(s.unit_instances[j]);
      // Earlier filters first: class filters (class_pass), pin (none here), state.
      if (m == kNone || !pipeline::State::admits(s, m) || !class_pass[c.machine_class(m)]) continue;
      candidates.push_back(m);
    }
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  for (MachineId m : candidates) {
    const InstanceId with = pipeline::Conflicts::conflicting(s, m);
    if (with == kNone) continue;
    pipeline::Conflicts::count_with(s, with, diag);
    class_conflicts[c.machine_class(m)].push_back(c.class_position(m));  // ascending ids: sorted
  }
}

MachineId Placer::select_diagnosed(GroupId g, Diagnosis* diag) {
  // Each filter of pipeline/filters.hpp is counted here from what the indexes summarise, in
  // the pipeline's order, by the filter's own functions: class filters per class (weight: the
  // class size), conflicts only on the machines where the group's conflict targets run, state
  // from the trees' up counts, spread per class (class-invariant), resources wholesale over
  // subtrees. A filter without such a summary would be asked per machine here, as in the scan.
  cluster_.check_group(g, "Placer::select_diagnosed");
  pipeline::PlacerState& s = *s_;
  const Cluster& c = cluster_;
  const Group& grp = c.group(g);
  // Nothing to place, or one machine to look at: the scan is already as cheap as it gets.
  if (!prepare(g) || s.pin != kNone || pipeline::Filters::group_rejects(s))
    return select_scan(g, diag);
  const std::size_t D = c.dims();
  const std::size_t K = c.class_count();
  *diag = Diagnosis{};
  diag->unit = c.instance(s.todo.front()).name;
  for (InstanceId i : grp.members) diag->group.push_back(c.instance(i).name);
  diag->considered = c.machine_count();

  // 1. Class filters (metadata, taints), per class: a class that fails counts with its size.
  std::vector<std::uint8_t> class_pass(K, 0);
  for (ClassId k = 0; k < K; ++k) {
    class_pass[k] = pipeline::Filters::class_admits(s, k, c.class_members(k).size(), diag) ? 1 : 0;
  }

  // 2. Conflicts, on the machines where the group's conflict targets run.
  diagnose_conflicts(class_pass, *diag);
  const auto& class_conflicts = s.class_conflicts;

  // 3.-4. Per class: not up, spread (a class shares metadata, so the spread domain), resources.
  // The resource bookkeeping is the scan's, in the scan's order (class by class, members in
  // order), so strict comparisons pick the same most_free_on and closest machines.
  detail::ShortfallTally tally(c, s.demand, D);
  detail::ClassCountsCache::Row& kept = s.class_counts.row(c, s.demand);
  for (ClassId k = 0; k < K; ++k) {
    if (!class_pass[k]) continue;
    const auto& members = c.class_members(k);
    const std::size_t up = detail::class_index(c, k).up_count[1];
    if (members.size() > up) diag->rejections[reason::kNotUp] += members.size() - up;
    const std::size_t left = up - class_conflicts[k].size();
    // Spread is class-invariant: the class's up machines that passed conflicts count at once.
    if (!pipeline::Spread::admits(s, members.front())) {
      if (left > 0) pipeline::Spread::count_weighted(s, members.front(), left, *diag);
      continue;
    }
    if (left > 0) count_resources(c, s.demand, k, class_conflicts[k], s.class_counts, kept, tally);
  }
  diag->fit += tally.n.fit;

  tally.finish(*diag, diag->fit == 0);
  if (diag->fit == 0) {
    diag->unresolvable = !resolvable();
    return kNone;
  }
  // Some machine fits: the indexed search names the one the scan would pick. It starts afresh
  // (prepare), so keep what this diagnosis learnt about per-instance verdicts.
  const bool per_instance = s.per_instance;
  const MachineId best = select_indexed(g);
  s.per_instance = s.per_instance || per_instance;
  return best;
}

}  // namespace berth
