#pragma once
// An undo log over Cluster mutations: what-if checks run on the working cluster and roll back,
// instead of copying the whole cluster for every candidate wave or move.
#include <utility>
#include <vector>

#include "berth/place/cluster.hpp"

namespace berth::ops::detail {

class Trial {
 public:
  explicit Trial(Cluster& cluster) : cluster_(cluster) {}
  Trial(const Trial&) = delete;
  Trial& operator=(const Trial&) = delete;
  ~Trial() { rollback(); }

  void assign(InstanceId i, MachineId m) {
    assignments_.emplace_back(i, cluster_.assignment(i));
    cluster_.assign(i, m);
  }
  void unassign(InstanceId i) {
    if (cluster_.assignment(i) == kNone) return;
    assignments_.emplace_back(i, cluster_.assignment(i));
    cluster_.unassign(i);
  }
  void set_state(MachineId m, MachineState s) {
    states_.emplace_back(m, cluster_.machine_state(m));
    cluster_.set_state(m, s);
  }
  /// Records an assignment someone else (the Placer) made: i had no machine before.
  void note_placed(InstanceId i) { assignments_.emplace_back(i, kNone); }
  /// Takes over the changes recorded by `inner` (a trial nested in this one), so that this
  /// trial's rollback also undoes them.
  void absorb(Trial& inner) {
    assignments_.insert(assignments_.end(), inner.assignments_.begin(), inner.assignments_.end());
    states_.insert(states_.end(), inner.states_.begin(), inner.states_.end());
    inner.commit();
  }
  /// Keeps every change.
  void commit() {
    assignments_.clear();
    states_.clear();
  }
  /// Undoes every change, newest first.
  void rollback() {
    for (auto it = assignments_.rbegin(); it != assignments_.rend(); ++it) {
      if (it->second == kNone)
        cluster_.unassign(it->first);
      else
        cluster_.assign(it->first, it->second);
    }
    for (auto it = states_.rbegin(); it != states_.rend(); ++it)
      cluster_.set_state(it->first, it->second);
    commit();
  }

 private:
  Cluster& cluster_;
  std::vector<std::pair<InstanceId, MachineId>> assignments_;
  std::vector<std::pair<MachineId, MachineState>> states_;
};

}  // namespace berth::ops::detail
