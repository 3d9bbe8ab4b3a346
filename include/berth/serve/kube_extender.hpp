#pragma once
/// \file The kube-scheduler extender protocol (k8s.io/kube-scheduler/extender/v1) over a state
/// store: filter, prioritize and bind, as `berth serve` answers them under /kube/ (docs/serve.md).
/// The protocol's Go structs carry no JSON tags, so the keys are the Go field names (`Pod`,
/// `NodeNames`, `FailedNodes`, `Host`, `Score`...); the Pod and Node objects inside are ordinary
/// Kubernetes JSON, read by the kubectl importer (io/kube.hpp) so both read them the same way.
///
/// Every verdict comes from the placement pipeline (Placer::explain on a Cluster built from the
/// store's snapshot plus the pod), never from a second constraint check.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "berth/export.hpp"
#include "berth/model/unit.hpp"
#include "berth/place/place.hpp"
#include "berth/state/store.hpp"

namespace berth::serve {

class BERTH_API KubeExtender {
 public:
  KubeExtender(state::StateStore& store, PlaceOptions options);

  /// ExtenderArgs {Pod, Nodes, NodeNames} -> ExtenderFilterResult {Nodes | NodeNames,
  /// FailedNodes, FailedAndUnresolvableNodes, Error}. Full Node objects are upserted into the
  /// store as machines first (nodeCacheCapable: false); bare NodeNames must name stored
  /// machines (nodeCacheCapable: true). A node that fails is "unresolvable" when the pod would
  /// not fit even on that node emptied of every unit (no eviction helps: taints, selectors,
  /// allocatable too small, cordoned). The pod's unit is remembered for bind.
  /// Throws berth::Error (UsageError 341, the importer's errors) on a malformed request.
  nlohmann::json filter(const nlohmann::json& args);
  /// ExtenderArgs -> HostPriorityList [{Host, Score}], Score 0..10: the nodes the pod fits on
  /// ranked as the strategy ranks them (preference points, then score), best 10, worst 0;
  /// nodes it does not fit on score 0.
  nlohmann::json prioritize(const nlohmann::json& args);
  /// ExtenderBindingArgs {PodName, PodNamespace, PodUID, Node} -> ExtenderBindingResult
  /// {Error}: records unit `namespace/name` (requests and constraints as its last filter call
  /// read them) on Node through an optimistic commit. Error is non-empty when the pod no longer
  /// fits there (another pod took the room meanwhile). Throws UsageError 336 for a pod no
  /// filter call was seen for, 341 for a malformed request.
  nlohmann::json bind(const nlohmann::json& args);

  /// How many pods are remembered between filter and bind (oldest forgotten first).
  static constexpr std::size_t kRemembered = 10000;

 private:
  struct PodCall {
    Unit unit;
    std::string uid;
  };
  /// Reads Pod (and Nodes, upserting them); returns the pod's unit and the candidate nodes.
  Unit read_request(const nlohmann::json& args, std::vector<std::string>& nodes, bool& full_nodes);
  void remember(const Unit& unit, const std::string& uid);

  state::StateStore& store_;
  PlaceOptions options_;
  std::mutex mutex_;
  std::map<std::string, PodCall> remembered_;
  std::deque<std::string> order_;
};

}  // namespace berth::serve
