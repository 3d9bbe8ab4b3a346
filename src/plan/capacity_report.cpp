#include "berth/plan/capacity_report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

#include "berth/explain/format.hpp"
#include "berth/model/resources.hpp"

namespace berth::plan {
namespace {

using json = nlohmann::json;

double decimal(Micros m) { return static_cast<double>(m) / 1e6; }

json headroom_json(const HeadroomReport& h) {
  json j = {{"kind", h.headroom.kind == Headroom::Kind::None   ? "none"
                     : h.headroom.kind == Headroom::Kind::Zone ? "zone"
                                                               : "machines"},
            {"description", h.headroom.describe()},
            {"holds", h.holds},
            {"scenarios_total", h.scenarios_total},
            {"scenarios_checked", h.scenarios_checked},
            {"exhaustive", h.exhaustive},
            {"machines_added", h.machines_added},
            {"worst_displaced", h.worst_displaced}};
  if (h.headroom.kind == Headroom::Kind::Machines) j["machines"] = h.headroom.machines;
  if (h.headroom.kind == Headroom::Kind::Zone) {
    j["zone_key"] = h.headroom.zone_key;
    j["zones"] = h.zones;
  }
  json failures = json::array();
  for (const auto& f : h.failures) {
    json fj = {{"lost", f.lost}, {"displaced", f.displaced}, {"pending", f.pending_lines()}};
    if (!f.zone.empty()) fj["zone"] = f.zone;
    failures.push_back(std::move(fj));
  }
  j["failures"] = std::move(failures);
  return j;
}

json lines(const std::vector<Unplaceable>& all) {
  json out = json::array();
  for (const Unplaceable& u : all) out.push_back(u.describe());
  return out;
}

/// "big@1: why" .. "big@5: why" -> "big@1 .. big@5 (5 instances): why", as pending lines fold:
/// consecutive groups refused for the same reason.
std::string format_unplaceable(const std::vector<Unplaceable>& all) {
  std::string out;
  for (std::size_t i = 0; i < all.size();) {
    const std::string why = all[i].reason();
    std::size_t j = i + 1;
    // A pinned group's reason names its instance: it never folds.
    while (j < all.size() && all[i].kind != Unplaceable::Kind::Pinned &&
           all[j].kind == all[i].kind && all[j].reason() == why)
      ++j;
    if (j - i == 1) {
      out += fmt::format("  {}\n", all[i].describe());
    } else {
      out +=
          fmt::format("  {} .. {} ({} instances): {}\n", all[i].unit, all[j - 1].unit, j - i, why);
    }
    i = j;
  }
  return out;
}

json per_dim(const std::vector<std::string>& dims, const std::vector<std::int64_t>& v) {
  json j = json::object();
  for (std::size_t d = 0; d < dims.size(); ++d) j[dims[d]] = v[d];
  return j;
}

}  // namespace

std::string Unplaceable::TypeRefusal::describe() const {
  if (!filter.empty() || dimension.empty()) return fmt::format("{}: {}", type, filter);
  return fmt::format("{}: {} needs {}, has {}", type, dimension, format_amount(dimension, needs),
                     format_amount(dimension, has));
}

std::string Unplaceable::reason() const {
  const std::string pending = why ? why->summary() : unit;
  switch (kind) {
    case Kind::Pinned:
      return fmt::format("(pinned with machine_id: new machines cannot take it): {}", pending);
    case Kind::NoType: {
      std::vector<std::string> each;
      for (const TypeRefusal& t : types) each.push_back(t.describe());
      return fmt::format("no machine type can take it ({})", fmt::join(each, "; "));
    }
    case Kind::NoNumber:
      return fmt::format(
          "no number of new machines can host it: a new machine of every type that could take "
          "it stayed empty ({})",
          pending);
  }
  return {};
}

std::string Unplaceable::describe() const {
  // The pinned line has always named the pin before its colon.
  return fmt::format("{}{}{}", unit, kind == Kind::Pinned ? " " : ": ", reason());
}

ClusterReport report_of(const CapacityPlan& plan, const Catalogue& catalogue) {
  return build_report(plan.spec, plan.machine_type, &catalogue);
}

json report_to_json(const ClusterReport& report) {
  const auto& dims = report.dimensions;
  json types = json::array();
  for (const TypeUsage& t : report.types) {
    json u = json::object(), s = json::object();
    for (std::size_t d = 0; d < dims.size(); ++d)
      u[dims[d]] = ClusterReport::ratio(t.used[d], t.allocatable[d]);
    types.push_back({{"type", t.type.empty() ? json(nullptr) : json(t.type)},
                     {"count", t.count},
                     {"cost_each", decimal(t.cost_each)},
                     {"cost", decimal(t.cost)},
                     {"cost_micros", t.cost},
                     {"allocatable", per_dim(dims, t.allocatable)},
                     {"used", per_dim(dims, t.used)},
                     {"utilization", u},
                     {"stranded", per_dim(dims, t.stranded)}});
  }
  json machines = json::array();
  for (const MachineUsage& m : report.machines) {
    json units = json::array();
    for (const UnitShare& s : m.units)
      units.push_back(
          {{"unit", s.unit}, {"instances", s.instances}, {"requests", per_dim(dims, s.amount)}});
    machines.push_back({{"name", m.name},
                        {"type", m.type.empty() ? json(nullptr) : json(m.type)},
                        {"cost", decimal(m.cost)},
                        {"allocatable", per_dim(dims, m.allocatable)},
                        {"used", per_dim(dims, m.used)},
                        {"stranded", per_dim(dims, m.stranded)},
                        {"units", std::move(units)}});
  }
  return {{"dimensions", dims},
          {"types", std::move(types)},
          {"machines", std::move(machines)},
          {"total_cost", decimal(report.total_cost)},
          {"total_cost_micros", report.total_cost},
          {"pending", report.pending}};
}

json capacity_to_json(const CapacityPlan& plan, const ClusterReport& report) {
  json machines = json::array();
  for (const TypeCount& t : plan.machines) {
    machines.push_back({{"type", t.type},
                        {"count", t.count},
                        {"names", t.names},
                        {"cost_each", decimal(t.cost_each)},
                        {"cost", decimal(t.cost())},
                        {"cost_micros", t.cost()}});
  }
  json existing = json::array();
  for (const auto& [name, type] : plan.machine_type) {
    if (type.empty()) existing.push_back(name);
  }
  json bounds = json::array();
  for (const CostBound& b : plan.bounds)
    bounds.push_back(
        {{"name", b.name}, {"cost", decimal(b.cost)}, {"cost_micros", b.cost}, {"note", b.note}});
  json pending = json::array();
  for (const PendingUnit& p : plan.placement.pending)
    pending.push_back({{"unit", p.unit}, {"summary", p.summary()}});
  return {{"machines", std::move(machines)},
          {"existing_machines", std::move(existing)},
          {"cost", decimal(plan.cost)},
          {"cost_micros", plan.cost},
          {"lower_bound", decimal(plan.lower_bound)},
          {"lower_bound_micros", plan.lower_bound},
          {"gap", plan.gap()},
          {"bounds", std::move(bounds)},
          {"feasible", plan.feasible},
          {"placements", plan.placement.placements},
          {"pending", std::move(pending)},
          {"unplaceable", lines(plan.unplaceable)},
          {"headroom", headroom_json(plan.headroom)},
          {"report", report_to_json(report)},
          {"notes", plan.notes},
          {"placement_runs", plan.placement_runs}};
}

std::string format_capacity_text(const CapacityPlan& plan, const ClusterReport& report) {
  std::string out;
  out += fmt::format("capacity plan: {}\n",
                     plan.feasible ? "everything placed" : "NOT everything placed");
  if (plan.machines.empty()) {
    // "No new machines needed" only when nothing is missing: with units pending it would read
    // as a success. No machine added means none would have placed anything more.
    std::size_t instances = plan.placement.placements.size() + plan.placement.pending.size();
    if (plan.placement.pending.empty()) {
      out += "  no new machines needed\n";
    } else if (plan.placement.placements.empty()) {
      out += fmt::format(
          "  nothing can be placed: none of the {} instance(s) fits any machine type of the "
          "catalogue{}, "
          "so no machine is bought (why: below)\n",
          instances, plan.spec.machines.empty() ? "" : " or the existing machines");
    } else {
      out += fmt::format(
          "  no new machines: none would place any of the {} pending instance(s) (why: below)\n",
          plan.placement.pending.size());
    }
  }
  for (const TypeCount& t : plan.machines) {
    out += fmt::format("  {:>4} x {:<20} at {:>10} = {:>12}\n", t.count, t.type,
                       format_cost(t.cost_each), format_cost(t.cost()));
  }
  out += fmt::format("cost        {}\n", format_cost(plan.cost));
  out += fmt::format("lower bound {} (gap {:.1f}%)\n", format_cost(plan.lower_bound),
                     100.0 * plan.gap());
  for (const CostBound& b : plan.bounds)
    out += fmt::format("  {:<11} {:>12}  {}\n", b.name, format_cost(b.cost), b.note);
  const HeadroomReport& h = plan.headroom;
  if (h.headroom.kind != Headroom::Kind::None) {
    out += fmt::format(
        "headroom    {}: {} ({} of {} loss scenarios re-placed{}; {} machines added for it; worst "
        "loss moves {} instances)\n",
        h.headroom.describe(), h.holds ? "holds" : "DOES NOT HOLD", h.scenarios_checked,
        h.scenarios_total, h.exhaustive ? "" : ", sampled", h.machines_added, h.worst_displaced);
    for (std::size_t k = 0; k < h.failures.size() && k < 5; ++k) {
      const auto& f = h.failures[k];
      std::string what = f.zone.empty() ? fmt::format("{}", fmt::join(f.lost, ", "))
                                        : fmt::format("zone {}", f.zone);
      const std::vector<std::string> pending = f.pending_lines();
      out += fmt::format("  losing {}: {}\n", what,
                         pending.empty() ? std::string("?") : pending.front());
    }
  }
  out += fmt::format("\n{}\n{}", format_type_table(report), format_machine_table(report));
  if (!plan.unplaceable.empty()) {
    out += "\nunits no machines of the catalogue can host:\n";
    out += format_unplaceable(plan.unplaceable);
  }
  if (!plan.placement.pending.empty()) {
    out += "\npending:\n";
    for (const std::string& line : fold_pending_lines(plan.placement.pending))
      out += fmt::format("  {}\n", line);
  }
  if (!plan.notes.empty()) {
    out += "\nhow:\n";
    for (const auto& n : plan.notes) out += fmt::format("  {}\n", n);
  }
  out += fmt::format("  {} placement runs, {:.2f} s\n", plan.placement_runs, plan.seconds);
  return out;
}

std::string capacity_html(const CapacityPlan& plan, const ClusterReport& report) {
  std::vector<std::pair<std::string, std::string>> summary;
  summary.emplace_back("result", plan.feasible
                                     ? "<span class=\"ok\">everything placed</span>"
                                     : "<span class=\"bad\">not everything placed</span>");
  std::string mix;
  for (const TypeCount& t : plan.machines)
    mix += fmt::format("{}{} &times; {}", mix.empty() ? "" : ", ", t.count, html_escape(t.type));
  summary.emplace_back("new machines", mix.empty() ? "none" : mix);
  summary.emplace_back("cost", format_cost(plan.cost));
  summary.emplace_back("lower bound", fmt::format("{} (gap {:.1f}%)", format_cost(plan.lower_bound),
                                                  100.0 * plan.gap()));
  const HeadroomReport& h = plan.headroom;
  if (h.headroom.kind != Headroom::Kind::None) {
    summary.emplace_back(
        "headroom",
        fmt::format("{}: <span class=\"{}\">{}</span> ({} of {} loss scenarios re-placed{})",
                    html_escape(h.headroom.describe()), h.holds ? "ok" : "bad",
                    h.holds ? "holds" : "does not hold", h.scenarios_checked, h.scenarios_total,
                    h.exhaustive ? "" : ", sampled"));
  }
  summary.emplace_back("instances",
                       fmt::format("{} placed, {} pending", plan.placement.placements.size(),
                                   plan.placement.pending.size()));
  std::string extra;
  if (!plan.bounds.empty()) {
    extra +=
        "<h2>Lower bounds</h2>\n<table id=\"bounds\"><tr><th>bound</th><th>cost</th><th>what it "
        "rests on</th></tr>\n";
    for (const CostBound& b : plan.bounds) {
      extra += fmt::format("<tr><td>{}</td><td>{}</td><td style=\"text-align:left\">{}</td></tr>\n",
                           html_escape(b.name), format_cost(b.cost), html_escape(b.note));
    }
    extra += "</table>\n";
  }
  if (!plan.unplaceable.empty() || !plan.placement.pending.empty()) {
    extra += "<h2>Problems</h2>\n<ul>";
    for (const auto& u : plan.unplaceable) extra += "<li>" + html_escape(u.describe()) + "</li>";
    for (const PendingUnit& p : plan.placement.pending)
      extra += "<li>" + html_escape(p.summary()) + "</li>";
    extra += "</ul>\n";
  }
  return report_html(report, "berth capacity plan", summary, extra);
}

}  // namespace berth::plan
