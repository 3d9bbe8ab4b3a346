#include "berth/place/compare.hpp"

#include <algorithm>
#include <chrono>
#include <set>

#include "berth/place/place.hpp"

namespace berth {

PlacementMetrics measure_placement(const Cluster& c) {
  const std::size_t D = c.dims();
  const std::size_t M = c.machine_count();
  PlacementMetrics r;
  r.instances = c.instance_count();
  for (InstanceId i = 0; i < c.instance_count(); ++i) r.placed += c.assignment(i) != kNone ? 1 : 0;
  r.pending = r.instances - r.placed;

  // The distinct requests of the spec's units (one per unit that has instances): a machine
  // where none of them fits strands its free capacity.
  std::set<std::vector<std::int64_t>> requests;
  for (InstanceId i = 0; i < c.instance_count(); ++i)
    requests.emplace(c.request(i), c.request(i) + D);

  std::vector<std::int64_t> alloc(D, 0), stranded(D, 0);
  std::vector<double> util_sum(D, 0), peak(D, 0);
  std::vector<std::size_t> util_count(D, 0);
  for (MachineId m = 0; m < M; ++m) {
    const bool up = c.machine_state(m) == MachineState::Up;
    const bool used = !c.instances_on(m).empty();
    r.machines_up += up ? 1 : 0;
    r.machines_used += used ? 1 : 0;
    for (std::size_t d = 0; d < D; ++d) {
      const std::int64_t a = c.allocatable(m)[d];
      if (a <= 0) continue;
      const double u = static_cast<double>(c.used(m)[d]) / static_cast<double>(a);
      peak[d] = std::max(peak[d], u);
      if (used) {
        util_sum[d] += u;
        ++util_count[d];
      }
      if (up) alloc[d] += a;
    }
    if (!up) continue;
    bool fits_some = false;
    for (const auto& req : requests) {
      bool fits = true;
      for (std::size_t d = 0; d < D && fits; ++d) fits = c.free(m, d) >= req[d];
      if (fits) {
        fits_some = true;
        break;
      }
    }
    if (fits_some) continue;
    for (std::size_t d = 0; d < D; ++d) stranded[d] += std::max<std::int64_t>(c.free(m, d), 0);
  }
  for (std::size_t d = 0; d < D; ++d) {
    if (alloc[d] <= 0) continue;
    DimensionMetrics dm;
    dm.name = c.dimension_names()[d];
    dm.allocatable = alloc[d];
    dm.mean_utilization = util_count[d] ? util_sum[d] / static_cast<double>(util_count[d]) : 0.0;
    dm.peak_utilization = peak[d];
    dm.stranded = stranded[d];
    dm.stranded_fraction = static_cast<double>(stranded[d]) / static_cast<double>(alloc[d]);
    r.dimensions.push_back(std::move(dm));
  }
  return r;
}

std::vector<PlacementMetrics> compare_strategies(const Spec& spec,
                                                 const std::vector<std::string>& strategies) {
  std::vector<PlaceOptions> options;
  for (const std::string& name : strategies)
    options.push_back(place_options_for(name));  // all names first
  std::vector<PlacementMetrics> out;
  // One untimed compile first, so that the first strategy does not pay alone for cold caches
  // and lazily bound code.
  if (!strategies.empty()) (void)Cluster::build(spec);
  for (std::size_t k = 0; k < strategies.size(); ++k) {
    const auto start = std::chrono::steady_clock::now();
    Cluster cluster = Cluster::build(spec);
    PlacementResult result = place_on(spec, cluster, options[k]);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    PlacementMetrics m = measure_placement(cluster);
    m.strategy = strategies[k];
    m.seconds = seconds;
    m.seconds_per_placement =
        result.newly_placed ? seconds / static_cast<double>(result.newly_placed) : 0.0;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace berth
