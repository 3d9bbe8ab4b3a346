#include "berth/explain/format.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <vector>

#include "berth/place/cluster.hpp"

namespace berth {

std::vector<std::string> fold_pending_lines(const std::vector<PendingUnit>& pending) {
  // Replicas that fail for the same reason are one line, not a hundred.
  std::vector<std::string> out;
  for (std::size_t i = 0; i < pending.size();) {
    const std::string first = pending[i].summary();
    const std::string reason = first.substr(pending[i].unit.size());
    std::size_t j = i + 1;
    while (j < pending.size() && pending[j].summary().substr(pending[j].unit.size()) == reason) ++j;
    if (j - i == 1) {
      out.push_back(first);
    } else {
      out.push_back(fmt::format("{} .. {} ({} instances){}", pending[i].unit, pending[j - 1].unit,
                                j - i, reason));
    }
    i = j;
  }
  return out;
}

std::string format_placement_text(const Spec& spec, const PlacementResult& result) {
  std::map<std::string, std::vector<std::string>> by_machine;
  for (const auto& [unit, machine] : result.placements) by_machine[machine].push_back(unit);
  std::vector<std::string> machines;
  for (const auto& m : spec.machines) machines.push_back(m.name);
  std::sort(machines.begin(), machines.end(),
            [](const auto& a, const auto& b) { return natural_less(a, b); });
  std::map<std::string, const Machine*> machine_of;
  for (const auto& m : spec.machines) machine_of[m.name] = &m;

  std::size_t name_width = 7;
  for (const auto& m : machines) name_width = std::max(name_width, m.size());
  std::string out = fmt::format("{:<{}}  {:<9}  {:>5}  {:>6}  {:>6}  {}\n", "MACHINE", name_width,
                                "STATE", "CPU", "MEMORY", "DISK", "UNITS");
  auto pct = [](const std::map<std::string, double>& u, const char* dim) {
    auto it = u.find(dim);
    return it == u.end() ? std::string("-") : fmt::format("{:.0f}%", it->second * 100.0);
  };
  for (const auto& m : machines) {
    auto& units = by_machine[m];
    std::sort(units.begin(), units.end(),
              [](const auto& a, const auto& b) { return natural_less(a, b); });
    std::string list;
    for (std::size_t i = 0; i < units.size(); ++i) {
      if (i == 8) {
        list += fmt::format(" +{} more", units.size() - 8);
        break;
      }
      list += (i ? " " : "") + units[i];
    }
    const auto& util =
        result.utilization.count(m) ? result.utilization.at(m) : std::map<std::string, double>{};
    out += fmt::format("{:<{}}  {:<9}  {:>5}  {:>6}  {:>6}  {}\n", m, name_width,
                       to_string(machine_of[m]->state), pct(util, "cpu"), pct(util, "memory"),
                       pct(util, "disk"), list.empty() ? "-" : list);
  }
  std::size_t total = result.placements.size() + result.pending.size();
  out += fmt::format("\n{} of {} unit instances placed", result.placements.size(), total);
  if (result.newly_placed != result.placements.size())
    out += fmt::format(" ({} new)", result.newly_placed);
  out += result.pending.empty() ? ".\n" : fmt::format("; {} pending:\n", result.pending.size());
  for (const std::string& line : fold_pending_lines(result.pending)) out += "  " + line + "\n";
  if (!result.overcommitted.empty()) {
    out += fmt::format("\n{} machine(s) overcommitted by existing placements:\n",
                       result.overcommitted.size());
    for (const Overcommitted& oc : result.overcommitted) {
      std::string over;
      for (const auto& [dim, amount] : oc.over) {
        over += fmt::format("{}{} by {}", over.empty() ? "" : ", ", dim,
                            format_amount_at_least(dim, amount));
      }
      out += fmt::format("  {}: over {}; must move: {}\n", oc.machine, over,
                         fmt::join(oc.must_move, ", "));
    }
  }
  if (!result.preemptions.empty()) {
    out += "\npreemptions:\n";
    for (const auto& p : result.preemptions) {
      out += fmt::format("  {} evicted {} from {}\n", p.preemptor, fmt::join(p.victims, ", "),
                         p.machine);
    }
  }
  if (!result.warnings.empty()) {
    out += "\nwarnings:\n";
    for (const auto& w : result.warnings) out += "  " + w + "\n";
  }
  return out;
}

}  // namespace berth
