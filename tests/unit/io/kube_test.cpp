// import_kube: every real dump in ../shared/data/kube/ (four shapes), plus hand-written dumps for
// the fields the real ones lack (extended resources, spread, pod affinity, odd tolerations).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "berth/error.hpp"
#include "berth/io/kube.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/model/quantity.hpp"
#include "berth/place/place.hpp"

using namespace berth;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kKi = 1024;
constexpr std::int64_t kMi = 1024 * 1024;

fs::path kube_dir() { return fs::path(BERTH_SHARED_DATA) / "kube"; }

bool have_data() {
  if (fs::is_directory(kube_dir())) return true;
  WARN("skipped: " << kube_dir().string() << " is absent");
  return false;
}

std::string data(const std::string& rel) { return (kube_dir() / rel).string(); }

/// Every .json under a folder of the data, sorted.
std::vector<std::string> files_under(const std::string& rel) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(kube_dir() / rel)) {
    if (e.is_regular_file() && e.path().extension() == ".json") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

const Machine& machine(const Spec& s, const std::string& name) {
  for (const auto& m : s.machines) {
    if (m.name == name) return m;
  }
  FAIL("no machine " << name);
  throw;
}

const Unit& unit(const Spec& s, const std::string& name) {
  for (const auto& u : s.units) {
    if (u.name == name) return u;
  }
  FAIL("no unit " << name);
  throw;
}

bool has_unit(const Spec& s, const std::string& name) {
  return std::any_of(s.units.begin(), s.units.end(), [&](const Unit& u) { return u.name == name; });
}

bool has_requirement(const Unit& u, const MetadataRequirement& want) {
  const auto& md = u.constraints.metadata;
  return std::find(md.begin(), md.end(), want) != md.end();
}

std::size_t count_unsupported(const KubeImport& r, const std::string& object,
                              const std::string& field_part) {
  return static_cast<std::size_t>(
      std::count_if(r.unsupported.begin(), r.unsupported.end(), [&](const KubeUnsupported& u) {
        return (object.empty() || u.object == object) &&
               u.field.find(field_part) != std::string::npos;
      }));
}

bool noted(const KubeImport& r, const std::string& needle) {
  return std::any_of(r.notes.begin(), r.notes.end(),
                     [&](const std::string& n) { return n.find(needle) != std::string::npos; });
}

/// A machine's taints as kubectl prints them (`key=value:Effect`).
std::vector<std::string> taints(const Machine& m) {
  std::vector<std::string> out;
  for (const auto& t : m.taints) out.push_back(t.describe());
  return out;
}

/// Whether the unit's tolerations admit it to the machine (every hard taint tolerated).
bool tolerates(const Unit& u, const Machine& m) {
  return first_untolerated(m.taints, u.constraints.tolerations) < 0;
}

std::vector<std::string> meta(const Machine& m, const std::string& key) {
  auto it = m.metadata.find(key);
  return it == m.metadata.end() ? std::vector<std::string>{} : it->second;
}

KubeImport import_text(const std::string& nodes, const std::string& pods) {
  std::vector<KubeDocument> n, p;
  if (!nodes.empty()) n.push_back({"nodes.json", nodes});
  if (!pods.empty()) p.push_back({"pods.json", pods});
  return import_kube_text(n, p);
}

/// The spec written as JSON reads back to the same machines, units and placements.
void check_round_trip(const Spec& spec) {
  Spec back = parse_spec_json(write_spec_json(spec), "roundtrip.json");
  REQUIRE(back.machines.size() == spec.machines.size());
  REQUIRE(back.units.size() == spec.units.size());
  for (std::size_t i = 0; i < spec.machines.size(); ++i) {
    CHECK(back.machines[i].name == spec.machines[i].name);
    CHECK(back.machines[i].capacity == spec.machines[i].capacity);
    CHECK(back.machines[i].reserved == spec.machines[i].reserved);
    CHECK(back.machines[i].metadata == spec.machines[i].metadata);
    CHECK(back.machines[i].state == spec.machines[i].state);
  }
  for (std::size_t i = 0; i < spec.units.size(); ++i) {
    CHECK(back.units[i].name == spec.units[i].name);
    CHECK(back.units[i].requests == spec.units[i].requests);
    CHECK(back.units[i].priority == spec.units[i].priority);
    CHECK(back.units[i].constraints == spec.units[i].constraints);
  }
  CHECK(back.placements == spec.placements);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The real dumps.

TEST_CASE("kube: every file in the shared data imports", "[io][kube][data]") {
  if (!have_data()) return;
  std::size_t files = 0, nodes = 0, pods = 0, skipped = 0;
  std::map<std::string, std::size_t> phases;
  for (const auto& f : files_under(".")) {
    ++files;
    // Files without `kind` are nodes or pods by their folder; others say what they hold.
    const bool node_file = f.find("/node") != std::string::npos ||
                           f.find("Nodes.json") != std::string::npos ||
                           f.find("nodes.json") != std::string::npos || f.ends_with("/n1.json") ||
                           f.ends_with("/no.json");
    INFO(f);
    KubeImport r = node_file ? import_kube({f}, {}) : import_kube({}, {f});
    CHECK(r.nodes_read == r.spec.machines.size());
    CHECK(r.other_objects == 0);
    CHECK(r.nodes_read + r.pods_read > 0);
    CHECK((node_file ? r.pods_read : r.nodes_read) == 0);  // each file holds one kind
    nodes += r.nodes_read;
    pods += r.pods_read;
    skipped += r.pods_skipped;
    for (const auto& [phase, n] : r.pods_by_phase) phases[phase] += n;
    check_round_trip(r.spec);
  }
  CHECK(files == 51);
  CHECK(nodes == 16);
  CHECK(pods == 65);
  CHECK(phases ==
        std::map<std::string, std::size_t>{{"Failed", 2}, {"Pending", 6}, {"Running", 57}});
  CHECK(skipped == 2);
}

TEST_CASE("kube: quantities of the shared data all parse", "[io][kube][data]") {
  // Every form in the dumps: 100m, 3500m, 4, 70Mi, 1Gi, 30821896Ki, 122127732942, 127, 0.
  CHECK(parse_cpu("3500m", "x") == 3500);
  CHECK(parse_cpu("1m", "x") == 1);
  CHECK(parse_bytes("30821896Ki", "x") == 30821896 * kKi);
  CHECK(parse_bytes("122127732942", "x") == 122127732942);
  CHECK(parse_count("127", "x") == 127);
  CHECK(parse_bytes("0", "x") == 0);
  CHECK(parse_cpu("1e3m", "x") == 1000);  // Kubernetes' exponent form
  CHECK(parse_bytes("1e3", "x") == 1000);
}

TEST_CASE("kube: sonobuoy healthsummary (NodeList + PodList, kind v1.20)", "[io][kube][data]") {
  if (!have_data()) return;
  KubeImport r = import_kube(
      {data("sonobuoy/healthsummary/resources/cluster/core_v1_nodes.json")},
      {data("sonobuoy/healthsummary/resources/ns/kube-system/core_v1_pods.json"),
       data("sonobuoy/healthsummary/resources/ns/local-path-storage/core_v1_pods.json")});
  const Spec& s = r.spec;
  REQUIRE(s.machines.size() == 3);
  CHECK(r.pods_read == 15);
  CHECK(s.units.size() == 15);
  CHECK(r.pods_skipped == 0);

  const Machine& cp = machine(s, "kind-control-plane");
  CHECK(cp.capacity.cpu == 8000);
  CHECK(cp.capacity.memory == 30821896 * kKi);
  CHECK(cp.capacity.disk == 313501092 * kKi);  // ephemeral-storage
  CHECK(cp.capacity.extended.at("pods") == 110);
  CHECK(cp.capacity.extended.at("hugepages-2Mi") == 0);
  CHECK(cp.reserved.is_zero());  // allocatable == capacity in this kind cluster
  CHECK(meta(cp, "role") == std::vector<std::string>{"control-plane", "master"});
  CHECK(taints(cp) == std::vector<std::string>{"node-role.kubernetes.io/master:NoSchedule"});
  CHECK(taints(machine(s, "kind-worker")).empty());
  CHECK(meta(machine(s, "kind-worker"), "role").empty());
  CHECK(meta(cp, "zone").empty());  // no zone labels here

  // DaemonSet pods: matchFields metadata.name In [node] -> a pin.
  CHECK(unit(s, "kube-system/kube-proxy-8jj5r").constraints.machine_id == "kind-worker2");
  CHECK(has_requirement(unit(s, "kube-system/kube-proxy-8jj5r"),
                        {"kubernetes.io/os", MetadataOp::In, {"linux"}}));
  // Static (mirror) pods are pinned to their node and ignore taints.
  const Unit& etcd = unit(s, "kube-system/etcd-kind-control-plane");
  CHECK(etcd.constraints.machine_id == "kind-control-plane");
  CHECK(etcd.requests.cpu == 100);
  CHECK(etcd.requests.memory == 100 * kMi);
  CHECK(etcd.requests.disk == 100 * kMi);  // ephemeral-storage request
  CHECK(etcd.requests.extended.at("pods") == 1);
  // coredns tolerates the master taint (Equal, empty value).
  const Unit& dns = unit(s, "kube-system/coredns-74ff55c5b-cpfqs");
  CHECK(dns.requests.cpu == 100);
  CHECK(dns.requests.memory == 70 * kMi);
  CHECK(tolerates(dns, cp));
  CHECK(tolerates(etcd, cp));  // a static pod tolerates every taint
  // Issue 16 item 4: kube's full 32-bit range is kept, so the two system classes keep their
  // order (system-cluster-critical 2,000,000,000 < system-node-critical 2,000,001,000).
  CHECK(dns.priority == 2000000000);
  CHECK_FALSE(noted(r, "priority 2000000000"));
  CHECK(unit(s, "kube-system/kube-proxy-8jj5r").priority == 2000001000);
  CHECK(unit(s, "kube-system/kube-proxy-8jj5r").priority > dns.priority);
  // Running pods and Pending pods already bound are placements; two Pending coredns are unbound.
  CHECK(r.pods_by_phase == std::map<std::string, std::size_t>{{"Pending", 4}, {"Running", 11}});
  CHECK(s.placements.size() == 13);
  CHECK(s.placements.at("kube-system/coredns-74ff55c5b-cpfqs") ==
        "kind-control-plane");  // Pending, bound
  CHECK(s.placements.count("kube-system/coredns-74ff55c5b-ppjrs") == 0);
  CHECK(s.placements.at("local-path-storage/local-path-provisioner-78776bfc44-66xwg") ==
        "kind-control-plane");
  CHECK(r.unsupported.empty());
}

TEST_CASE("kube: sonobuoy results-0.10 (bare arrays, AWS, old zone labels)", "[io][kube][data]") {
  if (!have_data()) return;
  KubeImport r = import_kube({data("sonobuoy/results-0.10/resources/cluster/Nodes.json")},
                             {data("sonobuoy/results-0.10/resources/ns/kube-system/Pods.json")});
  const Spec& s = r.spec;
  REQUIRE(s.machines.size() == 3);
  REQUIRE(s.units.size() == 14);
  for (const auto& m : s.machines) {
    INFO(m.name);
    CHECK(meta(m, "zone") == std::vector<std::string>{"us-west-2a"});  // failure-domain.beta...
    CHECK(meta(m, "region") == std::vector<std::string>{"us-west-2"});
    CHECK(meta(m, "failure-domain.beta.kubernetes.io/zone") ==
          std::vector<std::string>{"us-west-2a"});
    CHECK(meta(m, "instance_type") == std::vector<std::string>{"m3.medium"});
    CHECK(m.capacity.cpu == 1000);
    CHECK(m.capacity.memory == 3852980 * kKi);
    CHECK(m.reserved.memory == 100 * kMi);  // allocatable 3750580Ki
    CHECK(m.allocatable().memory == 3750580 * kKi);
    CHECK(m.reserved.cpu == 0);
  }
  const Machine& master = machine(s, "ip-10-0-9-206.us-west-2.compute.internal");
  CHECK(taints(master) == std::vector<std::string>{"node-role.kubernetes.io/master:NoSchedule"});
  CHECK(meta(master, "role") ==
        std::vector<std::string>{"master"});  // node-role + kubernetes.io/role
  // Required node affinity (one term, matchExpressions).
  const Unit& dns = unit(s, "kube-system/kube-dns-545bc4bfd4-t4lzx");
  CHECK(has_requirement(dns, {"beta.kubernetes.io/arch", MetadataOp::In, {"amd64"}}));
  CHECK(dns.requests.cpu == 260);
  CHECK(dns.requests.memory == 110 * kMi);
  CHECK(dns.priority == 0);  // k8s 1.8: no spec.priority
  // nodeSelector.
  CHECK(has_requirement(unit(s, "kube-system/calico-etcd-xzvc8"),
                        {"node-role.kubernetes.io/master", MetadataOp::In, {""}}));
  // Static pods of 1.8 carry only the mirror annotation: pinned all the same.
  CHECK(
      unit(s, "kube-system/etcd-ip-10-0-9-206.us-west-2.compute.internal").constraints.machine_id ==
      master.name);
  CHECK(s.placements.size() == 14);
  CHECK(r.pods_by_phase == std::map<std::string, std::size_t>{{"Running", 14}});
}

TEST_CASE("kube: insights-operator 8999074 (single objects without kind, GCP, new zone labels)",
          "[io][kube][data]") {
  if (!have_data()) return;
  KubeImport r = import_kube(files_under("insights-operator/8999074/config/node"), {});
  const Spec& s = r.spec;
  REQUIRE(s.machines.size() == 6);
  std::multiset<std::string> master_zones, worker_zones;
  for (const auto& m : s.machines) {
    INFO(m.name);
    CHECK(m.capacity.cpu == 4000);
    CHECK(m.allocatable().cpu == 3500);  // allocatable below capacity
    CHECK(m.reserved.cpu == 500);
    CHECK(m.capacity.extended.at("attachable-volumes-gce-pd") == 127);
    CHECK(m.capacity.extended.at("pods") == 250);
    CHECK(meta(m, "instance_type") == std::vector<std::string>{"n1-standard-4"});
    CHECK(meta(m, "region") == std::vector<std::string>{"us-east1"});
    REQUIRE(meta(m, "zone").size() == 1);
    CHECK(meta(m, "topology.kubernetes.io/zone") == meta(m, "zone"));
    const bool is_master = m.name.find("master") != std::string::npos;
    CHECK(meta(m, "role") == std::vector<std::string>{is_master ? "master" : "worker"});
    CHECK(taints(m) == (is_master
                            ? std::vector<std::string>{"node-role.kubernetes.io/master:NoSchedule"}
                            : std::vector<std::string>{}));
    (is_master ? master_zones : worker_zones).insert(meta(m, "zone").front());
  }
  const std::multiset<std::string> zones{"us-east1-b", "us-east1-c", "us-east1-d"};
  CHECK(master_zones == zones);
  CHECK(worker_zones == zones);
  CHECK(machine(s, "ci-ln-ywdpkbt-f76d1-vw6lz-master-0").capacity.memory == 15377828 * kKi);
  CHECK(machine(s, "ci-ln-ywdpkbt-f76d1-vw6lz-master-0").allocatable().disk == 122127732942);
}

TEST_CASE("kube: insights-operator 8494b69 (35 single pods, every phase)", "[io][kube][data]") {
  if (!have_data()) return;
  std::vector<std::string> pod_files = files_under("insights-operator/8494b69/config/pod");
  auto more = files_under("insights-operator/8494b69/conditional");
  pod_files.insert(pod_files.end(), more.begin(), more.end());
  REQUIRE(pod_files.size() == 35);
  KubeImport r = import_kube(files_under("insights-operator/8494b69/config/node"), pod_files);
  const Spec& s = r.spec;
  REQUIRE(s.machines.size() == 2);
  CHECK(r.pods_read == 35);
  CHECK(r.pods_by_phase ==
        std::map<std::string, std::size_t>{{"Failed", 2}, {"Pending", 2}, {"Running", 31}});
  CHECK(r.pods_skipped == 2);
  CHECK(s.units.size() == 33);
  CHECK_FALSE(has_unit(s, "di-288312/auditlog-retention-28566720-t22qj"));  // Failed
  CHECK(kube_import_summary(r).find("skipped 2 finished pod(s): 2 Failed") != std::string::npos);

  const Machine& master = machine(s, "master-0.imeixner20210707.lab.upshift.rdu2.redhat.com");
  CHECK(master.capacity.cpu == 8000);
  CHECK(master.allocatable().cpu == 7500);
  CHECK(master.capacity.memory == 16409932 * kKi);
  CHECK(master.allocatable().memory == 15258956 * kKi);
  CHECK(master.allocatable().disk == 37087380622);
  CHECK(taints(master) == std::vector<std::string>{"node-role.kubernetes.io/master:NoSchedule"});
  const Machine& worker = machine(s, "worker-0.imeixner20210707.lab.upshift.rdu2.redhat.com");
  CHECK(worker.allocatable().cpu == 3500);

  // Init containers: the etcd static pod's containers sum to 350m / 860Mi, above its inits.
  const Unit& etcd =
      unit(s, "openshift-etcd/etcd-master-0.imeixner20210707.lab.upshift.rdu2.redhat.com");
  CHECK(etcd.requests.cpu == 350);
  CHECK(etcd.requests.memory == 860 * kMi);
  CHECK(etcd.constraints.machine_id == master.name);
  CHECK(unit(s, "openshift-oauth-apiserver/apiserver-695d9c5549-w7fjs").requests.cpu == 150);
  // vsystem: an init container without resources and two requests (limits ignored).
  const Unit& vsystem = unit(s, "di-288312/vsystem-867f4b77cc-pqcns");
  CHECK(vsystem.requests.cpu == 700);
  CHECK(vsystem.requests.memory == 384 * kMi);

  // Required pod anti-affinity on the hostname -> conflicts with its ReplicaSet's pods.
  const Unit& api = unit(s, "openshift-oauth-apiserver/apiserver-695d9c5549-w7fjs");
  CHECK(api.constraints.conflicts ==
        std::vector<std::string>{"openshift-oauth-apiserver/apiserver-695d9c5549-*"});
  // Preferred anti-affinity is a `near` preference with a negative weight (avoid), no longer
  // listed as unsupported.
  CHECK(count_unsupported(r, "pod openshift-monitoring/prometheus-k8s-0",
                          "podAntiAffinity.preferred") == 0);
  for (const char* name :
       {"openshift-monitoring/prometheus-k8s-0", "openshift-monitoring/alertmanager-main-0"}) {
    const Unit& u = unit(s, name);
    INFO(name);
    REQUIRE(u.preferences.size() == 1);
    CHECK(u.preferences[0].kind == Preference::Kind::Near);
    CHECK(u.preferences[0].weight < 0);
    CHECK_FALSE(u.preferences[0].near.empty());
  }
  CHECK(unit(s, "openshift-monitoring/prometheus-k8s-0").constraints.conflicts.empty());
  // Host ports 80/443/1936 are the unit's ports: replicas of the router can't share a node.
  const Unit& router = unit(s, "openshift-ingress/router-default-7bbdcfcf9b-7xdln");
  CHECK(router.constraints.conflicts.empty());
  CHECK(std::count(router.constraints.ports.begin(), router.constraints.ports.end(),
                   HostPort{80, PortProtocol::Tcp}) == 1);
  CHECK(std::count(router.constraints.ports.begin(), router.constraints.ports.end(),
                   HostPort{443, PortProtocol::Tcp}) == 1);

  // Workers' pods that don't tolerate the master taint can't land on a master.
  const Unit& prom = unit(s, "openshift-monitoring/prometheus-k8s-0");
  CHECK_FALSE(tolerates(prom, master));
  CHECK(tolerates(prom, worker));
  // Operators tolerate it and select masters.
  const Unit& op = unit(s, "openshift-etcd-operator/etcd-operator-78bb597755-r6lgn");
  CHECK(tolerates(op, master));
  CHECK(has_requirement(op, {"node-role.kubernetes.io/master", MetadataOp::In, {""}}));

  // Bound to nodes outside the dump (another cluster): imported unplaced, with a note.
  CHECK(s.placements.count("di-288312/vsystem-867f4b77cc-pqcns") == 0);
  CHECK(s.placements.count("openshift-monitoring/alertmanager-main-0") == 0);
  CHECK(noted(r, "node pvx510.wdf.sap.corp is not in the node dump"));
  CHECK(s.placements.size() == 30);
  CHECK(s.placements.count("openshift-ingress/router-default-7bbdcfcf9b-7xdln") ==
        0);  // Pending, unbound
  check_round_trip(s);
}

TEST_CASE("kube: k9s single objects with kind", "[io][kube][data]") {
  if (!have_data()) return;
  KubeImport r = import_kube({data("k9s/internal/render/testdata/no.json")},
                             {data("k9s/internal/render/testdata/po.json")});
  REQUIRE(r.spec.machines.size() == 1);
  const Machine& m = r.spec.machines.front();
  CHECK(m.name == "minikube");
  CHECK(m.capacity.memory == 8165556 * kKi);
  CHECK(m.allocatable().memory == 8063156 * kKi);
  CHECK(m.allocatable().disk == 15625027559);
  CHECK(m.reserved.disk == 16954240 * kKi - 15625027559);
  CHECK(meta(m, "role") == std::vector<std::string>{"master"});
  REQUIRE(r.spec.units.size() == 1);
  const Unit& nginx = r.spec.units.front();
  CHECK(nginx.name == "default/nginx");
  CHECK(nginx.requests.cpu == 100);
  CHECK(nginx.requests.memory == 70 * kMi);  // request, not the 170Mi limit
  CHECK(r.spec.placements.at("default/nginx") == "minikube");

  KubeImport n1 = import_kube({data("k9s/internal/dao/testdata/n1.json")}, {});
  REQUIRE(n1.spec.machines.size() == 1);
  CHECK(n1.spec.machines.front().reserved.is_zero());
  CHECK(n1.spec.machines.front().capacity.memory == 8163684 * kKi);

  // Two different nodes named minikube (two clusters): refused, not merged.
  try {
    import_kube(
        {data("k9s/internal/dao/testdata/n1.json"), data("k9s/internal/render/testdata/no.json")},
        {});
    FAIL("expected a ValidationError");
  } catch (const ValidationError& e) {
    CHECK(e.code() == 261);
    CHECK(std::string(e.what()).find("minikube") != std::string::npos);
  }
  // The same file twice: read once, with a note.
  KubeImport twice = import_kube(
      {data("k9s/internal/dao/testdata/n1.json"), data("k9s/internal/dao/testdata/n1.json")}, {});
  CHECK(twice.spec.machines.size() == 1);
  CHECK(noted(twice, "read twice"));
}

// ---------------------------------------------------------------------------------------------
// Hand-written dumps for what the real ones lack.

namespace {

constexpr const char* kGpuNodes = R"({
  "apiVersion": "v1", "kind": "List",
  "items": [
    {"kind": "Node", "metadata": {"name": "gpu-1", "uid": "u1",
       "labels": {"topology.kubernetes.io/zone": "z1", "failure-domain.beta.kubernetes.io/zone": "z1",
                  "node-role.kubernetes.io/gpu": "", "accel": "a100", "cores": "64"}},
     "spec": {"taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"},
                         {"key": "dedicated", "value": "ml", "effect": "NoExecute"},
                         {"key": "soft", "value": "x", "effect": "PreferNoSchedule"}]},
     "status": {"capacity": {"cpu": "32", "memory": "256Gi", "nvidia.com/gpu": "8", "hugepages-2Mi": "1Gi",
                             "pods": "110", "ephemeral-storage": "1Ti"},
                "allocatable": {"cpu": "31500m", "memory": "250Gi", "nvidia.com/gpu": "8",
                                "hugepages-2Mi": "1Gi", "pods": "110", "ephemeral-storage": "900Gi"}}},
    {"kind": "Node", "metadata": {"name": "cpu-1", "uid": "u2", "labels": {"cores": "8"}},
     "spec": {"unschedulable": true,
              "taints": [{"key": "dedicated", "value": "batch", "effect": "NoSchedule"}]},
     "status": {"allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110"}}},
    {"kind": "Service", "metadata": {"name": "web"}}
  ]})";

std::string pod(const std::string& name, const std::string& spec,
                const std::string& phase = "Pending", const std::string& extra_meta = "") {
  return R"({"kind": "Pod", "metadata": {"name": ")" + name + R"(", "namespace": "ml", "uid": ")" +
         name + "\"" + extra_meta + R"(}, "spec": )" + spec + R"(, "status": {"phase": ")" + phase +
         R"("}})";
}

std::string pod_list(const std::vector<std::string>& pods) {
  std::string out = R"({"kind": "PodList", "items": [)";
  for (std::size_t i = 0; i < pods.size(); ++i) out += (i ? "," : "") + pods[i];
  return out + "]}";
}

}  // namespace

TEST_CASE("kube: extended resources, hugepages, reserved, unschedulable, other kinds",
          "[io][kube]") {
  KubeImport r = import_text(kGpuNodes, pod_list({pod("train", R"({"containers": [
      {"name": "a", "resources": {"limits": {"nvidia.com/gpu": "2", "cpu": "4"}, "requests": {"cpu": "2", "memory": "8Gi"}}},
      {"name": "b", "resources": {"requests": {"hugepages-2Mi": "512Mi", "ephemeral-storage": "10Gi"}}}]})")}));
  const Spec& s = r.spec;
  REQUIRE(s.machines.size() == 2);
  const Machine& gpu = machine(s, "gpu-1");
  CHECK(gpu.capacity.extended.at("nvidia.com/gpu") == 8);
  CHECK(gpu.capacity.extended.at("hugepages-2Mi") == 1024 * kMi);
  CHECK(gpu.capacity.cpu == 32000);
  CHECK(gpu.reserved.cpu == 500);
  CHECK(gpu.reserved.memory == 6LL * 1024 * kMi);
  CHECK(gpu.reserved.disk == 124LL * 1024 * kMi);  // 1Ti - 900Gi
  CHECK(gpu.reserved.get("nvidia.com/gpu") == 0);
  CHECK(meta(gpu, "zone") == std::vector<std::string>{"z1"});
  CHECK(meta(gpu, "role") == std::vector<std::string>{"gpu"});
  // Sorted by key: dedicated, nvidia.com/gpu, soft (PreferNoSchedule: recorded, never filters).
  CHECK(taints(gpu) == std::vector<std::string>{"dedicated=ml:NoExecute",
                                                "nvidia.com/gpu=present:NoSchedule",
                                                "soft=x:PreferNoSchedule"});
  CHECK(count_unsupported(r, "node gpu-1", "spec.taints[2]") ==
        1);  // PreferNoSchedule is not scored
  const Machine& cpu = machine(s, "cpu-1");
  CHECK(cpu.state == MachineState::Draining);
  CHECK(cpu.capacity.cpu == 8000);  // allocatable only: taken as capacity
  CHECK(cpu.reserved.is_zero());
  CHECK(r.other_objects == 1);
  CHECK(count_unsupported(r, "Service web", "kind") == 1);

  const Unit& train = unit(s, "ml/train");
  CHECK(train.requests.cpu == 2000);                         // request, not the limit
  CHECK(train.requests.extended.at("nvidia.com/gpu") == 2);  // limit only: request = limit
  CHECK(train.requests.memory == 8LL * 1024 * kMi);
  CHECK(train.requests.extended.at("hugepages-2Mi") == 512 * kMi);
  CHECK(train.requests.disk == 10LL * 1024 * kMi);
  CHECK(train.requests.extended.at("pods") == 1);
  // Tolerates nothing: kept off both tainted nodes (cpu-1 is dedicated=batch:NoSchedule).
  CHECK(train.constraints.tolerations.empty());
  CHECK_FALSE(tolerates(train, gpu));
  CHECK_FALSE(tolerates(train, machine(s, "cpu-1")));
  check_round_trip(s);
}

TEST_CASE("kube: tolerations are the unit's, with kube's matching", "[io][kube]") {
  auto tol_pod = [](const std::string& name, const std::string& tolerations) {
    return pod(name, R"({"containers": [{"name": "c"}], "tolerations": )" + tolerations + "}");
  };
  KubeImport r = import_text(
      kGpuNodes,
      pod_list({
          tol_pod("all", R"([{"operator": "Exists"}])"),
          tol_pod("gpu",
                  R"([{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}])"),
          tol_pod(
              "ml",
              R"([{"key": "dedicated", "value": "ml"}, {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present"}])"),
          tol_pod("noexec-only", R"([{"operator": "Exists", "effect": "NoExecute"}])"),
          tol_pod("wrong-value", R"([{"key": "nvidia.com/gpu", "value": "absent"}])"),
      }));
  const Spec& s = r.spec;
  const Machine& g = machine(s, "gpu-1");
  const Machine& c = machine(s, "cpu-1");  // dedicated=batch:NoSchedule
  CHECK(unit(s, "ml/all").constraints.metadata.empty());
  CHECK(tolerates(unit(s, "ml/all"), g));
  CHECK(tolerates(unit(s, "ml/all"), c));
  const Unit& gpu = unit(s, "ml/gpu");
  REQUIRE(gpu.constraints.tolerations.size() == 1);
  CHECK(gpu.constraints.tolerations[0].effect == TaintEffect::NoSchedule);
  CHECK_FALSE(tolerates(gpu, g));  // dedicated=ml:NoExecute is not tolerated
  const Unit& ml = unit(s, "ml/ml");
  CHECK(tolerates(ml, g));
  CHECK_FALSE(tolerates(ml, c));  // dedicated=batch, not ml
  const Unit& noexec = unit(s, "ml/noexec-only");
  CHECK_FALSE(tolerates(noexec, g));  // the NoSchedule gpu taint
  CHECK_FALSE(tolerates(noexec, c));
  CHECK_FALSE(tolerates(unit(s, "ml/wrong-value"), g));
  // The pipeline reads the same tolerations: placing the five pods puts each where kube would.
  Spec placed = s;
  placed.placements.clear();
  PlacementResult res = place(placed);
  CHECK(res.placements.count("ml/ml") == 1);
  CHECK(res.placements.at("ml/ml") == "gpu-1");
  CHECK(res.placements.count("ml/gpu") == 0);
  check_round_trip(s);
}

TEST_CASE("kube: node affinity operators, terms and fields", "[io][kube]") {
  auto aff = [](const std::string& name, const std::string& terms) {
    return pod(name, R"({"containers": [{"name": "c"}], "tolerations": [{"operator": "Exists"}],
      "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": )" +
                         terms + R"(}, "preferredDuringSchedulingIgnoredDuringExecution": [
          {"weight": 1, "preference": {"matchExpressions": [{"key": "accel", "operator": "In", "values": ["a100"]}]}}]}}})");
  };
  KubeImport r = import_text(
      kGpuNodes,
      pod_list({
          aff("ops", R"([{"matchExpressions": [
          {"key": "accel", "operator": "In", "values": ["a100", "h100"]},
          {"key": "accel", "operator": "NotIn", "values": ["t4"]},
          {"key": "cores", "operator": "Gt", "values": ["16"]},
          {"key": "cores", "operator": "Lt", "values": ["128"]},
          {"key": "topology.kubernetes.io/zone", "operator": "Exists"},
          {"key": "spot", "operator": "DoesNotExist"}]}])"),
          aff("two-terms",
              R"([{"matchExpressions": [{"key": "accel", "operator": "In", "values": ["a100"]}]},
                           {"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["4"]}]}])"),
          aff("pinned",
              R"([{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["cpu-1"]}]}])"),
          aff("two-nodes",
              R"([{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["cpu-1", "gpu-1"]}]}])"),
          aff("absent",
              R"([{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["gone"]}]}])"),
          pod("selector",
              R"({"containers": [{"name": "c"}], "tolerations": [{"operator": "Exists"}],
          "nodeSelector": {"accel": "a100", "topology.kubernetes.io/zone": "z1"}})"),
      }));
  const Spec& s = r.spec;
  const Unit& ops = unit(s, "ml/ops");
  CHECK(ops.constraints.metadata == std::vector<MetadataRequirement>{
                                        {"accel", MetadataOp::In, {"a100", "h100"}},
                                        {"accel", MetadataOp::NotIn, {"t4"}},
                                        {"cores", MetadataOp::Gt, {"16"}},
                                        {"cores", MetadataOp::Lt, {"128"}},
                                        {"topology.kubernetes.io/zone", MetadataOp::Exists, {}},
                                        {"spot", MetadataOp::NotExists, {}},
                                    });
  // Preferred node affinity: a metadata preference with kube's weight.
  CHECK(count_unsupported(r, "pod ml/ops", "nodeAffinity.preferredDuringScheduling") == 0);
  REQUIRE(ops.preferences.size() == 1);
  CHECK(ops.preferences[0].kind == Preference::Kind::Metadata);
  CHECK(ops.preferences[0].weight == 1);
  CHECK(ops.preferences[0].metadata ==
        std::vector<MetadataRequirement>{{"accel", MetadataOp::In, {"a100"}}});
  CHECK(unit(s, "ml/two-terms").constraints.metadata.empty());
  CHECK(count_unsupported(r, "pod ml/two-terms", "nodeSelectorTerms") == 1);
  CHECK(unit(s, "ml/pinned").constraints.machine_id == "cpu-1");
  CHECK(unit(s, "ml/two-nodes").constraints.machine_id.empty());
  CHECK(count_unsupported(r, "pod ml/two-nodes", "matchFields[0]") == 1);
  CHECK(unit(s, "ml/absent").constraints.machine_id.empty());  // a pin to a missing node is dropped
  CHECK(count_unsupported(r, "pod ml/absent", "nodeAffinity") ==
        1);  // the preferred term is a preference now
  const Unit& sel = unit(s, "ml/selector");
  CHECK(has_requirement(sel, {"accel", MetadataOp::In, {"a100"}}));
  CHECK(has_requirement(sel, {"topology.kubernetes.io/zone", MetadataOp::In, {"z1"}}));
  check_round_trip(s);
}

TEST_CASE("kube: init containers, sidecars and overhead", "[io][kube]") {
  KubeImport r = import_text(
      "",
      pod_list({
          pod("init-wins",
              R"({"containers": [{"name": "a", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}},
                                         {"name": "b", "resources": {"requests": {"cpu": "100m"}}}],
                          "initContainers": [{"name": "i1", "resources": {"requests": {"cpu": "1", "memory": "32Mi"}}},
                                             {"name": "i2", "resources": {"requests": {"memory": "1Gi"}}}]})"),
          pod("sidecar",
              R"({"containers": [{"name": "a", "resources": {"requests": {"cpu": "100m"}}}],
                        "initContainers": [{"name": "log", "restartPolicy": "Always", "resources": {"requests": {"cpu": "50m"}}},
                                           {"name": "setup", "resources": {"requests": {"cpu": "120m"}}}],
                        "overhead": {"cpu": "10m", "memory": "16Mi"}})"),
      }));
  const Unit& a = unit(r.spec, "ml/init-wins");
  CHECK(a.requests.cpu == 1000);                  // max(200m, 1)
  CHECK(a.requests.memory == 1024 * kMi);         // max(64Mi, 32Mi, 1Gi)
  CHECK(a.requests.extended.count("pods") == 0);  // no nodes imported: no pod slots
  const Unit& b = unit(r.spec, "ml/sidecar");
  CHECK(b.requests.cpu == 180);  // max(100m + 50m, 120m + 50m) + 10m overhead
  CHECK(b.requests.memory == 16 * kMi);
  CHECK(noted(r, "no nodes imported"));
}

TEST_CASE("kube: pod anti-affinity, pod affinity and spread", "[io][kube]") {
  auto anti = [](const std::string& name, const std::string& owner, const std::string& topology,
                 const std::string& selector = R"({"matchLabels": {"app": "db"}})") {
    return pod(
        name,
        R"({"containers": [{"name": "c"}], "affinity": {"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [{"labelSelector": )" +
            selector + R"(, "topologyKey": ")" + topology + R"("}]}}})",
        "Running",
        R"(, "labels": {"app": "db"}, "ownerReferences": [{"kind": "StatefulSet", "name": ")" +
            owner + R"(", "controller": true}])");
  };
  KubeImport r = import_text(
      "",
      pod_list({
          anti("db-0", "db", "kubernetes.io/hostname"),
          anti("db-1", "db", "kubernetes.io/hostname"),
          anti("zonal-0", "zonal", "topology.kubernetes.io/zone"),
          pod("dbx-lonely", R"({"containers": [{"name": "c"}]})", "Running",
              R"(, "labels": {"app": "db"})"),
          pod("db-admin", R"({"containers": [{"name": "c"}]})", "Running",
              R"(, "labels": {"app": "admin"})"),
          anti(
              "exprs-0", "exprs", "kubernetes.io/hostname",
              R"({"matchExpressions": [{"key": "app", "operator": "In", "values": ["db"]}, {"key": "tier", "operator": "DoesNotExist"}]})"),
          pod("friendly", R"({"containers": [{"name": "c"}], "affinity": {"podAffinity": {
          "requiredDuringSchedulingIgnoredDuringExecution": [{"labelSelector": {}, "topologyKey": "kubernetes.io/hostname"}]}},
          "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                         "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {}}]})"),
      }));
  const Spec& s = r.spec;
  // StatefulSet db: `ml/db-*` would also catch ml/db-admin (not selected), so exact names.
  const Unit& db0 = unit(s, "ml/db-0");
  std::set<std::string> got(db0.constraints.conflicts.begin(), db0.constraints.conflicts.end());
  CHECK(got == std::set<std::string>{"ml/db-1", "ml/dbx-lonely", "ml/zonal-*", "ml/exprs-*"});
  // db-1 shares db-0's term (resolved once) and lists db-0, never itself.
  const auto& c1 = unit(s, "ml/db-1").constraints.conflicts;
  CHECK(std::set<std::string>(c1.begin(), c1.end()) ==
        std::set<std::string>{"ml/db-0", "ml/dbx-lonely", "ml/zonal-*", "ml/exprs-*"});
  CHECK(count_unsupported(r, "pod ml/zonal-0", "topologyKey") == 1);
  CHECK(unit(s, "ml/zonal-0").constraints.conflicts.empty());
  CHECK(count_unsupported(r, "pod ml/friendly", "podAffinity") == 1);
  CHECK(count_unsupported(r, "pod ml/friendly", "topologySpreadConstraints") == 1);
  CHECK_FALSE(unit(s, "ml/friendly").constraints.spread.has_value());
  const std::string summary = kube_import_summary(r);
  CHECK(summary.find("spec.topologySpreadConstraints") != std::string::npos);
  CHECK(summary.find("pod ml/friendly") != std::string::npos);
  CHECK(std::any_of(s.warnings.begin(), s.warnings.end(), [](const std::string& w) {
    return w.find("podAffinity") != std::string::npos;
  }));
}

TEST_CASE("kube: the four shapes and phases", "[io][kube]") {
  const std::string node =
      R"({"metadata": {"name": "n1"}, "status": {"capacity": {"cpu": "2", "pods": "10"}}})";
  const std::string running =
      R"({"metadata": {"name": "p1"}, "spec": {"nodeName": "n1", "containers": [{"name": "c"}]}, "status": {"phase": "Running"}})";
  const std::string bound_pending =
      R"({"metadata": {"name": "p2"}, "spec": {"nodeName": "n1", "containers": [{"name": "c"}]}, "status": {"phase": "Pending"}})";
  const std::string done =
      R"({"metadata": {"name": "p3"}, "spec": {"containers": [{"name": "c"}]}, "status": {"phase": "Succeeded"}})";
  const std::string manifest =
      R"({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p4", "namespace": "x"}, "spec": {"containers": [{"name": "c"}]}})";
  KubeImport r = import_kube_text(
      {{"a", "[" + node + "]"}},
      {{"b", R"({"kind": "PodList", "items": [)" + running + "," + bound_pending + "]}"},
       {"c", done},
       {"d", manifest},
       {"e", R"({"kind": "List", "items": null})"}});
  CHECK(r.spec.machines.size() == 1);
  CHECK(r.pods_by_phase == std::map<std::string, std::size_t>{
                               {"(none)", 1}, {"Pending", 1}, {"Running", 1}, {"Succeeded", 1}});
  CHECK(r.pods_skipped == 1);
  CHECK(r.spec.units.size() == 3);
  CHECK(r.spec.placements ==
        std::map<std::string, std::string>{{"default/p1", "n1"}, {"default/p2", "n1"}});
  CHECK(unit(r.spec, "x/p4").requests.extended.at("pods") == 1);

  // A kind-bearing Pod inside a node List is a pod; import_kube_json takes parsed values.
  KubeImport mixed = import_kube_json(
      {nlohmann::json::parse(R"({"kind": "List", "items": [)" + node + "," + manifest + "]}")}, {});
  CHECK(mixed.spec.machines.size() == 1);
  REQUIRE(mixed.spec.units.size() == 1);
  CHECK(mixed.spec.units.front().name == "x/p4");

  // A PodList given as --nodes: its kind-less items are pods all the same.
  KubeImport swapped = import_text(R"({"kind": "PodList", "items": [)" + running + "]}", "");
  CHECK(swapped.spec.machines.empty());
  CHECK(swapped.spec.units.size() == 1);
}

TEST_CASE("kube: pods holding the same host port conflict", "[io][kube]") {
  auto ported = [](const std::string& name, const std::string& ports, const std::string& owner) {
    return pod(name, R"({"containers": [{"name": "c", "ports": )" + ports + "}]}", "Running",
               owner.empty() ? ""
                             : R"(, "ownerReferences": [{"kind": "DaemonSet", "name": ")" + owner +
                                   R"(", "controller": true}])");
  };
  KubeImport r = import_text(
      "",
      pod_list({
          ported("lb-a1", R"([{"containerPort": 80, "hostPort": 80}])", "lb-a"),
          ported("lb-a2", R"([{"containerPort": 80, "hostPort": 80}])", "lb-a"),
          ported("web", R"([{"containerPort": 8080, "hostPort": 80, "protocol": "TCP"}])", ""),
          ported(
              "dns",
              R"([{"containerPort": 80, "hostPort": 80, "protocol": "UDP"}, {"containerPort": 53}])",
              ""),
      }));
  const Spec& s = r.spec;
  // hostPort is the unit's host port (the pipeline's NodePorts filter), not emulated conflicts.
  CHECK(unit(s, "ml/lb-a1").constraints.ports == std::vector<HostPort>{{80, PortProtocol::Tcp}});
  CHECK(unit(s, "ml/web").constraints.ports == std::vector<HostPort>{{80, PortProtocol::Tcp}});
  CHECK(unit(s, "ml/dns").constraints.ports ==
        std::vector<HostPort>{{80, PortProtocol::Udp}});  // UDP/80 is another port
  CHECK(unit(s, "ml/lb-a1").constraints.conflicts.empty());
  CHECK(r.unsupported.empty());
  Spec two;  // one node: lb-a1, web (tcp/80) conflict; dns (udp/80) does not
  two.machines = {Machine{"n1", Resources{}, Resources{}, {}, MachineState::Up, {}}};
  two.machines[0].capacity.cpu = 8000;
  two.machines[0].capacity.memory = 1LL << 34;
  two.machines[0].capacity.extended["pods"] = 110;
  two.units = s.units;
  PlacementResult res = place(two);
  CHECK(res.placements.count("ml/dns") == 1);
  CHECK(res.placements.size() == 2);  // one of the three tcp/80 pods, and dns
  bool port_reason = false;
  for (const auto& p : res.pending)
    port_reason = port_reason || p.diagnosis.ports_taken.size() == 1;
  CHECK(port_reason);
}

TEST_CASE("kube: a bound pod its node's taints would refuse is kept, with a note", "[io][kube]") {
  KubeImport r = import_text(
      kGpuNodes,
      pod_list({
          pod("old", R"({"nodeName": "gpu-1", "containers": [{"name": "c"}]})", "Running"),
          pod("older", R"({"nodeName": "gpu-1", "containers": [{"name": "c"}]})", "Running"),
      }));
  CHECK(r.spec.placements.at("ml/old") == "gpu-1");
  CHECK(noted(r,
              "2 pod(s) run on nodes that fail their requirement toleration of taint "
              "nvidia.com/gpu=present:NoSchedule; kept there: ml/old on gpu-1, ml/older on gpu-1"));
}

TEST_CASE("kube: bad input throws with an id, the file and the field", "[io][kube][errors]") {
  auto parse_code = [](const std::string& nodes, const std::string& pods) {
    try {
      import_text(nodes, pods);
    } catch (const ParseError& e) {
      return e.code();
    }
    return 0;
  };
  auto invalid = [](const std::string& nodes, const std::string& pods) -> std::string {
    try {
      import_text(nodes, pods);
    } catch (const ValidationError& e) {
      return e.what();
    }
    return "";
  };
  CHECK(parse_code("{\n \"items\": [,]}", "") == 170);
  try {
    import_text("{\n \"items\": [,]}", "");
  } catch (const ParseError& e) {
    CHECK(e.where().file == "nodes.json");
    CHECK(e.where().line == 2);
  }
  CHECK(parse_code("\"text\"", "") == 171);
  CHECK(parse_code(R"({"kind": "NodeList", "items": {}})", "") == 171);
  CHECK(parse_code("[1]", "") == 172);
  CHECK(invalid(R"({"metadata": {}})", "").find("[berth.invalid.260]") == 0);
  CHECK(invalid(R"({"metadata": {"name": "n"}, "status": {"capacity": {"cpu": "two"}}})", "")
            .find("[berth.invalid.201] nodes.json: node n: status.capacity.cpu") == 0);
  CHECK(invalid(R"({"metadata": {"name": "n", "labels": {"a": 1}}})", "")
            .find("[berth.invalid.263]") == 0);
  CHECK(
      invalid(
          "",
          R"({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}], "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "k", "operator": "Gt", "values": ["x"]}]}]}}}}})")
          .find("[berth.invalid.262]") == 0);
  CHECK(
      invalid(
          "",
          R"({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}], "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "k", "operator": "Near"}]}]}}}}})")
          .find("[berth.invalid.264]") == 0);
  CHECK(
      invalid(
          "",
          R"({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}], "tolerations": [{"key": "k", "operator": "Maybe"}]}})")
          .find("[berth.invalid.264]") == 0);
  CHECK(invalid("", R"({"metadata": {"name": "p"}, "spec": {}})").find("[berth.invalid.265]") == 0);
  CHECK(
      invalid(
          "",
          R"({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "resources": {"requests": {"memory": "-1Gi"}}}]}})")
          .find("[berth.invalid.201] pods.json: pod default/p: "
                "spec.containers[0].resources.requests.memory") == 0);
  CHECK(
      invalid(
          "",
          R"([{"metadata": {"name": "p", "uid": "1"}, "spec": {"containers": [{}]}}, {"metadata": {"name": "p", "uid": "2"}, "spec": {"containers": [{}]}}])")
          .find("[berth.invalid.261]") == 0);
  CHECK_THROWS_AS(import_kube({"/nonexistent/nodes.json"}, {}), UsageError);
}

#ifdef BERTH_CLI
namespace {

struct Run {
  int status = -1;
  std::string out;
};

Run run(const std::string& args) {
  Run r;
  std::string cmd = std::string(BERTH_CLI) + " " + args + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe.get())) r.out += buf.data();
  int rc = pclose(pipe.release());
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return r;
}

}  // namespace

TEST_CASE("kube: berth import kube", "[io][kube][cli]") {
  if (!have_data()) return;
  const fs::path out = fs::temp_directory_path() / "berth_kube_test_spec.json";
  Run r = run(
      "import kube --nodes " +
      data("insights-operator/8494b69/config/node/"
           "master-0.imeixner20210707.lab.upshift.rdu2.redhat.com.json") +
      " " +
      data("insights-operator/8494b69/config/node/"
           "worker-0.imeixner20210707.lab.upshift.rdu2.redhat.com.json") +
      " --pods " +
      data("insights-operator/8494b69/config/pod/openshift-monitoring/prometheus-k8s-0.json") +
      " " +
      data(
          "insights-operator/8494b69/config/pod/di-288312/auditlog-retention-28566720-t22qj.json") +
      " -o " + out.string());
  INFO(r.out);
  CHECK(r.status == 0);
  CHECK(r.out.find("imported 2 machine(s)") != std::string::npos);
  CHECK(r.out.find("1 Failed") != std::string::npos);
  // Preferred anti-affinity is imported as a preference now, not listed as unsupported.
  CHECK(r.out.find("podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution") ==
        std::string::npos);
  Spec spec = read_spec_file(out.string());
  CHECK(spec.machines.size() == 2);
  CHECK(spec.units.size() == 1);
  fs::remove(out);

  Run bad = run("import kube --nodes " + std::string(BERTH_SOURCE_DIR) + "/CMakeLists.txt");
  CHECK(bad.status == 1);
  CHECK(bad.out.rfind("berth: error: [berth.parse_error.170]", 0) == 0);
  CHECK(std::count(bad.out.begin(), bad.out.end(), '\n') == 1);
  Run none = run("import kube");
  CHECK(none.status == 1);
  CHECK(none.out.find("[berth.invalid.278]") != std::string::npos);
}
#endif

TEST_CASE(
    "kube: a taint without a key and invalid tolerations are skipped with a note, and the spec "
    "reads back",
    "[io][kube]") {
  // Found by the kube_json fuzzer: a taint with no key made a spec berth's own reader refused.
  KubeImport r = import_text(
      R"({"kind": "NodeList", "items": [{"kind": "Node", "metadata": {"name": "n1"},
          "spec": {"taints": [{"value": "yes", "effect": "NoSchedule"}, {"key": "k", "effect": "NoExecute"}]},
          "status": {"allocatable": {"cpu": "2", "pods": "110"}}}]})",
      pod_list({pod("p", R"({"containers": [{"name": "c"}], "tolerations": [
          {"operator": "Equal", "value": "x"}, {"key": "k", "operator": "Exists", "value": "v"},
          {"key": "k", "operator": "Exists"}]})")}));
  const Machine& n1 = machine(r.spec, "n1");
  CHECK(taints(n1) == std::vector<std::string>{"k:NoExecute"});
  CHECK(count_unsupported(r, "node n1", "spec.taints[0]") == 1);
  const Unit& p = unit(r.spec, "ml/p");
  REQUIRE(p.constraints.tolerations.size() == 1);
  CHECK(p.constraints.tolerations[0].key == "k");
  CHECK(count_unsupported(r, "pod ml/p", "spec.tolerations[0]") == 1);
  CHECK(count_unsupported(r, "pod ml/p", "spec.tolerations[1]") == 1);
  check_round_trip(r.spec);
}
