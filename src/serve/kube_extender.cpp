#include "berth/serve/kube_extender.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "berth/error.hpp"
#include "berth/io/kube.hpp"
#include "berth/model/instance_name.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/placer.hpp"

namespace berth::serve {

using nlohmann::json;

namespace {

/// The store's snapshot with the pod's unit in it, unplaced, compiled for the pipeline.
/// Cluster keeps a pointer to its spec and Placer to its cluster, so the three live together
/// at a stable address.
struct Evaluation {
  Spec spec;
  std::optional<Cluster> cluster;
  std::optional<Placer> placer;
  InstanceId instance = kNone;
};

/// `emptied`: every placement dropped, so a verdict that still fails is one no eviction helps.
std::unique_ptr<Evaluation> evaluate(const Spec& stored, const Unit& unit, StrategyKind strategy,
                                     bool emptied) {
  auto e = std::make_unique<Evaluation>();
  e->spec = stored;
  e->spec.warnings.clear();
  bool replaced = false;
  for (auto& u : e->spec.units) {
    if (u.name == unit.name) {
      u = unit;
      replaced = true;
    }
  }
  if (!replaced) e->spec.units.push_back(unit);
  if (emptied) {
    e->spec.placements.clear();
  } else {
    // Split by the units (another unit may be named `web@1.service` next to `web`).
    const UnitNameIndex names(e->spec.units);
    std::erase_if(e->spec.placements,
                  [&](const auto& p) { return names.unit_of(p.first) == unit.name; });
  }
  // Not strict: a stored unit that contradicts itself must not stop kube from scheduling.
  e->cluster.emplace(Cluster::build(e->spec, BuildOptions{false}));
  e->placer.emplace(*e->cluster, strategy);
  e->instance = e->cluster->find_instance(unit.name);
  if (e->instance == kNone) e->instance = e->cluster->find_instance(unit.name + "@1");
  if (e->instance == kNone) {
    throw UsageError(
        341, fmt::format("ExtenderArgs.Pod: the pod became no unit instance (\"{}\")", unit.name));
  }
  return e;
}

const json& member(const json& obj, const char* key, const char* what) {
  if (!obj.is_object()) throw UsageError(341, fmt::format("{}: expected a JSON object", what));
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    throw UsageError(341, fmt::format("{}.{}: missing (the extender protocol's Go field names are "
                                      "case-sensitive)",
                                      what, key));
  }
  return *it;
}

std::string string_member(const json& obj, const char* key, const char* what, bool required) {
  if (!obj.is_object()) throw UsageError(341, fmt::format("{}: expected a JSON object", what));
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) throw UsageError(341, fmt::format("{}.{}: missing", what, key));
    return "";
  }
  if (!it->is_string())
    throw UsageError(341, fmt::format("{}.{}: expected a string, got {}", what, key, it->dump()));
  return it->get<std::string>();
}

std::string join_reasons(const std::vector<std::string>& reasons) {
  return fmt::format("{}", fmt::join(reasons, "; "));
}

}  // namespace

KubeExtender::KubeExtender(state::StateStore& store, PlaceOptions options)
    : store_(store), options_(options) {}

Unit KubeExtender::read_request(const json& args, std::vector<std::string>& nodes,
                                bool& full_nodes) {
  const json& pod = member(args, "Pod", "ExtenderArgs");
  if (!pod.is_object()) throw UsageError(341, "ExtenderArgs.Pod: expected a Pod object");
  auto nodes_it = args.find("Nodes");
  full_nodes = nodes_it != args.end() && !nodes_it->is_null();
  std::vector<json> node_docs;
  if (full_nodes) {
    if (!nodes_it->is_object())
      throw UsageError(341, "ExtenderArgs.Nodes: expected a NodeList object ({\"items\": [...]})");
    node_docs.push_back(*nodes_it);
  }
  // The kubectl importer reads the pod and the nodes exactly as `berth import kube` does.
  KubeImport imported = import_kube_json(node_docs, {pod});
  if (imported.spec.units.size() != 1) {
    throw UsageError(341,
                     fmt::format("ExtenderArgs.Pod: expected one schedulable pod, read {} unit(s) "
                                 "(a pod that has finished is not scheduled)",
                                 imported.spec.units.size()));
  }
  Unit unit = imported.spec.units.front();
  if (full_nodes) {
    for (const auto& m : imported.spec.machines) nodes.push_back(m.name);
    // Upsert: nodeCacheCapable false means kube sends the nodes it knows, whole; the store
    // follows them (labels, allocatable, taints) before anything is judged against them.
    Spec machines;
    machines.machines = imported.spec.machines;
    for (int attempt = 0;; ++attempt) {
      state::Snapshot snap = store_.snapshot();
      Plan plan = state::plan_with_additions(snap, machines, Plan{});
      if (plan.empty()) break;
      state::CommitResult r = store_.commit(plan, snap);
      if (r.committed()) break;
      if (r.status == state::CommitStatus::Rejected) {
        throw StoreError(
            407, store_.name(),
            fmt::format("ExtenderArgs.Nodes: cannot update the machines: {}", r.summary()));
      }
      if (attempt >= 32)
        throw StoreError(408, store_.name(),
                         "ExtenderArgs.Nodes: kept conflicting with other writers");
    }
  } else {
    auto names_it = args.find("NodeNames");
    if (names_it == args.end() || names_it->is_null()) {
      throw UsageError(341, "ExtenderArgs: neither Nodes nor NodeNames given");
    }
    if (!names_it->is_array())
      throw UsageError(341, "ExtenderArgs.NodeNames: expected an array of node names");
    for (const auto& n : *names_it) {
      if (!n.is_string())
        throw UsageError(341,
                         fmt::format("ExtenderArgs.NodeNames: expected strings, got {}", n.dump()));
      nodes.push_back(n.get<std::string>());
    }
  }
  std::string uid;
  if (auto meta = pod.find("metadata"); meta != pod.end() && meta->is_object()) {
    if (auto u = meta->find("uid"); u != meta->end() && u->is_string()) uid = u->get<std::string>();
  }
  remember(unit, uid);
  return unit;
}

void KubeExtender::remember(const Unit& unit, const std::string& uid) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto [it, fresh] = remembered_.insert_or_assign(unit.name, PodCall{unit, uid});
  (void)it;
  if (fresh) order_.push_back(unit.name);
  while (order_.size() > kRemembered) {
    remembered_.erase(order_.front());
    order_.pop_front();
  }
}

json KubeExtender::filter(const json& args) {
  std::vector<std::string> nodes;
  bool full_nodes = false;
  Unit unit = read_request(args, nodes, full_nodes);
  state::Snapshot snap = store_.snapshot();
  auto now = evaluate(snap.spec, unit, options_.strategy, false);
  const GroupId group = now->cluster->instance(now->instance).group;
  std::unique_ptr<Evaluation> empty;  // built on the first failure only
  json failed = json::object(), unresolvable = json::object();
  std::vector<std::string> passed;
  for (const auto& name : nodes) {
    MachineId m = now->cluster->find_machine(name);
    if (m == kNone) {
      unresolvable[name] = fmt::format(
          "node {} is not in berth's store (send whole Nodes: nodeCacheCapable: false)", name);
      continue;
    }
    // Placer::fits is the pipeline's verdict without copying the cluster; explain (which
    // copies it) runs only for the nodes that fail, for their reasons.
    if (now->placer->fits(group, m)) {
      passed.push_back(name);
      continue;
    }
    std::vector<std::string> reasons = now->placer->explain(now->instance, m);
    if (!empty) empty = evaluate(snap.spec, unit, options_.strategy, true);
    MachineId em = empty->cluster->find_machine(name);
    bool hopeless = !empty->placer->fits(empty->cluster->instance(empty->instance).group, em);
    (hopeless ? unresolvable : failed)[name] = join_reasons(reasons);
  }
  json answer = {
      {"FailedNodes", failed}, {"FailedAndUnresolvableNodes", unresolvable}, {"Error", ""}};
  if (full_nodes) {
    json items = json::array();
    const json& in = args["Nodes"];
    if (auto it = in.find("items"); it != in.end() && it->is_array()) {
      for (const auto& node : *it) {
        std::string n;
        if (auto meta = node.find("metadata"); meta != node.end() && meta->is_object())
          n = meta->value("name", "");
        if (std::find(passed.begin(), passed.end(), n) != passed.end()) items.push_back(node);
      }
    }
    answer["Nodes"] = {{"metadata", json::object()}, {"items", items}};
    answer["NodeNames"] = nullptr;
  } else {
    answer["Nodes"] = nullptr;
    answer["NodeNames"] = passed;
  }
  return answer;
}

json KubeExtender::prioritize(const json& args) {
  std::vector<std::string> nodes;
  bool full_nodes = false;
  Unit unit = read_request(args, nodes, full_nodes);
  state::Snapshot snap = store_.snapshot();
  auto e = evaluate(snap.spec, unit, options_.strategy, false);
  GroupId g = e->cluster->instance(e->instance).group;
  // The strategy's own order (Placer::better: preference points, then score), mapped onto
  // kube's 0..10 by rank among distinct values, so the order kube sees is berth's order.
  struct Key {
    std::int64_t points;
    double score;
    bool operator==(const Key&) const = default;
  };
  std::map<std::string, Key> keys;
  std::vector<Key> distinct;
  for (const auto& name : nodes) {
    MachineId m = e->cluster->find_machine(name);
    if (m == kNone || !e->placer->fits(g, m)) continue;
    Key k{e->placer->points_of(g, m), e->placer->score_of(g, m)};
    keys.emplace(name, k);
    if (std::find(distinct.begin(), distinct.end(), k) == distinct.end()) distinct.push_back(k);
  }
  std::sort(distinct.begin(), distinct.end(), [](const Key& a, const Key& b) {
    return a.points != b.points ? a.points > b.points : a.score > b.score;
  });
  json list = json::array();
  for (const auto& name : nodes) {
    std::int64_t score = 0;
    if (auto it = keys.find(name); it != keys.end()) {
      auto rank = static_cast<std::int64_t>(
          std::find(distinct.begin(), distinct.end(), it->second) - distinct.begin());
      auto n = static_cast<std::int64_t>(distinct.size());
      score = n == 1 ? 10 : (10 * (n - 1 - rank) + (n - 1) / 2) / (n - 1);
    }
    list.push_back({{"Host", name}, {"Score", score}});
  }
  return list;
}

json KubeExtender::bind(const json& args) {
  std::string name = string_member(args, "PodName", "ExtenderBindingArgs", true);
  std::string ns = string_member(args, "PodNamespace", "ExtenderBindingArgs", false);
  std::string uid = string_member(args, "PodUID", "ExtenderBindingArgs", false);
  std::string node = string_member(args, "Node", "ExtenderBindingArgs", true);
  // The importer names units <namespace>/<name>, "default" when the pod names none.
  std::string key = (ns.empty() ? std::string("default") : ns) + "/" + name;
  PodCall call;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = remembered_.find(key);
    if (it == remembered_.end()) {
      throw UsageError(336,
                       fmt::format("ExtenderBindingArgs: no filter call was seen for pod {}; berth "
                                   "binds only pods it filtered (its requests come from there)",
                                   key));
    }
    if (!uid.empty() && !it->second.uid.empty() && uid != it->second.uid) {
      throw UsageError(
          336,
          fmt::format("ExtenderBindingArgs.PodUID: pod {} was filtered with uid {}, bound with {}",
                      key, it->second.uid, uid));
    }
    call = it->second;
  }
  for (int attempt = 0; attempt < 64; ++attempt) {
    state::Snapshot snap = store_.snapshot();
    auto e = evaluate(snap.spec, call.unit, options_.strategy, false);
    const std::string& instance = e->cluster->instance(e->instance).name;
    if (auto placed = snap.spec.placements.find(instance);
        placed != snap.spec.placements.end() && placed->second == node) {
      return {{"Error", ""}};  // bound already (kube retried the call): nothing to do
    }
    MachineId m = e->cluster->find_machine(node);
    if (m == kNone) {
      return {
          {"Error", fmt::format("[berth.store.430] cannot bind {}: node {} is not in berth's store",
                                key, node)}};
    }
    if (!e->placer->fits(e->cluster->instance(e->instance).group, m)) {
      return {{"Error", fmt::format("[berth.store.430] pod {} no longer fits on {}: {}", key, node,
                                    join_reasons(e->placer->explain(e->instance, m)))}};
    }
    Spec additions;
    additions.units.push_back(call.unit);
    Plan assign;
    assign.assignments[instance] = node;
    state::CommitResult r =
        store_.commit(state::plan_with_additions(snap, additions, assign), snap);
    if (r.committed()) return {{"Error", ""}};
    if (r.status == state::CommitStatus::Rejected) {
      return {{"Error", fmt::format("[berth.store.430] pod {} no longer fits on {}: {}", key, node,
                                    r.summary())}};
    }
  }
  return {{"Error",
           fmt::format("[berth.store.408] binding {} kept conflicting with other writers; retry",
                       key)}};
}

}  // namespace berth::serve
