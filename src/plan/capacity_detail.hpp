#pragma once
// The capacity planner's shared state (the Planner and the types its steps pass around),
// split out of capacity.cpp so that each step lives in a file of its own
// (src/plan/capacity_*.cpp; see capacity.cpp for the map). Internal: not installed.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "berth/constraint/metadata.hpp"
#include "berth/model/instance_name.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/place.hpp"
#include "berth/plan/capacity.hpp"
#include "berth/plan/catalogue.hpp"

namespace berth::plan::detail {

/// First value of `key` in `md`, or "".
inline std::string value_of(const Metadata& md, const std::string& key) {
  auto it = md.find(key);
  return it == md.end() || it->second.empty() ? std::string() : it->second.front();
}

using Clock = std::chrono::steady_clock;
inline constexpr std::size_t kNoType = static_cast<std::size_t>(-1);

/// A co-location group of the workload, as the planner sees it.
struct GroupInfo {
  std::vector<std::string> members;
  std::vector<std::int64_t> demand;  ///< per dimension
  std::vector<char> compatible;      ///< per machine type
  bool seedable = true;    ///< no conflicts, spread or pin: the planner may choose its machine
  bool conflicts = false;  ///< some member has conflict patterns
  bool pinned = false;
  bool global = false;
  double value = 0;  ///< dual value (what the LP says its room is worth)
};

/// A machine of a candidate plan: its type and the groups the packing put there.
struct Bin {
  std::size_t type = 0;
  std::vector<std::size_t> groups;
};

struct Candidate {
  std::string how;
  std::vector<Bin> bins;
  Micros cost = 0;
};

/// New machines (name, type) and a complete placement that berth::place accepted.
struct Working {
  std::vector<std::pair<std::string, std::size_t>> machines;
  std::map<std::string, std::string> placements;
  bool placed = false;
};

class Planner {
 public:
  Planner(const Spec& workload, const Catalogue& catalogue, const CapacityOptions& options)
      : workload_(workload),
        unit_names_(workload.units),
        cat_(catalogue),
        opt_(options),
        start_(Clock::now()) {}

  CapacityPlan run();

 private:
  void analyse();
  std::vector<Candidate> candidates();
  Candidate single_type(std::size_t t, const std::vector<std::size_t>& items);
  /// by_share: fill each type's machine largest-first relative to that type's capacity
  /// (instead of most valuable first), a second opinion for types of different shapes.
  Candidate greedy_mix(const std::vector<std::size_t>& items, bool by_share = false);
  void refine(Candidate& c);
  std::vector<std::size_t> pack_bins(std::size_t t, const std::vector<std::size_t>& items,
                                     std::size_t* bins);
  Micros cost_of(const Candidate& c) const;
  Micros cost_of(const Working& w) const;

  std::string next_name(std::size_t type);
  Spec spec_of(const Working& w) const;
  PlacementResult try_place(const Working& w);
  bool materialise(const Candidate& c, Working& out);
  bool repair(Working& w);
  /// Lists group g as unplaceable (`why`: the diagnosis of its first pending member) and
  /// leaves it out of the search from now on.
  void mark_unresolvable(std::size_t g, const Diagnosis& why);
  /// Records u and keeps its instances out of every later step.
  void unplace(Unplaceable u);
  /// Why each catalogue type refuses group g (analyse(): no type can take it).
  std::vector<Unplaceable::TypeRefusal> type_refusals(const Cluster& c0, std::size_t g) const;
  /// Which catalogue types and existing machines a unit may use is the pipeline's to say (its
  /// class filters: metadata, then taints), never a check of the planner's own: a probe
  /// cluster holds the workload's machines, one machine per catalogue type and the workload's
  /// units, and is asked through Cluster::class_verdict.
  void build_probe();
  /// "" when unit may run on machines of type t, else the filter's line (`zone!=a`, a taint).
  std::string type_refusal(const std::string& unit, std::size_t t) const;
  bool admits_type(const std::string& unit, std::size_t t) const {
    return type_refusal(unit, t).empty();
  }
  bool admits_machine(const std::string& unit, const std::string& machine) const;
  std::optional<Cluster> probe_;
  std::vector<MachineId> type_exemplar_;      ///< per type: its machine in probe_
  std::map<std::string, UnitId> probe_unit_;  ///< unit name -> id in probe_
  /// The catalogue's values of each spread key are the unit's domains (kube's minDomains
  /// idea): a single-zone plan would satisfy a zone spread trivially.
  void find_spread_domains();
  /// Adds to `out` one machine (the cheapest type the unit can use there) in every domain of a
  /// spread unit that has none: with the domain present, the engine's own spread rule deals
  /// the replicas over all of them (12 over a, b, c: 4/4/4).
  void add_spread_domains(Working& out);
  /// False when some spread unit's placed instances, counted over all its catalogue domains
  /// (empty ones included), are more than max_skew apart: what improve() must not produce by
  /// removing a domain's last machine.
  bool spread_over_domains(const PlacementResult& r, const Working& w) const;
  struct SpreadDomains {
    std::string key;
    int max_skew = 1;
    std::vector<std::string> domains;
  };
  std::map<std::string, SpreadDomains> spread_domains_;  ///< unit -> its catalogue domains
  /// Buys one machine for the instance `pending`, of a type its group can use, outside
  /// `avoid_zone`; `pending` null: for no instance in particular (a headroom that asks to lose
  /// every machine), any type. False when no type is left.
  bool add_machine_for(Working& w, const std::string* pending, const std::string& avoid_zone,
                       int attempt);
  void improve(Working& w, bool with_headroom);
  bool holds(const Working& w, bool stop_early);
  void grow_for_headroom(Working& w);
  bool zone_balanced(Working& out);
  void rename(Working& w);
  void bounds(CapacityPlan& plan);
  // bounds, section by section (capacity_bounds.cpp): each returns its bound (0: none) and
  // records it in plan.bounds.
  std::vector<std::int64_t> existing_allocatable(const Cluster& c0,
                                                 const std::string& skip_zone) const;
  Micros packing_bound(const std::vector<std::size_t>& usable, CapacityPlan& plan) const;
  Micros conflict_bound(const Cluster& c0, CapacityPlan& plan) const;
  Micros spread_bound(CapacityPlan& plan) const;
  Micros headroom_bound(const Cluster& c0, const std::vector<std::int64_t>& demand, Micros base,
                        CapacityPlan& plan) const;
  std::map<std::string, std::string> seeds_without(const Working& w,
                                                   const std::set<std::string>& machines) const;
  bool out_of_time(double budget) const;
  void progress(std::string_view phase, std::size_t done, std::size_t total) const {
    if (opt_.progress) opt_.progress(phase, done, total);
  }

  const Spec& workload_;
  UnitNameIndex unit_names_;  ///< splits the instance names of placements (web@3 -> web)
  std::string unit_of(const std::string& instance) const { return unit_names_.unit_of(instance); }
  const Catalogue& cat_;
  const CapacityOptions& opt_;
  Clock::time_point start_;
  std::vector<std::string> dims_;
  std::vector<std::vector<std::int64_t>> eff_;  ///< per type: allocatable minus global units
  std::vector<std::string> type_zone_;
  std::vector<GroupInfo> groups_;
  std::map<std::string, std::size_t> group_of_;  ///< instance -> group
  std::vector<std::size_t> items_;               ///< groups to place on new machines
  std::map<std::string, std::string> fixed_;     ///< placements on existing machines
  std::set<std::string> global_units_;
  std::set<std::string> names_in_use_;
  std::vector<std::size_t> name_counter_;
  std::vector<Unplaceable> unplaceable_;
  std::set<std::string> unplaceable_instances_;
  std::vector<double> prices_;
  std::vector<std::string> notes_;
  std::size_t runs_ = 0;
  std::size_t added_for_headroom_ = 0;
  std::vector<char> allowed_;         ///< per type: may the greedy mix use it now
  std::vector<std::int64_t> in_use_;  ///< per type: machines the current plan already has
};

}  // namespace berth::plan::detail
