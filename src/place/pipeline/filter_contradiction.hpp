#pragma once
// Filter: a group that contradicts itself (Group::problem, found by Cluster::build without
// strict: replicas that must share a machine but conflict, a co-located group that can never
// meet its spread, ...) goes nowhere, and says why. Group level: asked once per decision.
#include <fmt/format.h>

#include "filter_list.hpp"

namespace berth::pipeline {

struct Contradiction {
  static bool group_admits(const GroupState& s) { return !s.grp().unresolvable(); }

  static void count_group(const GroupState& s, Diagnosis& diag) {
    const Cluster& c = s.cluster;
    const Group& grp = s.grp();
    diag = Diagnosis{};
    InstanceId first = grp.members.front();
    for (InstanceId i : grp.members) {
      if (c.assignment(i) == kNone) {
        first = i;
        break;
      }
    }
    diag.unit = c.instance(first).name;
    for (InstanceId i : grp.members) diag.group.push_back(c.instance(i).name);
    diag.considered = c.machine_count();
    if (diag.considered > 0) diag.rejections[reason::kContradiction] = diag.considered;
    diag.unresolvable = true;
    diag.contradiction = c.problem_of(s.group);
  }

  static void explain(const ExplainQuery& q, std::vector<std::string>& out) {
    if (q.cluster.group(q.group).unresolvable())
      out.push_back(fmt::format("unresolvable: {}", q.cluster.problem_of(q.group)));
  }
};

}  // namespace berth::pipeline
