// Step 4: make the plan survive losses and cost less. Grow it until the headroom holds (the
// check itself is capacity_headroom.cpp), then remove or swap machines while the engine still
// places everything; finally give the new machines stable names and balance zones.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <tuple>

#include "berth/error.hpp"
#include "berth/pack/bounds.hpp"
#include "berth/pack/instance.hpp"
#include "berth/pack/solve.hpp"
#include "berth/place/cluster.hpp"
#include "berth/plan/bounds.hpp"
#include "capacity_detail.hpp"

namespace berth::plan::detail {

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
  // Machines bought so far per (what for, lost zone): an instance's name, or, for a loss of
  // every machine, how many of how many machines it asks to lose (the instance name empty).
  std::map<std::tuple<std::string, std::size_t, std::size_t, std::string>, int> attempts;
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
    // The instance to buy a machine for: the first the loss left pending that some type can
    // take. A loss of every machine (Failure::NothingLeft, "cannot lose 2 of 2 machines")
    // leaves none pending and names none: any type will do then, and the note names the loss.
    const PendingUnit* target = nullptr;
    for (const PendingUnit& p : f.pending) {
      if (!unplaceable_instances_.count(p.unit)) {
        target = &p;
        break;
      }
    }
    if (target == nullptr && f.failure != LossScenario::Failure::NothingLeft) return;
    // Pack what the loss displaced onto new machines outside the lost zone, with the same
    // cost-effective mix as the plan itself; one machine at a time if that finds nothing.
    std::set<std::size_t> displaced;
    for (const PendingUnit& p : f.pending) {
      auto it = group_of_.find(p.unit);
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
    const auto key = target != nullptr
                         ? std::tuple(target->unit, std::size_t{0}, std::size_t{0}, f.zone)
                         : std::tuple(std::string(), f.must_lose, f.lost.size(), f.zone);
    if (!add_machine_for(w, target != nullptr ? &target->unit : nullptr, f.zone, attempts[key]++)) {
      notes_.push_back(
          fmt::format("headroom cannot be met: no machine type left for {} when losing {}",
                      target != nullptr ? target->unit : f.pending_lines().front(),
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

}  // namespace berth::plan::detail
