#include "berth/plan/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "berth/place/cluster.hpp"

namespace berth::plan {

double ClusterReport::ratio(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return 0;
  return static_cast<double>(part) / static_cast<double>(whole);
}

namespace {

/// Each unit's requests as a vector over the cluster's dimensions (units that ask for nothing
/// left out): what a machine's free room is compared with.
std::vector<std::vector<std::int64_t>> unit_request_vectors(const Cluster& c,
                                                            const std::vector<std::string>& dims) {
  std::vector<std::vector<std::int64_t>> out;
  for (UnitId u = 0; u < c.unit_count(); ++u) {
    std::vector<std::int64_t> r(dims.size());
    bool any = false;
    for (std::size_t d = 0; d < dims.size(); ++d) {
      r[d] = c.unit(u).requests.get(dims[d]);
      any = any || r[d] > 0;
    }
    if (any) out.push_back(std::move(r));
  }
  return out;
}

/// Smallest non-zero request per dimension over the workload's units: a machine whose free
/// room is below it in some dimension is "full" there.
std::vector<std::int64_t> smallest_requests(const std::vector<std::vector<std::int64_t>>& requests,
                                            std::size_t D) {
  std::vector<std::int64_t> min_request(D, 0);
  for (std::size_t d = 0; d < D; ++d) {
    for (const auto& r : requests) {
      if (r[d] > 0 && (min_request[d] == 0 || r[d] < min_request[d])) min_request[d] = r[d];
    }
  }
  return min_request;
}

TypeUsage empty_type_usage(const std::string& type, std::size_t D) {
  TypeUsage tu;
  tu.type = type;
  tu.allocatable.assign(D, 0);
  tu.used.assign(D, 0);
  tu.stranded.assign(D, 0);
  return tu;
}

/// One machine's row: its type and cost, allocatable and used room, the units on it (largest
/// share first), and its stranded room: free room no unit of the workload fits in, in the
/// dimensions where it is not "full".
MachineUsage machine_usage(const Cluster& c, MachineId m,
                           const std::map<std::string, std::string>& machine_type,
                           const Catalogue* catalogue,
                           const std::vector<std::vector<std::int64_t>>& unit_requests,
                           const std::vector<std::int64_t>& min_request) {
  const std::size_t D = c.dims();
  MachineUsage mu;
  mu.name = c.machine_name(m);
  auto it = machine_type.find(mu.name);
  mu.type = it == machine_type.end() ? "" : it->second;
  if (catalogue && !mu.type.empty()) {
    int t = catalogue->find(mu.type);
    if (t >= 0) mu.cost = catalogue->types[static_cast<std::size_t>(t)].cost;
  }
  mu.allocatable.assign(c.allocatable(m), c.allocatable(m) + D);
  mu.used.assign(c.used(m), c.used(m) + D);
  mu.stranded.assign(D, 0);
  std::map<std::string, UnitShare> shares;
  for (InstanceId i : c.instances_on(m)) {
    const std::string& unit = c.unit(c.instance(i).unit).name;
    UnitShare& s = shares[unit];
    s.unit = unit;
    s.amount.resize(D, 0);
    ++s.instances;
    for (std::size_t d = 0; d < D; ++d) s.amount[d] += c.request(i)[d];
    ++mu.instances;
  }
  for (auto& [name, s] : shares) mu.units.push_back(std::move(s));
  std::stable_sort(mu.units.begin(), mu.units.end(), [&](const UnitShare& a, const UnitShare& b) {
    double sa = 0, sb = 0;
    for (std::size_t d = 0; d < D; ++d) {
      sa = std::max(sa, ClusterReport::ratio(a.amount[d], mu.allocatable[d]));
      sb = std::max(sb, ClusterReport::ratio(b.amount[d], mu.allocatable[d]));
    }
    return sa > sb;
  });
  if (c.machine_state(m) == MachineState::Up && !unit_requests.empty()) {
    std::vector<std::int64_t> free(D);
    for (std::size_t d = 0; d < D; ++d) free[d] = mu.allocatable[d] - mu.used[d];
    bool some_fits = std::any_of(unit_requests.begin(), unit_requests.end(),
                                 [&](const std::vector<std::int64_t>& r) {
                                   for (std::size_t d = 0; d < D; ++d) {
                                     if (r[d] > free[d]) return false;
                                   }
                                   return true;
                                 });
    if (!some_fits) {
      for (std::size_t d = 0; d < D; ++d) {
        const bool full = min_request[d] > 0 && free[d] < min_request[d];
        if (!full && free[d] > 0) mu.stranded[d] = free[d];
      }
    }
  }
  return mu;
}

/// Adds a machine's row to its type's totals (a type first seen here goes after the
/// catalogue's).
void add_to_type(ClusterReport& rep, std::map<std::string, std::size_t>& type_index,
                 const MachineUsage& mu) {
  const std::size_t D = mu.allocatable.size();
  auto ti = type_index.find(mu.type);
  if (ti == type_index.end()) {
    ti = type_index.emplace(mu.type, rep.types.size()).first;
    rep.types.push_back(empty_type_usage(mu.type, D));
  }
  TypeUsage& tu = rep.types[ti->second];
  ++tu.count;
  tu.cost += mu.cost;
  if (tu.cost_each == 0) tu.cost_each = mu.cost;
  for (std::size_t d = 0; d < D; ++d) {
    tu.allocatable[d] += mu.allocatable[d];
    tu.used[d] += mu.used[d];
    tu.stranded[d] += mu.stranded[d];
  }
}

/// Types with no machine are left out; existing machines ("") go last.
void keep_types_in_use(ClusterReport& rep) {
  std::vector<TypeUsage> kept;
  for (const auto& t : rep.types) {
    if (t.count > 0 && !t.type.empty()) kept.push_back(t);
  }
  for (const auto& t : rep.types) {
    if (t.count > 0 && t.type.empty()) kept.push_back(t);
  }
  rep.types = std::move(kept);
}

/// Dimensions nobody offers and nobody asks for (disk, usually) only add empty columns.
void drop_empty_dimensions(ClusterReport& rep,
                           const std::vector<std::vector<std::int64_t>>& unit_requests) {
  const std::size_t D = rep.dimensions.size();
  std::vector<std::size_t> keep;
  for (std::size_t d = 0; d < D; ++d) {
    bool any = false;
    for (const auto& m : rep.machines) any = any || m.allocatable[d] != 0 || m.used[d] != 0;
    for (const auto& r : unit_requests) any = any || r[d] != 0;
    if (any) keep.push_back(d);
  }
  if (keep.size() == D) return;
  auto pick = [&](std::vector<std::int64_t>& v) {
    std::vector<std::int64_t> out;
    for (std::size_t d : keep) out.push_back(v[d]);
    v = std::move(out);
  };
  std::vector<std::string> names;
  for (std::size_t d : keep) names.push_back(rep.dimensions[d]);
  rep.dimensions = std::move(names);
  for (auto& m : rep.machines) {
    pick(m.allocatable);
    pick(m.used);
    pick(m.stranded);
    for (auto& u : m.units) pick(u.amount);
  }
  for (auto& t : rep.types) {
    pick(t.allocatable);
    pick(t.used);
    pick(t.stranded);
  }
}

}  // namespace

ClusterReport build_report(const Spec& spec, const std::map<std::string, std::string>& machine_type,
                           const Catalogue* catalogue) {
  ClusterReport rep;
  // Not strict: a unit that contradicts itself is pending (unresolvable) in the placement this
  // report shows, so it must not make the report throw; for other specs this changes nothing.
  Cluster c = Cluster::build(spec, BuildOptions{false});
  rep.dimensions = c.dimension_names();
  const std::size_t D = c.dims();
  const auto unit_requests = unit_request_vectors(c, rep.dimensions);
  const std::vector<std::int64_t> min_request = smallest_requests(unit_requests, D);

  // The catalogue's types first, in its order, with their price.
  std::map<std::string, std::size_t> type_index;
  if (catalogue) {
    for (const auto& t : catalogue->types) {
      TypeUsage tu = empty_type_usage(t.name, D);
      tu.cost_each = t.cost;
      type_index[t.name] = rep.types.size();
      rep.types.push_back(std::move(tu));
    }
  }
  for (MachineId m = 0; m < c.machine_count(); ++m) {
    MachineUsage mu = machine_usage(c, m, machine_type, catalogue, unit_requests, min_request);
    rep.instances += mu.instances;
    rep.total_cost += mu.cost;
    add_to_type(rep, type_index, mu);
    rep.machines.push_back(std::move(mu));
  }
  keep_types_in_use(rep);
  for (InstanceId i = 0; i < c.instance_count(); ++i) {
    if (c.assignment(i) == kNone) rep.pending.push_back(c.instance(i).name);
  }
  drop_empty_dimensions(rep, unit_requests);
  return rep;
}

std::string format_type_table(const ClusterReport& report) {
  std::string out = fmt::format("{:<20} {:>5} {:>12} {:>12}", "type", "count", "cost each", "cost");
  for (const auto& d : report.dimensions)
    out += fmt::format("  {:>10} {:>16}", d + " used", "stranded");
  out += "\n";
  for (const TypeUsage& t : report.types) {
    out += fmt::format("{:<20} {:>5} {:>12} {:>12}", t.type.empty() ? "(existing)" : t.type,
                       t.count, format_cost(t.cost_each), format_cost(t.cost));
    for (std::size_t d = 0; d < report.dimensions.size(); ++d) {
      out += fmt::format("  {:>9.1f}% {:>16}",
                         100.0 * ClusterReport::ratio(t.used[d], t.allocatable[d]),
                         t.stranded[d] == 0 ? std::string("-")
                                            : format_amount(report.dimensions[d], t.stranded[d]));
    }
    out += "\n";
  }
  out += fmt::format("{:<20} {:>5} {:>12} {:>12}\n", "total", report.machines.size(), "",
                     format_cost(report.total_cost));
  return out;
}

std::string format_machine_table(const ClusterReport& report) {
  std::size_t width = 8;
  for (const auto& m : report.machines) width = std::max(width, m.name.size());
  std::string out = fmt::format("{:<{}} {:<14} {:>5}", "machine", width, "type", "units");
  for (const auto& d : report.dimensions) out += fmt::format(" {:>8}", d);
  out += "  top units\n";
  for (const MachineUsage& m : report.machines) {
    out += fmt::format("{:<{}} {:<14} {:>5}", m.name, width, m.type.empty() ? "(existing)" : m.type,
                       m.instances);
    for (std::size_t d = 0; d < report.dimensions.size(); ++d) {
      out += fmt::format(" {:>7.1f}%", 100.0 * ClusterReport::ratio(m.used[d], m.allocatable[d]));
    }
    std::string top;
    for (std::size_t k = 0; k < m.units.size() && k < 3; ++k) {
      top += fmt::format("{}{} x{}", k ? ", " : "  ", m.units[k].unit, m.units[k].instances);
    }
    if (m.units.size() > 3) top += fmt::format(", +{} more", m.units.size() - 3);
    out += top + "\n";
  }
  return out;
}

}  // namespace berth::plan
