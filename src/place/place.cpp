#include "berth/place/place.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "berth/did_you_mean.hpp"
#include "berth/error.hpp"

#include "berth/place/cluster.hpp"
#include "berth/place/placer.hpp"
#include "berth/place/schedule.hpp"
#include "name_order.hpp"

namespace berth {

PlaceOptions place_options_for(const std::string& strategy) {
  PlaceOptions options;
  if (auto batch = find_batch_strategy(strategy)) {
    options.batch = batch;
    return options;
  }
  for (const std::string& name : strategy_names()) {
    if (name == strategy) {
      options.strategy = parse_strategy(strategy);
      return options;
    }
  }
  std::string hint = did_you_mean(strategy, all_strategy_names());
  throw UsageError(302, fmt::format("unknown strategy \"{}\"{} (expected one of: {})", strategy,
                                    hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint),
                                    fmt::join(all_strategy_names(), ", ")));
}

std::string strategy_name(const PlaceOptions& options) {
  return options.batch ? to_string(*options.batch) : to_string(options.strategy);
}

const std::vector<std::string>& all_strategy_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all = strategy_names();
    all.insert(all.end(), batch_strategy_names().begin(), batch_strategy_names().end());
    return all;
  }();
  return names;
}

PlacementResult place(const Spec& spec, const PlaceOptions& options) {
  Cluster cluster = Cluster::build(spec, BuildOptions{options.strict});
  return place_on(spec, cluster, options);
}

PlacementResult place(Spec&& spec, const PlaceOptions& options) {
  // place_on reads only the spec's warnings once the cluster is built.
  Spec rest;
  rest.warnings = std::move(spec.warnings);
  Cluster cluster = Cluster::build(std::move(spec), BuildOptions{options.strict});
  return place_on(rest, cluster, options);
}

namespace {

/// After placement: each pending group (batch order, resolvable ones only) may evict strictly
/// lower-priority groups; the victims are re-placed where they fit and do not preempt in turn
/// (one decision, one set of victims: no cascade down the priorities). Returns the diagnoses
/// of what is pending afterwards, or `before` when nothing was preempted.
std::vector<Diagnosis> preempt_pending(Cluster& cluster, Placer& placer,
                                       std::vector<Preemption>& out,
                                       std::vector<Diagnosis> before) {
  std::vector<GroupId> victims;
  for (GroupId g : placer.batch_order(cluster.unplaced_groups())) {
    const Group& grp = cluster.group(g);
    if (grp.unresolvable() || std::find(victims.begin(), victims.end(), g) != victims.end())
      continue;
    bool pending = false;
    for (InstanceId i : grp.members) pending = pending || cluster.assignment(i) == kNone;
    if (!pending) continue;  // placed meanwhile
    auto done = preempt_for(cluster, g);
    if (!done) continue;
    place_in_batch_order(placer, done->victim_groups,
                         [&](const GroupPlacement& p) { victims.push_back(p.group); });
    out.push_back(std::move(done->report));
  }
  if (out.empty()) return before;
  std::vector<Diagnosis> after;
  for (GroupId g : placer.batch_order(cluster.unplaced_groups())) {
    Diagnosis d;
    placer.select(g, &d);
    after.push_back(std::move(d));
  }
  return after;
}

}  // namespace

namespace {

std::size_t assigned_instances(const Cluster& cluster) {
  std::size_t n = 0;
  for (InstanceId i = 0; i < cluster.instance_count(); ++i)
    n += cluster.assignment(i) != kNone ? 1 : 0;
  return n;
}

}  // namespace

PlacementResult place_on_without_tables(const Spec& spec, Cluster& cluster,
                                        const PlaceOptions& options) {
  const std::size_t existing = assigned_instances(cluster);
  std::vector<Diagnosis> diagnoses;
  PlacementResult result;
  Placer placer(cluster, options.strategy);
  if (options.diagnose_by_scan) {
    Placer::Shortcuts by_scan;
    by_scan.indexed_diagnosis = false;
    placer.set_shortcuts(by_scan);
  }
  std::map<InstanceId, std::vector<std::string>> batch_preferences;
  if (options.batch) {
    diagnoses = place_batch(cluster, *options.batch, options.strategy, &batch_preferences);
  } else {
    diagnoses = placer.place_pending();
  }
  if (options.preempt && !diagnoses.empty())
    diagnoses = preempt_pending(cluster, placer, result.preemptions, diagnoses);
  auto record = [&](const std::map<InstanceId, std::vector<std::string>>& recorded) {
    for (const auto& [i, met] : recorded) {
      if (cluster.assignment(i) != kNone)
        result.preferences_met.insert_or_assign(cluster.instance(i).name, met);
    }
  };
  record(batch_preferences);
  record(placer.recorded_preferences());  // what preemption placed

  result.warnings = spec.warnings;
  result.warnings.insert(result.warnings.end(), cluster.warnings().begin(),
                         cluster.warnings().end());
  result.newly_placed = assigned_instances(cluster) - existing;
  for (Diagnosis& diag : diagnoses) {
    // Every member of a pending group is reported, each under its own name.
    for (const std::string& member : diag.group) {
      InstanceId i = cluster.find_instance(member);
      if (cluster.assignment(i) != kNone) continue;
      PendingUnit p;
      p.unit = member;
      p.diagnosis = diag;
      p.diagnosis.unit = member;
      result.pending.push_back(std::move(p));
    }
  }
  const std::size_t D = cluster.dims();
  // Existing placements may overcommit a machine (Cluster::build records them as given): name
  // the machine and what would have to leave it, so the answer is not a quiet "all placed".
  for (MachineId m : cluster.overcommitted()) {
    Overcommitted oc;
    oc.machine = cluster.machine_name(m);
    for (std::size_t d = 0; d < D; ++d) {
      if (cluster.free(m, d) < 0) oc.over[cluster.dimension_names()[d]] = -cluster.free(m, d);
    }
    for (InstanceId i : beyond_capacity(cluster, m, cluster.instances_on(m)))
      oc.must_move.push_back(cluster.instance(i).name);
    result.overcommitted.push_back(std::move(oc));
  }
  std::sort(result.overcommitted.begin(), result.overcommitted.end(),
            [](const Overcommitted& a, const Overcommitted& b) {
              return natural_less(a.machine, b.machine);
            });
  return result;
}

PlacementResult place_on(const Spec& spec, Cluster& cluster, const PlaceOptions& options) {
  PlacementResult result = place_on_without_tables(spec, cluster, options);
  // The maps are filled in their own (byte) order, each insertion hinted at the end: at 200k
  // instances, inserting in id order cost a full tree descent of string comparisons each.
  for_each_placement(cluster, [&](const std::string& instance, const std::string& machine) {
    result.placements.emplace_hint(result.placements.end(), instance, machine);
  });
  for_each_utilization(cluster, [&](const std::string& machine, const MachineUtilization& dims) {
    auto& util =
        result.utilization
            .emplace_hint(result.utilization.end(), machine, std::map<std::string, double>{})
            ->second;
    for (const auto& [dim, value] : dims) util.emplace_hint(util.end(), *dim, value);
  });
  return result;
}

void for_each_placement(
    const Cluster& cluster,
    const std::function<void(const std::string& instance, const std::string& machine)>& f) {
  std::vector<InstanceId> by_name;
  by_name.reserve(cluster.instance_count());
  for (InstanceId i = 0; i < cluster.instance_count(); ++i) {
    if (cluster.assignment(i) != kNone) by_name.push_back(i);
  }
  detail::sort_by_name(
      by_name, [&](InstanceId i) -> const std::string& { return cluster.instance(i).name; });
  for (InstanceId i : by_name)
    f(cluster.instance(i).name, cluster.machine_name(cluster.assignment(i)));
}

void for_each_utilization(
    const Cluster& cluster,
    const std::function<void(const std::string& machine, const MachineUtilization& dims)>& f) {
  std::vector<MachineId> machines(cluster.machine_count());
  for (MachineId m = 0; m < machines.size(); ++m) machines[m] = m;
  detail::sort_by_name(machines,
                       [&](MachineId m) -> const std::string& { return cluster.machine_name(m); });
  // The dimensions in name order, as the map held them (the cluster keeps them in its own).
  const std::vector<std::string>& names = cluster.dimension_names();
  std::vector<std::size_t> dim_order(names.size());
  for (std::size_t d = 0; d < dim_order.size(); ++d) dim_order[d] = d;
  std::sort(dim_order.begin(), dim_order.end(),
            [&](std::size_t a, std::size_t b) { return names[a] < names[b]; });
  MachineUtilization dims;
  dims.reserve(names.size());
  for (MachineId m : machines) {
    dims.clear();
    for (std::size_t d : dim_order) {
      const std::int64_t alloc = cluster.allocatable(m)[d];
      if (alloc <= 0) continue;
      dims.emplace_back(&names[d],
                        static_cast<double>(cluster.used(m)[d]) / static_cast<double>(alloc));
    }
    f(cluster.machine_name(m), dims);
  }
}

std::vector<InstanceId> beyond_capacity(const Cluster& cluster, MachineId m,
                                        std::vector<InstanceId> instances) {
  std::stable_sort(instances.begin(), instances.end(), [&](InstanceId a, InstanceId b) {
    const bool fa = cluster.instance(a).global || cluster.instance(a).pinned != kNone;
    const bool fb = cluster.instance(b).global || cluster.instance(b).pinned != kNone;
    if (fa != fb) return fa;
    const int pa = cluster.unit(cluster.instance(a).unit).priority;
    const int pb = cluster.unit(cluster.instance(b).unit).priority;
    if (pa != pb) return pa > pb;
    return natural_less(cluster.instance(a).name, cluster.instance(b).name);
  });
  const std::size_t D = cluster.dims();
  std::vector<std::int64_t> used(D, 0);
  std::vector<InstanceId> out;
  for (InstanceId i : instances) {
    bool fits = true;
    for (std::size_t d = 0; d < D; ++d)
      fits = fits && used[d] + cluster.request(i)[d] <= cluster.allocatable(m)[d];
    if (!fits) {
      out.push_back(i);
      continue;
    }
    for (std::size_t d = 0; d < D; ++d) used[d] += cluster.request(i)[d];
  }
  return out;
}

Plan plan_of(const Spec& spec, const PlacementResult& result) {
  Plan plan;
  for (const auto& [instance, machine] : result.placements) {
    auto it = spec.placements.find(instance);
    if (it == spec.placements.end() || it->second != machine)
      plan.assignments.emplace(instance, machine);
  }
  return plan;
}

}  // namespace berth
