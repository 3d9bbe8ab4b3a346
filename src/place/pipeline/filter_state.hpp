#pragma once
// Filter: only machines that are up take new units (draining, down and failed machines do not).
#include <fmt/format.h>

#include "filter_list.hpp"

namespace berth::pipeline {

struct State {
  static constexpr bool class_invariant = false;

  static bool admits(const GroupState& s, MachineId m) {
    return s.cluster.machine_state(m) == MachineState::Up;
  }
  static void count(const GroupState&, MachineId, Counting& counting) {
    ++counting.diag.rejections[reason::kNotUp];
  }

  static void explain(const ExplainQuery& q, std::vector<std::string>& out) {
    const Cluster& c = q.cluster;
    if (c.machine_state(q.machine) == MachineState::Up) return;
    out.push_back(fmt::format("{} is {}: only up machines take new units",
                              c.machine_name(q.machine), to_string(c.machine_state(q.machine))));
  }
};

}  // namespace berth::pipeline
