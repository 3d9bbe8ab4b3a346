#pragma once
// Filter: a pinned group may use one machine only — a member's machine_id, a global
// instance's machine, or the machine an already placed member of the group runs on
// (GroupState::pin). The scan and the diagnosis visit only that machine and count every other
// one here at once (count_others), rather than asking each.
#include <fmt/format.h>

#include "filter_list.hpp"

namespace berth::pipeline {

struct Pin {
  static constexpr bool class_invariant = false;

  static bool admits(const GroupState& s, MachineId m) { return s.pin == kNone || m == s.pin; }
  static void count(const GroupState&, MachineId, Counting& counting) {
    ++counting.diag.rejections[reason::kPinned];
  }

  /// The scan's count for a pinned group: every machine but the pin, and what it follows.
  static void count_others(const GroupState& s, Diagnosis& diag) {
    const Cluster& c = s.cluster;
    if (c.machine_count() > 1) diag.rejections[reason::kPinned] += c.machine_count() - 1;
    if (s.follow != kNone) {
      diag.note = fmt::format("follows {} on {}", c.instance(s.follow_instance).name,
                              c.machine_name(s.follow));
    }
  }

  static bool could_ever(const GroupState& s, ClassId k) {
    return s.pin == kNone || s.cluster.machine_class(s.pin) == k;
  }

  static void explain(const ExplainQuery& q, std::vector<std::string>& out) {
    const Cluster& c = q.cluster;
    const Group& grp = c.group(q.group);
    if (grp.pinned == kNone || grp.pinned == q.machine) return;
    out.push_back(fmt::format("pinned to {} (machine_id{})", c.machine_name(grp.pinned),
                              c.instance(q.asked).global ? ", global instance" : ""));
  }
};

}  // namespace berth::pipeline
