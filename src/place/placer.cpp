#include "berth/place/placer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <optional>
#include <map>

#include "berth/constraint/glob.hpp"
#include "berth/model/resources.hpp"
#include "shortfall_tally.hpp"

namespace berth {
namespace {

/// The most machines one indexed search ranks (a unit's replicas beyond this search again).
constexpr std::size_t kMaxRanked = 64;

/// Per-dimension bookkeeping while one group is being placed (for the explanation).
struct DimensionShort {
  std::size_t machines = 0;
};

}  // namespace

Placer::Placer(Cluster& cluster, StrategyKind strategy)
    : cluster_(cluster),
      strategy_(strategy),
      demand_(cluster.dims(), 0) {
  filter_of_.assign(cluster.unit_count(), kNone);
  verdict_stamp_.assign(cluster.unit_count(), 0);
  verdict_.assign(cluster.unit_count(), 0);
  if (std::getenv("BERTH_DIAGNOSE_BY_SCAN") != nullptr) shortcuts_.indexed_diagnosis = false;
}

std::uint32_t Placer::filter_of(UnitId u) {
  std::uint32_t& id = filter_of_[u];
  if (id != kNone) return id;
  // The class verdict reads only the unit's metadata requirements and tolerations: units that
  // ask the same share one cache row (a row per unit cost class_count() ints for each of a
  // million units, most of them placed once).
  const Constraints& k = cluster_.unit(u).constraints;
  std::size_t h = k.metadata.size() * 31 + k.tolerations.size();
  auto mix = [&h](std::size_t v) { h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2); };
  const std::hash<std::string> text;
  for (const MetadataRequirement& r : k.metadata) {
    mix(text(r.key));
    mix(static_cast<std::size_t>(r.op));
    for (const std::string& v : r.values) mix(text(v));
  }
  for (const Toleration& t : k.tolerations) {
    mix(text(t.key));
    mix(static_cast<std::size_t>(t.op));
    mix(text(t.value));
    mix(t.effect ? 1 + static_cast<std::size_t>(*t.effect) : 0);
  }
  auto& bucket = filter_index_[h];
  for (std::uint32_t f : bucket) {
    const Constraints& o = cluster_.unit(filter_unit_[f]).constraints;
    if (o.metadata == k.metadata && o.tolerations == k.tolerations) return id = f;
  }
  id = static_cast<std::uint32_t>(filter_unit_.size());
  filter_unit_.push_back(u);
  bucket.push_back(id);
  class_cache_.emplace_back(cluster_.class_count(), 0);
  return id;
}

ClassVerdict Placer::class_failure(UnitId u, ClassId c) {
  std::int32_t& slot = class_cache_[filter_of(u)][c];
  if (slot == 0) {
    const ClassVerdict v = cluster_.class_verdict(u, c);
    slot = v.kind == ClassVerdict::Kind::Ok ? 1
           : v.kind == ClassVerdict::Kind::Metadata ? static_cast<std::int32_t>(v.index) + 2
                                                     : -static_cast<std::int32_t>(v.index) - 1;
  }
  if (slot == 1) return {};
  if (slot > 1) return {ClassVerdict::Kind::Metadata, static_cast<std::uint32_t>(slot - 2)};
  return {ClassVerdict::Kind::Taint, static_cast<std::uint32_t>(-slot - 1)};
}

void Placer::index_unit_instances() {
  const Cluster& c = cluster_;
  if (!unit_instance_start_.empty()) return;
  unit_instance_start_.assign(c.unit_count() + 1, 0);
  for (InstanceId i = 0; i < c.instance_count(); ++i) ++unit_instance_start_[c.instance(i).unit + 1];
  for (std::size_t u = 0; u < c.unit_count(); ++u) unit_instance_start_[u + 1] += unit_instance_start_[u];
  unit_instances_.assign(c.instance_count(), kNone);
  std::vector<std::uint32_t> next(unit_instance_start_.begin(), unit_instance_start_.end() - 1);
  for (InstanceId i = 0; i < c.instance_count(); ++i) unit_instances_[next[c.instance(i).unit]++] = i;
}

namespace {

const std::string* value_of(const Metadata& md, const std::string& key) {
  auto it = md.find(key);
  return it == md.end() || it->second.empty() ? nullptr : &it->second.front();
}

/// A metadata preference is met where every requirement holds.
bool metadata_met(const Preference& p, const Metadata& md) {
  return std::all_of(p.metadata.begin(), p.metadata.end(), [&](const MetadataRequirement& r) { return r.matches(md); });
}

/// A near preference's globs take instance y by its instance name or its unit name.
bool near_matches(const Cluster& c, const Preference& p, InstanceId y) {
  for (const auto& pat : p.near) {
    if (glob_match(pat, c.instance(y).name) || glob_match(pat, c.unit(c.instance(y).unit).name)) return true;
  }
  return false;
}

}  // namespace

std::vector<std::uint8_t>& Placer::least_filled_classes(UnitId u, const std::string& key) {
  // The domains (values of `key`) unit u may use: up machines its class filters admit. A class
  // meets the preference when its domain holds the fewest of u's placed instances.
  const Cluster& c = cluster_;
  const std::size_t K = c.class_count();
  index_unit_instances();
  std::map<std::string, std::int64_t> count;
  for (std::uint32_t j = unit_instance_start_[u]; j < unit_instance_start_[u + 1]; ++j) {
    const MachineId m = c.assignment(unit_instances_[j]);
    if (m == kNone) continue;
    if (const std::string* v = value_of(c.machine_metadata(m), key)) ++count[*v];
  }
  auto count_of = [&](const std::string& v) {
    auto it = count.find(v);
    return it == count.end() ? std::int64_t{0} : it->second;
  };
  std::int64_t lo = std::numeric_limits<std::int64_t>::max();
  spread_met_scratch_.assign(K, 0);
  for (ClassId k = 0; k < K; ++k) {
    const std::string* v = value_of(c.class_metadata(k), key);
    if (!v || !class_ok(u, k) || c.class_index(k).up_count[1] == 0) continue;
    spread_met_scratch_[k] = 1;  // eligible
    lo = std::min(lo, count_of(*v));
  }
  for (ClassId k = 0; k < K; ++k) {
    if (spread_met_scratch_[k] && count_of(*value_of(c.class_metadata(k), key)) != lo) spread_met_scratch_[k] = 0;
  }
  return spread_met_scratch_;
}

bool Placer::preference_met(UnitId u, std::size_t k, MachineId m) {
  const Cluster& c = cluster_;
  const Preference& p = c.unit(u).preferences[k];
  switch (p.kind) {
    case Preference::Kind::Metadata:
      return metadata_met(p, c.machine_metadata(m));
    case Preference::Kind::Near:
      return std::any_of(c.instances_on(m).begin(), c.instances_on(m).end(), [&](InstanceId y) { return near_matches(c, p, y); });
    case Preference::Kind::Spread:
      return least_filled_classes(u, p.spread_key)[c.machine_class(m)] != 0;
  }
  return false;
}

void Placer::prepare_preferences() {
  const Cluster& c = cluster_;
  any_preferences_ = false;
  spread_preferences_ = false;
  near_.clear();
  near_bound_ = 0;
  bool any = c.has_soft_taints();
  for (UnitId u : units_) any = any || !c.unit(u).preferences.empty();
  if (!any) return;
  any_preferences_ = true;
  const std::size_t K = c.class_count();
  class_points_.assign(K, 0);
  for (UnitId u : units_) {
    const Unit& unit = c.unit(u);
    if (c.has_soft_taints()) {
      for (ClassId k = 0; k < K; ++k) {
        for (const Taint& t : c.class_taints(k)) {
          if (t.effect == TaintEffect::PreferNoSchedule && !tolerated(unit.constraints.tolerations, t)) {
            class_points_[k] += kPreferNoSchedulePoints;
          }
        }
      }
    }
    for (const Preference& p : unit.preferences) {
      switch (p.kind) {
        case Preference::Kind::Metadata:
          for (ClassId k = 0; k < K; ++k) {
            if (metadata_met(p, c.class_metadata(k))) class_points_[k] += p.weight;
          }
          break;
        case Preference::Kind::Near:
          near_.push_back({&p});
          near_bound_ += std::max(p.weight, 0);
          break;
        case Preference::Kind::Spread: {
          spread_preferences_ = true;
          const auto& met = least_filled_classes(u, p.spread_key);
          for (ClassId k = 0; k < K; ++k) {
            if (met[k]) class_points_[k] += p.weight;
          }
          break;
        }
      }
    }
  }
}

std::int64_t Placer::points(MachineId m) const {
  if (!any_preferences_) return 0;
  std::int64_t pts = class_points_[cluster_.machine_class(m)];
  for (const NearPreference& n : near_) {
    const auto& on = cluster_.instances_on(m);
    if (std::any_of(on.begin(), on.end(), [&](InstanceId y) { return near_matches(cluster_, *n.preference, y); })) {
      pts += n.preference->weight;
    }
  }
  return pts;
}

std::int64_t Placer::points_of(GroupId g, MachineId m) {
  cluster_.check_group(g, "Placer::points_of");
  cluster_.check_machine(m, "Placer::points_of");
  if (prepared_group_ != g || prepared_version_ != cluster_.version()) prepare(g);
  return points(m);
}

bool Placer::scores_preferences(GroupId g) {
  cluster_.check_group(g, "Placer::scores_preferences");
  if (prepared_group_ != g || prepared_version_ != cluster_.version()) prepare(g);
  return any_preferences_;
}

void Placer::commit(GroupId g, MachineId m) {
  cluster_.check_group(g, "Placer::commit");
  cluster_.check_machine(m, "Placer::commit");
  // Which preferences the chosen machine met, as they stood when it was chosen.
  for (InstanceId i : cluster_.group(g).members) {
    if (cluster_.assignment(i) == kNone && !cluster_.unit(cluster_.instance(i).unit).preferences.empty()) {
      recorded_[i] = preferences_met(i, m);
    }
  }
  for (InstanceId i : cluster_.group(g).members) {
    if (cluster_.assignment(i) == kNone) cluster_.assign(i, m);
  }
}

std::vector<std::string> Placer::preferences_met(InstanceId i, MachineId m) {
  cluster_.check_instance(i, "Placer::preferences_met");
  cluster_.check_machine(m, "Placer::preferences_met");
  const UnitId u = cluster_.instance(i).unit;
  std::vector<std::string> out;
  const auto& prefs = cluster_.unit(u).preferences;
  for (std::size_t k = 0; k < prefs.size(); ++k) {
    if (preference_met(u, k, m)) out.push_back(prefs[k].describe());
  }
  return out;
}

bool Placer::class_rejects(ClassId k, std::size_t weight, Diagnosis* diag) {
  for (UnitId u : units_) {
    const ClassVerdict v = class_failure(u, k);
    if (v.ok()) continue;
    if (diag) {
      const bool taint = v.kind == ClassVerdict::Kind::Taint;
      diag->rejections[taint ? reason::kTaint : reason::kMetadata] += weight;
      (taint ? diag->taint_failures : diag->metadata_failures)[cluster_.describe_failure(u, k, v)] += weight;
    }
    return true;
  }
  return false;
}

void Placer::count_conflict(Diagnosis& diag, InstanceId with) const {
  const Cluster& c = cluster_;
  // A glob conflict names the instance; a shared host port alone names the port.
  for (InstanceId x : todo_) {
    if (c.conflicts_by_pattern(x, with)) {
      ++diag.rejections[reason::kConflict];
      ++diag.conflicts_with[c.instance(with).name];
      return;
    }
  }
  for (InstanceId x : todo_) {
    if (auto port = c.shared_port(x, with)) {
      ++diag.rejections[reason::kPort];
      ++diag.ports_taken[fmt::format("{} taken by {}", port->describe(), c.instance(with).name)];
      return;
    }
  }
  // Not reached (conflicts_on found a conflict); counted as one rather than lost.
  ++diag.rejections[reason::kConflict];
  ++diag.conflicts_with[c.instance(with).name];
}

bool Placer::resolvable() {
  const Cluster& c = cluster_;
  const std::size_t D = c.dims();
  auto class_could = [&](ClassId k) {
    if (class_rejects(k, 0, nullptr)) return false;
    const MachineId rep = c.class_members(k).front();  // a class shares allocatable and metadata
    const std::int64_t* alloc = c.allocatable(rep);
    for (std::size_t d = 0; d < D; ++d) {
      if (alloc[d] < demand_[d]) return false;
    }
    for (const SpreadCheck& s : spreads_) {
      if (c.spread_domain(s.unit, rep) == kNone) return false;
    }
    return true;
  };
  const Group& grp = c.group(c.instance(todo_.front()).group);
  const MachineId pin = grp.pinned != kNone ? grp.pinned : follow_;
  if (pin != kNone) return class_could(c.machine_class(pin));
  for (ClassId k = 0; k < c.class_count(); ++k) {
    if (class_could(k)) return true;
  }
  return false;
}

void Placer::diagnose_contradiction(GroupId g, Diagnosis& diag) const {
  const Cluster& c = cluster_;
  const Group& grp = c.group(g);
  diag = Diagnosis{};
  InstanceId first = grp.members.front();
  for (InstanceId i : grp.members) {
    if (c.assignment(i) == kNone) {
      first = i;
      break;
    }
  }
  diag.unit = c.instance(first).name;
  for (InstanceId i : grp.members) diag.group.push_back(c.instance(i).name);
  diag.considered = c.machine_count();
  if (diag.considered > 0) diag.rejections[reason::kContradiction] = diag.considered;
  diag.unresolvable = true;
  diag.contradiction = c.problem_of(g);
}

double Placer::demand_term(MachineId m, int* counted) const {
  const std::size_t D = cluster_.dims();
  const std::int64_t* alloc = cluster_.allocatable(m);
  double t = 0;
  int k = 0;
  for (std::size_t d = 0; d < D; ++d) {
    if (alloc[d] <= 0) continue;
    t += static_cast<double>(demand_[d]) / static_cast<double>(alloc[d]);
    ++k;
  }
  *counted = k;
  return t;
}

double Placer::score(MachineId m) const {
  // Scores only rank machines that already fit; capacity itself is checked in integers. Each
  // score is a monotone function of per-machine counts (utilization, unit count, free
  // amounts), which is what lets the class trees bound a whole subtree by its extremes.
  switch (strategy_) {
    case StrategyKind::LeastLoaded:
      return -static_cast<double>(cluster_.instances_on(m).size());
    case StrategyKind::FirstFit:
      return 0.0;
    case StrategyKind::BestFit:
    case StrategyKind::Spread: {
      int counted = 0;
      const double t = demand_term(m, &counted);
      if (counted == 0) return 0.0;
      const double util = (cluster_.utilization_sum(m) + t) / counted;
      return strategy_ == StrategyKind::BestFit ? util : -util;
    }
    case StrategyKind::DotProduct: {
      const std::size_t D = cluster_.dims();
      const std::int64_t* alloc = cluster_.allocatable(m);
      const std::int64_t* used = cluster_.used(m);
      double dot = 0;
      for (std::size_t d = 0; d < D; ++d) {
        if (alloc[d] <= 0) continue;
        const double a = static_cast<double>(alloc[d]);
        dot += (static_cast<double>(demand_[d]) / a) * (static_cast<double>(alloc[d] - used[d]) / a);
      }
      return dot;
    }
  }
  return 0.0;
}

bool Placer::prepare(GroupId g) {
  const Cluster& c = cluster_;
  const Group& grp = c.group(g);
  const std::size_t D = c.dims();
  std::fill(demand_.begin(), demand_.end(), 0);
  follow_ = kNone;
  follow_instance_ = kNone;
  todo_.clear();
  units_.clear();
  if (++stamp_ == 0) {  // wrapped: forget every stamp
    std::fill(verdict_stamp_.begin(), verdict_stamp_.end(), 0);
    std::fill(shape_stamp_.begin(), shape_stamp_.end(), 0);
    stamp_ = 1;
  }
  spreads_.clear();
  any_conflicts_ = false;
  conflict_related_ = false;
  for (InstanceId i : grp.members) {
    if (c.assignment(i) != kNone) {
      follow_ = c.assignment(i);
      follow_instance_ = i;
      continue;
    }
    todo_.push_back(i);
    const std::int64_t* req = c.request(i);
    for (std::size_t d = 0; d < D; ++d) demand_[d] += req[d];
    const UnitId u = c.instance(i).unit;
    if (std::find(units_.begin(), units_.end(), u) == units_.end()) units_.push_back(u);
    any_conflicts_ = any_conflicts_ || c.unit_has_conflicts(u);
    conflict_related_ = conflict_related_ || c.unit_related(u);
  }
  prepared_group_ = kNone;
  if (todo_.empty()) return false;
  level_ = -1;
  const auto& levels = c.fit_levels();
  for (std::size_t j = 0; shortcuts_.fit_levels && j < levels.size() && D > 0 && levels[j] <= demand_[0]; ++j) {
    level_ = static_cast<int>(j);
  }
  // Spread: the least-filled eligible domain per spread unit (Kubernetes' maxSkew rule:
  // placing on domain d is allowed when count[d] + 1 - min <= max_skew).
  for (UnitId u : units_) {
    const auto& sp = c.unit(u).constraints.spread;
    if (!sp || c.spread_domain_count(u) == 0) continue;
    std::int64_t min_count = std::numeric_limits<std::int64_t>::max();
    for (ClassId k = 0; k < c.class_count(); ++k) {
      if (!class_ok(u, k)) continue;
      for (MachineId m : c.class_members(k)) {
        if (c.machine_state(m) != MachineState::Up) continue;
        std::uint32_t dom = c.spread_domain(u, m);
        if (dom != kNone) min_count = std::min(min_count, c.spread_count(u, dom));
        break;  // a class shares metadata, so one up member decides its domain
      }
    }
    if (min_count == std::numeric_limits<std::int64_t>::max()) min_count = 0;
    std::int64_t adding = 0;
    for (InstanceId i : todo_) adding += c.instance(i).unit == u ? 1 : 0;
    spreads_.push_back({u, min_count, sp->max_skew, adding});
  }
  prepare_preferences();
  prepared_group_ = g;
  prepared_version_ = c.version();
  return true;
}

int Placer::spread_verdict(MachineId m, const SpreadCheck** failed) const {
  for (const SpreadCheck& s : spreads_) {
    std::uint32_t dom = cluster_.spread_domain(s.unit, m);
    if (dom == kNone) {
      *failed = &s;
      return 1;
    }
    if (cluster_.spread_count(s.unit, dom) + s.adding - s.min_count > s.max_skew) {
      *failed = &s;
      return 2;
    }
  }
  return 0;
}

bool Placer::conflicts_on(MachineId m, InstanceId* with) const {
  const Cluster& c = cluster_;
  if (c.instances_on(m).empty()) return false;
  // A group related to no unit (no peer in the compiled relation, no `*` pattern, no host
  // port) conflicts only with instances of a unit whose `*` takes everything, which hold
  // conflicts like every unit with patterns: most placements stop here without reading the
  // machine's instances.
  if (!conflict_related_ && (c.match_all_units().empty() || c.conflict_holders_on(m) == 0)) return false;
  for (InstanceId y : c.instances_on(m)) {
    const UnitId tu = c.instance(y).unit;
    if (verdict_stamp_[tu] != stamp_) {
      // 1 none, 2 all, 3 per instance: the strongest answer over the group's units, both ways.
      std::uint8_t v = 1;
      for (UnitId u : units_) v = std::max({v, c.conflict_class(u, tu), c.conflict_class(tu, u)});
      verdict_[tu] = v;
      verdict_stamp_[tu] = stamp_;
    }
    const std::uint8_t v = verdict_[tu];
    if (v == 1) continue;
    if (v == 3) per_instance_ = true;
    bool hit = v == 2;
    for (std::size_t k = 0; !hit && k < todo_.size(); ++k) hit = c.conflicts(todo_[k], y);
    if (hit) {
      *with = y;
      return true;
    }
  }
  return false;
}

MachineId Placer::select(GroupId g, Diagnosis* diag) {
  if (!diag) return select_indexed(g);
  return shortcuts_.indexed_diagnosis ? select_diagnosed(g, diag) : select_scan(g, diag);
}

double Placer::score_of(GroupId g, MachineId m) {
  cluster_.check_group(g, "Placer::score_of");
  cluster_.check_machine(m, "Placer::score_of");
  prepare(g);
  return score(m);
}

MachineId Placer::select_scan(GroupId g, Diagnosis* diag) {
  cluster_.check_group(g, "Placer::select_scan");
  const Cluster& c = cluster_;
  const Group& grp = c.group(g);
  const std::size_t D = c.dims();
  const std::size_t n = c.machine_count();
  const bool pending = prepare(g);
  if (pending && grp.unresolvable()) {
    if (diag) diagnose_contradiction(g, *diag);
    return kNone;
  }
  if (diag) {
    *diag = Diagnosis{};
    diag->unit = todo_.empty() ? std::string() : c.instance(todo_.front()).name;
    for (InstanceId i : grp.members) diag->group.push_back(c.instance(i).name);
    diag->considered = n;
  }
  if (!pending) return follow_;

  // Pins: a member's machine_id, a global instance's machine, or the machine an already placed
  // member of the group runs on.
  const MachineId pin = grp.pinned != kNone ? grp.pinned : follow_;

  MachineId best = kNone;
  Candidate best_candidate{0.0, kNone};
  detail::ShortfallTally tally(c, demand_, diag ? D : 0);

  auto evaluate = [&](MachineId m) {
    if (c.machine_state(m) != MachineState::Up) {
      if (diag) ++diag->rejections[reason::kNotUp];
      return;
    }
    InstanceId with = kNone;
    if (conflicts_on(m, &with)) {
      if (diag) count_conflict(*diag, with);
      return;
    }
    const SpreadCheck* failed = nullptr;
    if (int v = spread_verdict(m, &failed); v != 0) {
      if (diag) {
        if (v == 1) {
          ++diag->rejections[reason::kSpreadKey];
        } else {
          ++diag->rejections[reason::kSpread];
          ++diag->spread_failures[fmt::format("{}={}", c.unit(failed->unit).constraints.spread->key,
                                              c.spread_domain_name(failed->unit, c.spread_domain(failed->unit, m)))];
        }
      }
      return;
    }
    const int first_short = tally.first_short(m);
    if (first_short >= 0) {
      if (diag) tally.count_machine(m, static_cast<std::size_t>(first_short), *diag);
      return;
    }
    if (diag) ++diag->fit;
    // The indexed search's own ranking (points, then score, then the lower id).
    const Candidate cand{score(m), m, points(m)};
    if (best == kNone || better(cand, best_candidate)) {
      best = m;
      best_candidate = cand;
    }
  };

  auto metadata_ok = [&](ClassId k, std::size_t weight) { return !class_rejects(k, weight, diag); };

  if (pin != kNone) {
    if (diag && n > 1) diag->rejections[reason::kPinned] += n - 1;
    if (diag && follow_ != kNone) {
      diag->note = fmt::format("follows {} on {}", c.instance(follow_instance_).name, c.machine_name(follow_));
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
    tally.finish(*diag, best == kNone);
    diag->unresolvable = best == kNone && !resolvable();
  }
  return best;
}

double Placer::node_bound(ClassId k, std::size_t node) const {
  // An upper bound on every score in the subtree, computed with the same floating-point
  // operations as score() on the subtree's extremes, so it is never below a real score.
  // With a level, the extremes are those of the machines that have the level's amount free
  // in dimension 0: every machine that fits is among them.
  const Cluster::ClassIndex& idx = cluster_.class_index(k);
  const std::size_t D = cluster_.dims();
  const std::size_t L = cluster_.fit_levels().size();
  const std::size_t at = node * L + static_cast<std::size_t>(level_);
  switch (strategy_) {
    case StrategyKind::LeastLoaded:
      return -static_cast<double>(idx.min_count[node]);
    case StrategyKind::FirstFit:
      return 0.0;
    case StrategyKind::BestFit: {
      const double u = level_ >= 0 ? idx.level_max_util[at] : idx.max_util[node];
      return class_counted_ == 0 ? 0.0 : (u + class_term_) / class_counted_;
    }
    case StrategyKind::Spread: {
      const double u = level_ >= 0 ? idx.level_min_util[at] : idx.min_util[node];
      return class_counted_ == 0 ? 0.0 : -((u + class_term_) / class_counted_);
    }
    case StrategyKind::DotProduct: {
      const std::int64_t* free = level_ >= 0 ? &idx.level_free[at * D] : &idx.max_free[node * D];
      double bound = 0;
      for (std::size_t d = 0; d < D; ++d) {
        if (class_alloc_[d] <= 0) continue;
        const double a = static_cast<double>(class_alloc_[d]);
        bound += (static_cast<double>(demand_[d]) / a) * (static_cast<double>(free[d]) / a);
      }
      return bound;
    }
  }
  return 0.0;
}

bool Placer::node_fits(ClassId k, std::size_t node) const {
  const Cluster::ClassIndex& idx = cluster_.class_index(k);
  const std::size_t D = cluster_.dims();
  const std::int64_t* free = &idx.max_free[node * D];
  if (level_ >= 0) free = &idx.level_free[(node * cluster_.fit_levels().size() + static_cast<std::size_t>(level_)) * D];
  for (std::size_t d = 0; d < D; ++d) {
    if (free[d] < demand_[d]) return false;
  }
  return true;
}

void Placer::offer(Candidate cand) {
  if (ranked_.size() == ranked_limit_) {
    if (!better(cand, ranked_.back())) return;
    ranked_.pop_back();
  }
  std::size_t pos = ranked_.size();
  ranked_.push_back(cand);
  for (; pos > 0 && better(cand, ranked_[pos - 1]); --pos) ranked_[pos] = ranked_[pos - 1];
  ranked_[pos] = cand;
}

void Placer::search(ClassId k, std::size_t node, std::size_t first_leaf, std::size_t span, double bound) {
  // The caller checked that the node fits (node_fits) and computed its bound: each node's
  // summary is read once, not once by its parent to order the children and again here.
  const Cluster& c = cluster_;
  const auto& members = c.class_members(k);
  const MachineId first_machine = members[first_leaf];
  if (ranked_.size() == ranked_limit_) {
    // Full list: a subtree that cannot beat the last entry cannot change it. Preference points
    // rank first: the subtree's are at most its class's plus every positive near weight.
    const Candidate& worst = ranked_.back();
    const std::int64_t point_bound = any_preferences_ ? class_points_[k] + near_bound_ : 0;
    if (point_bound < worst.points) return;
    if (point_bound == worst.points) {
      if (bound < worst.score || (bound == worst.score && first_machine > worst.machine)) return;
    }
  }
  if (span == 1) {
    const MachineId m = first_machine;
    if (c.machine_state(m) != MachineState::Up) return;
    for (std::size_t d = 0; d < c.dims(); ++d) {
      if (c.free(m, d) < demand_[d]) return;
    }
    InstanceId with = kNone;
    if (conflicts_on(m, &with)) return;
    offer({score(m), m, points(m)});
    return;
  }
  // Visit the more promising child first, so the bound prunes the other one more often.
  const std::size_t half = span / 2;
  const std::size_t l = 2 * node, r = l + 1;
  const bool fits_l = node_fits(k, l);  // first_leaf < members.size(): this node has members
  const bool fits_r = first_leaf + half < members.size() && node_fits(k, r);
  const double bound_l = fits_l ? node_bound(k, l) : 0.0;
  const double bound_r = fits_r ? node_bound(k, r) : 0.0;
  if (fits_r && (!fits_l || bound_r > bound_l)) {
    search(k, r, first_leaf + half, half, bound_r);
    if (fits_l) search(k, l, first_leaf, half, bound_l);
  } else {
    if (fits_l) search(k, l, first_leaf, half, bound_l);
    if (fits_r) search(k, r, first_leaf + half, half, bound_r);
  }
}

bool Placer::reuse_ranking(UnitId u, MachineId* answer) {
  const Cluster& c = cluster_;
  if (ranked_unit_ != u) return false;
  if (c.version() != ranked_version_) {
    // One change is understood: one machine's counts or state moved (typically the previous
    // replica took the head). Every other machine keeps its verdict and score, so only that
    // machine is looked at again.
    if (c.version() != ranked_version_ + 1) return false;
    const MachineId m = c.last_changed();
    ranked_.erase(std::remove_if(ranked_.begin(), ranked_.end(), [&](const Candidate& x) { return x.machine == m; }),
                  ranked_.end());
    ranked_version_ = c.version();
    // The machine that changed need not be one the last search looked at (another unit may
    // have been placed in between, as batch strategies do): it passes every filter again,
    // metadata included.
    bool fits = c.machine_state(m) == MachineState::Up && class_ok(u, c.machine_class(m));
    for (std::size_t d = 0; fits && d < c.dims(); ++d) fits = c.free(m, d) >= demand_[d];
    InstanceId with = kNone;
    per_instance_ = false;
    const bool conflict = fits && conflicts_on(m, &with);
    if (per_instance_) {
      // The machine's verdict depended on this instance's name, so it may differ for the next
      // replica, which would not look at it again: start over.
      ranked_unit_ = kNone;
      return false;
    }
    if (fits && !conflict) {
      const Candidate cand{score(m), m, points(m)};
      // Below the floor, machines outside the list may beat it: leave it out (the next
      // search finds it if it matters).
      if (!ranked_has_floor_ || better(cand, ranked_floor_)) {
        if (ranked_.size() == ranked_limit_) {
          // One of the two stays outside the list: it becomes the floor.
          ranked_floor_ = better(cand, ranked_.back()) ? ranked_.back() : cand;
          ranked_has_floor_ = true;
        }
        offer(cand);
      }
    }
  }
  if (ranked_.empty()) {
    if (ranked_has_floor_) return false;  // the list ran out: search again
    *answer = kNone;                      // the last search saw every feasible machine
    return true;
  }
  *answer = ranked_.front().machine;
  return true;
}

void Placer::index_shapes() {
  // Classes with equal allocatable capacity (one machine shape, different metadata) share
  // every demand term: one id per distinct allocatable vector.
  const Cluster& c = cluster_;
  const std::size_t K = c.class_count(), D = c.dims();
  class_shape_.assign(K, 0);
  std::map<std::vector<std::int64_t>, std::uint32_t> shapes;
  for (ClassId k = 0; k < K; ++k) {
    const std::int64_t* alloc = c.allocatable(c.class_members(k).front());
    auto [it, inserted] = shapes.emplace(std::vector<std::int64_t>(alloc, alloc + D), static_cast<std::uint32_t>(shapes.size()));
    class_shape_[k] = it->second;
  }
  shape_stamp_.assign(shapes.size(), 0);
  shape_term_.assign(shapes.size(), 0.0);
  shape_counted_.assign(shapes.size(), 0);
}

MachineId Placer::select_indexed(GroupId g) {
  cluster_.check_group(g, "Placer::select_indexed");
  const Cluster& c = cluster_;
  const Group& grp = c.group(g);
  if (!prepare(g)) return follow_;
  if (grp.unresolvable()) return kNone;
  const MachineId pin = grp.pinned != kNone ? grp.pinned : follow_;
  auto group_class_ok = [&](ClassId k) { return !class_rejects(k, 0, nullptr); };
  if (pin != kNone) {
    if (!group_class_ok(c.machine_class(pin)) || c.machine_state(pin) != MachineState::Up) return kNone;
    InstanceId with = kNone;
    const SpreadCheck* failed = nullptr;
    if (conflicts_on(pin, &with) || spread_verdict(pin, &failed) != 0) return kNone;
    for (std::size_t d = 0; d < c.dims(); ++d) {
      if (c.free(pin, d) < demand_[d]) return kNone;
    }
    return pin;
  }
  // Replicas of one unit placed one after another ask the same question of a cluster that
  // differs only on the machine the previous replica took. When the previous search ranked
  // the best several machines (same unit, so the same demand, metadata and unit-level conflict
  // verdicts; no spread, whose counts move with every placement; no verdict that depended on
  // the instance), only that machine needs a new look, and the answer is the head of the
  // ranking: exactly what a fresh search or the scan would return.
  const UnitId unit = units_.front();
  // Spread preferences move with every placement of the unit, like spread constraints.
  const bool reusable = shortcuts_.rank_replicas && todo_.size() == 1 && grp.members.size() == 1 && spreads_.empty() &&
                        !spread_preferences_;
  if (reusable) {
    MachineId answer = kNone;
    if (reuse_ranking(unit, &answer)) return answer;
  }
  ranked_unit_ = kNone;
  ranked_.clear();
  per_instance_ = false;
  const Unit& u = c.unit(unit);
  ranked_limit_ = reusable && u.replicas ? static_cast<std::size_t>(std::clamp(*u.replicas, 1, static_cast<int>(kMaxRanked))) : 1;
  if (ranked_.capacity() < kMaxRanked) ranked_.reserve(kMaxRanked);
  // Pass 1: the classes that pass the class filters and spread and have a machine that fits,
  // with their root's bound. The demand term depends only on the allocatable capacity, which
  // classes of one machine shape share: it is computed once per shape.
  const std::size_t K = c.class_count();
  if (class_shape_.size() != K) index_shapes();
  open_classes_.clear();
  std::size_t first = 0;
  for (ClassId k = 0; k < K; ++k) {
    if (!group_class_ok(k)) continue;
    // Spread depends only on metadata, which a class shares: decide it once per class.
    const SpreadCheck* failed = nullptr;
    if (!spreads_.empty() && spread_verdict(c.class_members(k).front(), &failed) != 0) continue;
    const std::uint32_t shape = class_shape_[k];
    if (shape_stamp_[shape] != stamp_) {
      shape_stamp_[shape] = stamp_;
      shape_term_[shape] = demand_term(c.class_members(k).front(), &shape_counted_[shape]);
    }
    class_term_ = shape_term_[shape];
    class_counted_ = shape_counted_[shape];
    class_alloc_ = c.allocatable(c.class_members(k).front());  // the class shares allocatable
    if (!node_fits(k, 1)) continue;
    const OpenClass open{k, node_bound(k, 1), any_preferences_ ? class_points_[k] + near_bound_ : 0};
    if (!open_classes_.empty() && (open.points > open_classes_[first].points ||
                                   (open.points == open_classes_[first].points && open.bound > open_classes_[first].bound))) {
      first = open_classes_.size();
    }
    open_classes_.push_back(open);
  }
  // Pass 2: the most promising class first, so its best machine bounds the others, most of
  // which are then cut at their root. The order changes only what is visited: the ranking
  // (points, score, lower id) and the bounds are exact, so the answer is the same.
  auto search_class = [&](const OpenClass& open) {
    const ClassId k = open.k;
    const std::uint32_t shape = class_shape_[k];
    class_term_ = shape_term_[shape];
    class_counted_ = shape_counted_[shape];
    class_alloc_ = c.allocatable(c.class_members(k).front());
    search(k, 1, 0, c.class_index(k).leaves, open.bound);
  };
  if (!open_classes_.empty()) search_class(open_classes_[first]);
  for (std::size_t j = 0; j < open_classes_.size(); ++j) {
    if (j != first) search_class(open_classes_[j]);
  }
  if (reusable && !per_instance_) {
    ranked_unit_ = unit;
    ranked_version_ = c.version();
    ranked_has_floor_ = ranked_.size() == ranked_limit_;
    if (ranked_has_floor_) ranked_floor_ = ranked_.back();
  }
  return ranked_.empty() ? kNone : ranked_.front().machine;
}

MachineId Placer::place_group(GroupId g, Diagnosis* diag) {
  MachineId m = select(g, diag);
  if (m == kNone) return kNone;
  commit(g, m);
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
    std::string name;  // natural_key of the first member: parsed once, not per comparison
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
    keys.push_back({grp.priority, grp.pinned != kNone, share, g, natural_key(c.instance(grp.members.front()).name)});
  }
  std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
    if (a.priority != b.priority) return a.priority > b.priority;
    if (a.pinned != b.pinned) return a.pinned;
    if (a.share != b.share) return a.share > b.share;
    return a.name < b.name;
  });
  std::vector<GroupId> out;
  out.reserve(keys.size());
  for (const Key& k : keys) out.push_back(k.group);
  return out;
}

std::vector<Diagnosis> Placer::place_pending() {
  std::vector<GroupId> todo = cluster_.unplaced_groups();
  std::vector<Diagnosis> pending;
  // The last diagnosis, and what it holds for: another lone instance of the same unit, asked
  // of the same cluster (a failed placement changes nothing), with no conflict verdict that
  // depended on the instance. Pending replicas then cost a copy instead of a scan each.
  UnitId last_unit = kNone;
  std::uint64_t last_version = 0;
  // Diagnoses by what they are computed from, for a lone unpinned instance whose unit takes
  // part in no conflict and no spread: its class filters (units with equal metadata
  // requirements and tolerations get equal verdicts and texts) and its demand. Pending units
  // of the same shape then cost a copy, not a descent of every class tree (50k pending jobs
  // come in a few hundred shapes). Valid while the cluster is unchanged.
  std::map<std::pair<std::uint32_t, std::vector<std::int64_t>>, std::size_t> by_shape;
  std::uint64_t shape_version = 0;
  const Cluster& c = cluster_;
  for (GroupId g : batch_order(std::move(todo))) {
    // Diagnose only on failure: the success path pays for counting nothing.
    if (place_group(g) != kNone) continue;
    const Group& grp = cluster_.group(g);
    const InstanceId first = grp.members.front();
    const UnitId unit = cluster_.instance(first).unit;
    // Instances pinned to different machines (a global unit's) ask different questions: never
    // copy their diagnoses (u2@m9's said "most free on m5", u2@m5's machine).
    const bool alone = grp.members.size() == 1 && grp.pinned == kNone;
    if (alone && !pending.empty() && unit == last_unit && cluster_.version() == last_version) {
      Diagnosis diag = pending.back();
      diag.unit = cluster_.instance(first).name;
      diag.group = {diag.unit};
      pending.push_back(std::move(diag));
      continue;
    }
    const Unit& u = c.unit(unit);
    const bool shaped = alone && !grp.unresolvable() && !c.unit_related(unit) && c.match_all_units().empty() &&
                        !u.constraints.spread && c.assignment(first) == kNone;
    std::pair<std::uint32_t, std::vector<std::int64_t>> key;
    if (shaped) {
      if (shape_version != cluster_.version()) {
        by_shape.clear();
        shape_version = cluster_.version();
      }
      key = {filter_of(unit), std::vector<std::int64_t>(c.request(first), c.request(first) + c.dims())};
      if (auto it = by_shape.find(key); it != by_shape.end()) {
        Diagnosis diag = pending[it->second];
        diag.unit = c.instance(first).name;
        diag.group = {diag.unit};
        pending.push_back(std::move(diag));
        last_unit = unit;
        last_version = cluster_.version();
        continue;
      }
    }
    Diagnosis diag;
    per_instance_ = false;
    select(g, &diag);
    last_unit = alone && !per_instance_ ? unit : kNone;
    last_version = cluster_.version();
    if (shaped && !per_instance_) by_shape.emplace(std::move(key), pending.size());
    pending.push_back(std::move(diag));
  }
  return pending;
}

bool Placer::fits(GroupId g, MachineId m) {
  cluster_.check_group(g, "Placer::fits");
  cluster_.check_machine(m, "Placer::fits");
  if (!prepare(g)) return false;
  const Group& grp = cluster_.group(g);
  if (grp.unresolvable()) return false;
  const MachineId pin = grp.pinned != kNone ? grp.pinned : follow_;
  if (pin != kNone && pin != m) return false;
  if (class_rejects(cluster_.machine_class(m), 0, nullptr)) return false;
  if (cluster_.machine_state(m) != MachineState::Up) return false;
  InstanceId with = kNone;
  const SpreadCheck* failed = nullptr;
  if (conflicts_on(m, &with) || spread_verdict(m, &failed) != 0) return false;
  for (std::size_t d = 0; d < cluster_.dims(); ++d) {
    if (cluster_.free(m, d) < demand_[d]) return false;
  }
  return true;
}

bool Placer::feasible(GroupId g, MachineId m) {
  cluster_.check_group(g, "Placer::feasible");
  return explain(cluster_.group(g).members.front(), m).empty();
}

std::vector<std::string> Placer::explain(InstanceId i, MachineId m) {
  cluster_.check_instance(i, "Placer::explain");
  cluster_.check_machine(m, "Placer::explain");
  // Work on a copy with the whole group taken off its machines, so the answer is "could it go
  // there" whether or not it already runs somewhere. A group with nothing placed is asked on
  // the cluster itself: copying it per question made a kube filter over n failing nodes cost
  // n whole copies.
  bool placed = false;
  for (InstanceId x : cluster_.group(cluster_.instance(i).group).members) {
    placed = placed || cluster_.assignment(x) != kNone;
  }
  std::optional<Cluster> owned;
  if (placed) {
    owned.emplace(cluster_);
    for (InstanceId x : owned->group(owned->instance(i).group).members) owned->unassign(x);
  }
  Cluster& copy = placed ? *owned : cluster_;
  const Group& grp = copy.group(copy.instance(i).group);
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
  if (grp.unresolvable()) reasons.push_back(fmt::format("unresolvable: {}", copy.problem_of(copy.instance(i).group)));
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
    for (const Taint& t : copy.machine_taints(m)) {
      if (t.hard() && !tolerated(u.constraints.tolerations, t)) {
        reasons.push_back(fmt::format("taint: {} has {}, which {} does not tolerate", mname, t.describe(), copy.instance(x).name));
      }
    }
    for (InstanceId y : copy.instances_on(m)) {
      if (!copy.conflicts(x, y)) continue;
      if (copy.conflicts_by_pattern(x, y)) {
        reasons.push_back(fmt::format("conflict: {} and {} (on {}) must not share a machine", copy.instance(x).name, copy.instance(y).name, mname));
      } else if (auto port = copy.shared_port(x, y)) {
        reasons.push_back(fmt::format("port {} taken by {} (on {}), which {} binds too", port->describe(), copy.instance(y).name, mname, copy.instance(x).name));
      }
    }
    // A spread key no machine carries constrains nothing (as in select): only ask when it does.
    if (u.constraints.spread && copy.spread_domain_count(copy.instance(x).unit) > 0) {
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
    // The failure may be any member's spread (a sidekick's, not only instance i's unit's).
    for (const auto& [dom, count] : diag.spread_failures) {
      const std::string key = dom.substr(0, dom.find('='));
      const std::string value = dom.substr(dom.find('=') + 1);
      const auto here = copy.machine_metadata(m).find(key);
      if (here == copy.machine_metadata(m).end() || here->second.empty() || here->second.front() != value) continue;
      for (InstanceId x : grp.members) {
        const auto& sp = copy.unit(copy.instance(x).unit).constraints.spread;
        if (!sp || sp->key != key) continue;
        reasons.push_back(fmt::format("spread: another instance in {} would exceed max_skew {}", dom, sp->max_skew));
        break;
      }
    }
  }
  return reasons;
}

}  // namespace berth
