#include "berth/plan/whatif_report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "berth/io/result_json.hpp"
#include "berth/plan/capacity_report.hpp"

namespace berth::plan {
namespace {

using json = nlohmann::json;

std::size_t instances(const PlacementResult& r) { return r.placements.size() + r.pending.size(); }

}  // namespace

ClusterReport report_after(const WhatIfResult& result, const Catalogue* catalogue) {
  Spec s = result.after_spec;
  s.placements = result.after.placements;
  return build_report(s, result.machine_type, catalogue);
}

json whatif_to_json(const WhatIfResult& r, const ClusterReport& after) {
  json stops = json::array();
  for (const PendingUnit& p : r.newly_pending) {
    json d = diagnosis_to_json(p.diagnosis);
    d["unit"] = p.unit;
    d["summary"] = p.summary();
    stops.push_back(std::move(d));
  }
  json still = json::array();
  for (const PendingUnit& p : r.still_pending)
    still.push_back({{"unit", p.unit}, {"summary", p.summary()}});
  return {{"fits", r.fits()},
          {"applied", r.applied},
          {"before",
           {{"instances", instances(r.before)},
            {"placed", r.before.placements.size()},
            {"pending", r.before.pending.size()}}},
          {"after",
           {{"instances", instances(r.after)},
            {"placed", r.after.placements.size()},
            {"pending", r.after.pending.size()}}},
          {"evicted", r.evicted},
          {"moved", r.moved},
          {"stops_fitting", std::move(stops)},
          {"still_pending", std::move(still)},
          {"placements", r.after.placements},
          {"added_machines", r.machine_type},
          {"removed_with_machines", r.removed_with_machines},
          {"report", report_to_json(after)}};
}

std::string format_whatif_text(const WhatIfResult& r, const ClusterReport& after) {
  std::string out = "what if:\n";
  for (const auto& a : r.applied) out += fmt::format("  {}\n", a);
  out += fmt::format("before: {}/{} instances placed\n", r.before.placements.size(),
                     instances(r.before));
  out += fmt::format("after:  {}/{} instances placed{}\n", r.after.placements.size(),
                     instances(r.after),
                     r.fits() ? ": everything still fits"
                              : fmt::format(": {} stop fitting", r.newly_pending.size()));
  if (!r.evicted.empty()) {
    out += fmt::format("forced off their machine: {} ({} placed again elsewhere)\n",
                       r.evicted.size(), r.moved.size());
    for (const auto& [inst, m] : r.moved) out += fmt::format("  {} -> {}\n", inst, m);
  }
  if (!r.newly_pending.empty()) {
    // Replicas that fail for the same reason are listed once.
    out += "stops fitting:\n";
    std::vector<std::pair<std::string, std::vector<std::string>>> folded;
    for (const PendingUnit& p : r.newly_pending) {
      std::string s = p.summary();
      std::string why = s.rfind(p.unit + ": ", 0) == 0 ? s.substr(p.unit.size() + 2) : s;
      auto it =
          std::find_if(folded.begin(), folded.end(), [&](const auto& f) { return f.first == why; });
      if (it == folded.end())
        folded.emplace_back(why, std::vector<std::string>{p.unit});
      else
        it->second.push_back(p.unit);
    }
    for (const auto& [why, units] : folded) {
      if (units.size() == 1)
        out += fmt::format("  {}: {}\n", units.front(), why);
      else
        out += fmt::format("  {} ({} instances): {}\n", fmt::join(units, ", "), units.size(), why);
    }
  }
  if (!r.still_pending.empty()) {
    out += "already pending before the changes:\n";
    for (const PendingUnit& p : r.still_pending) out += fmt::format("  {}\n", p.summary());
  }
  out += fmt::format("\n{}\n{}", format_type_table(after), format_machine_table(after));
  return out;
}

std::string whatif_html(const WhatIfResult& r, const ClusterReport& after) {
  std::vector<std::pair<std::string, std::string>> summary;
  std::string applied;
  for (const auto& a : r.applied) applied += html_escape(a) + "<br>";
  summary.emplace_back("changes", applied.empty() ? "none" : applied);
  summary.emplace_back(
      "result",
      r.fits() ? "<span class=\"ok\">everything still fits</span>"
               : fmt::format("<span class=\"bad\">{} stop fitting</span>", r.newly_pending.size()));
  summary.emplace_back(
      "before", fmt::format("{}/{} placed", r.before.placements.size(), instances(r.before)));
  summary.emplace_back("after",
                       fmt::format("{}/{} placed", r.after.placements.size(), instances(r.after)));
  summary.emplace_back("moved", fmt::format("{} forced off their machine, {} placed again",
                                            r.evicted.size(), r.moved.size()));
  std::string extra;
  if (!r.newly_pending.empty()) {
    extra +=
        "<h2>Stops fitting</h2>\n<table id=\"stops\"><tr><th>instance</th><th "
        "style=\"text-align:left\">why</th></tr>\n";
    for (const PendingUnit& p : r.newly_pending) {
      extra += fmt::format("<tr><td>{}</td><td style=\"text-align:left\">{}</td></tr>\n",
                           html_escape(p.unit), html_escape(p.summary()));
    }
    extra += "</table>\n";
  }
  return report_html(after, "berth what-if", summary, extra);
}

}  // namespace berth::plan
