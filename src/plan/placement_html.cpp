// `berth place --format html`: the placement as one self-contained page. The numbers come from
// the same ClusterReport as the capacity report (build_report on the spec with the result's
// placements), so used, allocatable and stranded capacity mean the same in both.
//
// No script: grouping and "detail one click away" are <details> elements, which browsers lay
// out only when opened, so a 10k-machine page stays quick to open.
#include "berth/plan/placement_html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include "berth/model/resources.hpp"
#include "berth/place/cluster.hpp"
#include "berth/plan/report.hpp"

namespace berth::plan {
namespace {

constexpr const char* kStyle = R"(
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde;padding-bottom:4px}
table{border-collapse:collapse;margin:6px 0 12px}th,td{padding:3px 8px;border-bottom:1px solid #eef;text-align:left;vertical-align:top}
th{background:#f4f6fb;font-weight:600}table.summary td:first-child{color:#566;font-weight:600}
.ok{color:#17803d;font-weight:600}.bad{color:#b42318;font-weight:600}.note{color:#566;font-size:13px}
details.group{margin:10px 0;border:1px solid #dde;border-radius:6px;padding:4px 10px}
details.group>summary{cursor:pointer;font-weight:600;padding:4px 0}
details.group>summary .agg{font-weight:400;color:#566;margin-left:12px}
details.machines>summary{cursor:pointer;color:#2457c5}
td.bar{min-width:150px;white-space:nowrap}
.bar>span{display:inline-block;position:relative;width:110px;height:12px;background:#eef1f6;border:1px solid #c5cbd6;vertical-align:-2px;margin-right:6px;overflow:hidden}
.bar>span>b{position:absolute;left:0;top:0;bottom:0}
.bar>span>s{position:absolute;top:0;bottom:0;text-decoration:none;background:repeating-linear-gradient(45deg,#fde8e6 0 3px,#d9534f 3px 5px)}
td.units{font-size:12px;color:#333;max-width:520px}
.u0{background:#cfe8d5}.u1{background:#a8d8b2}.u2{background:#7cc68e}.u3{background:#52b36c}.u4{background:#8fbf3f}
.u5{background:#c2c531}.u6{background:#e6b422}.u7{background:#ee9a1d}.u8{background:#ea7420}.u9{background:#dc4b26}
.u10{background:#b42318}.over{background:#6b0f0a}
.scale i{display:inline-block;width:26px;height:11px;margin-right:1px;vertical-align:-1px}
.st-down,.st-draining,.st-rebooting{color:#b42318}
)";

std::string esc(const std::string& s) { return html_escape(s); }

/// CSS class of a utilization: ten buckets of 10%, u10 for exactly full, `over` beyond.
const char* util_class(double u) {
  static const char* kNames[] = {"u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "u10"};
  if (u > 1.0) return "over";
  if (u >= 1.0) return kNames[10];
  const int k = std::clamp(static_cast<int>(u * 10.0), 0, 9);
  return kNames[k];
}

std::string pct_text(double u) { return fmt::format("{:.0f}%", 100.0 * u); }

/// One bar: used / allocatable, with the stranded part hatched after it. `cls` tells the
/// machine bars (`m`) from the aggregated ones (`c`, `g`) for readers and tests.
std::string bar(const char* cls, const std::string& dim, std::int64_t used, std::int64_t alloc,
                std::int64_t stranded, const std::string& extra = "") {
  const double u = ClusterReport::ratio(used, alloc);
  const double over =
      alloc > 0 && used > alloc ? static_cast<double>(used) / static_cast<double>(alloc) : u;
  const double w = std::min(1.0, over);
  std::string title = fmt::format("{}: {} of {} ({})", dim, format_amount(dim, used),
                                  format_amount(dim, alloc), pct_text(over));
  if (stranded > 0) title += fmt::format(", {} stranded", format_amount(dim, stranded));
  std::string s = fmt::format(
      "<td class=\"bar {}\" title=\"{}\"><span><b class=\"{}\" style=\"width:{:.1f}%\"></b>", cls,
      esc(title), util_class(over), 100.0 * w);
  if (stranded > 0 && alloc > 0) {
    const double sw = std::min(1.0 - w, static_cast<double>(stranded) / static_cast<double>(alloc));
    s += fmt::format("<s style=\"left:{:.1f}%;width:{:.1f}%\"></s>", 100.0 * w, 100.0 * sw);
  }
  s += fmt::format("</span>{}{}</td>", pct_text(over), extra);
  return s;
}

std::string units_text(const std::vector<UnitShare>& units, std::size_t limit = 12) {
  std::string out;
  for (std::size_t k = 0; k < units.size() && k < limit; ++k) {
    if (!out.empty()) out += ", ";
    out += esc(units[k].unit);
    if (units[k].instances > 1) out += fmt::format(" &times;{}", units[k].instances);
  }
  if (units.size() > limit) out += fmt::format(", &hellip; {} more units", units.size() - limit);
  return out;
}

struct Totals {
  std::vector<std::int64_t> used, alloc, stranded;
  std::vector<double> lo, hi;  // least and most utilization of a machine
  std::size_t machines = 0, up = 0, instances = 0;
  explicit Totals(std::size_t dims)
      : used(dims, 0), alloc(dims, 0), stranded(dims, 0), lo(dims, 1e300), hi(dims, -1.0) {}
  void add(const MachineUsage& m, bool is_up) {
    ++machines;
    up += is_up ? 1 : 0;
    instances += m.instances;
    for (std::size_t d = 0; d < used.size(); ++d) {
      used[d] += m.used[d];
      alloc[d] += m.allocatable[d];
      stranded[d] += m.stranded[d];
      const double u = ClusterReport::ratio(m.used[d], m.allocatable[d]);
      lo[d] = std::min(lo[d], u);
      hi[d] = std::max(hi[d], u);
    }
  }
};

std::string metadata_text(const Metadata& md) {
  std::string out;
  for (const auto& [k, values] : md) {
    if (!out.empty()) out += " ";
    out += k;
    if (!values.empty()) out += fmt::format("={}", fmt::join(values, ","));
  }
  return out;
}

/// One page being written: the report and the choices every section shares (which dimensions
/// get a bar, how machines are grouped, whether each machine gets its own row).
struct Page {
  const Spec& spec;
  const PlacementResult& result;
  const PlacementHtmlOptions& options;
  ClusterReport rep;
  std::vector<std::size_t> dims;  ///< indices into rep.dimensions that get a bar
  std::map<std::string, const Machine*> by_name;
  /// Groups in display order: by the value of the group key (natural order), machines
  /// without it last.
  std::vector<std::pair<std::string, std::vector<const MachineUsage*>>> ordered;
  bool detailed = false;  ///< one row per machine (else machine classes, opened on demand)
  std::string h;

  Page(const Spec& s, const PlacementResult& r, const PlacementHtmlOptions& o)
      : spec(s), result(r), options(o), rep(report_of(s, r)) {}

  static ClusterReport report_of(const Spec& spec, const PlacementResult& result) {
    Spec placed = spec;
    placed.placements = result.placements;
    return build_report(placed);
  }

  const std::string& dim_name(std::size_t d) const { return rep.dimensions[d]; }
  const Machine& machine_of(const MachineUsage& mu) const { return *by_name.at(mu.name); }
  bool is_up(const MachineUsage& mu) const { return machine_of(mu).state == MachineState::Up; }

  void prepare();
  void summary();
  std::string table_head(const char* first) const;
  std::string machine_row(const MachineUsage& mu) const;
  void machines();
  void group(const std::string& name, const std::vector<const MachineUsage*>& members);
  void class_table(const std::vector<const MachineUsage*>& members);
  void class_row(const std::string& label, const std::vector<const MachineUsage*>& ms);
  void pending();
  void preemptions_and_warnings();
};

/// Picks the dimensions, indexes the machines and orders the groups.
void Page::prepare() {
  // Only dimensions some machine has: a bar of nothing tells nobody anything.
  for (std::size_t d = 0; d < rep.dimensions.size(); ++d) {
    const bool any = std::any_of(rep.machines.begin(), rep.machines.end(),
                                 [&](const MachineUsage& m) { return m.allocatable[d] > 0; });
    if (any) dims.push_back(d);
  }
  for (const Machine& m : spec.machines) by_name.emplace(m.name, &m);

  // Groups by the value of the key (natural order), machines without it last.
  const std::string none_label = options.group_by.empty()
                                     ? std::string("all machines")
                                     : fmt::format("(no {})", options.group_by);
  std::map<std::string, std::vector<const MachineUsage*>> groups;
  std::vector<const MachineUsage*> ungrouped;
  for (const MachineUsage& mu : rep.machines) {
    const Metadata& md = machine_of(mu).metadata;
    auto it = options.group_by.empty() ? md.end() : md.find(options.group_by);
    if (it == md.end() || it->second.empty())
      ungrouped.push_back(&mu);
    else
      groups[it->second.front()].push_back(&mu);
  }
  ordered.assign(groups.begin(), groups.end());
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto& a, const auto& b) { return natural_less(a.first, b.first); });
  if (!ungrouped.empty()) ordered.emplace_back(none_label, std::move(ungrouped));
  detailed = rep.machines.size() <= options.detail_limit;
}

/// The page head, the summary table (totals per dimension) and the colour scale.
void Page::summary() {
  Totals all(rep.dimensions.size());
  for (const MachineUsage& mu : rep.machines) all.add(mu, is_up(mu));

  h.reserve(512 + rep.machines.size() * (160 + 130 * dims.size()));
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  h += fmt::format("<title>{}</title>\n<style>{}</style></head><body>\n", esc(options.title),
                   kStyle);
  h += fmt::format("<h1>{}</h1>\n<table class=\"summary\" id=\"summary\">\n", esc(options.title));
  if (!options.strategy.empty())
    h += fmt::format("<tr><td>strategy</td><td>{}</td></tr>\n", esc(options.strategy));
  h += fmt::format("<tr><td>machines</td><td>{} ({} up) in {} group(s) by {}</td></tr>\n",
                   all.machines, all.up, ordered.size(),
                   options.group_by.empty() ? "nothing" : esc(options.group_by));
  const std::size_t placed_count = result.placements.size();
  h += fmt::format(
      "<tr><td>instances</td><td>{} placed, <span class=\"{}\">{} pending</span></td></tr>\n",
      placed_count, result.pending.empty() ? "ok" : "bad", result.pending.size());
  for (std::size_t d : dims) {
    h += fmt::format("<tr><td>{}</td><td>{} of {} used ({}); {} stranded</td></tr>\n",
                     esc(dim_name(d)), esc(format_amount(dim_name(d), all.used[d])),
                     esc(format_amount(dim_name(d), all.alloc[d])),
                     pct_text(ClusterReport::ratio(all.used[d], all.alloc[d])),
                     esc(format_amount(dim_name(d), all.stranded[d])));
  }
  h += "</table>\n<p class=\"scale note\">utilization: ";
  for (int k = 0; k <= 10; ++k) h += fmt::format("<i class=\"u{}\"></i>", k);
  h += " 0&ndash;100% <i class=\"over\"></i> over capacity; hatched: <b>stranded</b>, free "
       "capacity on a machine "
       "where no unit of the spec fits any more, because another dimension is full.</p>\n";
}

/// The head of a machine table: `first` names the first column, then state, one column per
/// dimension, units.
std::string Page::table_head(const char* first) const {
  std::string s = fmt::format("<table><tr><th>{}</th><th>state</th>", first);
  for (std::size_t d : dims) s += fmt::format("<th>{}</th>", esc(dim_name(d)));
  return s + "<th>units</th></tr>\n";
}

/// One machine's row: name, state, one bar per dimension, units.
std::string Page::machine_row(const MachineUsage& mu) const {
  const MachineState st = machine_of(mu).state;
  std::string s = fmt::format(
      "<tr class=\"machine\" data-machine=\"{}\"><td>{}</td><td class=\"st-{}\">{}</td>",
      esc(mu.name), esc(mu.name), berth::to_string(st), berth::to_string(st));
  for (std::size_t d : dims)
    s += bar("m", dim_name(d), mu.used[d], mu.allocatable[d], mu.stranded[d]);
  return s + fmt::format("<td class=\"units\">{}</td></tr>\n", units_text(mu.units));
}

/// The Machines section: its note, then one <details> per group.
void Page::machines() {
  h += fmt::format(
      "<h2>Machines</h2>\n<p class=\"note\">{}</p>\n",
      detailed
          ? "One row per machine; hover a bar for the amounts."
          : fmt::format("{} machines: each group lists its machine classes (identical allocatable "
                        "capacity and metadata); open a class for its machines.",
                        rep.machines.size()));
  for (const auto& [name, members] : ordered) group(name, members);
}

/// One group: its aggregate in the summary line, then its machines (or machine classes).
void Page::group(const std::string& name, const std::vector<const MachineUsage*>& members) {
  Totals g(rep.dimensions.size());
  for (const MachineUsage* mu : members) g.add(*mu, is_up(*mu));
  h += fmt::format(
      "<details class=\"group\" data-group=\"{}\"{}><summary>{} <span class=\"agg\">{} "
      "machine(s), "
      "{} instance(s)",
      esc(name), detailed || ordered.size() <= 12 ? " open" : "", esc(name), g.machines,
      g.instances);
  for (std::size_t d : dims) {
    h += fmt::format("; {} {}", esc(dim_name(d)),
                     pct_text(ClusterReport::ratio(g.used[d], g.alloc[d])));
  }
  h += "</span></summary>\n";
  if (detailed) {
    h += table_head("machine");
    for (const MachineUsage* mu : members) h += machine_row(*mu);
    h += "</table>\n";
  } else {
    class_table(members);
  }
  h += "</details>\n";
}

/// A group too large for one row per machine: one row per machine class, largest first.
void Page::class_table(const std::vector<const MachineUsage*>& members) {
  // Classes: identical allocatable and metadata, the engine's own notion (cluster.hpp).
  std::map<std::pair<std::vector<std::int64_t>, std::string>, std::vector<const MachineUsage*>>
      classes;
  for (const MachineUsage* mu : members) {
    classes[{mu->allocatable, metadata_text(machine_of(*mu).metadata)}].push_back(mu);
  }
  std::vector<std::pair<std::string, std::vector<const MachineUsage*>>> rows;
  for (auto& [key, ms] : classes) {
    std::string label;
    for (std::size_t d : dims) {
      label += fmt::format("{}{} {}", label.empty() ? "" : " &middot; ",
                           esc(format_amount(dim_name(d), key.first[d])), esc(dim_name(d)));
    }
    if (!key.second.empty())
      label += fmt::format("<br><span class=\"note\">{}</span>", esc(key.second));
    rows.emplace_back(std::move(label), ms);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  h += table_head("machine class");
  for (const auto& [label, ms] : rows) class_row(label, ms);
  h += "</table>\n";
}

/// One machine class: aggregate bars with the least and most utilized machine, its units by
/// instance count, and its machines behind a <details>.
void Page::class_row(const std::string& label, const std::vector<const MachineUsage*>& ms) {
  Totals c(rep.dimensions.size());
  std::map<std::string, UnitShare> units;
  for (const MachineUsage* mu : ms) {
    c.add(*mu, is_up(*mu));
    for (const UnitShare& s : mu->units) {
      UnitShare& u = units[s.unit];
      u.unit = s.unit;
      u.instances += s.instances;
    }
  }
  std::vector<UnitShare> unit_list;
  for (auto& [n, u] : units) unit_list.push_back(std::move(u));
  std::stable_sort(unit_list.begin(), unit_list.end(), [](const UnitShare& a, const UnitShare& b) {
    return a.instances > b.instances;
  });
  h += fmt::format("<tr class=\"class\"><td>{}</td><td>{} machine(s), {} up</td>", label,
                   c.machines, c.up);
  for (std::size_t d : dims) {
    h += bar("c", dim_name(d), c.used[d], c.alloc[d], c.stranded[d],
             fmt::format(" <small class=\"note\">({}&ndash;{})</small>", pct_text(c.lo[d]),
                         pct_text(c.hi[d])));
  }
  h += fmt::format("<td class=\"units\">{}</td></tr>\n", units_text(unit_list));
  h += fmt::format(
      "<tr><td colspan=\"{}\"><details class=\"machines\"><summary>{} machine(s)</summary>\n",
      dims.size() + 3, ms.size());
  h += table_head("machine");
  for (const MachineUsage* mu : ms) h += machine_row(*mu);
  h += "</table></details></td></tr>\n";
}

/// Pending instances and why, in placement order (at most options.pending_limit rows).
void Page::pending() {
  h += "<h2>Pending</h2>\n";
  if (result.pending.empty()) {
    h += "<p class=\"ok\" id=\"pending\">Every instance is placed.</p>\n";
    return;
  }
  h += fmt::format("<table id=\"pending\"><tr><th>instance</th><th>status</th><th>why</th></tr>\n");
  for (std::size_t k = 0; k < result.pending.size() && k < options.pending_limit; ++k) {
    const Diagnosis& d = result.pending[k].diagnosis;
    const bool unschedulable = d.kind() == PendingKind::Unschedulable;
    h += fmt::format(
        "<tr class=\"pending\" data-unit=\"{}\"><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        esc(d.unit), esc(d.unit), unschedulable ? "unschedulable" : "unresolvable",
        esc(d.summary()));
  }
  h += "</table>\n";
  if (result.pending.size() > options.pending_limit) {
    h += fmt::format(
        "<p class=\"note\">&hellip; and {} more pending instances (berth place --format json "
        "lists "
        "them all).</p>\n",
        result.pending.size() - options.pending_limit);
  }
}

/// With --preempt, who evicted whom; then the result's warnings. Each only when there is one.
void Page::preemptions_and_warnings() {
  if (!result.preemptions.empty()) {
    // The victims are placed elsewhere or listed as pending.
    h += "<h2>Preemptions</h2>\n<table "
         "id=\"preemptions\"><tr><th>unit</th><th>machine</th><th>evicted</th></tr>\n";
    for (const auto& p : result.preemptions) {
      std::string victims;
      for (const auto& v : p.victims) victims += (victims.empty() ? "" : ", ") + esc(v);
      h += fmt::format("<tr class=\"preemption\"><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                       esc(p.preemptor), esc(p.machine), victims);
    }
    h += "</table>\n";
  }
  if (!result.warnings.empty()) {
    h += "<h2>Warnings</h2>\n<ul id=\"warnings\">\n";
    for (const auto& w : result.warnings) h += fmt::format("<li>{}</li>\n", esc(w));
    h += "</ul>\n";
  }
}

}  // namespace

std::string placement_html(const Spec& spec, const PlacementResult& result,
                           const PlacementHtmlOptions& options) {
  Page page(spec, result, options);
  page.prepare();
  page.summary();
  page.machines();
  page.pending();
  page.preemptions_and_warnings();
  page.h += "</body></html>\n";
  return std::move(page.h);
}

}  // namespace berth::plan
