#pragma once
// Filter: topology spread (`"spread": {"key": "zone", "max_skew": 1}`, Kubernetes' maxSkew):
// a machine without the key is no domain; placing on domain d is allowed while
// count[d] + adding - min <= max_skew, min taken over the domains the unit may use. The
// verdict depends only on metadata, which a class shares (class_invariant): the indexed search
// and the diagnosis decide it once per class.
#include <fmt/format.h>

#include "filter_list.hpp"

namespace berth::pipeline {

struct Spread {
  static constexpr bool class_invariant = true;

  /// 0 ok, 1 lacks the key, 2 over max_skew (the first failing check in `failed`).
  static int verdict(const GroupState& s, MachineId m, const SpreadCheck** failed) {
    for (const SpreadCheck& check : s.spreads) {
      const std::uint32_t dom = s.cluster.spread_domain(check.unit, m);
      if (dom == kNone) {
        *failed = &check;
        return 1;
      }
      if (s.cluster.spread_count(check.unit, dom) + check.adding - check.min_count >
          check.max_skew) {
        *failed = &check;
        return 2;
      }
    }
    return 0;
  }

  static bool admits(const GroupState& s, MachineId m) {
    const SpreadCheck* failed = nullptr;
    return s.spreads.empty() || verdict(s, m, &failed) == 0;
  }

  static void count(const GroupState& s, MachineId m, Counting& counting) {
    count_weighted(s, m, 1, counting.diag);
  }

  /// Counts `weight` machines that share machine m's metadata (its class) as rejected here.
  static void count_weighted(const GroupState& s, MachineId m, std::size_t weight,
                             Diagnosis& diag) {
    const SpreadCheck* failed = nullptr;
    const int v = verdict(s, m, &failed);
    if (v == 1) {
      diag.rejections[reason::kSpreadKey] += weight;
    } else if (v == 2) {
      const Cluster& c = s.cluster;
      diag.rejections[reason::kSpread] += weight;
      diag.spread_failures[SpreadDomain{
          c.unit(failed->unit).constraints.spread->key,
          c.spread_domain_name(failed->unit, c.spread_domain(failed->unit, m))}] += weight;
    }
  }

  /// Counts move with placements, the key does not: a class without it never takes the group.
  static bool could_ever(const GroupState& s, ClassId k) {
    const MachineId rep = s.cluster.class_members(k).front();
    for (const SpreadCheck& check : s.spreads) {
      if (s.cluster.spread_domain(check.unit, rep) == kNone) return false;
    }
    return true;
  }

  static void explain(const ExplainQuery& q, std::vector<std::string>& out) {
    const Cluster& c = q.cluster;
    for (InstanceId x : c.group(q.group).members) {
      const UnitId u = c.instance(x).unit;
      // A spread key no machine carries constrains nothing (as in select): only ask when it does.
      const auto& sp = c.unit(u).constraints.spread;
      if (!sp || c.spread_domain_count(u) == 0) continue;
      if (c.spread_domain(u, q.machine) == kNone) {
        out.push_back(
            fmt::format("spread: {} has no \"{}\" metadata", c.machine_name(q.machine), sp->key));
      }
    }
  }

  /// Skew depends on the rest of the cluster: the pipeline itself is run (filters.cpp).
  static void explain_in_context(const ExplainQuery& q, std::vector<std::string>& out);
};

}  // namespace berth::pipeline
