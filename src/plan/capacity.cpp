#include "berth/plan/capacity.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <set>

#include "berth/error.hpp"
#include "berth/model/instance_name.hpp"
#include "berth/pack/bounds.hpp"
#include "berth/pack/instance.hpp"
#include "berth/pack/solve.hpp"
#include "berth/place/cluster.hpp"
#include "berth/plan/bounds.hpp"

namespace berth::plan {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kNoType = static_cast<std::size_t>(-1);

/// First value of `key` in `md`, or "".
std::string value_of(const Metadata& md, const std::string& key) {
  auto it = md.find(key);
  return it == md.end() || it->second.empty() ? std::string() : it->second.front();
}


/// A co-location group of the workload, as the planner sees it.
struct GroupInfo {
  std::vector<std::string> members;
  std::vector<std::int64_t> demand;  ///< per dimension
  std::vector<char> compatible;      ///< per machine type
  bool seedable = true;    ///< no conflicts, spread or pin: the planner may choose its machine
  bool conflicts = false;  ///< some member has conflict patterns
  bool pinned = false;
  bool global = false;
  double value = 0;  ///< dual value (what the LP says its room is worth)
};

/// A machine of a candidate plan: its type and the groups the packing put there.
struct Bin {
  std::size_t type = 0;
  std::vector<std::size_t> groups;
};

struct Candidate {
  std::string how;
  std::vector<Bin> bins;
  Micros cost = 0;
};

/// New machines (name, type) and a complete placement that berth::place accepted.
struct Working {
  std::vector<std::pair<std::string, std::size_t>> machines;
  std::map<std::string, std::string> placements;
  bool placed = false;
};

class Planner {
 public:
  Planner(const Spec& workload, const Catalogue& catalogue, const CapacityOptions& options)
      : workload_(workload), unit_names_(workload.units), cat_(catalogue), opt_(options), start_(Clock::now()) {}

  CapacityPlan run();

 private:
  void analyse();
  std::vector<Candidate> candidates();
  Candidate single_type(std::size_t t, const std::vector<std::size_t>& items);
  /// by_share: fill each type's machine largest-first relative to that type's capacity
  /// (instead of most valuable first), a second opinion for types of different shapes.
  Candidate greedy_mix(const std::vector<std::size_t>& items, bool by_share = false);
  void refine(Candidate& c);
  std::vector<std::size_t> pack_bins(std::size_t t, const std::vector<std::size_t>& items,
                                     std::size_t* bins);
  Micros cost_of(const Candidate& c) const;
  Micros cost_of(const Working& w) const;

  std::string next_name(std::size_t type);
  Spec spec_of(const Working& w) const;
  PlacementResult try_place(const Working& w);
  bool materialise(const Candidate& c, Working& out);
  bool repair(Working& w);
  /// Lists group g as unplaceable (`summary`: why its first member is pending) and leaves it
  /// out of the search from now on.
  void mark_unresolvable(std::size_t g, const std::string& summary);
  /// Which catalogue types and existing machines a unit may use is the pipeline's to say (its
  /// class filters: metadata, then taints), never a check of the planner's own: a probe
  /// cluster holds the workload's machines, one machine per catalogue type and the workload's
  /// units, and is asked through Cluster::class_verdict.
  void build_probe();
  /// "" when unit may run on machines of type t, else the filter's line (`zone!=a`, a taint).
  std::string type_refusal(const std::string& unit, std::size_t t) const;
  bool admits_type(const std::string& unit, std::size_t t) const { return type_refusal(unit, t).empty(); }
  bool admits_machine(const std::string& unit, const std::string& machine) const;
  std::optional<Cluster> probe_;
  std::vector<MachineId> type_exemplar_;      ///< per type: its machine in probe_
  std::map<std::string, UnitId> probe_unit_;  ///< unit name -> id in probe_
  /// The catalogue's values of each spread key are the unit's domains (kube's minDomains
  /// idea): a single-zone plan would satisfy a zone spread trivially.
  void find_spread_domains();
  /// Adds to `out` one machine (the cheapest type the unit can use there) in every domain of a
  /// spread unit that has none: with the domain present, the engine's own spread rule deals
  /// the replicas over all of them (12 over a, b, c: 4/4/4).
  void add_spread_domains(Working& out);
  /// False when some spread unit's placed instances, counted over all its catalogue domains
  /// (empty ones included), are more than max_skew apart: what improve() must not produce by
  /// removing a domain's last machine.
  bool spread_over_domains(const PlacementResult& r, const Working& w) const;
  struct SpreadDomains {
    std::string key;
    int max_skew = 1;
    std::vector<std::string> domains;
  };
  std::map<std::string, SpreadDomains> spread_domains_;  ///< unit -> its catalogue domains
  bool add_machine_for(Working& w, const std::string& pending, const std::string& avoid_zone,
                       int attempt);
  void improve(Working& w, bool with_headroom);
  bool holds(const Working& w, bool stop_early);
  void grow_for_headroom(Working& w);
  bool zone_balanced(Working& out);
  void rename(Working& w);
  void bounds(CapacityPlan& plan);
  std::map<std::string, std::string> seeds_without(const Working& w,
                                                   const std::set<std::string>& machines) const;
  bool out_of_time(double budget) const;
  void progress(std::string_view phase, std::size_t done, std::size_t total) const {
    if (opt_.progress) opt_.progress(phase, done, total);
  }

  const Spec& workload_;
  UnitNameIndex unit_names_;  ///< splits the instance names of placements (web@3 -> web)
  std::string unit_of(const std::string& instance) const { return unit_names_.unit_of(instance); }
  const Catalogue& cat_;
  const CapacityOptions& opt_;
  Clock::time_point start_;
  std::vector<std::string> dims_;
  std::vector<std::vector<std::int64_t>> eff_;  ///< per type: allocatable minus global units
  std::vector<std::string> type_zone_;
  std::vector<GroupInfo> groups_;
  std::map<std::string, std::size_t> group_of_;  ///< instance -> group
  std::vector<std::size_t> items_;               ///< groups to place on new machines
  std::map<std::string, std::string> fixed_;     ///< placements on existing machines
  std::set<std::string> global_units_;
  std::set<std::string> names_in_use_;
  std::vector<std::size_t> name_counter_;
  std::vector<std::string> unplaceable_;
  std::set<std::string> unplaceable_instances_;
  std::vector<double> prices_;
  std::vector<std::string> notes_;
  std::size_t runs_ = 0;
  std::size_t added_for_headroom_ = 0;
  std::vector<char> allowed_;         ///< per type: may the greedy mix use it now
  std::vector<std::int64_t> in_use_;  ///< per type: machines the current plan already has
};

bool Planner::out_of_time(double budget) const {
  if (opt_.max_iterations > 0) return false;  // deterministic mode never reads the clock
  return std::chrono::duration<double>(Clock::now() - start_).count() > budget;
}

void Planner::build_probe() {
  Spec probe;
  probe.units = workload_.units;
  for (Unit& u : probe.units) {
    // Only the class filters are asked: co-location and pins would only make the build refuse.
    u.constraints.machine_of.clear();
    u.constraints.machine_id.clear();
  }
  probe.machines = workload_.machines;
  std::set<std::string> taken;
  for (const Machine& m : probe.machines) taken.insert(m.name);
  std::vector<std::string> exemplars;
  for (std::size_t t = 0; t < cat_.types.size(); ++t) {
    std::string name = fmt::format("{}#type{}", cat_.types[t].name, t);
    while (!taken.insert(name).second) name += "#";
    probe.machines.push_back(cat_.types[t].make_machine(name));
    exemplars.push_back(std::move(name));
  }
  probe_.emplace(Cluster::build(probe, BuildOptions{/*strict=*/false}));
  type_exemplar_.clear();
  for (const std::string& name : exemplars) type_exemplar_.push_back(probe_->find_machine(name));
  for (UnitId u = 0; u < probe_->unit_count(); ++u) probe_unit_[probe_->unit(u).name] = u;
}

std::string Planner::type_refusal(const std::string& unit, std::size_t t) const {
  const UnitId u = probe_unit_.at(unit);
  const ClassId k = probe_->machine_class(type_exemplar_[t]);
  const ClassVerdict v = probe_->class_verdict(u, k);
  return v.ok() ? std::string() : probe_->describe_failure(u, k, v);
}

bool Planner::admits_machine(const std::string& unit, const std::string& machine) const {
  const MachineId m = probe_->find_machine(machine);
  return m != kNone && probe_->class_verdict(probe_unit_.at(unit), probe_->machine_class(m)).ok();
}

void Planner::analyse() {
  build_probe();
  for (const Unit& u : workload_.units) {
    if (u.constraints.global) global_units_.insert(u.name);
  }
  for (const Machine& m : workload_.machines) names_in_use_.insert(m.name);
  name_counter_.assign(cat_.types.size(), 0);

  // What the existing cluster takes stays where the engine puts it.
  PlacementResult r0 = place(workload_, PlaceOptions{opt_.strategy});
  ++runs_;
  fixed_ = r0.placements;
  Spec s0 = workload_;
  s0.placements = fixed_;
  Cluster c0 = Cluster::build(s0);
  dims_ = c0.dimension_names();
  const std::size_t D = dims_.size();
  const std::size_t T = cat_.types.size();

  eff_.assign(T, std::vector<std::int64_t>(D, 0));
  type_zone_.assign(T, "");
  for (std::size_t t = 0; t < T; ++t) {
    const MachineType& type = cat_.types[t];
    Resources alloc = type.allocatable();
    for (const Unit& u : workload_.units) {
      if (u.constraints.global && admits_type(u.name, t)) alloc -= u.requests;
    }
    for (std::size_t d = 0; d < D; ++d) eff_[t][d] = alloc.get(dims_[d]);
    type_zone_[t] = value_of(type.metadata, opt_.headroom.zone_key);
  }

  std::map<std::string, std::string> pending_summary;
  for (const PendingUnit& p : r0.pending) pending_summary[p.unit] = p.summary();

  groups_.resize(c0.group_count());
  for (GroupId g = 0; g < c0.group_count(); ++g) {
    GroupInfo& gi = groups_[g];
    gi.demand.assign(D, 0);
    gi.compatible.assign(T, 1);
    bool pending = false;
    for (InstanceId i : c0.group(g).members) {
      const Instance& inst = c0.instance(i);
      const Unit& u = c0.unit(inst.unit);
      gi.members.push_back(inst.name);
      group_of_[inst.name] = g;
      for (std::size_t d = 0; d < D; ++d) gi.demand[d] += c0.request(i)[d];
      if (!u.constraints.conflicts.empty()) gi.conflicts = true;
      if (!u.constraints.conflicts.empty() || u.constraints.spread) gi.seedable = false;
      if (inst.pinned != kNone) gi.pinned = true;
      if (inst.global) gi.global = true;
      for (std::size_t t = 0; t < T; ++t) {
        if (!admits_type(u.name, t)) gi.compatible[t] = 0;
      }
      if (c0.assignment(i) == kNone) pending = true;
    }
    for (std::size_t t = 0; t < T; ++t) {
      for (std::size_t d = 0; d < D; ++d) {
        if (gi.demand[d] > eff_[t][d]) gi.compatible[t] = 0;
      }
    }
    if (gi.pinned || gi.global) gi.seedable = false;
    if (!pending) continue;
    const std::string& first = gi.members.front();
    auto summary = pending_summary.count(first) ? pending_summary[first] : first;
    if (gi.pinned) {
      unplaceable_.push_back(fmt::format(
          "{} (pinned with machine_id: new machines cannot take it): {}", first, summary));
      for (const auto& m : gi.members) unplaceable_instances_.insert(m);
      continue;
    }
    if (gi.global) continue;  // global instances only exist on machines; they follow them
    if (std::none_of(gi.compatible.begin(), gi.compatible.end(), [](char c) { return c != 0; })) {
      // Say which it is: metadata nobody offers, or too large for every type.
      std::vector<std::string> why;
      for (std::size_t t = 0; t < T; ++t) {
        const MachineType& type = cat_.types[t];
        std::string reason;
        for (InstanceId i : c0.group(g).members) {
          if (reason.empty()) reason = type_refusal(c0.unit(c0.instance(i).unit).name, t);
        }
        if (reason.empty()) {
          for (std::size_t d = 0; d < D; ++d) {
            if (gi.demand[d] > eff_[t][d]) {
              reason = fmt::format("{} needs {}, has {}", dims_[d],
                                   format_amount(dims_[d], gi.demand[d]),
                                   format_amount(dims_[d], std::max<std::int64_t>(0, eff_[t][d])));
              break;
            }
          }
        }
        why.push_back(fmt::format("{}: {}", type.name, reason));
      }
      unplaceable_.push_back(
          fmt::format("{}: no machine type can take it ({})", first, fmt::join(why, "; ")));
      for (const auto& m : gi.members) unplaceable_instances_.insert(m);
      continue;
    }
    items_.push_back(g);
  }
  find_spread_domains();

  // Dual prices of the items' demand: how much each dimension's room is worth.
  std::vector<std::int64_t> demand(D, 0);
  for (std::size_t g : items_) {
    for (std::size_t d = 0; d < D; ++d) demand[d] += groups_[g].demand[d];
  }
  std::vector<Micros> costs;
  for (const auto& t : cat_.types) costs.push_back(t.cost);
  LpBound lp = lp_lower_bound(demand, eff_, costs);
  prices_ = lp.prices;
  std::vector<double> biggest(D, 1.0);
  for (std::size_t d = 0; d < D; ++d) {
    for (std::size_t t = 0; t < T; ++t)
      biggest[d] = std::max(biggest[d], static_cast<double>(eff_[t][d]));
  }
  for (std::size_t g : items_) {
    double v = 0, share = 0;
    for (std::size_t d = 0; d < D; ++d) {
      v += prices_[d] * static_cast<double>(groups_[g].demand[d]);
      share += static_cast<double>(groups_[g].demand[d]) / biggest[d];
    }
    // The share term breaks ties (and carries the order when every price is zero).
    groups_[g].value = v + share * 1e-3;
  }
}

void Planner::find_spread_domains() {
  for (const Unit& unit : workload_.units) {
    if (!unit.constraints.spread) continue;
    const std::string& key = unit.constraints.spread->key;
    std::set<std::string> domains;
    for (std::size_t t = 0; t < cat_.types.size(); ++t) {
      const std::string v = value_of(cat_.types[t].metadata, key);
      if (!v.empty() && admits_type(unit.name, t)) domains.insert(v);
    }
    for (const Machine& m : workload_.machines) {
      const std::string v = value_of(m.metadata, key);
      if (!v.empty() && m.state == MachineState::Up && admits_machine(unit.name, m.name))
        domains.insert(v);
    }
    if (domains.size() < 2) continue;
    spread_domains_[unit.name] = SpreadDomains{key, unit.constraints.spread->max_skew,
                                               std::vector<std::string>(domains.begin(), domains.end())};
  }
}

void Planner::add_spread_domains(Working& out) {
  for (const auto& [unit_name, sd] : spread_domains_) {
    const Unit* unit = nullptr;
    for (const Unit& u : workload_.units) {
      if (u.name == unit_name) unit = &u;
    }
    if (!unit) continue;
    std::set<std::string> present;
    for (const Machine& m : workload_.machines) {
      if (m.state == MachineState::Up && admits_machine(unit_name, m.name))
        present.insert(value_of(m.metadata, sd.key));
    }
    std::map<std::size_t, std::int64_t> count;
    for (const auto& [name, t] : out.machines) {
      ++count[t];
      if (admits_type(unit_name, t)) present.insert(value_of(cat_.types[t].metadata, sd.key));
    }
    for (const std::string& d : sd.domains) {
      if (present.count(d)) continue;
      std::size_t best = kNoType;
      for (std::size_t t = 0; t < cat_.types.size(); ++t) {
        const MachineType& type = cat_.types[t];
        if (value_of(type.metadata, sd.key) != d || !admits_type(unit_name, t)) continue;
        if (type.max_count && count[t] >= *type.max_count) continue;
        bool fits = true;
        for (std::size_t k = 0; k < dims_.size(); ++k) fits = fits && unit->requests.get(dims_[k]) <= eff_[t][k];
        if (!fits) continue;
        if (best == kNoType || type.cost < cat_.types[best].cost) best = t;
      }
      if (best == kNoType) continue;
      out.machines.emplace_back(next_name(best), best);
      ++count[best];
      present.insert(d);
    }
  }
}

bool Planner::spread_over_domains(const PlacementResult& r, const Working& w) const {
  if (spread_domains_.empty()) return true;
  std::map<std::string, std::size_t> type_of;
  for (const auto& [name, t] : w.machines) type_of[name] = t;
  std::map<std::string, const Machine*> existing;
  for (const Machine& m : workload_.machines) existing[m.name] = &m;
  for (const auto& [unit, sd] : spread_domains_) {
    std::map<std::string, std::int64_t> count;
    for (const auto& d : sd.domains) count[d] = 0;
    for (const auto& [inst, machine] : r.placements) {
      if (unit_of(inst) != unit) continue;
      std::string v;
      if (auto t = type_of.find(machine); t != type_of.end()) {
        v = value_of(cat_.types[t->second].metadata, sd.key);
      } else if (auto m = existing.find(machine); m != existing.end()) {
        v = value_of(m->second->metadata, sd.key);
      }
      if (auto it = count.find(v); it != count.end()) ++it->second;
    }
    std::int64_t lo = std::numeric_limits<std::int64_t>::max(), hi = 0;
    for (const auto& [d, n] : count) {
      lo = std::min(lo, n);
      hi = std::max(hi, n);
    }
    if (hi - lo > sd.max_skew) return false;
  }
  return true;
}

std::vector<std::size_t> Planner::pack_bins(std::size_t t, const std::vector<std::size_t>& items,
                                            std::size_t* bins) {
  const std::size_t D = dims_.size();
  std::vector<std::size_t> used_dims;
  for (std::size_t d = 0; d < D; ++d) {
    bool any = false;
    for (std::size_t g : items) any = any || groups_[g].demand[d] != 0;
    if (any) used_dims.push_back(d);
  }
  std::vector<std::size_t> bin_of(items.size(), 0);
  if (used_dims.empty()) {
    *bins = items.empty() ? 0 : 1;
    return bin_of;
  }
  pack::Instance inst;
  inst.name = cat_.types[t].name;
  inst.dims = used_dims.size();
  for (std::size_t d : used_dims) inst.capacity.push_back(eff_[t][d]);
  std::vector<pack::Size> size(used_dims.size());
  for (std::size_t g : items) {
    for (std::size_t k = 0; k < used_dims.size(); ++k) size[k] = groups_[g].demand[used_dims[k]];
    inst.add_item(size);
  }
  pack::SolveOptions so;
  so.max_iterations = opt_.max_iterations;
  so.time_limit = opt_.max_iterations > 0 ? 3600.0 : std::max(0.05, opt_.time_limit / 4);
  so.seed = opt_.seed;
  pack::SolveResult r = pack::solve(inst, pack::kDefaultStrategy, so);
  *bins = r.solution.bins;
  for (std::size_t i = 0; i < items.size(); ++i) bin_of[i] = r.solution.bin_of[i];
  return bin_of;
}

Candidate Planner::single_type(std::size_t t, const std::vector<std::size_t>& items) {
  Candidate c;
  c.how = fmt::format("one type ({}) packed by the packing engine", cat_.types[t].name);
  std::size_t bins = 0;
  std::vector<std::size_t> bin_of = pack_bins(t, items, &bins);
  c.bins.assign(bins, Bin{t, {}});
  for (std::size_t i = 0; i < items.size(); ++i) c.bins[bin_of[i]].groups.push_back(items[i]);
  c.cost = cost_of(c);
  return c;
}

Candidate Planner::greedy_mix(const std::vector<std::size_t>& items, bool by_share) {
  // Cost-effective bins: fill one machine of every type from the most valuable items, keep the
  // one whose items are worth most per unit of cost, repeat (greedy weighted set cover).
  const std::size_t D = dims_.size();
  const std::size_t T = cat_.types.size();
  Candidate c;
  c.how = "mixed types, cost-effective machines first";
  std::vector<std::size_t> order = items;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return groups_[a].value > groups_[b].value;
  });
  std::vector<std::vector<std::size_t>> type_order(T, order);
  if (by_share) {
    c.how = "mixed types, machines filled largest-first";
    for (std::size_t t = 0; t < T; ++t) {
      auto share = [&](std::size_t g) {
        double m = 0;
        for (std::size_t d = 0; d < D; ++d) {
          if (eff_[t][d] > 0)
            m = std::max(m, static_cast<double>(groups_[g].demand[d]) / static_cast<double>(eff_[t][d]));
        }
        return m;
      };
      std::stable_sort(type_order[t].begin(), type_order[t].end(),
                       [&](std::size_t a, std::size_t b) { return share(a) > share(b); });
    }
  }
  std::vector<char> done(groups_.size(), 0);
  std::size_t left = order.size();
  std::vector<std::int64_t> remaining(T);
  for (std::size_t t = 0; t < T; ++t) {
    remaining[t] = cat_.types[t].max_count.value_or(std::numeric_limits<std::int64_t>::max());
    if (t < in_use_.size()) remaining[t] -= in_use_[t];
    if (t < allowed_.size() && !allowed_[t]) remaining[t] = 0;
  }
  std::vector<std::int64_t> used(D);
  while (left > 0) {
    double best_ratio = -1;
    double best_value = -1;
    std::vector<std::size_t> best_bin;
    std::size_t best_type = kNoType;
    for (std::size_t t = 0; t < T; ++t) {
      if (remaining[t] <= 0) continue;
      std::fill(used.begin(), used.end(), 0);
      std::vector<std::size_t> bin;
      double value = 0;
      for (std::size_t g : type_order[t]) {
        if (done[g] || !groups_[g].compatible[t]) continue;
        bool fits = true;
        for (std::size_t d = 0; d < D && fits; ++d)
          fits = used[d] + groups_[g].demand[d] <= eff_[t][d];
        if (!fits) continue;
        if (groups_[g].conflicts || !groups_[g].seedable) {
          // Keep conflicting units apart already here, so the engine finds the room it needs.
          bool clash = false;
          for (std::size_t h : bin) {
            if (unit_of(groups_[h].members.front()) == unit_of(groups_[g].members.front()) &&
                groups_[g].conflicts)
              clash = true;
          }
          if (clash) continue;
        }
        for (std::size_t d = 0; d < D; ++d) used[d] += groups_[g].demand[d];
        bin.push_back(g);
        value += groups_[g].value;
      }
      if (bin.empty()) continue;
      const Micros cost = cat_.types[t].cost;
      const double ratio =
          cost == 0 ? std::numeric_limits<double>::infinity() : value / static_cast<double>(cost);
      if (ratio > best_ratio || (ratio == best_ratio && value > best_value)) {
        best_ratio = ratio;
        best_value = value;
        best_bin = std::move(bin);
        best_type = t;
      }
    }
    if (best_type == kNoType) break;  // max_count exhausted: the rest stays for repair to report
    --remaining[best_type];
    for (std::size_t g : best_bin) done[g] = 1;
    left -= best_bin.size();
    c.bins.push_back(Bin{best_type, std::move(best_bin)});
  }
  c.cost = cost_of(c);
  return c;
}

void Planner::refine(Candidate& c) {
  // Re-pack the machines of each type with the packing engine's search: the greedy fills
  // machines one at a time and leaves slack a real packing removes.
  std::map<std::size_t, std::vector<std::size_t>> by_type;
  for (std::size_t b = 0; b < c.bins.size(); ++b) by_type[c.bins[b].type].push_back(b);
  std::vector<Bin> out;
  bool changed = false;
  for (auto& [t, bins] : by_type) {
    std::vector<std::size_t> items;
    bool any_conflict = false;
    for (std::size_t b : bins) {
      for (std::size_t g : c.bins[b].groups) {
        items.push_back(g);
        any_conflict = any_conflict || groups_[g].conflicts;
      }
    }
    std::size_t packed = 0;
    std::vector<std::size_t> bin_of;
    if (bins.size() >= 2 && !any_conflict) bin_of = pack_bins(t, items, &packed);
    if (!bin_of.empty() && packed < bins.size()) {
      std::vector<Bin> nb(packed, Bin{t, {}});
      for (std::size_t i = 0; i < items.size(); ++i) nb[bin_of[i]].groups.push_back(items[i]);
      out.insert(out.end(), nb.begin(), nb.end());
      changed = true;
    } else {
      for (std::size_t b : bins) out.push_back(c.bins[b]);
    }
  }
  if (changed) {
    c.bins = std::move(out);
    c.how += ", each type re-packed by the packing engine";
    c.cost = cost_of(c);
  }
}

Micros Planner::cost_of(const Candidate& c) const {
  Micros sum = 0;
  for (const Bin& b : c.bins) sum += cat_.types[b.type].cost;
  return sum;
}

Micros Planner::cost_of(const Working& w) const {
  Micros sum = 0;
  for (const auto& [name, t] : w.machines) sum += cat_.types[t].cost;
  return sum;
}

std::vector<Candidate> Planner::candidates() {
  std::vector<Candidate> out;
  if (items_.empty()) return out;
  const std::size_t T = cat_.types.size();
  std::size_t step = 0;
  for (std::size_t t = 0; t < T; ++t) {
    progress("packing", ++step, T + 1);
    bool all = std::all_of(items_.begin(), items_.end(),
                           [&](std::size_t g) { return groups_[g].compatible[t] != 0; });
    if (!all) continue;
    Candidate c = single_type(t, items_);
    if (cat_.types[t].max_count &&
        static_cast<std::int64_t>(c.bins.size()) > *cat_.types[t].max_count)
      continue;
    out.push_back(std::move(c));
  }
  if (T > 1 || out.empty()) {
    for (bool by_share : {false, true}) {
      Candidate mix = greedy_mix(items_, by_share);
      refine(mix);
      out.push_back(std::move(mix));
    }
  }
  progress("packing", T + 1, T + 1);
  std::stable_sort(out.begin(), out.end(),
                   [](const Candidate& a, const Candidate& b) { return a.cost < b.cost; });
  return out;
}

std::string Planner::next_name(std::size_t type) {
  while (true) {
    std::string name = fmt::format("{}-{}", cat_.types[type].name, ++name_counter_[type]);
    if (names_in_use_.insert(name).second) return name;
  }
}

Spec Planner::spec_of(const Working& w) const {
  Spec s = workload_;
  for (const auto& [name, t] : w.machines) s.machines.push_back(cat_.types[t].make_machine(name));
  s.placements = w.placements;
  return s;
}

PlacementResult Planner::try_place(const Working& w) {
  ++runs_;
  return place(spec_of(w), PlaceOptions{opt_.strategy});
}

std::map<std::string, std::string> Planner::seeds_without(
    const Working& w, const std::set<std::string>& machines) const {
  std::map<std::string, std::string> out;
  for (const auto& [inst, m] : w.placements) {
    if (machines.count(m)) continue;
    out.emplace(inst, m);
  }
  return out;
}

bool Planner::materialise(const Candidate& c, Working& out) {
  out = Working{};
  out.placements = fixed_;
  for (const Bin& b : c.bins) {
    std::string name = next_name(b.type);
    out.machines.emplace_back(name, b.type);
    for (std::size_t g : b.groups) {
      if (!groups_[g].seedable) continue;  // conflicts and spread are the engine's to decide
      for (const auto& m : groups_[g].members) out.placements[m] = name;
    }
  }
  add_spread_domains(out);
  return repair(out);
}

bool Planner::add_machine_for(Working& w, const std::string& pending, const std::string& avoid_zone,
                              int attempt) {
  const std::size_t T = cat_.types.size();
  std::map<std::size_t, std::int64_t> count;
  for (const auto& [name, t] : w.machines) ++count[t];
  std::vector<std::size_t> options;
  auto it = group_of_.find(pending);
  for (std::size_t t = 0; t < T; ++t) {
    if (cat_.types[t].max_count && count[t] >= *cat_.types[t].max_count) continue;
    if (!avoid_zone.empty() && type_zone_[t] == avoid_zone) continue;
    if (it != group_of_.end() && !groups_[it->second].compatible[t]) continue;
    options.push_back(t);
  }
  if (options.empty()) return false;
  // Cheapest first; among equals the larger machine (it helps more).
  std::stable_sort(options.begin(), options.end(), [&](std::size_t a, std::size_t b) {
    if (cat_.types[a].cost != cat_.types[b].cost) return cat_.types[a].cost < cat_.types[b].cost;
    std::int64_t sa = 0, sb = 0;
    for (std::size_t d = 0; d < dims_.size(); ++d) {
      sa += eff_[a][d] > 0 ? 1 : 0;
      sb += eff_[b][d] > 0 ? 1 : 0;
    }
    return sa > sb;
  });
  // Repeated failures for the same unit rotate through the types: a spread or zone constraint
  // may need a type that is not the cheapest.
  std::size_t t = options[static_cast<std::size_t>(attempt) % options.size()];
  w.machines.emplace_back(next_name(t), t);
  return true;
}

bool Planner::repair(Working& w) {
  std::map<std::string, int> attempts;
  // Machines added for a pending instance that then hosted nothing: a machine that takes
  // nothing the others could not is never kept. Once every type that could take the instance
  // has been tried that way, no number of machines hosts it (it contradicts itself, e.g. a
  // co-located group that can never meet its own spread): it is unresolvable, listed once and
  // left out of the search, instead of buying machines until the limits run out.
  std::map<std::string, std::size_t> useless;
  std::string added, added_for;
  const std::size_t limit = items_.size() * 2 + 64;
  for (std::size_t round = 0; round <= limit; ++round) {
    PlacementResult r = try_place(w);
    if (!added.empty()) {
      const bool hosts = std::any_of(r.placements.begin(), r.placements.end(), [&](const auto& kv) {
        return kv.second == added && !global_units_.count(unit_of(kv.first));
      });
      if (!hosts) {
        std::erase_if(w.machines, [&](const auto& m) { return m.first == added; });
        std::erase_if(r.placements, [&](const auto& kv) { return kv.second == added; });
        ++useless[added_for];
      }
      added.clear();
    }
    std::string target;
    const PendingUnit* why = nullptr;
    for (const PendingUnit& p : r.pending) {
      if (!unplaceable_instances_.count(p.unit)) {
        target = p.unit;
        why = &p;
        break;
      }
    }
    w.placements = r.placements;
    if (target.empty()) {
      w.placed = true;
      return true;
    }
    auto g = group_of_.find(target);
    if (g != group_of_.end()) {
      const auto& compatible = groups_[g->second].compatible;
      const auto types = static_cast<std::size_t>(std::count(compatible.begin(), compatible.end(), 1));
      if (useless[target] >= std::max<std::size_t>(1, types)) {
        mark_unresolvable(g->second, why->summary());
        continue;
      }
    }
    if (!add_machine_for(w, target, "", attempts[target]++)) break;
    added = w.machines.back().first;
    added_for = target;
  }
  w.placed = false;
  return false;
}

void Planner::mark_unresolvable(std::size_t g, const std::string& summary) {
  const GroupInfo& gi = groups_[g];
  unplaceable_.push_back(fmt::format("{}: no number of new machines can host it: a new machine of every type that "
                                     "could take it stayed empty ({})",
                                     gi.members.front(), summary));
  for (const auto& m : gi.members) unplaceable_instances_.insert(m);
  items_.erase(std::remove(items_.begin(), items_.end(), g), items_.end());
}

bool Planner::holds(const Working& w, bool stop_early) {
  if (opt_.headroom.kind == Headroom::Kind::None) return true;
  Spec s = spec_of(w);
  CapacityOptions o = opt_;
  o.progress = nullptr;
  // Stopping at the first failure is what makes trying a removal affordable.
  o.max_scenarios =
      stop_early ? std::min<std::size_t>(opt_.max_scenarios, 2000) : opt_.max_scenarios;
  std::size_t runs = 0;
  HeadroomReport h = check_headroom(s, opt_.headroom, o, &runs, stop_early);
  runs_ += runs;
  return h.holds;
}

void Planner::grow_for_headroom(Working& w) {
  std::map<std::string, int> attempts;
  std::set<std::string> mixed_for;  // scenarios already given a packed set of machines
  const std::size_t limit = 4 * (w.machines.size() + workload_.machines.size()) + 64;
  for (std::size_t round = 0; round < limit; ++round) {
    Spec s = spec_of(w);
    std::size_t runs = 0;
    CapacityOptions o = opt_;
    o.progress = nullptr;
    HeadroomReport h = check_headroom(s, opt_.headroom, o, &runs);
    runs_ += runs;
    progress("headroom", round + 1, 0);
    if (h.holds) return;
    const LossScenario& f = h.failures.front();
    std::string target;
    for (const auto& p : f.pending) {
      std::string inst = p.substr(0, p.find(':'));
      if (!unplaceable_instances_.count(inst)) {
        target = inst;
        break;
      }
    }
    if (target.empty()) return;
    // Pack what the loss displaced onto new machines outside the lost zone, with the same
    // cost-effective mix as the plan itself; one machine at a time if that finds nothing.
    std::set<std::size_t> displaced;
    for (const auto& p : f.pending) {
      auto it = group_of_.find(p.substr(0, p.find(':')));
      if (it != group_of_.end() && !unplaceable_instances_.count(it->first))
        displaced.insert(it->second);
    }
    allowed_.assign(cat_.types.size(), 1);
    in_use_.assign(cat_.types.size(), 0);
    for (const auto& m : w.machines) ++in_use_[m.second];
    for (std::size_t t = 0; t < cat_.types.size(); ++t) {
      if (!f.zone.empty() && type_zone_[t] == f.zone) allowed_[t] = 0;
    }
    Candidate mix = greedy_mix(std::vector<std::size_t>(displaced.begin(), displaced.end()));
    refine(mix);
    allowed_.clear();
    in_use_.clear();
    const std::string scenario = fmt::format("{}|{}", fmt::join(f.lost, ","), f.zone);
    if (!mix.bins.empty() && mixed_for.insert(scenario).second) {
      for (const Bin& b : mix.bins) w.machines.emplace_back(next_name(b.type), b.type);
      added_for_headroom_ += mix.bins.size();
      continue;
    }
    std::string key = target + "|" + f.zone;
    if (!add_machine_for(w, target, f.zone, attempts[key]++)) {
      notes_.push_back(
          fmt::format("headroom cannot be met: no machine type left for {} when losing {}", target,
                      f.zone.empty() ? fmt::format("{}", fmt::join(f.lost, ", "))
                                     : fmt::format("zone {}", f.zone)));
      return;
    }
    ++added_for_headroom_;
  }
}

void Planner::improve(Working& w, bool with_headroom) {
  // Remove machines (dearest and emptiest first) or swap them for a cheaper type while the
  // engine still places everything, and the headroom still holds when asked for.
  const std::size_t budget = with_headroom
                                 ? std::max<std::size_t>(opt_.max_improvement_moves / 4, 1)
                                 : opt_.max_improvement_moves;
  const double time_budget = opt_.time_limit * (with_headroom ? 3.0 : 2.0);
  std::size_t moves = 0;
  bool improved = true;
  std::set<std::string> failed;  // moves that failed since the last success
  while (improved && moves < budget && !out_of_time(time_budget)) {
    improved = false;
    std::map<std::string, std::size_t> load;
    for (const auto& [inst, m] : w.placements) ++load[m];
    std::vector<std::size_t> order(w.machines.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const Micros ca = cat_.types[w.machines[a].second].cost,
                   cb = cat_.types[w.machines[b].second].cost;
      if (ca != cb) return ca > cb;
      return load[w.machines[a].first] < load[w.machines[b].first];
    });
    for (std::size_t idx : order) {
      if (moves >= budget || out_of_time(time_budget)) break;
      const auto [name, type] = w.machines[idx];
      // 1. drop the machine
      std::vector<std::size_t> replacements{kNoType};
      for (std::size_t t = 0; t < cat_.types.size(); ++t) {
        if (cat_.types[t].cost < cat_.types[type].cost) replacements.push_back(t);
      }
      std::stable_sort(
          replacements.begin() + 1, replacements.end(),
          [&](std::size_t a, std::size_t b) { return cat_.types[a].cost < cat_.types[b].cost; });
      for (std::size_t rt : replacements) {
        std::string key =
            fmt::format("{}>{}", name, rt == kNoType ? std::string("-") : cat_.types[rt].name);
        if (failed.count(key)) continue;
        if (moves >= budget) break;
        Working trial;
        trial.machines = w.machines;
        trial.machines.erase(trial.machines.begin() + static_cast<std::ptrdiff_t>(idx));
        if (rt != kNoType) {
          std::map<std::size_t, std::int64_t> count;
          for (const auto& m : trial.machines) ++count[m.second];
          if (cat_.types[rt].max_count && count[rt] >= *cat_.types[rt].max_count) continue;
          trial.machines.emplace_back(
              fmt::format("{}-{}", cat_.types[rt].name, name_counter_[rt] + 1), rt);
          if (names_in_use_.count(trial.machines.back().first)) {
            trial.machines.back().first = next_name(rt);
          }
        }
        trial.placements = seeds_without(w, {name});
        ++moves;
        progress(with_headroom ? "improving (headroom)" : "improving", moves, budget);
        PlacementResult r = try_place(trial);
        bool ok = std::all_of(r.pending.begin(), r.pending.end(), [&](const PendingUnit& p) {
          return unplaceable_instances_.count(p.unit) > 0;
        });
        trial.placements = r.placements;
        // Removing a zone's last machine would shrink a spread unit's domains: not a saving.
        if (ok) ok = spread_over_domains(r, trial);
        if (ok && with_headroom) ok = holds(trial, true);
        if (!ok) {
          failed.insert(key);
          continue;
        }
        if (rt != kNoType) {
          names_in_use_.insert(trial.machines.back().first);
          ++name_counter_[rt];
        }
        names_in_use_.erase(name);
        w = std::move(trial);
        w.placed = true;
        improved = true;
        failed.clear();
        break;
      }
      if (improved) break;
    }
  }
}

void Planner::rename(Working& w) {
  // Dense names per type (m5.large-1..n) so that the plan reads well; machine names enter
  // the names of global instances, so those are placed again rather than carried over.
  std::map<std::string, std::string> renamed;
  std::vector<std::pair<std::string, std::size_t>> machines = w.machines;
  std::stable_sort(machines.begin(), machines.end(), [](const auto& a, const auto& b) {
    if (a.second != b.second) return a.second < b.second;
    return natural_less(a.first, b.first);
  });
  std::set<std::string> taken;
  for (const Machine& m : workload_.machines) taken.insert(m.name);
  std::vector<std::size_t> counter(cat_.types.size(), 0);
  Working out;
  for (const auto& [name, t] : machines) {
    std::string fresh;
    do fresh = fmt::format("{}-{}", cat_.types[t].name, ++counter[t]);
    while (!taken.insert(fresh).second);
    renamed[name] = fresh;
    out.machines.emplace_back(fresh, t);
  }
  for (const auto& [inst, m] : w.placements) {
    if (auto n = unit_names_.parse(inst); n && n->kind == InstanceName::Kind::Global) continue;
    auto it = renamed.find(m);
    out.placements[inst] = it == renamed.end() ? m : it->second;
  }
  PlacementResult r = try_place(out);
  if (r.pending.size() > w.placements.size())
    return;  // cannot happen; keep the old names if it does
  bool ok = std::all_of(r.pending.begin(), r.pending.end(), [&](const PendingUnit& p) {
    return unplaceable_instances_.count(p.unit) > 0;
  });
  if (!ok && w.placed) return;
  out.placements = r.placements;
  out.placed = w.placed;
  w = std::move(out);
}

bool Planner::zone_balanced(Working& out) {
  std::vector<std::string> zones;
  for (const std::string& z : type_zone_) {
    if (!z.empty() && std::find(zones.begin(), zones.end(), z) == zones.end()) zones.push_back(z);
  }
  std::sort(zones.begin(), zones.end());
  const std::size_t Z = zones.size();
  if (Z < 2 || items_.empty()) return false;
  // Deal the items to the zones like cards (most valuable first, snake order) so each zone
  // gets a similar share; then each zone's share is dealt again over the other zones: the
  // slice a zone would take over if that zone failed.
  std::vector<std::size_t> order = items_;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return groups_[a].value > groups_[b].value;
  });
  auto snake = [](std::size_t i, std::size_t n) {
    const std::size_t round = i / n, pos = i % n;
    return round % 2 == 0 ? pos : n - 1 - pos;
  };
  std::vector<std::vector<std::size_t>> part(Z), load(Z);
  for (std::size_t i = 0; i < order.size(); ++i) part[snake(i, Z)].push_back(order[i]);
  for (std::size_t z = 0; z < Z; ++z) {
    for (std::size_t g : part[z]) load[z].push_back(g);
    for (std::size_t i = 0; i < part[z].size(); ++i) {
      std::size_t k = snake(i, Z - 1);
      std::size_t target = k >= z ? k + 1 : k;
      load[target].push_back(part[z][i]);
    }
  }
  out = Working{};
  out.placements = fixed_;
  std::set<std::size_t> own;
  for (std::size_t z = 0; z < Z; ++z) {
    allowed_.assign(cat_.types.size(), 0);
    in_use_.assign(cat_.types.size(), 0);
    for (const auto& m : out.machines) ++in_use_[m.second];
    for (std::size_t t = 0; t < cat_.types.size(); ++t)
      allowed_[t] = type_zone_[t] == zones[z] ? 1 : 0;
    Candidate mix = greedy_mix(load[z]);
    refine(mix);
    own.clear();
    own.insert(part[z].begin(), part[z].end());
    for (const Bin& b : mix.bins) {
      std::string name = next_name(b.type);
      out.machines.emplace_back(name, b.type);
      for (std::size_t g : b.groups) {
        if (!own.count(g) || !groups_[g].seedable) continue;
        for (const auto& m : groups_[g].members) out.placements[m] = name;
      }
    }
  }
  allowed_.clear();
  in_use_.clear();
  return repair(out);
}

CapacityPlan Planner::run() {
  CapacityPlan plan;
  analyse();

  Working best;
  best.placements = fixed_;
  best.placed = true;
  std::vector<Candidate> cands = candidates();
  if (!cands.empty()) {
    Micros best_cost = std::numeric_limits<Micros>::max();
    bool have = false;
    std::size_t tried = 0;
    for (const Candidate& c : cands) {
      if (tried == 3) break;
      if (have && c.cost >= best_cost) break;  // repairs only add machines
      ++tried;
      progress("verifying", tried, std::min<std::size_t>(3, cands.size()));
      Working w;
      bool ok = materialise(c, w);
      Micros cost = cost_of(w);
      notes_.push_back(fmt::format(
          "candidate: {}: {} machines, cost {}{}", c.how, c.bins.size(), format_cost(c.cost),
          ok ? (cost == c.cost
                    ? ", placed as packed"
                    : fmt::format(", placed after adding machines (cost {})", format_cost(cost)))
             : ", could not be placed"));
      if ((ok && !have) || (ok == best.placed && cost < best_cost) ||
          (!have && !ok && best.machines.empty())) {
        if (ok || !have) {
          best = std::move(w);
          best_cost = cost;
          have = have || ok;
        }
      }
    }
    const Micros before = cost_of(best);
    if (best.placed) improve(best, false);
    if (cost_of(best) < before) {
      notes_.push_back(
          fmt::format("improvement: removing or replacing machines while everything still places: "
                      "cost {} -> {}",
                      format_cost(before), format_cost(cost_of(best))));
    }
  }

  if (opt_.headroom.kind != Headroom::Kind::None && best.placed) {
    // Route 1: grow the cheapest plan until every loss re-places.
    Working grown_plan = best;
    const Micros before = cost_of(grown_plan);
    added_for_headroom_ = 0;
    grow_for_headroom(grown_plan);
    std::size_t added = added_for_headroom_;
    const Micros grown = cost_of(grown_plan);
    if (grown > before)
      notes_.push_back(fmt::format("headroom ({}): grown from cost {} to {}",
                                   opt_.headroom.describe(), format_cost(before),
                                   format_cost(grown)));
    bool ok = holds(grown_plan, true);
    if (ok) {
      improve(grown_plan, true);
      if (cost_of(grown_plan) < grown)
        notes_.push_back(fmt::format("headroom improvement: cost {} -> {}", format_cost(grown),
                                     format_cost(cost_of(grown_plan))));
    }
    // Route 2 (zones): spread the workload over the zones from the start, each zone keeping
    // room for its share of any other zone's units.
    Working balanced;
    if (opt_.headroom.kind == Headroom::Kind::Zone && zone_balanced(balanced)) {
      const Micros start = cost_of(balanced);
      added_for_headroom_ = 0;
      grow_for_headroom(balanced);
      if (holds(balanced, true)) {
        const Micros g = cost_of(balanced);
        improve(balanced, true);
        notes_.push_back(fmt::format(
            "zone-balanced construction: cost {}, {} after growing, {} after improvement",
            format_cost(start), format_cost(g), format_cost(cost_of(balanced))));
        if (!ok || cost_of(balanced) < cost_of(grown_plan)) {
          grown_plan = std::move(balanced);
          added = added_for_headroom_;
          ok = true;
        }
      }
    }
    best = std::move(grown_plan);
    added_for_headroom_ = added;
  }

  rename(best);
  plan.spec = spec_of(best);
  plan.placement = place(plan.spec, PlaceOptions{opt_.strategy});
  ++runs_;
  plan.spec.placements = plan.placement.placements;
  for (std::size_t t = 0; t < cat_.types.size(); ++t) {
    TypeCount tc;
    tc.type = cat_.types[t].name;
    tc.cost_each = cat_.types[t].cost;
    for (const auto& [name, type] : best.machines) {
      if (type == t) tc.names.push_back(name);
    }
    std::sort(tc.names.begin(), tc.names.end(),
              [](const std::string& a, const std::string& b) { return natural_less(a, b); });
    tc.count = tc.names.size();
    if (tc.count > 0) plan.machines.push_back(std::move(tc));
    for (const auto& [name, type] : best.machines) {
      if (type == t) plan.machine_type[name] = cat_.types[t].name;
    }
  }
  for (const Machine& m : workload_.machines) plan.machine_type[m.name] = "";
  plan.cost = cost_of(best);

  CapacityOptions o = opt_;
  std::size_t runs = 0;
  plan.headroom = check_headroom(plan.spec, opt_.headroom, o, &runs);
  runs_ += runs;
  plan.headroom.machines_added = added_for_headroom_;
  // Seeds come from the packing; a packing bug must not turn into an overcommitted plan.
  const bool overcommitted = !Cluster::build(plan.spec).overcommitted().empty();
  if (overcommitted) plan.notes.push_back("BUG: the plan overcommits a machine (see warnings)");
  plan.feasible = plan.placement.all_placed() && plan.headroom.holds && !overcommitted;
  // Known from the start (no type can take them) and found while planning (no number of
  // machines hosts them): each listed once.
  plan.unplaceable = unplaceable_;
  bounds(plan);
  plan.notes.insert(plan.notes.begin(), notes_.begin(), notes_.end());
  plan.placement_runs = runs_;
  plan.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  return plan;
}

void Planner::bounds(CapacityPlan& plan) {
  const std::size_t D = dims_.size();
  const std::size_t T = cat_.types.size();
  std::vector<Micros> costs;
  for (const auto& t : cat_.types) costs.push_back(t.cost);
  // Demand of every placeable non-global instance, minus what the existing machines offer
  // (their global units included): valid whatever the arrangement.
  Spec s0 = workload_;
  s0.placements.clear();
  Cluster c0 = Cluster::build(s0);
  std::vector<std::int64_t> demand(D, 0);
  for (InstanceId i = 0; i < c0.instance_count(); ++i) {
    if (unplaceable_instances_.count(c0.instance(i).name)) continue;
    for (std::size_t d = 0; d < D; ++d) demand[d] += c0.request(i)[d];
  }
  auto existing_alloc = [&](const std::string& skip_zone) {
    std::vector<std::int64_t> a(D, 0);
    for (MachineId m = 0; m < c0.machine_count(); ++m) {
      if (c0.machine_state(m) != MachineState::Up) continue;
      if (!skip_zone.empty() &&
          value_of(c0.machine_metadata(m), opt_.headroom.zone_key) == skip_zone)
        continue;
      for (std::size_t d = 0; d < D; ++d) a[d] += c0.allocatable(m)[d];
    }
    return a;
  };
  auto residual = [&](const std::vector<std::int64_t>& offered) {
    std::vector<std::int64_t> r(D);
    for (std::size_t d = 0; d < D; ++d) r[d] = std::max<std::int64_t>(0, demand[d] - offered[d]);
    return r;
  };
  std::vector<std::int64_t> need = residual(existing_alloc(""));
  LpBound lp = lp_lower_bound(need, eff_, costs);
  Micros base = lp.cost;
  plan.bounds.push_back({"continuous", lp.cost,
                         "fractional machines covering each dimension's total demand (LP dual)"});

  // A single usable type and no existing machines: the packing engine's bin bounds apply.
  std::vector<std::size_t> usable;
  // Usable: some group could ever run on it (a plan gains nothing from other types).
  for (std::size_t t = 0; t < T; ++t) {
    bool any = false;
    for (const GroupInfo& g : groups_) {
      if (g.global || g.pinned || unplaceable_instances_.count(g.members.front())) continue;
      any = any || g.compatible[t] != 0;
    }
    if (any) usable.push_back(t);
  }
  if (workload_.machines.empty() && usable.size() == 1 && !items_.empty()) {
    const std::size_t t = usable.front();
    std::vector<std::size_t> used_dims;
    for (std::size_t d = 0; d < D; ++d) {
      bool any = false;
      for (std::size_t g : items_) any = any || groups_[g].demand[d] != 0;
      if (any && eff_[t][d] > 0) used_dims.push_back(d);
    }
    if (!used_dims.empty()) {
      pack::Instance inst;
      inst.dims = used_dims.size();
      for (std::size_t d : used_dims) inst.capacity.push_back(eff_[t][d]);
      std::vector<pack::Size> size(used_dims.size());
      for (std::size_t g : items_) {
        for (std::size_t k = 0; k < used_dims.size(); ++k)
          size[k] = groups_[g].demand[used_dims[k]];
        inst.add_item(size);
      }
      pack::LowerBounds lb = pack::lower_bounds(inst);
      Micros packing = static_cast<Micros>(lb.best) * cat_.types[t].cost;
      plan.bounds.push_back({"packing", packing,
                             fmt::format("{} machines of {} at least (packing engine bounds: "
                                         "continuous {}, Martello-Toth {}, incompatible {})",
                                         lb.best, cat_.types[t].name, lb.continuous,
                                         lb.martello_toth, lb.incompatible)});
      base = std::max(base, packing);
    }
  }
  // Replicas that conflict with each other need a machine each: beyond the existing
  // machines, that many new machines of the cheapest type that can take them.
  {
    Micros best_conflict = 0;
    std::string which;
    std::size_t existing_up = 0;
    for (MachineId m = 0; m < c0.machine_count(); ++m)
      existing_up += c0.machine_state(m) == MachineState::Up ? 1 : 0;
    std::map<UnitId, std::vector<InstanceId>> by_unit;
    for (InstanceId i = 0; i < c0.instance_count(); ++i) {
      const Instance& inst = c0.instance(i);
      if (inst.global || unplaceable_instances_.count(inst.name) ||
          !c0.unit_has_conflicts(inst.unit))
        continue;
      by_unit[inst.unit].push_back(i);
    }
    for (const auto& [u, insts] : by_unit) {
      // A greedy clique of pairwise conflicting instances of this unit.
      std::vector<InstanceId> clique;
      for (InstanceId i : insts) {
        if (clique.size() >= 4096) break;
        if (std::all_of(clique.begin(), clique.end(),
                        [&](InstanceId j) { return c0.conflicts(i, j); }))
          clique.push_back(i);
      }
      if (clique.size() <= existing_up) continue;
      Micros cheapest = std::numeric_limits<Micros>::max();
      auto g = group_of_.find(c0.instance(clique.front()).name);
      for (std::size_t t = 0; t < T; ++t) {
        if (g != group_of_.end() && groups_[g->second].compatible[t])
          cheapest = std::min(cheapest, cat_.types[t].cost);
      }
      if (cheapest == std::numeric_limits<Micros>::max()) continue;
      const Micros v = static_cast<Micros>(clique.size() - existing_up) * cheapest;
      if (v > best_conflict) {
        best_conflict = v;
        which = fmt::format("{} instances of {} conflict pairwise", clique.size(), c0.unit(u).name);
      }
    }
    if (best_conflict > 0) {
      plan.bounds.push_back({"conflicts", best_conflict, which + ": one machine each"});
      base = std::max(base, best_conflict);
    }
  }
  // Spread over the catalogue's domains: with counts at most max_skew apart over D domains,
  // every domain holds at least ceil((N - max_skew (D - 1)) / D) of a unit's N replicas, on
  // machines of that domain, so each domain costs at least the cheapest way to hold that many
  // of the unit alone. Domains are disjoint, so the costs add up. (Only without existing
  // machines, which could hold them for nothing.)
  if (workload_.machines.empty()) {
    Micros best_spread = 0;
    std::string which;
    for (const auto& [unit_name, sd] : spread_domains_) {
      const Unit* unit = nullptr;
      for (const Unit& u : workload_.units) {
        if (u.name == unit_name) unit = &u;
      }
      if (!unit || unit->constraints.global) continue;
      const std::int64_t n = unit->replicas.value_or(1);
      bool unresolved = false;
      for (const auto& inst : unplaceable_instances_) unresolved = unresolved || unit_of(inst) == unit_name;
      const auto d = static_cast<std::int64_t>(sd.domains.size());
      const std::int64_t least = n - static_cast<std::int64_t>(sd.max_skew) * (d - 1);
      if (unresolved || least <= 0) continue;
      const std::int64_t per_domain = (least + d - 1) / d;
      Micros total = 0;
      bool ok = true;
      for (const std::string& dom : sd.domains) {
        Micros cheapest = std::numeric_limits<Micros>::max();
        for (std::size_t t = 0; t < T; ++t) {
          const MachineType& type = cat_.types[t];
          if (value_of(type.metadata, sd.key) != dom || !admits_type(unit_name, t)) continue;
          std::int64_t machines = 1;
          bool fits = true;
          for (std::size_t k = 0; k < D && fits; ++k) {
            const std::int64_t need = unit->requests.get(dims_[k]) * per_domain;
            if (need == 0) continue;
            if (eff_[t][k] <= 0) {
              fits = false;
              continue;
            }
            machines = std::max(machines, (need + eff_[t][k] - 1) / eff_[t][k]);
          }
          if (fits) cheapest = std::min(cheapest, machines * type.cost);
        }
        if (cheapest == std::numeric_limits<Micros>::max()) {
          ok = false;
          break;
        }
        total += cheapest;
      }
      if (ok && total > best_spread) {
        best_spread = total;
        which = fmt::format("{}: at least {} of {} replicas in each of {} {} domains", unit_name, per_domain, n,
                            sd.domains.size(), sd.key);
      }
    }
    if (best_spread > 0) {
      plan.bounds.push_back({"spread", best_spread, which});
      base = std::max(base, best_spread);
    }
  }
  // Whole machines: with one usable type the cost is a multiple of its price (the LP value is
  // already rounded down, so rounding up to the next multiple stays a valid bound).
  if (usable.size() == 1 && base > 0 && cat_.types[usable.front()].cost > 0) {
    const Micros c = cat_.types[usable.front()].cost;
    base = (base + c - 1) / c * c;
  }
  // With anything to buy, at least the cheapest usable machine.
  if (base > 0 && !usable.empty()) {
    Micros cheapest = std::numeric_limits<Micros>::max();
    for (std::size_t t : usable) cheapest = std::min(cheapest, cat_.types[t].cost);
    base = std::max(base, cheapest);
  }
  Micros lb = base;
  const Headroom& h = opt_.headroom;
  if (h.kind == Headroom::Kind::Machines && h.machines > 0 && base > 0) {
    // Losing the N cheapest new machines must leave a plan that still places everything.
    Micros cheapest = std::numeric_limits<Micros>::max();
    for (const auto& t : cat_.types) cheapest = std::min(cheapest, t.cost);
    Micros v = base + cheapest * h.machines;
    plan.bounds.push_back(
        {"headroom", v,
         fmt::format("bound without headroom + {} x the cheapest machine", h.machines)});
    lb = std::max(lb, v);
  } else if (h.kind == Headroom::Kind::Zone) {
    std::set<std::string> zones;
    bool zoneless = false;
    for (std::size_t t = 0; t < T; ++t) {
      if (type_zone_[t].empty())
        zoneless = true;
      else
        zones.insert(type_zone_[t]);
    }
    for (MachineId m = 0; m < c0.machine_count(); ++m) {
      std::string z = value_of(c0.machine_metadata(m), h.zone_key);
      if (!z.empty()) zones.insert(z);
    }
    // For every zone z the machines outside z cover the demand: summing over zones counts
    // each machine (#zones - 1) times (#zones if some types have no zone).
    if (zones.size() >= 2 || zoneless) {
      long double sum = 0;
      bool all_ok = true;
      for (const std::string& z : zones) {
        std::vector<std::vector<std::int64_t>> caps;
        std::vector<Micros> cs;
        for (std::size_t t = 0; t < T; ++t) {
          if (type_zone_[t] == z) continue;
          caps.push_back(eff_[t]);
          cs.push_back(cat_.types[t].cost);
        }
        LpBound lz = lp_lower_bound(residual(existing_alloc(z)), caps, cs);
        if (!lz.feasible) all_ok = false;
        sum += static_cast<long double>(lz.cost);
      }
      const std::size_t div = zoneless ? zones.size() : zones.size() - 1;
      if (all_ok && div > 0) {
        Micros v = static_cast<Micros>(sum / static_cast<long double>(div));
        plan.bounds.push_back(
            {"zone", v,
             fmt::format("each of {} zones lost in turn; the rest must cover the demand",
                         zones.size())});
        lb = std::max(lb, v);
      }
    }
  }
  plan.lower_bound = lb;
}

/// Calls f(combination) for k-subsets of 0..n-1 in lexicographic order until f returns false.
template <typename F>
void for_each_combination(std::size_t n, std::size_t k, F&& f) {
  if (k == 0 || k > n) return;
  std::vector<std::size_t> idx(k);
  std::iota(idx.begin(), idx.end(), 0);
  while (true) {
    if (!f(idx)) return;
    std::size_t i = k;
    while (i > 0 && idx[i - 1] == n - k + i - 1) --i;
    if (i == 0) return;
    ++idx[i - 1];
    for (std::size_t j = i; j < k; ++j) idx[j] = idx[j - 1] + 1;
  }
}

}  // namespace

Headroom Headroom::parse(std::string_view text, const std::string& zone_key) {
  Headroom h;
  h.zone_key = zone_key;
  if (text.empty() || text == "0" || text == "none") return h;
  if (text == "zone") {
    h.kind = Kind::Zone;
    return h;
  }
  int n = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || n > 100000)
      throw UsageError(
          380, fmt::format("--headroom takes a number of machines or \"zone\", got \"{}\"", text));
    n = n * 10 + (c - '0');
  }
  h.kind = n > 0 ? Kind::Machines : Kind::None;
  h.machines = n;
  return h;
}

std::string Headroom::describe() const {
  switch (kind) {
    case Kind::None:
      return "none";
    case Kind::Machines:
      return machines == 1 ? "any 1 machine" : fmt::format("any {} machines", machines);
    case Kind::Zone:
      return fmt::format("any one zone ({})", zone_key);
  }
  return "none";
}

double CapacityPlan::gap() const {
  if (cost <= 0) return 0;
  return static_cast<double>(cost - std::min(cost, lower_bound)) / static_cast<double>(cost);
}

Spec without_machines(const Spec& spec, const std::vector<std::string>& lost) {
  std::set<std::string> gone(lost.begin(), lost.end());
  Spec s;
  s.units = spec.units;
  s.warnings = spec.warnings;
  for (const Machine& m : spec.machines) {
    if (!gone.count(m.name)) s.machines.push_back(m);
  }
  for (const auto& [inst, m] : spec.placements) {
    if (!gone.count(m)) s.placements.emplace(inst, m);
  }
  return s;
}

HeadroomReport check_headroom(const Spec& placed, const Headroom& headroom,
                              const CapacityOptions& options, std::size_t* placement_runs,
                              bool stop_at_failure) {
  HeadroomReport rep;
  rep.headroom = headroom;
  if (headroom.kind == Headroom::Kind::None) return rep;
  std::vector<std::string> up;
  for (const Machine& m : placed.machines) {
    if (m.state == MachineState::Up) up.push_back(m.name);
  }
  std::sort(up.begin(), up.end(),
            [](const std::string& a, const std::string& b) { return natural_less(a, b); });
  std::map<std::string, std::size_t> load;
  for (const auto& [inst, m] : placed.placements) ++load[m];

  std::vector<LossScenario> scenarios;
  if (headroom.kind == Headroom::Kind::Zone) {
    std::map<std::string, std::vector<std::string>> by_zone;
    for (const Machine& m : placed.machines) {
      std::string z = value_of(m.metadata, headroom.zone_key);
      if (!z.empty() && m.state == MachineState::Up) by_zone[z].push_back(m.name);
    }
    for (auto& [z, ms] : by_zone) {
      rep.zones.push_back(z);
      LossScenario s;
      s.zone = z;
      s.lost = ms;
      scenarios.push_back(std::move(s));
    }
    rep.scenarios_total = scenarios.size();
  } else {
    const std::size_t n = up.size();
    const std::size_t k = static_cast<std::size_t>(headroom.machines);
    if (k >= n) {
      rep.holds = false;
      rep.scenarios_total = 1;
      LossScenario s;
      s.lost = up;
      s.ok = false;
      s.pending.push_back(
          fmt::format("cannot lose {} of {} machines and still run anything", k, n));
      rep.failures.push_back(std::move(s));
      return rep;
    }
    // C(n, k), saturating.
    long double total = 1;
    for (std::size_t i = 0; i < k; ++i)
      total = total * static_cast<long double>(n - i) / static_cast<long double>(i + 1);
    const bool all = total <= static_cast<long double>(options.max_scenarios);
    rep.scenarios_total =
        total > 1e18L ? static_cast<std::size_t>(-1) : static_cast<std::size_t>(total + 0.5L);
    if (all) {
      for_each_combination(n, k, [&](const std::vector<std::size_t>& idx) {
        LossScenario s;
        for (std::size_t i : idx) s.lost.push_back(up[i]);
        scenarios.push_back(std::move(s));
        return true;
      });
    } else {
      rep.exhaustive = false;
      // The heaviest machines together are the likeliest to break the plan; then a sample.
      std::vector<std::string> by_load = up;
      std::stable_sort(
          by_load.begin(), by_load.end(),
          [&](const std::string& a, const std::string& b) { return load[a] > load[b]; });
      std::set<std::vector<std::string>> seen;
      auto add = [&](std::vector<std::string> lost) {
        std::sort(lost.begin(), lost.end());
        if (!seen.insert(lost).second) return;
        LossScenario s;
        s.lost = std::move(lost);
        scenarios.push_back(std::move(s));
      };
      for (std::size_t start = 0;
           start + k <= by_load.size() && scenarios.size() < options.max_scenarios / 2; ++start) {
        add(std::vector<std::string>(by_load.begin() + static_cast<std::ptrdiff_t>(start),
                                     by_load.begin() + static_cast<std::ptrdiff_t>(start + k)));
      }
      std::mt19937_64 rng(options.seed);
      std::size_t tries = 0;
      while (scenarios.size() < options.max_scenarios && tries++ < options.max_scenarios * 4) {
        std::vector<std::string> pool = up;
        std::shuffle(pool.begin(), pool.end(), rng);
        pool.resize(k);
        add(pool);
      }
    }
  }
  std::size_t done = 0;
  for (LossScenario& s : scenarios) {
    std::set<std::string> gone(s.lost.begin(), s.lost.end());
    for (const auto& [inst, m] : placed.placements) s.displaced += gone.count(m);
    Spec after = without_machines(placed, s.lost);
    PlacementResult r = place(after, PlaceOptions{options.strategy});
    if (placement_runs) ++*placement_runs;
    ++rep.scenarios_checked;
    rep.worst_displaced = std::max(rep.worst_displaced, s.displaced);
    // Only instances that were placed before the loss count: one that never had a machine
    // (no type can take it) is reported elsewhere, not blamed on the loss.
    bool lost_one = false;
    for (const PendingUnit& p : r.pending)
      lost_one = lost_one || placed.placements.count(p.unit) > 0;
    if (lost_one) {
      s.ok = false;
      for (const PendingUnit& p : r.pending) {
        if (placed.placements.count(p.unit)) s.pending.push_back(p.summary());
      }
      rep.holds = false;
      rep.failures.push_back(s);
      if (stop_at_failure) break;
    }
    if (options.progress) options.progress("headroom check", ++done, scenarios.size());
  }
  return rep;
}

CapacityPlan plan_capacity(const Spec& workload, const Catalogue& catalogue,
                           const CapacityOptions& options) {
  if (catalogue.types.empty()) throw UsageError(381, "the catalogue lists no machine types");
  Planner planner(workload, catalogue, options);
  return planner.run();
}

}  // namespace berth::plan
