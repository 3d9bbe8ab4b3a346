#include "berth/place/placer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>

#include "berth/model/resources.hpp"

namespace berth {
namespace {

/// Per-dimension bookkeeping while one group is being placed (for the explanation).
struct DimensionShort {
  std::size_t machines = 0;
};

}  // namespace

Placer::Placer(Cluster& cluster, StrategyKind strategy)
    : cluster_(cluster), strategy_(strategy), metadata_cache_(cluster.unit_count()), demand_(cluster.dims(), 0) {}

int Placer::metadata_failure(UnitId u, ClassId c) {
  auto& cache = metadata_cache_[u];
  if (cache.empty()) cache.assign(cluster_.class_count(), 0);
  std::int32_t& slot = cache[c];
  if (slot == 0) {
    slot = 1;
    const auto& reqs = cluster_.unit(u).constraints.metadata;
    const Metadata& md = cluster_.class_metadata(c);
    for (std::size_t k = 0; k < reqs.size(); ++k) {
      if (!reqs[k].matches(md)) {
        slot = static_cast<std::int32_t>(k) + 2;
        break;
      }
    }
  }
  return slot - 2;
}

double Placer::score(MachineId m, const std::int64_t* demand) const {
  const std::size_t D = cluster_.dims();
  const std::int64_t* alloc = cluster_.allocatable(m);
  const std::int64_t* used = cluster_.used(m);
  // Scores only rank machines that already fit; capacity itself is checked in integers.
  switch (strategy_) {
    case StrategyKind::LeastLoaded:
      return -static_cast<double>(cluster_.instances_on(m).size());
    case StrategyKind::FirstFit:
      return 0.0;
    case StrategyKind::BestFit:
    case StrategyKind::Spread: {
      double sum = 0;
      int counted = 0;
      for (std::size_t d = 0; d < D; ++d) {
        if (alloc[d] <= 0) continue;
        sum += static_cast<double>(used[d] + demand[d]) / static_cast<double>(alloc[d]);
        ++counted;
      }
      double util = counted ? sum / counted : 0.0;
      return strategy_ == StrategyKind::BestFit ? util : -util;
    }
    case StrategyKind::DotProduct: {
      double dot = 0;
      for (std::size_t d = 0; d < D; ++d) {
        if (alloc[d] <= 0) continue;
        const double a = static_cast<double>(alloc[d]);
        dot += (static_cast<double>(demand[d]) / a) * (static_cast<double>(alloc[d] - used[d]) / a);
      }
      return dot;
    }
  }
  return 0.0;
}

MachineId Placer::select(GroupId g, Diagnosis* diag) {
  const Cluster& c = cluster_;
  const Group& grp = c.group(g);
  const std::size_t D = c.dims();
  const std::size_t n = c.machine_count();

  // Members still to place, and where the already placed ones are (the group follows them).
  std::fill(demand_.begin(), demand_.end(), 0);
  MachineId follow = kNone;
  InstanceId follow_instance = kNone;
  std::vector<InstanceId> todo;
  todo.reserve(grp.members.size());
  for (InstanceId i : grp.members) {
    if (c.assignment(i) != kNone) {
      follow = c.assignment(i);
      follow_instance = i;
      continue;
    }
    todo.push_back(i);
    const std::int64_t* req = c.request(i);
    for (std::size_t d = 0; d < D; ++d) demand_[d] += req[d];
  }
  if (diag) {
    *diag = Diagnosis{};
    diag->unit = todo.empty() ? std::string() : c.instance(todo.front()).name;
    for (InstanceId i : grp.members) diag->group.push_back(c.instance(i).name);
    diag->considered = n;
  }
  if (todo.empty()) return follow;

  // Distinct units among the members (a group rarely has more than two).
  std::vector<UnitId> units;
  bool any_conflicts = false;
  for (InstanceId i : todo) {
    UnitId u = c.instance(i).unit;
    if (std::find(units.begin(), units.end(), u) == units.end()) units.push_back(u);
    any_conflicts = any_conflicts || c.unit_has_conflicts(u);
  }

  // Spread: the least-filled eligible domain per spread unit (Kubernetes' maxSkew rule:
  // placing on domain d is allowed when count[d] + 1 - min <= max_skew).
  struct SpreadCheck {
    UnitId unit;
    std::int64_t min_count;
    int max_skew;
    std::int64_t adding;  ///< members of this unit being placed now
  };
  std::vector<SpreadCheck> spreads;
  for (UnitId u : units) {
    const auto& sp = c.unit(u).constraints.spread;
    if (!sp || c.spread_domain_count(u) == 0) continue;
    std::vector<bool> eligible(c.spread_domain_count(u), false);
    for (ClassId k = 0; k < c.class_count(); ++k) {
      if (metadata_failure(u, k) >= 0) continue;
      for (MachineId m : c.class_members(k)) {
        if (c.machine_state(m) != MachineState::Up) continue;
        std::uint32_t dom = c.spread_domain(u, m);
        if (dom != kNone) eligible[dom] = true;
        break;  // a class shares metadata, so one up member decides its domain
      }
    }
    std::int64_t min_count = std::numeric_limits<std::int64_t>::max();
    for (std::uint32_t dom = 0; dom < eligible.size(); ++dom) {
      if (eligible[dom]) min_count = std::min(min_count, c.spread_count(u, dom));
    }
    if (min_count == std::numeric_limits<std::int64_t>::max()) min_count = 0;
    std::int64_t adding = 0;
    for (InstanceId i : todo) adding += c.instance(i).unit == u ? 1 : 0;
    spreads.push_back({u, min_count, sp->max_skew, adding});
  }

  // Pins: a member's machine_id, a global instance's machine, or the machine an already placed
  // member of the group runs on.
  MachineId pin = grp.pinned != kNone ? grp.pinned : follow;

  MachineId best = kNone;
  double best_score = 0;
  std::vector<std::size_t> short_count(diag ? D : 0, 0);
  std::vector<std::int64_t> most_free(diag ? D : 0, std::numeric_limits<std::int64_t>::min());
  std::vector<MachineId> most_free_on(diag ? D : 0, kNone);
  MachineId closest = kNone;
  std::pair<int, double> closest_key{std::numeric_limits<int>::max(), 0.0};

  auto evaluate = [&](MachineId m) {
    if (c.machine_state(m) != MachineState::Up) {
      if (diag) ++diag->rejections[reason::kNotUp];
      return;
    }
    if ((any_conflicts || c.conflict_holders_on(m) > 0) && !c.instances_on(m).empty()) {
      for (InstanceId x : todo) {
        for (InstanceId y : c.instances_on(m)) {
          if (c.conflicts(x, y)) {
            if (diag) {
              ++diag->rejections[reason::kConflict];
              ++diag->conflicts_with[c.instance(y).name];
            }
            return;
          }
        }
      }
    }
    for (const SpreadCheck& s : spreads) {
      std::uint32_t dom = c.spread_domain(s.unit, m);
      if (dom == kNone) {
        if (diag) ++diag->rejections[reason::kSpreadKey];
        return;
      }
      if (c.spread_count(s.unit, dom) + s.adding - s.min_count > s.max_skew) {
        if (diag) {
          ++diag->rejections[reason::kSpread];
          ++diag->spread_failures[fmt::format("{}={}", c.unit(s.unit).constraints.spread->key, c.spread_domain_name(s.unit, dom))];
        }
        return;
      }
    }
    const std::int64_t* alloc = c.allocatable(m);
    const std::int64_t* used = c.used(m);
    int first_short = -1;
    for (std::size_t d = 0; d < D; ++d) {
      if (alloc[d] - used[d] < demand_[d]) {
        first_short = static_cast<int>(d);
        break;
      }
    }
    if (first_short >= 0) {
      if (diag) {
        // Count the machine under the dimension it misses by the largest fraction of the
        // request (integer cross-multiplication), so "7 short of memory" names what matters.
        std::size_t worst = static_cast<std::size_t>(first_short);
        int shorts = 0;
        double missing = 0;
        for (std::size_t d = 0; d < D; ++d) {
          const std::int64_t free = alloc[d] - used[d];
          if (free >= demand_[d]) continue;
          ++short_count[d];
          ++shorts;
          if (free > most_free[d]) {
            most_free[d] = free;
            most_free_on[d] = m;
          }
          const __int128 miss_d = demand_[d] - std::max<std::int64_t>(free, 0);
          const __int128 miss_w = demand_[worst] - std::max<std::int64_t>(alloc[worst] - used[worst], 0);
          if (miss_d * demand_[worst] > miss_w * demand_[d]) worst = d;
          missing += static_cast<double>(miss_d) / static_cast<double>(demand_[d]);
        }
        ++diag->rejections[reason::kInsufficientPrefix + c.dimension_names()[worst]];
        std::pair<int, double> key{shorts, missing};
        if (closest == kNone || key < closest_key) {
          closest = m;
          closest_key = key;
        }
      }
      return;
    }
    if (diag) ++diag->fit;
    const double s = score(m, demand_.data());
    if (best == kNone || s > best_score || (s == best_score && m < best)) {
      best = m;
      best_score = s;
    }
  };

  auto metadata_ok = [&](ClassId k, std::size_t weight) {
    for (UnitId u : units) {
      int failed = metadata_failure(u, k);
      if (failed >= 0) {
        if (diag) {
          diag->rejections[reason::kMetadata] += weight;
          diag->metadata_failures[c.unit(u).constraints.metadata[static_cast<std::size_t>(failed)].describe_failure()] += weight;
        }
        return false;
      }
    }
    return true;
  };

  if (pin != kNone) {
    if (diag && n > 1) diag->rejections[reason::kPinned] += n - 1;
    if (diag && follow != kNone) {
      diag->note = fmt::format("follows {} on {}", c.instance(follow_instance).name, c.machine_name(follow));
    }
    if (metadata_ok(c.machine_class(pin), 1)) evaluate(pin);
  } else {
    for (ClassId k = 0; k < c.class_count(); ++k) {
      const auto& members = c.class_members(k);
      if (!metadata_ok(k, members.size())) continue;
      for (MachineId m : members) evaluate(m);
    }
  }

  if (diag) {
    for (std::size_t d = 0; d < D; ++d) {
      if (short_count[d] == 0) continue;
      Shortfall s;
      s.dimension = c.dimension_names()[d];
      s.needs = demand_[d];
      s.machines = short_count[d];
      if (most_free_on[d] != kNone) {
        s.most_free = std::max<std::int64_t>(most_free[d], 0);
        s.most_free_on = c.machine_name(most_free_on[d]);
      }
      diag->shortfalls.push_back(std::move(s));
    }
    if (closest != kNone && best == kNone) {
      ClosestMachine cm;
      cm.machine = c.machine_name(closest);
      for (std::size_t d = 0; d < D; ++d) {
        const std::int64_t free = c.free(closest, d);
        if (free < demand_[d]) cm.missing[c.dimension_names()[d]] = demand_[d] - std::max<std::int64_t>(free, 0);
      }
      diag->closest = std::move(cm);
    }
  }
  return best;
}

MachineId Placer::place_group(GroupId g, Diagnosis* diag) {
  MachineId m = select(g, diag);
  if (m == kNone) return kNone;
  for (InstanceId i : cluster_.group(g).members) {
    if (cluster_.assignment(i) == kNone) cluster_.assign(i, m);
  }
  return m;
}

std::vector<GroupId> Placer::batch_order(std::vector<GroupId> groups) const {
  const Cluster& c = cluster_;
  const std::size_t D = c.dims();
  const std::vector<std::int64_t> total = c.total_allocatable();
  struct Key {
    std::int32_t priority;
    bool pinned;
    double share;
    GroupId group;
  };
  std::vector<Key> keys;
  keys.reserve(groups.size());
  std::vector<std::int64_t> demand(D);
  for (GroupId g : groups) {
    const Group& grp = c.group(g);
    std::fill(demand.begin(), demand.end(), 0);
    for (InstanceId i : grp.members) {
      const std::int64_t* req = c.request(i);
      for (std::size_t d = 0; d < D; ++d) demand[d] += req[d];
    }
    double share = 0;  // dominant share of the cluster: orders only, never decides a fit
    for (std::size_t d = 0; d < D; ++d) {
      if (total[d] > 0) share = std::max(share, static_cast<double>(demand[d]) / static_cast<double>(total[d]));
      else if (demand[d] > 0) share = std::max(share, 1.0);
    }
    keys.push_back({grp.priority, grp.pinned != kNone, share, g});
  }
  std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
    if (a.priority != b.priority) return a.priority > b.priority;
    if (a.pinned != b.pinned) return a.pinned;
    if (a.share != b.share) return a.share > b.share;
    return natural_less(c.instance(c.group(a.group).members.front()).name, c.instance(c.group(b.group).members.front()).name);
  });
  std::vector<GroupId> out;
  out.reserve(keys.size());
  for (const Key& k : keys) out.push_back(k.group);
  return out;
}

std::vector<Diagnosis> Placer::place_pending() {
  std::vector<GroupId> todo;
  for (GroupId g = 0; g < cluster_.group_count(); ++g) {
    for (InstanceId i : cluster_.group(g).members) {
      if (cluster_.assignment(i) == kNone) {
        todo.push_back(g);
        break;
      }
    }
  }
  std::vector<Diagnosis> pending;
  for (GroupId g : batch_order(std::move(todo))) {
    // Diagnose only on failure: the success path pays for counting nothing.
    if (place_group(g) != kNone) continue;
    Diagnosis diag;
    select(g, &diag);
    pending.push_back(std::move(diag));
  }
  return pending;
}

bool Placer::feasible(GroupId g, MachineId m) {
  return explain(cluster_.group(g).members.front(), m).empty();
}

std::vector<std::string> Placer::explain(InstanceId i, MachineId m) {
  // Work on a copy with the whole group taken off its machines, so the answer is "could it go
  // there" whether or not it already runs somewhere.
  Cluster copy = cluster_;
  const Group& grp = copy.group(copy.instance(i).group);
  for (InstanceId x : grp.members) copy.unassign(x);
  const std::size_t D = copy.dims();
  std::vector<std::int64_t> demand(D, 0);
  for (InstanceId x : grp.members) {
    for (std::size_t d = 0; d < D; ++d) demand[d] += copy.request(x)[d];
  }
  std::vector<std::string> reasons;
  const std::string& mname = copy.machine_name(m);
  if (copy.machine_state(m) != MachineState::Up) {
    reasons.push_back(fmt::format("{} is {}: only up machines take new units", mname, to_string(copy.machine_state(m))));
  }
  if (grp.pinned != kNone && grp.pinned != m) {
    reasons.push_back(fmt::format("pinned to {} (machine_id{})", copy.machine_name(grp.pinned),
                                  copy.instance(i).global ? ", global instance" : ""));
  }
  for (InstanceId x : grp.members) {
    const Unit& u = copy.unit(copy.instance(x).unit);
    for (const auto& req : u.constraints.metadata) {
      if (!req.matches(copy.machine_metadata(m))) {
        reasons.push_back(fmt::format("metadata: {} requires {}, but {} has {}", copy.instance(x).name, req.describe(), mname, req.describe_failure()));
      }
    }
    for (InstanceId y : copy.instances_on(m)) {
      if (copy.conflicts(x, y)) reasons.push_back(fmt::format("conflict: {} and {} (on {}) must not share a machine", copy.instance(x).name, copy.instance(y).name, mname));
    }
    if (u.constraints.spread) {
      std::uint32_t dom = copy.spread_domain(copy.instance(x).unit, m);
      if (dom == kNone) reasons.push_back(fmt::format("spread: {} has no \"{}\" metadata", mname, u.constraints.spread->key));
    }
  }
  for (std::size_t d = 0; d < D; ++d) {
    const std::int64_t free = copy.free(m, d);
    if (free < demand[d]) {
      const std::string& dim = copy.dimension_names()[d];
      reasons.push_back(fmt::format("short of {}: needs {}{}, {} has {} free of {}", dim, format_amount(dim, demand[d]),
                                    grp.members.size() > 1 ? " (with its co-located units)" : "", mname,
                                    format_amount(dim, std::max<std::int64_t>(free, 0)), format_amount(dim, copy.allocatable(m)[d])));
    }
  }
  if (reasons.empty()) {
    // Spread skew depends on the rest of the cluster: ask the pipeline itself.
    Placer probe(copy, strategy_);
    Diagnosis diag;
    probe.select(copy.instance(i).group, &diag);
    for (const auto& [dom, count] : diag.spread_failures) {
      if (dom.substr(dom.find('=') + 1) ==
          copy.machine_metadata(m).at(copy.unit(copy.instance(i).unit).constraints.spread->key).front()) {
        reasons.push_back(fmt::format("spread: another instance in {} would exceed max_skew {}", dom,
                                      copy.unit(copy.instance(i).unit).constraints.spread->max_skew));
      }
    }
  }
  return reasons;
}

}  // namespace berth
