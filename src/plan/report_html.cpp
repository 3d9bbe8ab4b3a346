// HTML report: one self-contained file (inline CSS and SVG, no script, no network), so it can
// be mailed, attached to a ticket or opened from a CI artifact.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <functional>

#include "berth/plan/report.hpp"

namespace berth::plan {
namespace {

/// A stable colour per unit name (same unit, same colour in every chart and report).
std::string unit_colour(const std::string& unit) {
  std::uint32_t h = 2166136261u;
  for (unsigned char ch : unit) h = (h ^ ch) * 16777619u;
  const unsigned hue = h % 360;
  const unsigned sat = 45 + (h >> 9) % 30;
  const unsigned light = 45 + (h >> 17) % 20;
  return fmt::format("hsl({},{}%,{}%)", hue, sat, light);
}

std::string pct(std::int64_t part, std::int64_t whole) {
  return fmt::format("{:.1f}%", 100.0 * ClusterReport::ratio(part, whole));
}

constexpr const char* kStyle = R"(
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde;padding-bottom:4px}
table{border-collapse:collapse;margin:6px 0 12px}th,td{padding:4px 10px;border-bottom:1px solid #eef;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f4f6fb;font-weight:600}
table.summary td{text-align:left}table.summary td:first-child{color:#566;font-weight:600}
.ok{color:#17803d;font-weight:600}.bad{color:#b42318;font-weight:600}
svg.bars{display:block;margin:4px 0 16px;font:12px system-ui,sans-serif}
.legend span{display:inline-block;margin:2px 10px 2px 0;white-space:nowrap}
.legend i{display:inline-block;width:11px;height:11px;margin-right:4px;vertical-align:-1px;border-radius:2px}
.note{color:#566;font-size:13px}
)";

/// The cost table: machines and cost per type, and the total.
void cost_html(std::string& h, const ClusterReport& report) {
  h += "<h2>Cost</h2>\n<table id=\"cost\"><tr><th>machine type</th><th>count</th><th>cost "
       "each</th><th>cost</th><th>share</th></tr>\n";
  for (const TypeUsage& t : report.types) {
    h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                     t.type.empty() ? "(existing machines)" : html_escape(t.type), t.count,
                     format_cost(t.cost_each), format_cost(t.cost), pct(t.cost, report.total_cost));
  }
  h += fmt::format("<tr><th>total</th><th>{}</th><th></th><th>{}</th><th></th></tr></table>\n",
                   report.machines.size(), format_cost(report.total_cost));
}

/// Utilization and stranded capacity per type.
void types_html(std::string& h, const ClusterReport& report) {
  const auto& dims = report.dimensions;
  h += "<h2>Utilization by machine type</h2>\n<table id=\"types\"><tr><th>machine "
       "type</th><th>count</th>";
  for (const auto& d : dims)
    h += fmt::format("<th>{} used</th><th>{} stranded</th>", html_escape(d), html_escape(d));
  h += "</tr>\n";
  for (const TypeUsage& t : report.types) {
    h += fmt::format("<tr><td>{}</td><td>{}</td>",
                     t.type.empty() ? "(existing machines)" : html_escape(t.type), t.count);
    for (std::size_t d = 0; d < dims.size(); ++d) {
      h += fmt::format(
          "<td>{} of {} ({})</td><td>{}</td>", html_escape(format_amount(dims[d], t.used[d])),
          html_escape(format_amount(dims[d], t.allocatable[d])), pct(t.used[d], t.allocatable[d]),
          t.stranded[d] == 0 ? std::string("-")
                             : html_escape(format_amount(dims[d], t.stranded[d])));
    }
    h += "</tr>\n";
  }
  h += "</table>\n<p class=\"note\">Stranded: free capacity on machines where no unit of the "
       "workload fits any more, "
       "because another dimension is full.</p>\n";
}

/// The "Machines" heading and its legend: the units, in order of total footprint.
void legend_html(std::string& h, const ClusterReport& report) {
  const auto& dims = report.dimensions;
  std::map<std::string, double> footprint;
  for (const MachineUsage& m : report.machines) {
    for (const UnitShare& s : m.units) {
      for (std::size_t d = 0; d < dims.size(); ++d)
        footprint[s.unit] += ClusterReport::ratio(s.amount[d], m.allocatable[d]);
    }
  }
  std::vector<std::pair<std::string, double>> units(footprint.begin(), footprint.end());
  std::stable_sort(units.begin(), units.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  h += "<h2>Machines</h2>\n<div class=\"legend\" id=\"legend\">";
  for (std::size_t k = 0; k < units.size() && k < 60; ++k) {
    h += fmt::format("<span><i style=\"background:{}\"></i>{}</span>", unit_colour(units[k].first),
                     html_escape(units[k].first));
  }
  if (units.size() > 60) h += fmt::format("<span>... and {} more units</span>", units.size() - 60);
  h += "</div>\n";
}

/// One chart per dimension: a bar per machine, as long as its allocatable (relative to the
/// largest machine), filled by unit, with stranded room hatched.
void charts_html(std::string& h, const ClusterReport& report) {
  const auto& dims = report.dimensions;
  constexpr int kLabel = 190, kBar = 560, kRow = 20, kTop = 22, kRight = 70;
  for (std::size_t d = 0; d < dims.size(); ++d) {
    std::int64_t largest = 0;
    for (const MachineUsage& m : report.machines) largest = std::max(largest, m.allocatable[d]);
    if (largest <= 0) continue;
    const int height = kTop + kRow * static_cast<int>(report.machines.size()) + 8;
    const int width = kLabel + kBar + kRight;
    h += fmt::format(
        "<h3>{}</h3>\n<svg class=\"bars\" data-dimension=\"{}\" "
        "xmlns=\"http://www.w3.org/2000/svg\" "
        "width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{} per "
        "machine\">\n",
        html_escape(dims[d]), html_escape(dims[d]), width, height, width, height,
        html_escape(dims[d]));
    h += fmt::format(
        "<defs><pattern id=\"hatch-{}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
        "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fde8e6\"/>"
        "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#d9534f\" "
        "stroke-width=\"2\"/></pattern></defs>\n",
        d);
    h += fmt::format(
        "<text x=\"{}\" y=\"14\" fill=\"#566\">0</text><text x=\"{}\" y=\"14\" text-anchor=\"end\" "
        "fill=\"#566\">{}</text>\n",
        kLabel, kLabel + kBar, html_escape(format_amount(dims[d], largest)));
    int y = kTop;
    for (const MachineUsage& m : report.machines) {
      const double scale = static_cast<double>(kBar) / static_cast<double>(largest);
      const double cap_w = static_cast<double>(m.allocatable[d]) * scale;
      h += fmt::format("<g class=\"machine\" data-machine=\"{}\">", html_escape(m.name));
      h += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", kLabel - 6, y + 13,
                       html_escape(m.name));
      h += fmt::format(
          "<rect class=\"capacity\" x=\"{}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" "
          "fill=\"#eef1f6\" stroke=\"#c5cbd6\">"
          "<title>{}: {} allocatable</title></rect>",
          kLabel, y + 2, cap_w, kRow - 4, html_escape(m.name),
          html_escape(format_amount(dims[d], m.allocatable[d])));
      double x = kLabel;
      for (const UnitShare& s : m.units) {
        if (s.amount[d] <= 0) continue;
        const double w = static_cast<double>(s.amount[d]) * scale;
        h += fmt::format(
            "<rect class=\"unit\" data-unit=\"{}\" x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" "
            "height=\"{}\" fill=\"{}\">"
            "<title>{} x{}: {} on {}</title></rect>",
            html_escape(s.unit), x, y + 2, w, kRow - 4, unit_colour(s.unit), html_escape(s.unit),
            s.instances, html_escape(format_amount(dims[d], s.amount[d])), html_escape(m.name));
        x += w;
      }
      if (m.stranded[d] > 0) {
        const double w = static_cast<double>(m.stranded[d]) * scale;
        h += fmt::format(
            "<rect class=\"stranded\" x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" "
            "fill=\"url(#hatch-{})\">"
            "<title>{} stranded on {}</title></rect>",
            x, y + 2, w, kRow - 4, d, html_escape(format_amount(dims[d], m.stranded[d])),
            html_escape(m.name));
      }
      h += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#566\">{}</text></g>\n", kLabel + kBar + 6,
                       y + 13, pct(m.used[d], m.allocatable[d]));
      y += kRow;
    }
    h += "</svg>\n";
  }
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string report_html(const ClusterReport& report, const std::string& title,
                        const std::vector<std::pair<std::string, std::string>>& summary,
                        const std::string& extra_html) {
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  h += fmt::format("<title>{}</title>\n<style>{}</style></head><body>\n", html_escape(title),
                   kStyle);
  h += fmt::format("<h1>{}</h1>\n", html_escape(title));
  h += "<table class=\"summary\" id=\"summary\">\n";
  for (const auto& [k, v] : summary)
    h += fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", html_escape(k), v);
  h += "</table>\n";
  h += extra_html;

  cost_html(h, report);
  types_html(h, report);
  legend_html(h, report);
  charts_html(h, report);
  if (!report.pending.empty()) {
    h += fmt::format("<h2>Not placed</h2>\n<p class=\"bad\">{} instances have no machine.</p>\n",
                     report.pending.size());
  }
  h += "</body></html>\n";
  return h;
}

}  // namespace berth::plan
