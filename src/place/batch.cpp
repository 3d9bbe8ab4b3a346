#include "berth/place/batch.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "berth/place/cluster.hpp"
#include "berth/place/flow.hpp"
#include "berth/place/placer.hpp"

namespace berth {
namespace {

struct Named {
  BatchStrategy strategy;
  const char* name;
};
constexpr Named kNames[] = {
    {BatchStrategy::FfdMax, "ffd-max"},
    {BatchStrategy::FfdSum, "ffd-sum"},
    {BatchStrategy::FfdL2, "ffd-l2"},
    {BatchStrategy::FfdProduct, "ffd-prod"},
    {BatchStrategy::BfdMax, "bfd-max"},
    {BatchStrategy::BfdSum, "bfd-sum"},
    {BatchStrategy::BfdL2, "bfd-l2"},
    {BatchStrategy::BfdProduct, "bfd-prod"},
    {BatchStrategy::DotProductFit, "dot-product-fit"},
    {BatchStrategy::L2Diff, "l2-diff"},
    {BatchStrategy::Drf, "drf"},
    {BatchStrategy::Flow, "flow"},
    {BatchStrategy::LocalSearch, "local-search"},
};

enum class Measure { Max, Sum, L2, Product };

/// One batch placement: the strategy chooses, the Placer verifies (fits) and commits, and
/// places online whatever the strategy leaves.
class Batch {
 public:
  Batch(Cluster& cluster, BatchStrategy strategy, StrategyKind fallback)
      : c_(cluster),
        strategy_(strategy),
        placer_(cluster, fallback),
        D_(cluster.dims()),
        scale_(D_, 0.0) {
    // Sizes are normalised by the largest allocatable of each dimension, so that no dimension
    // dominates because of its unit (bytes against millicores) and rooms compare across
    // machines of different sizes.
    for (MachineId m = 0; m < c_.machine_count(); ++m) {
      for (std::size_t d = 0; d < D_; ++d)
        scale_[d] = std::max(scale_[d], static_cast<double>(c_.allocatable(m)[d]));
    }
  }

  const std::map<InstanceId, std::vector<std::string>>& recorded_preferences() const {
    return placer_.recorded_preferences();
  }

  std::vector<Diagnosis> run() {
    std::vector<GroupId> todo;
    for (GroupId g = 0; g < c_.group_count(); ++g) {
      if (unplaced(g)) todo.push_back(g);
    }
    placed_here_.assign(c_.group_count(), 0);
    for (GroupId g : todo) {
      bool all_unplaced = true;
      for (InstanceId i : c_.group(g).members)
        all_unplaced = all_unplaced && c_.assignment(i) == kNone;
      // Only groups this run places whole and that are not pinned may be moved afterwards:
      // existing placements are the spec's, not ours to change.
      placed_here_[g] = all_unplaced && c_.group(g).pinned == kNone;
    }
    // Priority tiers in the online batch order (priority, pinned first, dominant share, name):
    // a tier is placed completely (strategy, then online fallback) before the next starts, so
    // a lower priority never takes room a higher one could have had.
    const std::vector<GroupId> ordered = placer_.batch_order(todo);
    for (std::size_t begin = 0; begin < ordered.size();) {
      const std::int32_t priority = c_.group(ordered[begin]).priority;
      std::size_t end = begin;
      while (end < ordered.size() && c_.group(ordered[end]).priority == priority) ++end;
      std::vector<GroupId> free_groups;
      for (std::size_t i = begin; i < end; ++i) {
        const GroupId g = ordered[i];
        if (is_pinned(g))
          placer_.place_group(g);  // a pin leaves nothing to choose
        else
          free_groups.push_back(g);
      }
      switch (strategy_) {
        case BatchStrategy::DotProductFit:
        case BatchStrategy::L2Diff:
        case BatchStrategy::LocalSearch:
          bin_centric(place_preferring_first(free_groups));
          break;
        case BatchStrategy::Flow:
          flow(place_preferring_first(free_groups));
          break;
        default:
          item_centric(free_groups);
          break;
      }
      // Whatever the strategy could not place gets the online placer's best choice.
      for (GroupId g : free_groups) {
        if (unplaced(g)) placer_.place_group(g);
      }
      begin = end;
    }
    if (strategy_ == BatchStrategy::LocalSearch) empty_machines();
    // Only groups no machine could take are left: this re-tries them (spread minimums may have
    // moved) and diagnoses the rest exactly as `berth place` does.
    return placer_.place_pending();
  }

 private:
  bool unplaced(GroupId g) const {
    for (InstanceId i : c_.group(g).members) {
      if (c_.assignment(i) == kNone) return true;
    }
    return false;
  }
  /// The bin-centric rules fill one machine at a time and flow solves for counts: neither
  /// has a per-unit score a preference could add to. So groups whose units state preferences
  /// are placed first in their tier by the online placer, which ranks machines by preference
  /// points before the fallback strategy's score; the rule packs the rest. Returns the rest.
  std::vector<GroupId> place_preferring_first(const std::vector<GroupId>& groups) {
    std::vector<GroupId> rest;
    for (GroupId g : groups) {
      bool prefers = false;
      for (InstanceId i : c_.group(g).members) {
        prefers = prefers || !c_.unit(c_.instance(i).unit).preferences.empty();
      }
      if (prefers)
        placer_.place_group(g);
      else
        rest.push_back(g);
    }
    return rest;
  }
  bool is_pinned(GroupId g) const {
    if (c_.group(g).pinned != kNone) return true;
    for (InstanceId i : c_.group(g).members) {
      if (c_.assignment(i) != kNone) return true;  // follows a placed member
    }
    return false;
  }
  /// Groups with the same pending units share demand and metadata results.
  std::size_t type_of(GroupId g) {
    std::vector<UnitId> units;
    for (InstanceId i : c_.group(g).members) {
      if (c_.assignment(i) == kNone) units.push_back(c_.instance(i).unit);
    }
    std::sort(units.begin(), units.end());
    auto [it, added] = types_.emplace(std::move(units), type_demand_.size());
    if (added) {
      std::vector<std::int64_t> dem(D_, 0);
      for (InstanceId i : c_.group(g).members) {
        if (c_.assignment(i) != kNone) continue;
        for (std::size_t d = 0; d < D_; ++d) dem[d] += c_.request(i)[d];
      }
      type_demand_.push_back(std::move(dem));
      std::vector<std::uint8_t> ok(c_.class_count(), 1);
      for (ClassId k = 0; k < c_.class_count(); ++k) {
        for (UnitId u : it->first) {
          if (!c_.class_verdict(u, k).ok()) ok[k] = 0;  // the pipeline's class filters
        }
      }
      type_class_ok_.push_back(std::move(ok));
    }
    return it->second;
  }
  /// The cheap part of the filters (state, metadata per class, integer resources); the
  /// Placer's fits() adds conflicts and spread before anything is committed.
  bool may_fit(std::size_t t, MachineId m) const {
    if (c_.machine_state(m) != MachineState::Up || !type_class_ok_[t][c_.machine_class(m)])
      return false;
    const std::vector<std::int64_t>& dem = type_demand_[t];
    for (std::size_t d = 0; d < D_; ++d) {
      if (c_.free(m, d) < dem[d]) return false;
    }
    return true;
  }
  /// Through the Placer, which records the preferences m met for the answer.
  void commit(GroupId g, MachineId m) { placer_.commit(g, m); }
  static double measure(const std::vector<double>& v, Measure how) {
    double r = how == Measure::Product ? 1.0 : 0.0;
    for (double x : v) {
      switch (how) {
        case Measure::Max:
          r = std::max(r, x);
          break;
        case Measure::Sum:
          r += x;
          break;
        case Measure::L2:
          r += x * x;
          break;
        case Measure::Product:
          r *= x;
          break;
      }
    }
    return how == Measure::L2 ? std::sqrt(r) : r;
  }
  std::vector<double> normalised(const std::vector<std::int64_t>& v) const {
    std::vector<double> out;
    for (std::size_t d = 0; d < D_; ++d) {
      if (scale_[d] > 0) out.push_back(static_cast<double>(v[d]) / scale_[d]);
    }
    return out;
  }
  Measure measure_kind() const {
    switch (strategy_) {
      case BatchStrategy::FfdSum:
      case BatchStrategy::BfdSum:
        return Measure::Sum;
      case BatchStrategy::FfdL2:
      case BatchStrategy::BfdL2:
        return Measure::L2;
      case BatchStrategy::FfdProduct:
      case BatchStrategy::BfdProduct:
        return Measure::Product;
      default:
        return Measure::Max;
    }
  }

  /// FFD, BFD and DRF: groups by decreasing size, each to the machine the rule prefers among
  /// those that fit (lower score wins, ties to the lower machine id). As in bin packing, an
  /// empty machine is opened only when no machine in use fits.
  void item_centric(const std::vector<GroupId>& groups) {
    const Measure how = measure_kind();
    std::vector<std::pair<double, GroupId>> order;
    for (GroupId g : groups)
      order.emplace_back(measure(normalised(type_demand_[type_of(g)]), how), g);
    // Stable: equal sizes keep the online batch order (which ends in name order).
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    const bool first_fit =
        strategy_ == BatchStrategy::FfdMax || strategy_ == BatchStrategy::FfdSum ||
        strategy_ == BatchStrategy::FfdL2 || strategy_ == BatchStrategy::FfdProduct;
    std::vector<double> room(D_);
    for (const auto& [size, g] : order) {
      (void)size;
      if (!unplaced(g)) continue;
      const std::size_t t = type_of(g);
      const std::vector<std::int64_t>& dem = type_demand_[t];
      // Preferences rank before the rule, as they do before every online strategy's score.
      const bool prefs = placer_.scores_preferences(g);
      candidates_.clear();
      for (ClassId k = 0; k < c_.class_count(); ++k) {
        if (!type_class_ok_[t][k]) continue;
        for (MachineId m : c_.class_members(k)) {
          if (!may_fit(t, m)) continue;
          double score = 0;
          if (first_fit) {
            score = 0;
          } else if (strategy_ == BatchStrategy::Drf) {
            // DRF's balance rule: the loads after placement most even across dimensions.
            double hi = 0, lo = std::numeric_limits<double>::max();
            for (std::size_t d = 0; d < D_; ++d) {
              const std::int64_t a = c_.allocatable(m)[d];
              if (a <= 0) continue;
              const double u = static_cast<double>(c_.used(m)[d] + dem[d]) / static_cast<double>(a);
              hi = std::max(hi, u);
              lo = std::min(lo, u);
            }
            score = lo == std::numeric_limits<double>::max() ? 0 : hi - lo;
          } else {
            // Best fit: the least room left, measured like the sizes.
            room.clear();
            for (std::size_t d = 0; d < D_; ++d) {
              if (scale_[d] > 0)
                room.push_back(static_cast<double>(c_.free(m, d) - dem[d]) / scale_[d]);
            }
            score = measure(room, how);
          }
          candidates_.push_back(
              {prefs ? placer_.points_of(g, m) : 0, c_.instances_on(m).empty(), score, m});
        }
      }
      if (candidates_.empty()) continue;
      // Usually the best candidate passes; sort only when conflicts or spread refuse it.
      auto best = std::min_element(candidates_.begin(), candidates_.end());
      if (placer_.fits(g, best->machine)) {
        commit(g, best->machine);
        continue;
      }
      std::sort(candidates_.begin(), candidates_.end());
      for (const Candidate& cand : candidates_) {
        if (placer_.fits(g, cand.machine)) {
          commit(g, cand.machine);
          break;
        }
      }
    }
  }

  /// Panigrahy et al.'s bin-centric rules: fill one machine at a time (machines already in use
  /// first, then by name), always adding the fitting group type that scores best on it.
  void bin_centric(const std::vector<GroupId>& groups) {
    std::vector<std::vector<GroupId>> queue;  // per type, in batch order
    std::vector<std::size_t> head;
    for (GroupId g : groups) {
      const std::size_t t = type_of(g);
      if (queue.size() <= t) queue.resize(t + 1);
      queue[t].push_back(g);
    }
    head.assign(queue.size(), 0);
    std::vector<MachineId> machines;
    for (MachineId m = 0; m < c_.machine_count(); ++m) {
      if (c_.machine_state(m) == MachineState::Up) machines.push_back(m);
    }
    std::stable_partition(machines.begin(), machines.end(),
                          [&](MachineId m) { return !c_.instances_on(m).empty(); });
    std::vector<MachineId> refused(queue.size(), kNone);  // type -> last machine that refused it
    const bool dot = strategy_ == BatchStrategy::DotProductFit;
    for (MachineId m : machines) {
      const std::int64_t* alloc = c_.allocatable(m);
      for (;;) {
        std::size_t best = queue.size();
        double best_score = 0;
        std::int64_t best_points = 0;
        for (std::size_t t = 0; t < queue.size(); ++t) {
          if (head[t] == queue[t].size() || refused[t] == m || !may_fit(t, m)) continue;
          // Preferences first: the type whose next group m gives the most points, then the rule.
          const GroupId next = queue[t][head[t]];
          const std::int64_t pts =
              placer_.scores_preferences(next) ? placer_.points_of(next, m) : 0;
          const std::vector<std::int64_t>& dem = type_demand_[t];
          double s = 0;
          for (std::size_t d = 0; d < D_; ++d) {
            if (alloc[d] <= 0) continue;
            const double a = static_cast<double>(alloc[d]);
            const double need = static_cast<double>(dem[d]) / a,
                         room = static_cast<double>(c_.free(m, d)) / a;
            s += dot ? need * room : (room - need) * (room - need);
          }
          if (!dot) s = -s;  // l2-diff: the smallest distance to full wins
          if (best == queue.size() || pts > best_points || (pts == best_points && s > best_score)) {
            best = t;
            best_score = s;
            best_points = pts;
          }
        }
        if (best == queue.size()) break;
        // The rule chose a type; its next group is verified exactly.
        const GroupId g = queue[best][head[best]];
        if (placer_.fits(g, m)) {
          commit(g, m);
          ++head[best];
        } else {
          refused[best] = m;  // conflicts or spread: try the type on the next machine
        }
      }
    }
  }

  /// Local search after l2-diff: take the machines in use from the emptiest, and try to move
  /// everything on one (if this run placed all of it) into the other machines in use, fullest
  /// first, each move verified by Placer::fits; a machine is emptied completely or not at all.
  /// Only ever frees capacity, so it cannot cost a pending group its place. Machines holding a
  /// spread unit, a pinned or global instance, or anything the spec already placed stay.
  void empty_machines() {
    std::vector<MachineId> used;
    for (MachineId m = 0; m < c_.machine_count(); ++m) {
      if (!c_.instances_on(m).empty()) used.push_back(m);
    }
    std::stable_sort(used.begin(), used.end(), [&](MachineId a, MachineId b) {
      return c_.utilization_sum(a) < c_.utilization_sum(b);
    });
    std::vector<GroupId> groups;
    for (MachineId m : used) {
      if (c_.instances_on(m).empty()) continue;
      groups.clear();
      bool movable = true;
      for (InstanceId i : c_.instances_on(m)) {
        const GroupId g = c_.instance(i).group;
        // Taking an instance out of a spread domain can skew the domains it leaves behind,
        // which no check on the destination sees: spread units stay where they are.
        movable = movable && placed_here_[g] && !c_.unit(c_.instance(i).unit).constraints.spread;
        if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
      }
      if (!movable) continue;
      std::vector<std::pair<GroupId, MachineId>> moves = moves_off(m, groups, used);
      if (moves.empty()) continue;
      for (GroupId g : groups) {
        for (InstanceId i : c_.group(g).members) c_.unassign(i);
      }
      for (const auto& [g, to] : moves) commit(g, to);  // records the preferences `to` meets
    }
  }

  /// Where every group on m can go among the other machines in `used` (fullest first), each
  /// move seen by the next; empty when one of them has nowhere to go. Tried on the cluster and
  /// taken back by its undo log (Cluster::Undo), which leaves m, the targets and their
  /// instance order exactly as they were, and the Placer's recorded preferences untouched.
  std::vector<std::pair<GroupId, MachineId>> moves_off(MachineId m,
                                                       const std::vector<GroupId>& groups,
                                                       const std::vector<MachineId>& used) {
    Cluster::Undo trial(c_);
    for (GroupId g : groups) {
      for (InstanceId i : c_.group(g).members) c_.unassign(i);
    }
    // Targets: the other machines in use, fullest first (best fit), decided now.
    std::vector<MachineId> targets;
    for (MachineId t : used) {
      if (t != m && !c_.instances_on(t).empty()) targets.push_back(t);
    }
    std::stable_sort(targets.begin(), targets.end(), [&](MachineId a, MachineId b) {
      return c_.utilization_sum(a) > c_.utilization_sum(b);
    });
    std::vector<std::pair<GroupId, MachineId>> moves;
    for (GroupId g : groups) {
      MachineId to = kNone;
      // Emptying a machine must not cost a group the preferences it met there.
      const bool prefs = placer_.scores_preferences(g);
      const std::int64_t had = prefs ? placer_.points_of(g, m) : 0;
      for (MachineId t : targets) {
        if (prefs && placer_.points_of(g, t) < had) continue;
        if (placer_.fits(g, t)) {
          to = t;
          break;
        }
      }
      if (to == kNone) return {};
      for (InstanceId i : c_.group(g).members) {
        if (c_.assignment(i) == kNone) c_.assign(i, to);
      }
      moves.emplace_back(g, to);
    }
    return moves;
  }

  void flow(const std::vector<GroupId>& groups) {
    const std::vector<MachineId> plan = flow_assignment(c_, groups);
    for (std::size_t i = 0; i < groups.size(); ++i) {
      if (plan[i] != kNone && unplaced(groups[i]) && placer_.fits(groups[i], plan[i]))
        commit(groups[i], plan[i]);
    }
  }

  Cluster& c_;
  BatchStrategy strategy_;
  Placer placer_;
  std::size_t D_;
  std::vector<double> scale_;
  std::map<std::vector<UnitId>, std::size_t> types_;
  std::vector<std::vector<std::int64_t>> type_demand_;
  std::vector<std::vector<std::uint8_t>> type_class_ok_;
  struct Candidate {
    std::int64_t points;  ///< preference points (Placer::points_of): more is better, first
    bool empty;           ///< opened only when no machine in use fits
    double score;
    MachineId machine;
    bool operator<(const Candidate& o) const {
      if (points != o.points) return points > o.points;
      if (empty != o.empty) return !empty;
      if (score != o.score) return score < o.score;
      return machine < o.machine;
    }
  };
  std::vector<Candidate> candidates_;
  std::vector<std::uint8_t> placed_here_;  ///< per group: placed whole by this run, unpinned
};

}  // namespace

const char* to_string(BatchStrategy s) {
  for (const Named& n : kNames) {
    if (n.strategy == s) return n.name;
  }
  return "ffd-max";
}

const std::vector<std::string>& batch_strategy_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const Named& n : kNames) out.emplace_back(n.name);
    return out;
  }();
  return names;
}

std::optional<BatchStrategy> find_batch_strategy(std::string_view name) {
  for (const Named& n : kNames) {
    if (name == n.name) return n.strategy;
  }
  return std::nullopt;
}

std::vector<Diagnosis> place_batch(
    Cluster& cluster, BatchStrategy strategy, StrategyKind fallback,
    std::map<InstanceId, std::vector<std::string>>* preferences_met) {
  Batch batch(cluster, strategy, fallback);
  std::vector<Diagnosis> pending = batch.run();
  if (preferences_met) *preferences_met = batch.recorded_preferences();
  return pending;
}

}  // namespace berth
