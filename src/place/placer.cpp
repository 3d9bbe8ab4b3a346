#include "berth/place/placer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>

#include "berth/model/resources.hpp"
#include "class_index.hpp"
#include "name_order.hpp"
#include "pipeline/filters.hpp"
#include "pipeline/placer_state.hpp"
#include "pipeline/scorers.hpp"
#include "shortfall_tally.hpp"

namespace berth {

using pipeline::Candidate;
using pipeline::Filters;
using pipeline::Preferences;

namespace {

/// The most machines one indexed search ranks (a unit's replicas beyond this search again).
constexpr std::size_t kMaxRanked = 64;
/// The machines a shape memo ranks: enough that the next units of the shape find their answer
/// in the list after the head filled up, few enough that the search ranking them stays cheap.
/// Counted on the realistic mix at 700k units (tree nodes visited + classes in pass 1): 2 ->
/// 56.3M + 23.9M, 4 -> 60.8M + 21.5M, 8 -> 71.5M + 20.6M, 16 -> 87.1M + 19.5M.
constexpr std::size_t kShapeRanked = 4;
/// A memo older than this many journal entries is searched again: looking at that many
/// changed machines costs about what a search does.
constexpr std::size_t kMaxReplay = 128;
/// The journal keeps at most this many entries (older memos are searched again).
constexpr std::size_t kJournalCap = 1 << 14;

/// Scorer::tie_first where the scorer has one (the lowest machine id of the subtree at node that
/// may score exactly `bound`), otherwise `first`, the subtree's lowest member.
template <class Scorer>
std::int64_t tie_first_of(const pipeline::GroupState& s, ClassId k, std::size_t node, double bound,
                          MachineId first) {
  if constexpr (requires { Scorer::tie_first(s, k, node, bound, first); }) {
    return Scorer::tie_first(s, k, node, bound, first);
  } else {
    return first;
  }
}

/// Records that machine m changed, the change taking the cluster to its current version.
void log_change(pipeline::PlacerState& s, const Cluster& c, MachineId m) {
  if (s.journal.size() >= kJournalCap) {
    // Keep the newer half; memos older than what is dropped search again.
    const std::size_t drop = s.journal.size() / 2;
    s.journal_base = s.journal[drop - 1].version;
    s.journal.erase(s.journal.begin(), s.journal.begin() + static_cast<std::ptrdiff_t>(drop));
  }
  if (s.machine_logged.size() != c.machine_count()) s.machine_logged.assign(c.machine_count(), 0);
  s.journal.push_back({c.version(), m});
  s.machine_logged[m] = c.version();
  s.journal_version = c.version();
}

/// Brings the journal up to the cluster's version (see PlacerState::journal).
void sync_journal(pipeline::PlacerState& s, const Cluster& c) {
  const std::uint64_t v = c.version();
  if (v == s.journal_version) return;
  if (v == s.journal_version + 1 && c.last_changed() != kNone) {
    log_change(s, c, c.last_changed());
    return;
  }
  s.journal.clear();
  s.journal_base = s.journal_version = v;
}

/// The shape memo of unit u (PlacerState::ShapeMemo): one per class filters and request vector.
std::uint32_t shape_memo_id(pipeline::PlacerState& s, const Cluster& c, UnitId u) {
  if (s.shape_memo_of.size() != c.unit_count()) s.shape_memo_of.assign(c.unit_count(), kNone);
  std::uint32_t& id = s.shape_memo_of[u];
  if (id != kNone) return id;
  const std::size_t D = c.dims();
  const std::int64_t filter = s.classes.filter_of(u);
  const std::int64_t* req = c.request(s.todo.front());
  std::uint64_t h = static_cast<std::uint64_t>(filter) * 0x9e3779b97f4a7c15ull;
  for (std::size_t d = 0; d < D; ++d)
    h = (h ^ static_cast<std::uint64_t>(req[d])) * 0x100000001b3ull + (h >> 29);
  auto& bucket = s.shape_memo_index[h];
  for (std::uint32_t m : bucket) {
    const std::int64_t* key = &s.shape_memo_keys[m * (D + 1)];
    if (key[0] == filter && std::equal(req, req + D, key + 1)) return id = m;
  }
  id = static_cast<std::uint32_t>(s.shape_memos.size());
  s.shape_memos.emplace_back();
  s.shape_memos.back().ranked.reserve(kShapeRanked);
  s.shape_memo_keys.push_back(filter);
  s.shape_memo_keys.insert(s.shape_memo_keys.end(), req, req + D);
  bucket.push_back(id);
  return id;
}

}  // namespace

namespace pipeline {

std::uint32_t ClassVerdicts::filter_of(UnitId u) {
  std::uint32_t& id = filter_of_[u];
  if (id != kNone) return id;
  // The class verdict reads only the unit's metadata requirements and tolerations: units that
  // ask the same share one cache row.
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

ClassVerdict ClassVerdicts::operator()(UnitId u, ClassId c) {
  std::int32_t& slot = class_cache_[filter_of(u)][c];
  if (slot == 0) {
    const ClassVerdict v = cluster_.class_verdict(u, c);
    slot = v.kind == ClassVerdict::Kind::Ok         ? 1
           : v.kind == ClassVerdict::Kind::Metadata ? static_cast<std::int32_t>(v.index) + 2
                                                    : -static_cast<std::int32_t>(v.index) - 1;
  }
  if (slot == 1) return {};
  if (slot > 1) return {ClassVerdict::Kind::Metadata, static_cast<std::uint32_t>(slot - 2)};
  return {ClassVerdict::Kind::Taint, static_cast<std::uint32_t>(-slot - 1)};
}

void Spread::explain_in_context(const ExplainQuery& q, std::vector<std::string>& out) {
  // Skew depends on the rest of the cluster: run the pipeline on q's cluster (where the group
  // is not placed) and read which domains it rejected for skew.
  Cluster& c = const_cast<Cluster&>(q.cluster);  // the probe only reads: select() assigns nothing
  Placer probe(c, q.strategy);
  Diagnosis diag;
  probe.select(q.group, &diag);
  const Group& grp = c.group(q.group);
  // The failure may be any member's spread (a sidekick's, not only the asked instance's unit's).
  for (const auto& [dom, count] : diag.spread_failures) {
    const std::string& key = dom.key;
    const std::string& value = dom.value;
    const auto here = c.machine_metadata(q.machine).find(key);
    if (here == c.machine_metadata(q.machine).end() || here->second.empty() ||
        here->second.front() != value)
      continue;
    for (InstanceId x : grp.members) {
      const auto& sp = c.unit(c.instance(x).unit).constraints.spread;
      if (!sp || sp->key != key) continue;
      out.push_back(fmt::format("spread: another instance in {} would exceed max_skew {}",
                                dom.describe(), sp->max_skew));
      break;
    }
  }
}

}  // namespace pipeline

Placer::Placer(Cluster& cluster, StrategyKind strategy)
    : cluster_(cluster),
      strategy_(strategy),
      s_(std::make_unique<pipeline::PlacerState>(cluster)) {}

Placer::~Placer() = default;

void Placer::set_shortcuts(Shortcuts s) {
  shortcuts_ = s;
  s_->ranked_unit = kNone;
  // Forget the journal: every shape memo searches again.
  s_->journal.clear();
  s_->journal_base = s_->journal_version = cluster_.version();
}

void Placer::index_unit_instances() {
  pipeline::PlacerState& s = *s_;
  const Cluster& c = cluster_;
  if (!s.unit_instance_start.empty()) return;
  s.unit_instance_start.assign(c.unit_count() + 1, 0);
  for (InstanceId i = 0; i < c.instance_count(); ++i)
    ++s.unit_instance_start[c.instance(i).unit + 1];
  for (std::size_t u = 0; u < c.unit_count(); ++u)
    s.unit_instance_start[u + 1] += s.unit_instance_start[u];
  s.unit_instances.assign(c.instance_count(), kNone);
  std::vector<std::uint32_t> next(s.unit_instance_start.begin(), s.unit_instance_start.end() - 1);
  for (InstanceId i = 0; i < c.instance_count(); ++i)
    s.unit_instances[next[c.instance(i).unit]++] = i;
}

namespace {

const std::string* value_of(const Metadata& md, const std::string& key) {
  auto it = md.find(key);
  return it == md.end() || it->second.empty() ? nullptr : &it->second.front();
}

/// A metadata preference is met where every requirement holds.
bool metadata_met(const Preference& p, const Metadata& md) {
  return std::all_of(p.metadata.begin(), p.metadata.end(),
                     [&](const MetadataRequirement& r) { return r.matches(md); });
}

}  // namespace

std::vector<std::uint8_t>& Placer::least_filled_classes(UnitId u, const std::string& key) {
  // The domains (values of `key`) unit u may use: up machines its class filters admit. A class
  // meets the preference when its domain holds the fewest of u's placed instances.
  pipeline::PlacerState& s = *s_;
  const Cluster& c = cluster_;
  const std::size_t K = c.class_count();
  index_unit_instances();
  std::map<std::string, std::int64_t> count;
  for (std::uint32_t j = s.unit_instance_start[u]; j < s.unit_instance_start[u + 1]; ++j) {
    const MachineId m = c.assignment(s.unit_instances[j]);
    if (m == kNone) continue;
    if (const std::string* v = value_of(c.machine_metadata(m), key)) ++count[*v];
  }
  auto count_of = [&](const std::string& v) {
    auto it = count.find(v);
    return it == count.end() ? std::int64_t{0} : it->second;
  };
  std::int64_t lo = std::numeric_limits<std::int64_t>::max();
  s.spread_met_scratch.assign(K, 0);
  for (ClassId k = 0; k < K; ++k) {
    const std::string* v = value_of(c.class_metadata(k), key);
    if (!v || !s.classes(u, k).ok() || detail::class_index(c, k).up_count[1] == 0) continue;
    s.spread_met_scratch[k] = 1;  // eligible
    lo = std::min(lo, count_of(*v));
  }
  for (ClassId k = 0; k < K; ++k) {
    if (s.spread_met_scratch[k] && count_of(*value_of(c.class_metadata(k), key)) != lo)
      s.spread_met_scratch[k] = 0;
  }
  return s.spread_met_scratch;
}

bool Placer::preference_met(UnitId u, std::size_t k, MachineId m) {
  const Cluster& c = cluster_;
  const Preference& p = c.unit(u).preferences[k];
  switch (p.kind) {
    case Preference::Kind::Metadata:
      return metadata_met(p, c.machine_metadata(m));
    case Preference::Kind::Near:
      return std::any_of(c.instances_on(m).begin(), c.instances_on(m).end(),
                         [&](InstanceId y) { return Preferences::near_matches(c, p, y); });
    case Preference::Kind::Spread:
      return least_filled_classes(u, p.spread_key)[c.machine_class(m)] != 0;
  }
  return false;
}

void Placer::prepare_preferences() {
  pipeline::PlacerState& s = *s_;
  const Cluster& c = cluster_;
  s.any_preferences = false;
  s.spread_preferences = false;
  s.near.clear();
  s.near_bound = 0;
  bool any = c.has_soft_taints();
  for (UnitId u : s.units) any = any || c.unit_has_preferences(u);
  if (!any) return;
  s.any_preferences = true;
  const std::size_t K = c.class_count();
  s.class_points.assign(K, 0);
  for (UnitId u : s.units) {
    const Unit& unit = c.unit(u);
    if (c.has_soft_taints()) {
      for (ClassId k = 0; k < K; ++k) {
        for (const Taint& t : c.class_taints(k)) {
          if (t.effect == TaintEffect::PreferNoSchedule &&
              !tolerated(unit.constraints.tolerations, t)) {
            s.class_points[k] += kPreferNoSchedulePoints;
          }
        }
      }
    }
    for (const Preference& p : unit.preferences) {
      switch (p.kind) {
        case Preference::Kind::Metadata:
          for (ClassId k = 0; k < K; ++k) {
            if (metadata_met(p, c.class_metadata(k))) s.class_points[k] += p.weight;
          }
          break;
        case Preference::Kind::Near:
          s.near.push_back(&p);
          s.near_bound += std::max(p.weight, 0);
          break;
        case Preference::Kind::Spread: {
          s.spread_preferences = true;
          const auto& met = least_filled_classes(u, p.spread_key);
          for (ClassId k = 0; k < K; ++k) {
            if (met[k]) s.class_points[k] += p.weight;
          }
          break;
        }
      }
    }
  }
}

std::int64_t Placer::points_of(GroupId g, MachineId m) {
  cluster_.check_group(g, "Placer::points_of");
  cluster_.check_machine(m, "Placer::points_of");
  if (s_->prepared_group != g || s_->prepared_version != cluster_.version()) prepare(g);
  return Preferences::points(*s_, m);
}

bool Placer::scores_preferences(GroupId g) {
  cluster_.check_group(g, "Placer::scores_preferences");
  if (s_->prepared_group != g || s_->prepared_version != cluster_.version()) prepare(g);
  return s_->any_preferences;
}

void Placer::commit(GroupId g, MachineId m) {
  cluster_.check_group(g, "Placer::commit");
  cluster_.check_machine(m, "Placer::commit");
  // Which preferences the chosen machine met, as they stood when it was chosen.
  for (InstanceId i : cluster_.group(g).members) {
    if (cluster_.assignment(i) == kNone &&
        cluster_.unit_has_preferences(cluster_.instance(i).unit)) {
      recorded_[i] = preferences_met(i, m);
    }
  }
  sync_journal(*s_, cluster_);
  const std::uint64_t before = cluster_.version();
  for (InstanceId i : cluster_.group(g).members) {
    if (cluster_.assignment(i) == kNone) cluster_.assign(i, m);
  }
  // Every change of this commit was on m: one journal entry.
  if (cluster_.version() != before) log_change(*s_, cluster_, m);
  // Only m's class changed: the diagnosis's counts of the other classes stay valid.
  s_->class_counts.placed_on(cluster_.machine_class(m), before, cluster_.version());
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

bool Placer::resolvable() {
  for (ClassId k = 0; k < cluster_.class_count(); ++k) {
    if (Filters::could_ever(*s_, k)) return true;
  }
  return false;
}

double Placer::score(MachineId m) const {
  return pipeline::with_scorer(strategy_,
                               [&](auto scorer) { return decltype(scorer)::score(*s_, m); });
}

bool Placer::prepare(GroupId g) {
  pipeline::PlacerState& s = *s_;
  const Cluster& c = cluster_;
  const Group& grp = c.group(g);
  const std::size_t D = c.dims();
  s.group = g;
  s.tree_class = kNone;  // no class tree entered yet for this decision
  s.tree_level = nullptr;
  std::fill(s.demand.begin(), s.demand.end(), 0);
  s.follow = kNone;
  s.follow_instance = kNone;
  s.todo.clear();
  s.units.clear();
  if (++s.stamp == 0) {  // wrapped: forget every stamp
    std::fill(s.verdict_stamp.begin(), s.verdict_stamp.end(), 0);
    std::fill(s.shape_stamp.begin(), s.shape_stamp.end(), 0);
    s.stamp = 1;
  }
  s.spreads.clear();
  s.any_conflicts = false;
  s.conflict_related = false;
  for (InstanceId i : grp.members) {
    if (c.assignment(i) != kNone) {
      s.follow = c.assignment(i);
      s.follow_instance = i;
      continue;
    }
    s.todo.push_back(i);
    const std::int64_t* req = c.request(i);
    for (std::size_t d = 0; d < D; ++d) s.demand[d] += req[d];
    const UnitId u = c.instance(i).unit;
    if (std::find(s.units.begin(), s.units.end(), u) == s.units.end()) s.units.push_back(u);
    s.any_conflicts = s.any_conflicts || c.unit_has_conflicts(u);
    s.conflict_related = s.conflict_related || c.unit_related(u);
  }
  // Pins: a member's machine_id, a global instance's machine, or the machine an already placed
  // member of the group runs on.
  s.pin = grp.pinned != kNone ? grp.pinned : s.follow;
  s.prepared_group = kNone;
  if (s.todo.empty()) return false;
  s.level = -1;
  const auto& levels = detail::fit_levels(c);
  for (std::size_t j = 0;
       shortcuts_.fit_levels && j < levels.size() && D > 0 && levels[j] <= s.demand[0]; ++j) {
    s.level = static_cast<int>(j);
  }
  // Spread: the least-filled eligible domain per spread unit (Kubernetes' maxSkew rule:
  // placing on domain d is allowed when count[d] + 1 - min <= max_skew).
  for (UnitId u : s.units) {
    if (!c.unit_has_spread(u)) continue;  // most units: no read of the Unit itself
    if (c.spread_domain_count(u) == 0) continue;
    std::int64_t min_count = std::numeric_limits<std::int64_t>::max();
    for (ClassId k = 0; k < c.class_count(); ++k) {
      if (!s.classes(u, k).ok()) continue;
      for (MachineId m : c.class_members(k)) {
        if (c.machine_state(m) != MachineState::Up) continue;
        std::uint32_t dom = c.spread_domain(u, m);
        if (dom != kNone) min_count = std::min(min_count, c.spread_count(u, dom));
        break;  // a class shares metadata, so one up member decides its domain
      }
    }
    if (min_count == std::numeric_limits<std::int64_t>::max()) min_count = 0;
    std::int64_t adding = 0;
    for (InstanceId i : s.todo) adding += c.instance(i).unit == u ? 1 : 0;
    s.spreads.push_back({u, min_count, c.unit(u).constraints.spread->max_skew, adding});
  }
  prepare_preferences();
  s.prepared_group = g;
  s.prepared_version = c.version();
  return true;
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
  pipeline::PlacerState& s = *s_;
  const Cluster& c = cluster_;
  const Group& grp = c.group(g);
  const std::size_t n = c.machine_count();
  const bool pending = prepare(g);
  if (pending && !Filters::group_admits(s, diag)) return kNone;
  if (diag) {
    *diag = Diagnosis{};
    diag->unit = s.todo.empty() ? std::string() : c.instance(s.todo.front()).name;
    for (InstanceId i : grp.members) diag->group.push_back(c.instance(i).name);
    diag->considered = n;
  }
  if (!pending) return s.follow;

  MachineId best = kNone;
  Candidate best_candidate{0.0, kNone};
  detail::ShortfallTally tally(c, s.demand, diag ? c.dims() : 0);
  std::optional<pipeline::Counting> counting;
  if (diag) counting.emplace(pipeline::Counting{*diag, tally});

  pipeline::with_scorer(strategy_, [&](auto scorer) {
    using Scorer = decltype(scorer);
    auto evaluate = [&](MachineId m) {
      if (!Filters::machine_admits(s, m, counting ? &*counting : nullptr)) return;
      if (diag) ++diag->fit;
      // The indexed search's own ranking (points, then score, then the lower id).
      const Candidate cand{Scorer::score(s, m), m, Preferences::points(s, m)};
      if (best == kNone || better(cand, best_candidate)) {
        best = m;
        best_candidate = cand;
      }
    };
    if (s.pin != kNone) {
      // The one machine a pinned group may use: every other is counted by the pin filter at once.
      if (diag) pipeline::Pin::count_others(s, *diag);
      if (Filters::class_admits(s, c.machine_class(s.pin), 1, diag)) evaluate(s.pin);
      return;
    }
    for (ClassId k = 0; k < c.class_count(); ++k) {
      const auto& members = c.class_members(k);
      if (!Filters::class_admits(s, k, members.size(), diag)) continue;
      for (MachineId m : members) evaluate(m);
    }
  });

  if (diag) {
    tally.finish(*diag, best == kNone);
    diag->unresolvable = best == kNone && !resolvable();
  }
  return best;
}

void Placer::offer(Candidate cand) {
  auto& ranked = s_->ranked;
  if (ranked.size() == s_->ranked_limit) {
    if (!better(cand, ranked.back())) return;
    ranked.pop_back();
  }
  std::size_t pos = ranked.size();
  ranked.push_back(cand);
  for (; pos > 0 && better(cand, ranked[pos - 1]); --pos) ranked[pos] = ranked[pos - 1];
  ranked[pos] = cand;
}

template <class Scorer>
void Placer::search(ClassId k, std::size_t node, std::size_t first_leaf, std::size_t span,
                    double bound) {
  // The caller checked that the node passes the filters' bounds (node_admits) and computed its
  // score bound: each node's summary is read once, not once by its parent to order the
  // children and again here.
  pipeline::PlacerState& s = *s_;
  const Cluster& c = cluster_;
  const auto& members = c.class_members(k);
  const MachineId first_machine = members[first_leaf];
  if (s.ranked.size() == s.ranked_limit) {
    // Full list: a subtree that cannot beat the last entry cannot change it. Preference points
    // rank first: the subtree's are at most its class's plus every positive near weight.
    const Candidate& worst = s.ranked.back();
    const std::int64_t point_bound = Preferences::bound(s, k);
    if (point_bound < worst.points) return;
    if (point_bound == worst.points) {
      // On an equal bound only a lower machine id wins: the subtree's lowest machine that can
      // score the bound decides.
      if (bound < worst.score ||
          (bound == worst.score &&
           tie_first_of<Scorer>(s, k, node, bound, first_machine) > worst.machine))
        return;
    }
  }
  if (span == 1) {
    const MachineId m = first_machine;
    // The class passed the class filters and the class-invariant ones (spread) already. A yes
    // or no does not depend on the order, so the cheapest rejection, room (read from arrays),
    // is asked before the list, whose conflict check reads the machine's instances.
    if (!pipeline::Resources::admits(s, m) || !Filters::machine_admits_in_admitted_class(s, m))
      return;
    offer({Scorer::score(s, m), m, Preferences::points(s, m)});
    return;
  }
  // Visit the more promising child first, so the bound prunes the other one more often.
  const std::size_t half = span / 2;
  const std::size_t l = 2 * node, r = l + 1;
  const bool fits_l =
      Filters::node_admits(s, k, l);  // first_leaf < members.size(): this node has members
  const bool fits_r = first_leaf + half < members.size() && Filters::node_admits(s, k, r);
  const double bound_l = fits_l ? Scorer::bound(s, k, l) : 0.0;
  const double bound_r = fits_r ? Scorer::bound(s, k, r) : 0.0;
  if (fits_r && (!fits_l || bound_r > bound_l)) {
    search<Scorer>(k, r, first_leaf + half, half, bound_r);
    if (fits_l) search<Scorer>(k, l, first_leaf, half, bound_l);
  } else {
    if (fits_l) search<Scorer>(k, l, first_leaf, half, bound_l);
    if (fits_r) search<Scorer>(k, r, first_leaf + half, half, bound_r);
  }
}

bool Placer::reuse_ranking(UnitId u, MachineId* answer) {
  pipeline::PlacerState& s = *s_;
  const Cluster& c = cluster_;
  if (s.ranked_unit != u) return false;
  if (c.version() != s.ranked_version) {
    // One change is understood: one machine's counts or state moved (typically the previous
    // replica took the head). Every other machine keeps its verdict and score, so only that
    // machine is looked at again.
    if (c.version() != s.ranked_version + 1) return false;
    const MachineId m = c.last_changed();
    s.ranked.erase(std::remove_if(s.ranked.begin(), s.ranked.end(),
                                  [&](const Candidate& x) { return x.machine == m; }),
                   s.ranked.end());
    s.ranked_version = c.version();
    // The machine that changed need not be one the last search looked at (another unit may
    // have been placed in between, as batch strategies do): it passes every filter again,
    // class filters included.
    s.per_instance = false;
    const bool fits = Filters::class_admits(s, c.machine_class(m), 0, nullptr) &&
                      Filters::machine_admits(s, m, nullptr);
    if (s.per_instance) {
      // The machine's verdict depended on this instance's name, so it may differ for the next
      // replica, which would not look at it again: start over.
      s.ranked_unit = kNone;
      return false;
    }
    if (fits) {
      const Candidate cand{score(m), m, Preferences::points(s, m)};
      // Below the floor, machines outside the list may beat it: leave it out (the next
      // search finds it if it matters).
      if (!s.ranked_has_floor || better(cand, s.ranked_floor)) {
        if (s.ranked.size() == s.ranked_limit) {
          // One of the two stays outside the list: it becomes the floor.
          s.ranked_floor = better(cand, s.ranked.back()) ? s.ranked.back() : cand;
          s.ranked_has_floor = true;
        }
        offer(cand);
      }
    }
  }
  if (s.ranked.empty()) {
    if (s.ranked_has_floor) return false;  // the list ran out: search again
    *answer = kNone;                       // the last search saw every feasible machine
    return true;
  }
  *answer = s.ranked.front().machine;
  return true;
}

void Placer::index_shapes() {
  // Classes with equal allocatable capacity (one machine shape, different metadata) share
  // every demand term: one id per distinct allocatable vector.
  pipeline::PlacerState& s = *s_;
  const Cluster& c = cluster_;
  const std::size_t K = c.class_count(), D = c.dims();
  s.class_shape.assign(K, 0);
  std::map<std::vector<std::int64_t>, std::uint32_t> shapes;
  for (ClassId k = 0; k < K; ++k) {
    const std::int64_t* alloc = c.allocatable(c.class_members(k).front());
    auto [it, inserted] = shapes.emplace(std::vector<std::int64_t>(alloc, alloc + D),
                                         static_cast<std::uint32_t>(shapes.size()));
    s.class_shape[k] = it->second;
  }
  s.shape_stamp.assign(shapes.size(), 0);
  s.shape_term.assign(shapes.size(), 0.0);
  s.shape_counted.assign(shapes.size(), 0);
}

bool Placer::replay_memo(std::uint32_t memo_id, MachineId* answer) {
  pipeline::PlacerState& s = *s_;
  pipeline::PlacerState::ShapeMemo& memo = s.shape_memos[memo_id];
  const Cluster& c = cluster_;
  if (!memo.valid || memo.version < s.journal_base) return false;
  // The entries after the memo's version, oldest first.
  const auto from = std::upper_bound(
      s.journal.begin(), s.journal.end(), memo.version,
      [](std::uint64_t v, const pipeline::PlacerState::JournalEntry& e) { return v < e.version; });
  if (static_cast<std::size_t>(s.journal.end() - from) > kMaxReplay) return false;
  auto& ranked = memo.ranked;
  for (auto it = from; it != s.journal.end(); ++it) {
    const MachineId m = it->machine;
    if (s.machine_logged[m] != it->version) continue;  // a newer entry looks at m
    // m is looked at again as reuse_ranking does: its old entry leaves the list, and it comes
    // back if it passes every filter and ranks above the floor.
    ranked.erase(std::remove_if(ranked.begin(), ranked.end(),
                                [&](const Candidate& x) { return x.machine == m; }),
                 ranked.end());
    // Room first, as the search's leaves do: the cheapest rejection, and a yes or no does not
    // depend on the order.
    if (!pipeline::Resources::admits(s, m)) continue;
    s.per_instance = false;
    const bool fits = Filters::class_admits(s, c.machine_class(m), 0, nullptr) &&
                      Filters::machine_admits(s, m, nullptr);
    if (s.per_instance) {  // not for a shaped unit (no conflict relation); never trust it
      memo.valid = false;
      return false;
    }
    if (!fits) continue;
    const Candidate cand{score(m), m, Preferences::points(s, m)};
    if (memo.has_floor && !better(cand, memo.floor)) continue;
    if (ranked.size() == kShapeRanked) {
      memo.floor = better(cand, ranked.back()) ? ranked.back() : cand;
      memo.has_floor = true;
      if (!better(cand, ranked.back())) continue;
      ranked.pop_back();
    }
    auto at = std::upper_bound(ranked.begin(), ranked.end(), cand,
                               [](const Candidate& a, const Candidate& b) { return better(a, b); });
    ranked.insert(at, cand);
  }
  memo.version = c.version();
  if (ranked.empty()) {
    if (memo.has_floor) return false;  // the list ran out: search again
    *answer = kNone;                   // the last search saw every feasible machine
    return true;
  }
  *answer = ranked.front().machine;
  return true;
}

MachineId Placer::select_indexed(GroupId g) {
  cluster_.check_group(g, "Placer::select_indexed");
  pipeline::PlacerState& s = *s_;
  const Cluster& c = cluster_;
  const Group& grp = c.group(g);
  if (!prepare(g)) return s.follow;
  if (!Filters::group_admits(s, nullptr)) return kNone;
  if (s.pin != kNone) return Filters::admits(s, s.pin) ? s.pin : kNone;
  // Replicas of one unit placed one after another ask the same question of a cluster that
  // differs only on the machine the previous replica took. When the previous search ranked
  // the best several machines (same unit, so the same demand, metadata and unit-level conflict
  // verdicts; no spread, whose counts move with every placement; no verdict that depended on
  // the instance), only that machine needs a new look, and the answer is the head of the
  // ranking: exactly what a fresh search or the scan would return.
  const UnitId unit = s.units.front();
  // Spread preferences move with every placement of the unit, like spread constraints.
  const bool lone =
      s.todo.size() == 1 && grp.members.size() == 1 && s.spreads.empty() && !s.spread_preferences;
  // A lone instance related to no unit by conflicts and without preferences asks what every
  // unit of its shape asks (PlacerState::ShapeMemo): its filters and scores read nothing else.
  const bool shaped = shortcuts_.rank_shapes && lone && !s.conflict_related && !s.any_preferences;
  const bool reusable = !shaped && shortcuts_.rank_replicas && lone;
  sync_journal(s, c);
  const std::uint32_t memo = shaped ? shape_memo_id(s, c, unit) : kNone;
  if (shaped) {
    MachineId answer = kNone;
    if (replay_memo(memo, &answer)) return answer;
  }
  if (reusable) {
    MachineId answer = kNone;
    if (reuse_ranking(unit, &answer)) return answer;
  }
  s.ranked_unit = kNone;
  s.ranked.clear();
  s.per_instance = false;
  const Unit& u = c.unit(unit);
  s.ranked_limit =
      shaped ? kShapeRanked
      : reusable && u.replicas
          ? static_cast<std::size_t>(std::clamp(*u.replicas, 1, static_cast<int>(kMaxRanked)))
          : 1;
  if (s.ranked.capacity() < kMaxRanked) s.ranked.reserve(kMaxRanked);
  pipeline::with_scorer(strategy_, [&](auto scorer) {
    using Scorer = decltype(scorer);
    // Pass 1: the classes that pass the class filters and the class-invariant ones (spread)
    // and have a machine that fits, with their root's bound. The demand term depends only on
    // the allocatable capacity, which classes of one machine shape share: it is computed once
    // per shape.
    const std::size_t K = c.class_count();
    if (s.class_shape.size() != K) index_shapes();
    s.open_classes.clear();
    auto enter_class = [&](ClassId k) {
      const std::uint32_t shape = s.class_shape[k];
      s.class_term = s.shape_term[shape];
      s.class_counted = s.shape_counted[shape];
      s.class_alloc = c.allocatable(c.class_members(k).front());  // the class shares allocatable
      s.tree_class = k;
      if (s.level >= 0) {
        const detail::ClassIndex& idx = detail::class_index(c, k);
        s.tree_level = idx.level_free(static_cast<std::size_t>(s.level), 0);
        s.tree_stride = idx.stride;
      }
    };
    auto open_class = [&](ClassId k) {
      // The root's bound first: it reads only the tree and the demand, and rejects most of the
      // classes that fail (a yes or no does not depend on the order).
      if (!Filters::node_admits(s, k, 1)) return;
      if (!Filters::class_invariant_admits(s, k)) return;
      const std::uint32_t shape = s.class_shape[k];
      if (s.shape_stamp[shape] != s.stamp) {
        s.shape_stamp[shape] = s.stamp;
        s.shape_term[shape] = pipeline::demand_term(s, c.allocatable(c.class_members(k).front()),
                                                    &s.shape_counted[shape]);
      }
      enter_class(k);
      s.open_classes.push_back({k, Scorer::bound(s, k, 1), Preferences::bound(s, k)});
    };
    if (s.units.size() == 1) {
      // One unit: the classes its class filters admit are the same at every decision (they
      // read only its class verdicts), listed once per class filters id.
      const std::uint32_t f = s.classes.filter_of(s.units.front());
      if (f >= s.admitted_known.size()) {
        s.admitted_known.resize(f + 1, 0);
        s.admitted_classes.resize(f + 1);
      }
      if (!s.admitted_known[f]) {
        for (ClassId k = 0; k < K; ++k) {
          if (Filters::class_admits(s, k, 0, nullptr)) s.admitted_classes[f].push_back(k);
        }
        s.admitted_known[f] = 1;
      }
      for (ClassId k : s.admitted_classes[f]) open_class(k);
    } else {
      for (ClassId k = 0; k < K; ++k) {
        if (Filters::class_admits(s, k, 0, nullptr)) open_class(k);
      }
    }
    // Pass 2: the classes by their root's bound, best first. The first one's best machine
    // bounds the others; once a class cannot beat the worst machine of a full ranking, no
    // later class can (their bounds are no higher), so the rest are not entered at all. The
    // order changes only what is visited: the ranking (points, score, lower id) and the bounds
    // are exact, so the answer is the same.
    using OpenClass = pipeline::PlacerState::OpenClass;
    std::sort(s.open_classes.begin(), s.open_classes.end(),
              [](const OpenClass& a, const OpenClass& b) {
                if (a.points != b.points) return a.points > b.points;
                if (a.bound != b.bound) return a.bound > b.bound;
                return a.k < b.k;
              });
    for (const OpenClass& open : s.open_classes) {
      if (s.ranked.size() == s.ranked_limit) {
        const Candidate& worst = s.ranked.back();
        // Equal bounds may still win on the lower id: only a strictly lower bound stops.
        if (open.points < worst.points || (open.points == worst.points && open.bound < worst.score))
          break;
      }
      enter_class(open.k);
      search<Scorer>(open.k, 1, 0, detail::class_index(c, open.k).leaves, open.bound);
    }
  });
  if (shaped && !s.per_instance) {
    pipeline::PlacerState::ShapeMemo& m = s.shape_memos[memo];
    m.ranked.assign(s.ranked.begin(), s.ranked.end());
    m.version = c.version();
    m.valid = true;
    m.has_floor = s.ranked.size() == s.ranked_limit;
    if (m.has_floor) m.floor = s.ranked.back();
  }
  if (reusable && !s.per_instance) {
    s.ranked_unit = unit;
    s.ranked_version = c.version();
    s.ranked_has_floor = s.ranked.size() == s.ranked_limit;
    if (s.ranked_has_floor) s.ranked_floor = s.ranked.back();
  }
  return s.ranked.empty() ? kNone : s.ranked.front().machine;
}

MachineId Placer::place_group(GroupId g, Diagnosis* diag) {
  MachineId m = select(g, diag);
  if (m == kNone) return kNone;
  commit(g, m);
  return m;
}

std::vector<GroupId> Placer::batch_order(const std::vector<GroupId>& groups) const {
  const Cluster& c = cluster_;
  const std::size_t D = c.dims();
  const std::vector<std::int64_t> total = c.total_allocatable();
  // The name tie-break is the natural_key of the first member, parsed once, not per
  // comparison. Its first 16 bytes are also kept as two big-endian words: most ties between
  // 200k names are decided there by two integer comparisons instead of a call to memcmp, and
  // the sort moves small trivially copyable keys instead of strings.
  struct Key {
    std::int32_t priority;
    bool pinned;
    double share;
    std::uint64_t head0, head1;  ///< natural key bytes 0-7 and 8-15, zero-padded
    std::uint32_t at;            ///< index into groups and names
  };
  std::vector<Key> keys;
  keys.reserve(groups.size());
  std::vector<std::string> names;
  names.reserve(groups.size());
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
      if (total[d] > 0)
        share = std::max(share, static_cast<double>(demand[d]) / static_cast<double>(total[d]));
      else if (demand[d] > 0)
        share = std::max(share, 1.0);
    }
    names.push_back(natural_key(c.instance(grp.members.front()).name));
    keys.push_back({grp.priority, grp.pinned != kNone, share, detail::head_word(names.back(), 0),
                    detail::head_word(names.back(), 8), static_cast<std::uint32_t>(keys.size())});
  }
  std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
    if (a.priority != b.priority) return a.priority > b.priority;
    if (a.pinned != b.pinned) return a.pinned;
    if (a.share != b.share) return a.share > b.share;
    if (a.head0 != b.head0) return a.head0 < b.head0;
    if (a.head1 != b.head1) return a.head1 < b.head1;
    return names[a.at] < names[b.at];  // equal first 16 bytes: the whole keys decide
  });
  std::vector<GroupId> out;
  out.reserve(keys.size());
  for (const Key& k : keys) out.push_back(groups[k.at]);
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
  const std::vector<GroupId> order = batch_order(todo);
  for (std::size_t n = 0; n < order.size(); ++n) {
    const GroupId g = order[n];
    // The groups come in batch order, not id order: every decision's group, members, instance
    // and unit rows are cache misses at scale. Each hop of that chain is asked for a few
    // groups ahead, the next hop one group later, when the previous one has arrived.
    for (int stage = 3; stage >= 0; --stage)
      prefetch(order, n + 1 + static_cast<std::size_t>(stage), stage);
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
    const bool shaped = alone && !grp.unresolvable() && !c.unit_related(unit) &&
                        c.match_all_units().empty() && !u.constraints.spread &&
                        c.assignment(first) == kNone;
    std::pair<std::uint32_t, std::vector<std::int64_t>> key;
    if (shaped) {
      if (shape_version != cluster_.version()) {
        by_shape.clear();
        shape_version = cluster_.version();
      }
      key = {s_->classes.filter_of(unit),
             std::vector<std::int64_t>(c.request(first), c.request(first) + c.dims())};
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
    s_->per_instance = false;
    select(g, &diag);
    last_unit = alone && !s_->per_instance ? unit : kNone;
    last_version = cluster_.version();
    if (shaped && !s_->per_instance) by_shape.emplace(std::move(key), pending.size());
    pending.push_back(std::move(diag));
  }
  return pending;
}

void Placer::prefetch(const std::vector<GroupId>& order, std::size_t n, int stage) const {
  if (n >= order.size()) return;
  const Cluster& c = cluster_;
  const Group& grp = c.group(order[n]);
  if (stage == 3) {
    __builtin_prefetch(&grp);
    return;
  }
  if (grp.members.empty()) return;
  if (stage == 2) {
    __builtin_prefetch(grp.members.data());
    return;
  }
  const InstanceId i = grp.members.front();
  if (stage == 1) {
    __builtin_prefetch(&c.instance(i));
    return;
  }
  const UnitId u = c.instance(i).unit;
  __builtin_prefetch(c.request(i));
  __builtin_prefetch(s_->classes.filter_slot(u));
  if (u < s_->shape_memo_of.size()) __builtin_prefetch(&s_->shape_memo_of[u]);
}

bool Placer::fits(GroupId g, MachineId m) {
  cluster_.check_group(g, "Placer::fits");
  cluster_.check_machine(m, "Placer::fits");
  if (!prepare(g)) return false;
  return Filters::admits(*s_, m);
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
  const GroupId g = cluster_.instance(i).group;
  bool placed = false;
  for (InstanceId x : cluster_.group(g).members) placed = placed || cluster_.assignment(x) != kNone;
  std::optional<Cluster> owned;
  if (placed) {
    owned.emplace(cluster_);
    for (InstanceId x : owned->group(g).members) owned->unassign(x);
  }
  const Cluster& copy = placed ? *owned : cluster_;
  pipeline::ExplainQuery q{copy, g, i, m, std::vector<std::int64_t>(copy.dims(), 0), strategy_};
  for (InstanceId x : copy.group(g).members) {
    for (std::size_t d = 0; d < copy.dims(); ++d) q.demand[d] += copy.request(x)[d];
  }
  std::vector<std::string> reasons;
  Filters::explain(q, reasons);
  return reasons;
}

}  // namespace berth
