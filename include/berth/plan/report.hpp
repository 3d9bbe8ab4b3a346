#pragma once
/// \file What a placed cluster looks like, per machine and per machine type: used and free
/// capacity, what each unit takes, stranded capacity and cost. One model feeds the text,
/// JSON and HTML reports, so they always show the same numbers.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "berth/export.hpp"
#include "berth/model/spec.hpp"
#include "berth/plan/catalogue.hpp"

namespace berth::plan {

/// One unit's share of one machine (all its instances there added up).
struct UnitShare {
  std::string unit;
  std::size_t instances = 0;
  std::vector<std::int64_t> amount;  ///< per dimension
};

struct MachineUsage {
  std::string name;
  std::string type;  ///< "" for machines that are not from the catalogue
  Micros cost = 0;
  std::vector<std::int64_t> allocatable;  ///< per dimension
  std::vector<std::int64_t> used;
  /// Free but unusable: no unit of the workload fits in what is left, because some other
  /// dimension is (nearly) full. Zero on machines where some unit still fits.
  std::vector<std::int64_t> stranded;
  std::vector<UnitShare> units;  ///< largest first
  std::size_t instances = 0;
};

struct TypeUsage {
  std::string type;  ///< "" = existing machines
  std::size_t count = 0;
  Micros cost_each = 0;
  Micros cost = 0;
  std::vector<std::int64_t> allocatable;  ///< summed over the type's machines
  std::vector<std::int64_t> used;
  std::vector<std::int64_t> stranded;
};

struct BERTH_API ClusterReport {
  std::vector<std::string> dimensions;
  std::vector<MachineUsage> machines;  ///< natural name order
  std::vector<TypeUsage> types;        ///< catalogue order, existing machines last
  Micros total_cost = 0;
  std::size_t instances = 0;
  std::vector<std::string> pending;  ///< instances with no machine

  /// used / allocatable in [0, 1] (0 when nothing is allocatable).
  static double ratio(std::int64_t part, std::int64_t whole);
};

/// Builds the report of `spec` as placed by `spec.placements`. `machine_type` maps machine
/// names to catalogue types (missing = not from the catalogue, cost 0).
BERTH_API ClusterReport build_report(const Spec& spec,
                                     const std::map<std::string, std::string>& machine_type = {},
                                     const Catalogue* catalogue = nullptr);

/// The per-type table (count, cost, utilization and stranded per dimension) as text.
BERTH_API std::string format_type_table(const ClusterReport& report);
/// One line per machine: type, units, utilization per dimension.
BERTH_API std::string format_machine_table(const ClusterReport& report);

/// Self-contained HTML (inline CSS and SVG, no scripts, no network): a title, free-form
/// summary rows, the per-type table, the cost breakdown and, for every resource dimension,
/// an SVG with one bar per machine stacked by unit. `extra_html` is inserted after the summary.
BERTH_API std::string report_html(const ClusterReport& report, const std::string& title,
                                  const std::vector<std::pair<std::string, std::string>>& summary,
                                  const std::string& extra_html = "");

/// Escapes &, <, >, " for HTML text and attributes.
BERTH_API std::string html_escape(const std::string& text);

}  // namespace berth::plan
