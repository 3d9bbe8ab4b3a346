#pragma once
// Filters: metadata requirements and untolerated NoSchedule/NoExecute taints. Both read only
// what a machine class shares (metadata, taints), so they are decided per class and cached
// (ClassVerdicts over Cluster::class_verdict, which checks metadata first, then taints).
#include <fmt/format.h>

#include "filter_list.hpp"

namespace berth::pipeline {

/// The first unit of the group that class k rejects with a verdict of `kind`, or kNone.
inline UnitId first_rejected(GroupState& s, ClassId k, ClassVerdict::Kind kind,
                             ClassVerdict* verdict) {
  for (UnitId u : s.units) {
    const ClassVerdict v = s.classes(u, k);
    if (v.kind == kind) {
      *verdict = v;
      return u;
    }
  }
  return kNone;
}

template <ClassVerdict::Kind kKind>
struct ClassFilter {
  static bool class_admits(GroupState& s, ClassId k) {
    ClassVerdict v;
    return first_rejected(s, k, kKind, &v) == kNone;
  }
  static void count_class(GroupState& s, ClassId k, std::size_t weight, Diagnosis& diag) {
    ClassVerdict v;
    const UnitId u = first_rejected(s, k, kKind, &v);
    const bool taint = kKind == ClassVerdict::Kind::Taint;
    diag.rejections[taint ? reason::kTaint : reason::kMetadata] += weight;
    (taint ? diag.taint_failures : diag.metadata_failures)[s.cluster.describe_failure(u, k, v)] +=
        weight;
  }
  /// Metadata and taints never change with placements: a class that fails now always will.
  static bool could_ever(GroupState& s, ClassId k) { return class_admits(s, k); }
};

struct Metadata : ClassFilter<ClassVerdict::Kind::Metadata> {
  static void explain(const ExplainQuery& q, std::vector<std::string>& out) {
    const Cluster& c = q.cluster;
    for (InstanceId x : c.group(q.group).members) {
      for (const auto& req : c.unit(c.instance(x).unit).constraints.metadata) {
        if (req.matches(c.machine_metadata(q.machine))) continue;
        out.push_back(fmt::format("metadata: {} requires {}, but {} has {}", c.instance(x).name,
                                  req.describe(), c.machine_name(q.machine),
                                  req.describe_failure()));
      }
    }
  }
};

struct Taints : ClassFilter<ClassVerdict::Kind::Taint> {
  static void explain(const ExplainQuery& q, std::vector<std::string>& out) {
    const Cluster& c = q.cluster;
    for (InstanceId x : c.group(q.group).members) {
      const auto& tolerations = c.unit(c.instance(x).unit).constraints.tolerations;
      for (const Taint& t : c.machine_taints(q.machine)) {
        if (!t.hard() || tolerated(tolerations, t)) continue;
        out.push_back(fmt::format("taint: {} has {}, which {} does not tolerate",
                                  c.machine_name(q.machine), t.describe(), c.instance(x).name));
      }
    }
  }
};

}  // namespace berth::pipeline
