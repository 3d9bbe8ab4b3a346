// Step 3: from a candidate to a plan the engine accepts. The packing ignores conflicts, spread
// and taints, so the candidate is placed with berth::place and machines are added for whatever
// stays pending until everything runs (or a group is shown to fit no new machine at all).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <set>

#include "berth/error.hpp"
#include "berth/pack/bounds.hpp"
#include "berth/pack/instance.hpp"
#include "berth/pack/solve.hpp"
#include "berth/place/cluster.hpp"
#include "berth/plan/bounds.hpp"
#include "capacity_detail.hpp"

namespace berth::plan::detail {

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

bool Planner::add_machine_for(Working& w, const std::string* pending, const std::string& avoid_zone,
                              int attempt) {
  const std::size_t T = cat_.types.size();
  std::map<std::size_t, std::int64_t> count;
  for (const auto& [name, t] : w.machines) ++count[t];
  std::vector<std::size_t> options;
  auto it = pending != nullptr ? group_of_.find(*pending) : group_of_.end();
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
      const auto types =
          static_cast<std::size_t>(std::count(compatible.begin(), compatible.end(), 1));
      if (useless[target] >= std::max<std::size_t>(1, types)) {
        mark_unresolvable(g->second, why->diagnosis);
        continue;
      }
    }
    if (!add_machine_for(w, &target, "", attempts[target]++)) break;
    added = w.machines.back().first;
    added_for = target;
  }
  w.placed = false;
  return false;
}

void Planner::mark_unresolvable(std::size_t g, const Diagnosis& why) {
  const GroupInfo& gi = groups_[g];
  unplace({Unplaceable::Kind::NoNumber, gi.members.front(), gi.members, {}, why});
  items_.erase(std::remove(items_.begin(), items_.end(), g), items_.end());
}

}  // namespace berth::plan::detail
