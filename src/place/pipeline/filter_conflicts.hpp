#pragma once
// Filter: units that must not share a machine — conflict globs (`conflicts: ["web@*"]`, fleet's
// Conflicts=) and host ports (two units binding 80/tcp), which are one pairwise relation
// (Cluster::conflicts): kube's NodePorts is such a relation too, and one pass over a machine's
// instances answers both.
#include <fmt/format.h>

#include <algorithm>

#include "filter_list.hpp"

namespace berth::pipeline {

struct Conflicts {
  static constexpr bool class_invariant = false;

  /// The first instance on m that conflicts with a pending member of the group (kNone: none).
  static InstanceId conflicting(GroupState& s, MachineId m) {
    const Cluster& c = s.cluster;
    if (c.instances_on(m).empty()) return kNone;
    // A group related to no unit (no peer in the compiled relation, no `*` pattern, no host
    // port) conflicts only with instances of a unit whose `*` takes everything, which hold
    // conflicts like every unit with patterns: most placements stop here without reading the
    // machine's instances.
    if (!s.conflict_related && (c.match_all_units().empty() || c.conflict_holders_on(m) == 0))
      return kNone;
    for (InstanceId y : c.instances_on(m)) {
      const UnitId tu = c.instance(y).unit;
      if (s.verdict_stamp[tu] != s.stamp) {
        // 1 none, 2 all, 3 per instance: the strongest answer over the group's units, both ways.
        std::uint8_t v = 1;
        for (UnitId u : s.units)
          v = std::max({v, c.conflict_class(u, tu), c.conflict_class(tu, u)});
        s.verdict[tu] = v;
        s.verdict_stamp[tu] = s.stamp;
      }
      const std::uint8_t v = s.verdict[tu];
      if (v == 1) continue;
      if (v == 3) s.per_instance = true;
      bool hit = v == 2;
      for (std::size_t k = 0; !hit && k < s.todo.size(); ++k) hit = c.conflicts(s.todo[k], y);
      if (hit) return y;
    }
    return kNone;
  }

  static bool admits(GroupState& s, MachineId m) { return conflicting(s, m) == kNone; }

  static void count(GroupState& s, MachineId m, Counting& counting) {
    count_with(s, conflicting(s, m), counting.diag);
  }

  /// Counts a machine rejected for running instance `with`: a glob conflict names the instance;
  /// a shared host port alone names the port (`port 80/tcp taken by web1`).
  static void count_with(const GroupState& s, InstanceId with, Diagnosis& diag) {
    const Cluster& c = s.cluster;
    for (InstanceId x : s.todo) {
      if (c.conflicts_by_pattern(x, with)) {
        ++diag.rejections[reason::kConflict];
        ++diag.conflicts_with[c.instance(with).name];
        return;
      }
    }
    for (InstanceId x : s.todo) {
      if (auto port = c.shared_port(x, with)) {
        ++diag.rejections[reason::kPort];
        ++diag.ports_taken[fmt::format("{} taken by {}", port->describe(), c.instance(with).name)];
        return;
      }
    }
    // Not reached (conflicting() found a conflict); counted as one rather than lost.
    ++diag.rejections[reason::kConflict];
    ++diag.conflicts_with[c.instance(with).name];
  }

  static void explain(const ExplainQuery& q, std::vector<std::string>& out) {
    const Cluster& c = q.cluster;
    const std::string& mname = c.machine_name(q.machine);
    for (InstanceId x : c.group(q.group).members) {
      for (InstanceId y : c.instances_on(q.machine)) {
        if (!c.conflicts(x, y)) continue;
        if (c.conflicts_by_pattern(x, y)) {
          out.push_back(fmt::format("conflict: {} and {} (on {}) must not share a machine",
                                    c.instance(x).name, c.instance(y).name, mname));
        } else if (auto port = c.shared_port(x, y)) {
          out.push_back(fmt::format("port {} taken by {} (on {}), which {} binds too",
                                    port->describe(), c.instance(y).name, mname,
                                    c.instance(x).name));
        }
      }
    }
  }
};

}  // namespace berth::pipeline
