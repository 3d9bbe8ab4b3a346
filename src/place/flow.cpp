#include "berth/place/flow.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/successive_shortest_path_nonnegative_weights.hpp>
// After the algorithm: it relies on named-parameter machinery the algorithm header brings.
#include <boost/graph/find_flow_cost.hpp>

#include <algorithm>
#include <limits>
#include <map>
#include <vector>

namespace berth {
namespace {

using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
using Graph = boost::adjacency_list<
    boost::vecS, boost::vecS, boost::directedS, boost::no_property,
    boost::property<boost::edge_capacity_t, long,
                    boost::property<boost::edge_residual_capacity_t, long,
                                    boost::property<boost::edge_reverse_t, Traits::edge_descriptor,
                                                    boost::property<boost::edge_weight_t, long>>>>>;
using Edge = Traits::edge_descriptor;

/// Adds u -> v with its zero-capacity reverse edge (what Boost's flow algorithms expect).
Edge add_arc(Graph& g, std::size_t u, std::size_t v, long capacity, long cost) {
  Edge e = boost::add_edge(u, v, g).first;
  Edge r = boost::add_edge(v, u, g).first;
  boost::put(boost::edge_capacity, g, e, capacity);
  boost::put(boost::edge_capacity, g, r, 0);
  boost::put(boost::edge_weight, g, e, cost);
  boost::put(boost::edge_weight, g, r, -cost);
  boost::put(boost::edge_reverse, g, e, r);
  boost::put(boost::edge_reverse, g, r, e);
  return e;
}

struct Type {
  std::vector<UnitId> units;  ///< pending units of one group, sorted
  std::vector<std::int64_t> demand;
  std::vector<std::size_t> groups;  ///< indexes into the caller's list, in its order
  bool one_per_machine = false;     ///< a unit of the type conflicts with every instance of one
};

/// What the steps of flow_assignment share: the cluster, the types of pending groups, and
/// per (type, machine) how many copies fit now.
struct FlowProblem {
  const Cluster& c;
  std::size_t D, M, T = 0, K;
  std::vector<Type> types;
  std::vector<std::int64_t> fit;    ///< per (type, machine), t * M + m
  std::int64_t instances = 0;       ///< groups of every type
  std::vector<std::int64_t> slots;  ///< per machine: copies of the mean instance that fit
  std::vector<MachineId> by_rank;   ///< machines with a slot, cheapest first
  std::vector<long> machine_cost;   ///< per machine
};

/// Equivalence classes of groups: same pending units (so same demand and metadata). Pinned and
/// partly placed groups are left to the caller.
void group_types(FlowProblem& p, const std::vector<GroupId>& groups) {
  const Cluster& c = p.c;
  std::map<std::vector<UnitId>, std::size_t> type_of;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const Group& grp = c.group(groups[i]);
    if (grp.pinned != kNone) continue;
    std::vector<UnitId> units;
    bool partly_placed = false;
    for (InstanceId x : grp.members) {
      if (c.assignment(x) != kNone)
        partly_placed = true;
      else
        units.push_back(c.instance(x).unit);
    }
    if (partly_placed || units.empty()) continue;
    std::sort(units.begin(), units.end());
    auto [it, added] = type_of.emplace(units, p.types.size());
    if (added) {
      Type t;
      t.units = units;
      t.demand.assign(p.D, 0);
      for (InstanceId x : grp.members) {
        for (std::size_t d = 0; d < p.D; ++d) t.demand[d] += c.request(x)[d];
      }
      for (UnitId a : units) {
        for (UnitId b : units) t.one_per_machine = t.one_per_machine || c.conflict_class(a, b) == 2;
      }
      p.types.push_back(std::move(t));
    }
    p.types[it->second].groups.push_back(i);
  }
  p.T = p.types.size();
}

/// Per (type, machine): how many copies fit now (0 when not allowed). An estimate for the
/// network's capacities; every group routed is checked again (by the caller, Placer::fits).
void copies_that_fit(FlowProblem& p) {
  const Cluster& c = p.c;
  const std::size_t T = p.T, K = p.K, M = p.M, D = p.D;
  std::vector<std::vector<std::uint8_t>> class_ok(T, std::vector<std::uint8_t>(K, 1));
  for (std::size_t t = 0; t < T; ++t) {
    for (ClassId k = 0; k < K; ++k) {
      for (UnitId u : p.types[t].units) {
        if (!c.class_verdict(u, k).ok()) class_ok[t][k] = 0;
      }
    }
  }
  p.fit.assign(T * M, 0);
  for (std::size_t t = 0; t < T; ++t) {
    const Type& ty = p.types[t];
    const auto n = static_cast<std::int64_t>(ty.groups.size());
    for (MachineId m = 0; m < M; ++m) {
      if (c.machine_state(m) != MachineState::Up || !class_ok[t][c.machine_class(m)]) continue;
      std::int64_t k = n;
      for (std::size_t d = 0; d < D && k > 0; ++d) {
        if (ty.demand[d] > 0)
          k = std::min(k, std::max<std::int64_t>(c.free(m, d), 0) / ty.demand[d]);
      }
      // Conflicts with what already runs there (only the "every instance" kind is expressible).
      for (InstanceId y : c.instances_on(m)) {
        if (k == 0) break;
        const UnitId yu = c.instance(y).unit;
        for (UnitId u : ty.units) {
          if (c.conflict_class(u, yu) == 2 || c.conflict_class(yu, u) == 2) k = 0;
        }
      }
      if (ty.one_per_machine) k = std::min<std::int64_t>(k, 1);
      p.fit[t * M + m] = k;
    }
  }
}

/// Machine slots: copies of the workload's mean instance that fit (integers: free * N / total
/// demand), at least one where some type fits. The approximation of several dimensions.
void machine_slots(FlowProblem& p) {
  const Cluster& c = p.c;
  const std::size_t D = p.D, M = p.M, T = p.T;
  std::vector<__int128> total(D, 0);
  for (const Type& ty : p.types) {
    p.instances += static_cast<std::int64_t>(ty.groups.size());
    for (std::size_t d = 0; d < D; ++d)
      total[d] += static_cast<__int128>(ty.demand[d]) * static_cast<__int128>(ty.groups.size());
  }
  p.slots.assign(M, 0);
  for (MachineId m = 0; m < M; ++m) {
    std::int64_t any = 0;
    for (std::size_t t = 0; t < T; ++t) any = std::max(any, p.fit[t * M + m]);
    if (any == 0) continue;
    __int128 s = p.instances;
    for (std::size_t d = 0; d < D; ++d) {
      if (total[d] > 0)
        s = std::min(s, static_cast<__int128>(std::max<std::int64_t>(c.free(m, d), 0)) *
                            p.instances / total[d]);
    }
    p.slots[m] = std::max<std::int64_t>(static_cast<std::int64_t>(s), 1);
  }
}

/// Machine costs. Machines already in use cost 0 (their capacity is sunk); empty ones cost more
/// the later they come in (largest allocatable first, then name), so the flow fills few
/// machines.
void rank_machines(FlowProblem& p) {
  const Cluster& c = p.c;
  const std::size_t D = p.D, M = p.M;
  std::vector<double> scale(D, 0);
  for (MachineId m = 0; m < M; ++m) {
    for (std::size_t d = 0; d < D; ++d)
      scale[d] = std::max(scale[d], static_cast<double>(c.allocatable(m)[d]));
  }
  for (MachineId m = 0; m < M; ++m) {
    if (p.slots[m] > 0) p.by_rank.push_back(m);
  }
  auto size_of = [&](MachineId m) {
    double s = 0;
    for (std::size_t d = 0; d < D; ++d) {
      if (scale[d] > 0) s += static_cast<double>(c.allocatable(m)[d]) / scale[d];
    }
    return s;
  };
  std::stable_sort(p.by_rank.begin(), p.by_rank.end(), [&](MachineId a, MachineId b) {
    const bool ua = !c.instances_on(a).empty(), ub = !c.instances_on(b).empty();
    if (ua != ub) return ua;
    const double sa = size_of(a), sb = size_of(b);
    if (sa != sb) return sa > sb;
    return a < b;
  });
  p.machine_cost.assign(M, 0);
  long rank = 0;
  for (MachineId m : p.by_rank) p.machine_cost[m] = c.instances_on(m).empty() ? 100 * ++rank : 0;
}

/// A type's waste on a machine shape (0..100): the mean free fraction left when a machine of
/// that shape holds only that type. It steers types to the machines they tile.
long waste(const FlowProblem& p, const Type& ty, MachineId rep) {
  const std::size_t D = p.D;
  const std::int64_t* a = p.c.allocatable(rep);
  std::int64_t copies = std::numeric_limits<std::int64_t>::max();
  for (std::size_t d = 0; d < D; ++d) {
    if (ty.demand[d] > 0) copies = std::min(copies, a[d] / ty.demand[d]);
  }
  if (copies == std::numeric_limits<std::int64_t>::max()) return 100;
  double left = 0;
  int counted = 0;
  for (std::size_t d = 0; d < D; ++d) {
    if (a[d] <= 0) continue;
    left += 1.0 - static_cast<double>(copies * ty.demand[d]) / static_cast<double>(a[d]);
    ++counted;
  }
  return counted == 0 ? 100 : static_cast<long>(100.0 * left / counted + 0.5);
}

}  // namespace

std::vector<MachineId> flow_assignment(const Cluster& c, const std::vector<GroupId>& groups,
                                       FlowStats* stats) {
  FlowProblem p{c, c.dims(), c.machine_count(), 0, c.class_count(), {}, {}, 0, {}, {}, {}};
  const std::size_t D = p.D, M = p.M, K = p.K;
  std::vector<MachineId> plan(groups.size(), kNone);
  if (stats) *stats = FlowStats{};
  group_types(p, groups);
  const std::size_t T = p.T;
  if (T == 0) return plan;
  copies_that_fit(p);
  const std::vector<Type>& types = p.types;
  const std::vector<std::int64_t>& fit = p.fit;

  machine_slots(p);
  rank_machines(p);
  const std::int64_t instances = p.instances;
  const std::vector<std::int64_t>& slots = p.slots;
  const std::vector<MachineId>& by_rank = p.by_rank;
  const std::vector<long>& machine_cost = p.machine_cost;
  const long unscheduled_cost = 100 * static_cast<long>(by_rank.size() + 2) + 200;

  // ---- the network
  Graph g;
  const std::size_t source = 0, sink = 1, type0 = 2, class0 = type0 + T, machine0 = class0 + K;
  for (std::size_t v = 0; v < machine0 + M; ++v) boost::add_vertex(g);
  std::size_t forward = 0;
  std::vector<Edge> type_class(T * K);
  std::vector<std::uint8_t> has_type_class(T * K, 0);
  std::vector<Edge> class_machine(M);
  for (std::size_t t = 0; t < T; ++t) {
    const long n = static_cast<long>(types[t].groups.size());
    add_arc(g, source, type0 + t, n, 0);
    add_arc(g, type0 + t, sink, n, unscheduled_cost);
    forward += 2;
    for (ClassId k = 0; k < K; ++k) {
      std::int64_t cap = 0;
      for (MachineId m : c.class_members(k)) cap += fit[t * M + m];
      if (cap == 0) continue;
      type_class[t * K + k] =
          add_arc(g, type0 + t, class0 + k, static_cast<long>(std::min<std::int64_t>(cap, n)),
                  waste(p, types[t], c.class_members(k).front()));
      has_type_class[t * K + k] = 1;
      ++forward;
    }
  }
  for (MachineId m : by_rank) {
    class_machine[m] = add_arc(g, class0 + c.machine_class(m), machine0 + m,
                               static_cast<long>(slots[m]), machine_cost[m]);
    add_arc(g, machine0 + m, sink, static_cast<long>(slots[m]), 0);
    forward += 2;
  }
  // Distances in double, not the weights' long: Boost adds each round's distances into the
  // potentials of every vertex, and a vertex the source cannot reach has distance
  // numeric_limits::max(), so long potentials overflow (UBSan: signed integer overflow in
  // successive_shortest_path_nonnegative_weights.hpp). In double the unreachable ones go to
  // infinity, which no later round reads: a vertex unreachable in the residual graph stays so.
  // Costs here are small integers, exact in a double.
  {
    const auto index = boost::get(boost::vertex_index, g);
    const std::size_t V = boost::num_vertices(g);
    std::vector<Edge> pred(V);
    std::vector<double> distance(V, 0.0), potential(V, 0.0);
    boost::successive_shortest_path_nonnegative_weights(
        g, source, sink, boost::get(boost::edge_capacity, g),
        boost::get(boost::edge_residual_capacity, g), boost::get(boost::edge_weight, g),
        boost::get(boost::edge_reverse, g), index,
        boost::make_iterator_property_map(pred.begin(), index),
        boost::make_iterator_property_map(distance.begin(), index),
        boost::make_iterator_property_map(potential.begin(), index));
  }

  auto flow_on = [&](Edge e) {
    return boost::get(boost::edge_capacity, g, e) - boost::get(boost::edge_residual_capacity, g, e);
  };
  // ---- from counts to machines. The flow said how many of each type go to each class; within
  // a class, machines are filled in rank order, each with the type whose demand best aligns
  // with the machine's free vector (Panigrahy's dot product), so cpu-heavy and memory-heavy
  // types share machines instead of each filling its own. Every step checks the simulated free
  // capacity in integers, every dimension, and the type's fit on the machine. First within
  // the machines' flows; then, because the class aggregator forgets which machine each type
  // may use (one per machine for a self-conflicting unit), anywhere in the class.
  std::vector<std::int64_t> free(M * D);
  for (MachineId m = 0; m < M; ++m) {
    for (std::size_t d = 0; d < D; ++d) free[m * D + d] = c.free(m, d);
  }
  std::vector<long> machine_left(M, 0);
  for (MachineId m : by_rank) machine_left[m] = flow_on(class_machine[m]);
  std::vector<std::vector<MachineId>> ranked_members(K);
  for (MachineId m : by_rank) ranked_members[c.machine_class(m)].push_back(m);
  std::vector<long> want(T * K, 0);
  for (std::size_t t = 0; t < T; ++t) {
    for (ClassId k = 0; k < K; ++k) {
      if (has_type_class[t * K + k]) want[t * K + k] = flow_on(type_class[t * K + k]);
    }
  }
  std::vector<std::size_t> next(T, 0);  // next group of each type to plan
  std::vector<std::int64_t> fit_left = fit;
  std::size_t routed = 0;
  for (ClassId k = 0; k < K; ++k) {
    for (const bool within_flow : {true, false}) {
      for (MachineId m : ranked_members[k]) {
        const std::int64_t* a = c.allocatable(m);
        for (;;) {
          if (within_flow && machine_left[m] <= 0) break;
          std::size_t best = T;
          double best_score = 0;
          for (std::size_t t = 0; t < T; ++t) {
            if (want[t * K + k] <= 0 || next[t] == types[t].groups.size() ||
                fit_left[t * M + m] <= 0)
              continue;
            bool room = true;
            double score = 0;
            for (std::size_t d = 0; d < D && room; ++d) {
              room = free[m * D + d] >= types[t].demand[d];
              if (a[d] > 0) {
                const double ad = static_cast<double>(a[d]);
                score += static_cast<double>(types[t].demand[d]) / ad *
                         (static_cast<double>(free[m * D + d]) / ad);
              }
            }
            if (room && (best == T || score > best_score)) {
              best = t;
              best_score = score;
            }
          }
          if (best == T) break;
          const Type& ty = types[best];
          for (std::size_t d = 0; d < D; ++d) free[m * D + d] -= ty.demand[d];
          plan[ty.groups[next[best]++]] = m;
          --want[best * K + k];
          --machine_left[m];
          --fit_left[best * M + m];
          ++routed;
        }
      }
    }
  }
  if (stats) {
    stats->types = T;
    stats->classes = K;
    stats->nodes = boost::num_vertices(g);
    stats->edges = forward;
    stats->cost = boost::find_flow_cost(g);
    stats->routed = routed;
    stats->unscheduled = static_cast<std::size_t>(instances) - routed;
  }
  return plan;
}

}  // namespace berth
