#include "berth/io/kube.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <utility>

#include "berth/error.hpp"
#include "berth/io/json_document.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/model/quantity.hpp"

namespace berth {
namespace {

using nlohmann::json;

/// Kubernetes' priority is a 32-bit integer (user classes up to 10^9, the system classes
/// system-cluster-critical 2,000,000,000 and system-node-critical 2,000,001,000), and so is
/// berth's: the whole range is kept, so the two system classes keep their order. Only a value
/// outside 32 bits (a malformed dump) is clamped, with a note.
constexpr std::int64_t kMaxPriority = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t kMinPriority = std::numeric_limits<std::int32_t>::min();
constexpr const char* kHostnameKey = "kubernetes.io/hostname";

// ---------------------------------------------------------------------------------------------
// JSON access with errors that name the object and the field.

const json* find(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

/// The subject of a field inside `subject`: "f: pod a/b" + "spec" -> "f: pod a/b: spec", and
/// "f: pod a/b: spec" + "nodeName" -> "f: pod a/b: spec.nodeName". Subjects that name an object
/// end with a colon when passed here.
std::string child(const std::string& subject, std::string_view key) {
  if (!subject.empty() && subject.back() == ':') return fmt::format("{} {}", subject, key);
  return fmt::format("{}.{}", subject, key);
}

/// obj[key] is there and says something: not null, not an empty list or object.
bool present(const json& obj, const char* key) {
  const json* v = find(obj, key);
  return v && !((v->is_array() || v->is_object()) && v->empty());
}

[[noreturn]] void wrong_type(const std::string& subject, const json& j, std::string_view expected) {
  throw ValidationError(263, subject,
                        fmt::format("expected {}, got {} {}", expected,
                                    j.is_array() || j.is_object() ? "an" : "a", j.type_name()));
}

/// obj[key] when it is an object; nullptr when absent or null.
const json* object_at(const json& obj, const char* key, const std::string& subject) {
  const json* v = find(obj, key);
  if (v && !v->is_object()) wrong_type(child(subject, key), *v, "an object");
  return v;
}

const json* array_at(const json& obj, const char* key, const std::string& subject) {
  const json* v = find(obj, key);
  if (v && !v->is_array()) wrong_type(child(subject, key), *v, "an array");
  return v;
}

std::string string_at(const json& obj, const char* key, const std::string& subject) {
  const json* v = find(obj, key);
  if (!v) return {};
  if (!v->is_string()) wrong_type(child(subject, key), *v, "a string");
  return v->get<std::string>();
}

/// obj[key] as an integer, `fallback` when absent.
std::int64_t int_at(const json& obj, const char* key, const std::string& subject,
                    std::int64_t fallback) {
  const json* v = find(obj, key);
  if (!v) return fallback;
  if (!v->is_number_integer() && !v->is_number_unsigned())
    wrong_type(child(subject, key), *v, "an integer");
  return v->get<std::int64_t>();
}

bool bool_at(const json& obj, const char* key, const std::string& subject) {
  const json* v = find(obj, key);
  if (!v) return false;
  if (!v->is_boolean()) wrong_type(child(subject, key), *v, "true or false");
  return v->get<bool>();
}

/// A map of strings (labels, nodeSelector, matchLabels).
std::map<std::string, std::string> string_map_at(const json& obj, const char* key,
                                                 const std::string& subject) {
  std::map<std::string, std::string> out;
  const json* m = object_at(obj, key, subject);
  if (!m) return out;
  for (const auto& [k, v] : m->items()) {
    if (!v.is_string()) wrong_type(child(child(subject, key), k), v, "a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

std::vector<std::string> string_list(const json& arr, const std::string& subject) {
  std::vector<std::string> out;
  if (!arr.is_array()) wrong_type(subject, arr, "an array of strings");
  for (std::size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_string()) wrong_type(fmt::format("{}[{}]", subject, i), arr[i], "a string");
    out.push_back(arr[i].get<std::string>());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Quantities and resource lists.

std::string quantity_text(const json& v, const std::string& field) {
  if (v.is_string()) return v.get<std::string>();
  // Hand-written dumps sometimes carry numbers; the API server always writes strings.
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number_float()) return fmt::format("{}", v.get<double>());
  wrong_type(field, v, "a quantity such as \"500m\" or \"70Mi\"");
}

/// Kubernetes resource names -> berth dimensions: ephemeral-storage is disk, hugepages-* are
/// bytes, everything else (pods, nvidia.com/gpu, attachable-volumes-*) is an extended count.
void add_quantity(Resources& r, const std::string& name, const json& v, const std::string& field) {
  std::string text = quantity_text(v, field);
  // The API server never writes an empty resource name, and a spec cannot hold one (found by
  // kube_json_fuzz: the import did not read back).
  if (name.empty()) throw ValidationError(263, field, "resource names must not be empty");
  if (name == "cpu") {
    r.cpu = parse_cpu(text, field);
  } else if (name == "memory") {
    r.memory = parse_bytes(text, field);
  } else if (name == "ephemeral-storage") {
    r.disk = parse_bytes(text, field);
  } else if (name.rfind("hugepages-", 0) == 0) {
    r.extended[name] = parse_bytes(text, field);
  } else {
    r.extended[name] = parse_count(text, field);
  }
}

Resources resource_list(const json& list, const std::string& subject) {
  Resources r;
  for (const auto& [name, v] : list.items())
    add_quantity(r, name, v, fmt::format("{}.{}", subject, name));
  return r;
}

/// Names of the dimensions present in a Kubernetes resource list, as berth names them.
std::set<std::string> dimension_names(const json& list) {
  std::set<std::string> out;
  for (const auto& [name, v] : list.items()) {
    if (name == "ephemeral-storage")
      out.insert("disk");
    else
      out.insert(name);
  }
  return out;
}

std::set<std::string> dimensions_of(const Resources& r) {
  std::set<std::string> out{"cpu", "memory", "disk"};
  for (const auto& [name, v] : r.extended) out.insert(name);
  return out;
}

/// Per-dimension maximum: the Kubernetes rule for init containers.
void max_into(Resources& into, const Resources& other) {
  for (const auto& d : dimensions_of(other)) into.set(d, std::max(into.get(d), other.get(d)));
}

// ---------------------------------------------------------------------------------------------
// Reading documents into Node and Pod objects.

enum class Role { Nodes, Pods };

/// One object and where it came from ("pods.json: items[3]").
struct Located {
  const json* value = nullptr;
  std::string where;
};

struct Collected {
  std::vector<json> documents;  // owned copies when parsed from text
  std::vector<Located> nodes;
  std::vector<Located> pods;
};

json parse_document(const KubeDocument& doc) {
  return parse_json_document(doc.text, doc.name,
                             JsonDocumentKind{170, "not a kubectl JSON dump: "});
}

std::string object_name(const json& obj) {
  const json* md = find(obj, "metadata");
  if (!md || !md->is_object()) return "";
  const json* name = find(*md, "name");
  return name && name->is_string() ? name->get<std::string>() : "";
}

void collect_item(const json& item, const std::string& where, Role role, Collected& out,
                  KubeImport& result) {
  if (!item.is_object()) {
    throw ParseError(172, SourceLocation{where, 0, 0},
                     fmt::format("expected a Kubernetes object, got {}", item.type_name()));
  }
  std::string kind = string_at(item, "kind", where + ":");
  if (kind.empty()) {
    // client-go gathers (insights-operator) drop apiVersion/kind; the file role decides,
    // except that anything with containers is a pod.
    const json* spec = find(item, "spec");
    bool has_containers = spec && spec->is_object() && spec->contains("containers");
    kind = has_containers || role == Role::Pods ? "Pod" : "Node";
  }
  if (kind == "Node") {
    out.nodes.push_back({&item, where});
  } else if (kind == "Pod") {
    out.pods.push_back({&item, where});
  } else {
    ++result.other_objects;
    std::string name = object_name(item);
    result.unsupported.push_back(
        {fmt::format("{} {}", kind, name.empty() ? where : name), "kind",
         "only Node and Pod objects are imported; this object was skipped"});
  }
}

void collect(const json& doc, const std::string& source, Role role, Collected& out,
             KubeImport& result) {
  if (doc.is_array()) {
    for (std::size_t i = 0; i < doc.size(); ++i)
      collect_item(doc[i], fmt::format("{}: [{}]", source, i), role, out, result);
    return;
  }
  if (!doc.is_object()) {
    throw ParseError(
        171, SourceLocation{source, 0, 0},
        fmt::format("expected a Kubernetes object, a List with \"items\" or an array of "
                    "objects, got {}",
                    doc.type_name()));
  }
  if (doc.contains("items")) {
    // A typed list says what its kind-less items are, whichever flag brought it in.
    const std::string list_kind = string_at(doc, "kind", source + ":");
    if (list_kind == "NodeList") role = Role::Nodes;
    if (list_kind == "PodList") role = Role::Pods;
    const json& items = doc["items"];
    if (items.is_null()) return;  // Go writes an empty list as null
    if (!items.is_array()) {
      throw ParseError(
          171, SourceLocation{source, 0, 0},
          fmt::format("\"items\" must be an array of objects, got {}", items.type_name()));
    }
    for (std::size_t i = 0; i < items.size(); ++i)
      collect_item(items[i], fmt::format("{}: items[{}]", source, i), role, out, result);
    return;
  }
  collect_item(doc, source, role, out, result);
}

// ---------------------------------------------------------------------------------------------
// Nodes.

/// "a, b, c and 4 more": keeps notes about many pods to one readable line.
std::string name_list(const std::vector<std::string>& names, std::size_t shown = 5) {
  std::vector<std::string> head(
      names.begin(), names.begin() + static_cast<std::ptrdiff_t>(std::min(names.size(), shown)));
  std::string out = fmt::format("{}", fmt::join(head, ", "));
  if (names.size() > shown) out += fmt::format(" and {} more", names.size() - shown);
  return out;
}

void set_normalised(Machine& m, const std::string& key,
                    const std::map<std::string, std::string>& labels,
                    std::initializer_list<const char*> sources, const std::string& object,
                    KubeImport& result) {
  if (labels.count(key)) return;  // a real label of that name wins
  std::string value;
  for (const char* s : sources) {
    auto it = labels.find(s);
    if (it == labels.end()) continue;
    if (value.empty()) {
      value = it->second;
    } else if (it->second != value) {
      result.notes.push_back(fmt::format("{}: labels {} disagree (\"{}\" vs \"{}\"); {} = \"{}\"",
                                         object, fmt::join(sources, " and "), value, it->second,
                                         key, value));
    }
  }
  if (!value.empty()) m.metadata[key] = {value};
}

/// A node's labels as metadata, with berth's normalised keys (zone, region, instance_type,
/// role) taken from kube's well-known labels.
void node_metadata(Machine& m, const std::map<std::string, std::string>& labels,
                   const std::string& object, KubeImport& result) {
  for (const auto& [k, v] : labels) m.metadata[k] = {v};
  set_normalised(m, "zone", labels,
                 {"topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"}, object,
                 result);
  set_normalised(m, "region", labels,
                 {"topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region"},
                 object, result);
  set_normalised(m, "instance_type", labels,
                 {"node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type"}, object,
                 result);
  if (!labels.count("role")) {
    std::set<std::string> roles;
    constexpr std::string_view kRolePrefix = "node-role.kubernetes.io/";
    for (const auto& [k, v] : labels) {
      if (k.size() > kRolePrefix.size() && k.compare(0, kRolePrefix.size(), kRolePrefix) == 0)
        roles.insert(k.substr(kRolePrefix.size()));
    }
    if (auto it = labels.find("kubernetes.io/role"); it != labels.end() && !it->second.empty())
      roles.insert(it->second);
    if (!roles.empty()) m.metadata["role"] = std::vector<std::string>(roles.begin(), roles.end());
  }
}

/// A node's capacity and reserved amounts: capacity minus allocatable is reserved; either
/// alone is taken as the capacity.
void node_resources(Machine& m, const json& n, const std::string& subject,
                    const std::string& object, KubeImport& result) {
  const json* status = object_at(n, "status", subject + ":");
  const json* cap = status ? object_at(*status, "capacity", subject + ": status") : nullptr;
  const json* alloc = status ? object_at(*status, "allocatable", subject + ": status") : nullptr;
  if (cap && alloc) {
    Resources c = resource_list(*cap, subject + ": status.capacity");
    Resources a = resource_list(*alloc, subject + ": status.allocatable");
    const auto cap_dims = dimension_names(*cap);
    for (const auto& d : dimension_names(*alloc)) {
      if (!cap_dims.count(d)) c.set(d, a.get(d));  // allocatable without capacity: take it as both
    }
    m.capacity = c;
    for (const auto& d : dimensions_of(c)) {
      std::int64_t reserved = c.get(d) - a.get(d);
      if (reserved < 0) {
        result.notes.push_back(
            fmt::format("{}: allocatable {} is above capacity; nothing reserved", object, d));
        reserved = 0;
      }
      if (reserved != 0) m.reserved.set(d, reserved);
    }
  } else if (alloc) {
    m.capacity = resource_list(*alloc, subject + ": status.allocatable");
  } else if (cap) {
    m.capacity = resource_list(*cap, subject + ": status.capacity");
  } else {
    result.notes.push_back(fmt::format(
        "{}: no status.capacity or status.allocatable; imported with no capacity", object));
  }
}

/// A node's taints, sorted and without duplicates; those berth cannot say are unsupported.
void node_taints(Machine& m, const json& ts, const std::string& subject, const std::string& object,
                 KubeImport& result) {
  for (std::size_t i = 0; i < ts.size(); ++i) {
    const std::string field = fmt::format("spec.taints[{}]", i);
    const json& t = ts[i];
    if (!t.is_object()) wrong_type(fmt::format("{}: {}", subject, field), t, "an object");
    // First-class taints (docs/spec.md): the pipeline's taint filter reads them, and a
    // pod's tolerations are its own, as in kube.
    const std::string effect = string_at(t, "effect", subject + ": " + field);
    const auto parsed = parse_taint_effect(effect);
    if (!parsed) {
      result.unsupported.push_back(
          {object, field, fmt::format("unknown taint effect \"{}\"; ignored", effect)});
      continue;
    }
    berth::Taint taint{string_at(t, "key", subject + ": " + field),
                       string_at(t, "value", subject + ": " + field), *parsed};
    if (taint.key.empty()) {  // kube refuses such a node; berth's spec cannot say it either
      result.unsupported.push_back({object, field, "taint without a key; ignored"});
      continue;
    }
    if (*parsed == TaintEffect::PreferNoSchedule) {
      result.unsupported.push_back(
          {object, field,
           fmt::format("taint {} is PreferNoSchedule, a soft preference: recorded on the "
                       "machine, but it does not filter and is not scored yet",
                       taint.key)});
    }
    m.taints.push_back(std::move(taint));
  }
  std::sort(m.taints.begin(), m.taints.end());
  m.taints.erase(std::unique(m.taints.begin(), m.taints.end()), m.taints.end());
}

Machine import_node(const Located& at, KubeImport& result) {
  const json& n = *at.value;
  Machine m;
  m.name = object_name(n);
  if (m.name.empty()) throw ValidationError(260, at.where, "node without metadata.name");
  const std::string object = fmt::format("node {}", m.name);
  const std::string subject = fmt::format("{}: {}", at.where, object);

  const json* md = object_at(n, "metadata", subject + ":");
  std::map<std::string, std::string> labels;
  if (md) labels = string_map_at(*md, "labels", subject + ": metadata");
  node_metadata(m, labels, object, result);
  node_resources(m, n, subject, object, result);
  const json* spec = object_at(n, "spec", subject + ":");
  if (spec && bool_at(*spec, "unschedulable", subject + ": spec")) m.state = MachineState::Draining;
  if (const json* ts = spec ? array_at(*spec, "taints", subject + ": spec") : nullptr) {
    node_taints(m, *ts, subject, object, result);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Pods.

/// A Kubernetes label selector, parsed once: matchLabels and matchExpressions all hold.
struct LabelSelector {
  std::vector<MetadataRequirement> requirements;
  bool matches(const Metadata& labels) const {
    return std::all_of(requirements.begin(), requirements.end(),
                       [&](const MetadataRequirement& r) { return r.matches(labels); });
  }
};

/// A required pod anti-affinity term on the hostname, resolved once every pod is read.
struct AntiAffinity {
  std::optional<LabelSelector> selector;  // absent: selects nothing
  std::set<std::string> namespaces;       // the pod's own when the term lists none
  bool all_namespaces = false;
  std::string key;  // identical terms (the replicas of one owner) are resolved once
};

struct Pod {
  std::string unit_name;  // <namespace>/<name>
  std::string ns;
  std::string uid;
  std::string object;  // "pod ns/name"
  std::string node_name;
  Metadata labels;                     // label -> {value}, the form selectors match against
  std::string owner_kind, owner_name;  // the controller owner
  bool mirror = false;
  std::int64_t raw_priority = 0;  // spec.priority before clamping to berth's range
  std::vector<AntiAffinity> anti_affinity;
  /// Preferred pod (anti-)affinity terms on the hostname, with kube's weight (negative for
  /// anti-affinity): become `near` preferences once every pod is read.
  std::vector<std::pair<AntiAffinity, int>> soft_affinity;
  Unit unit;
};

MetadataOp parse_selector_op(const std::string& op, const std::string& subject) {
  if (op == "In") return MetadataOp::In;
  if (op == "NotIn") return MetadataOp::NotIn;
  if (op == "Exists") return MetadataOp::Exists;
  if (op == "DoesNotExist") return MetadataOp::NotExists;
  if (op == "Gt") return MetadataOp::Gt;
  if (op == "Lt") return MetadataOp::Lt;
  throw ValidationError(
      264, subject,
      fmt::format("unknown operator \"{}\" (expected In, NotIn, Exists, DoesNotExist, Gt or Lt)",
                  op));
}

bool is_integer(const std::string& s) {
  std::int64_t v = 0;
  const char* b = s.data();
  const char* e = b + s.size();
  auto [p, ec] = std::from_chars(b, e, v);
  return ec == std::errc() && p == e && b != e;
}

/// One node selector or label selector requirement {key, operator, values}.
MetadataRequirement selector_requirement(const json& e, const std::string& subject,
                                         bool allow_numeric) {
  if (!e.is_object()) wrong_type(subject, e, "an object with key, operator and values");
  MetadataRequirement req;
  req.key = string_at(e, "key", subject);
  std::string op = string_at(e, "operator", subject);
  req.op = parse_selector_op(op, subject + ".operator");
  if ((req.op == MetadataOp::Gt || req.op == MetadataOp::Lt) && !allow_numeric) {
    throw ValidationError(264, subject + ".operator",
                          fmt::format("operator {} is only valid in node selectors", op));
  }
  if (const json* vs = find(e, "values")) req.values = string_list(*vs, subject + ".values");
  switch (req.op) {
    case MetadataOp::In:
    case MetadataOp::NotIn:
      if (req.values.empty())
        throw ValidationError(262, subject,
                              fmt::format("operator {} needs at least one value", op));
      break;
    case MetadataOp::Exists:
    case MetadataOp::NotExists:
      if (!req.values.empty())
        throw ValidationError(262, subject, fmt::format("operator {} takes no values", op));
      break;
    case MetadataOp::Gt:
    case MetadataOp::Lt:
      if (req.values.size() != 1 || !is_integer(req.values.front())) {
        throw ValidationError(262, subject,
                              fmt::format("operator {} takes exactly one integer value", op));
      }
      break;
  }
  return req;
}

LabelSelector parse_label_selector(const json& selector, const std::string& subject) {
  LabelSelector out;
  for (const auto& [k, v] : string_map_at(selector, "matchLabels", subject))
    out.requirements.push_back({k, MetadataOp::In, {v}});
  if (const json* exprs = array_at(selector, "matchExpressions", subject)) {
    for (std::size_t i = 0; i < exprs->size(); ++i) {
      out.requirements.push_back(selector_requirement(
          (*exprs)[i], fmt::format("{}.matchExpressions[{}]", subject, i), false));
    }
  }
  return out;
}

/// Kubernetes' effective pod request: the sum of the app containers (plus restartable init
/// "sidecar" containers), or the largest init container if that is larger, per dimension,
/// plus the pod overhead.
Resources container_request(const json& c, const std::string& subject) {
  Resources r;
  const json* res = object_at(c, "resources", subject);
  if (!res) return r;
  const json* requests = object_at(*res, "requests", subject + ".resources");
  const json* limits = object_at(*res, "limits", subject + ".resources");
  if (requests) r = resource_list(*requests, subject + ".resources.requests");
  if (limits) {
    // The API server defaults a missing request to the limit; do the same for hand-written pods.
    for (const auto& [name, v] : limits->items()) {
      if (requests && requests->contains(name)) continue;
      add_quantity(r, name, v, fmt::format("{}.resources.limits.{}", subject, name));
    }
  }
  return r;
}

/// The pod's effective request; `host_ports` receives every host port its containers bind.
Resources pod_request(const json& spec, const std::string& subject, const std::string& object,
                      std::vector<HostPort>& host_ports, KubeImport& result) {
  Resources app;
  const json* containers = array_at(spec, "containers", subject + ": spec");
  if (!containers || containers->empty()) {
    throw ValidationError(265, subject,
                          "pod without spec.containers (is this a node dump given as pods?)");
  }
  auto note_unsupported_container_fields = [&](const json& c, const std::string& field) {
    if (const json* res = find(c, "resources");
        res && res->is_object() && present(*res, "claims")) {
      result.unsupported.push_back(
          {object, field + ".resources.claims",
           "dynamic resource claims are not modelled; only requests count"});
    }
    if (const json* ports = array_at(c, "ports", subject + ": " + field)) {
      for (std::size_t p = 0; p < ports->size(); ++p) {
        const std::string port_field = fmt::format("{}: {}.ports[{}]", subject, field, p);
        const json& port = (*ports)[p];
        if (!port.is_object()) wrong_type(port_field, port, "an object");
        const json* hp = find(port, "hostPort");
        if (!hp) continue;
        if (!hp->is_number_integer() && !hp->is_number_unsigned()) {
          wrong_type(port_field + ".hostPort", *hp, "a port number");
        }
        if (hp->get<std::int64_t>() <= 0) continue;
        std::string protocol = string_at(port, "protocol", port_field);
        host_ports.push_back(
            parse_host_port(fmt::format("{}/{}", hp->dump(), protocol.empty() ? "TCP" : protocol),
                            port_field + ".hostPort"));
      }
    }
  };
  for (std::size_t i = 0; i < containers->size(); ++i) {
    const std::string field = fmt::format("spec.containers[{}]", i);
    const json& c = (*containers)[i];
    if (!c.is_object()) wrong_type(subject + ": " + field, c, "an object");
    app += container_request(c, subject + ": " + field);
    note_unsupported_container_fields(c, field);
  }
  Resources sidecars;
  Resources init_peak;
  if (const json* inits = array_at(spec, "initContainers", subject + ": spec")) {
    for (std::size_t i = 0; i < inits->size(); ++i) {
      const std::string field = fmt::format("spec.initContainers[{}]", i);
      const json& c = (*inits)[i];
      if (!c.is_object()) wrong_type(subject + ": " + field, c, "an object");
      Resources r = container_request(c, subject + ": " + field);
      if (string_at(c, "restartPolicy", subject + ": " + field) == "Always") {
        sidecars += r;  // a sidecar keeps running beside everything started after it
        max_into(init_peak, sidecars);
      } else {
        max_into(init_peak, r + sidecars);
      }
      note_unsupported_container_fields(c, field);
    }
  }
  Resources total = app + sidecars;
  max_into(total, init_peak);
  if (const json* overhead = object_at(spec, "overhead", subject + ": spec")) {
    total += resource_list(*overhead, subject + ": spec.overhead");
  }
  if (present(spec, "resources")) {
    result.unsupported.push_back(
        {object, "spec.resources",
         "pod-level resources are not modelled; the containers' requests were used"});
  }
  return total;
}

void import_node_affinity(const json& affinity, Pod& pod, const std::string& subject,
                          KubeImport& result) {
  const json* na = object_at(affinity, "nodeAffinity", subject + ": spec.affinity");
  if (!na) return;
  const std::string base = "spec.affinity.nodeAffinity";
  // Preferred terms: one metadata preference each, kube's weight (1..100) as berth's.
  if (const json* prefs =
          array_at(*na, "preferredDuringSchedulingIgnoredDuringExecution", subject + ": " + base)) {
    for (std::size_t i = 0; i < prefs->size(); ++i) {
      const std::string field =
          fmt::format("{}.preferredDuringSchedulingIgnoredDuringExecution[{}]", base, i);
      const json& t = (*prefs)[i];
      if (!t.is_object()) wrong_type(subject + ": " + field, t, "an object");
      Preference p;
      p.kind = Preference::Kind::Metadata;
      p.weight = static_cast<int>(
          std::clamp<std::int64_t>(int_at(t, "weight", subject + ": " + field, 1), -100, 100));
      const json* term = object_at(t, "preference", subject + ": " + field);
      if (term) {
        if (const json* exprs =
                array_at(*term, "matchExpressions", subject + ": " + field + ".preference")) {
          for (std::size_t k = 0; k < exprs->size(); ++k) {
            p.metadata.push_back(selector_requirement(
                (*exprs)[k],
                fmt::format("{}: {}.preference.matchExpressions[{}]", subject, field, k), true));
          }
        }
        if (present(*term, "matchFields")) {
          result.unsupported.push_back({pod.object, field + ".preference.matchFields",
                                        "preferred matchFields are not applied"});
        }
      }
      if (!p.metadata.empty()) pod.unit.preferences.push_back(std::move(p));
    }
  }
  const std::string req_field = base + ".requiredDuringSchedulingIgnoredDuringExecution";
  const json* req =
      object_at(*na, "requiredDuringSchedulingIgnoredDuringExecution", subject + ": " + base);
  if (!req) return;
  const json* terms = array_at(*req, "nodeSelectorTerms", subject + ": " + req_field);
  if (!terms || terms->empty()) return;
  if (terms->size() > 1) {
    result.unsupported.push_back(
        {pod.object, req_field + ".nodeSelectorTerms",
         fmt::format("{} node selector terms are OR'ed, and berth's requirements are all "
                     "AND'ed, so none of them was applied",
                     terms->size())});
    return;
  }
  const std::string term_field = req_field + ".nodeSelectorTerms[0]";
  const json& term = (*terms)[0];
  if (!term.is_object()) wrong_type(subject + ": " + term_field, term, "an object");
  if (const json* exprs = array_at(term, "matchExpressions", subject + ": " + term_field)) {
    for (std::size_t i = 0; i < exprs->size(); ++i) {
      pod.unit.constraints.metadata.push_back(selector_requirement(
          (*exprs)[i], fmt::format("{}: {}.matchExpressions[{}]", subject, term_field, i), true));
    }
  }
  if (const json* fields = array_at(term, "matchFields", subject + ": " + term_field)) {
    for (std::size_t i = 0; i < fields->size(); ++i) {
      const std::string field = fmt::format("{}.matchFields[{}]", term_field, i);
      auto r = selector_requirement((*fields)[i], subject + ": " + field, true);
      if (r.key == "metadata.name" && r.op == MetadataOp::In && r.values.size() == 1 &&
          (pod.unit.constraints.machine_id.empty() ||
           pod.unit.constraints.machine_id == r.values.front())) {
        pod.unit.constraints.machine_id = r.values.front();
      } else {
        result.unsupported.push_back(
            {pod.object, field,
             fmt::format("only \"metadata.name In [one node]\" maps to a machine pin; "
                         "\"{}\" was not applied",
                         r.describe())});
      }
    }
  }
}

/// One pod (anti-)affinity term (the required item, or a preferred item's podAffinityTerm) on
/// the hostname; nullopt (with a note) for another topology.
std::optional<AntiAffinity> pod_affinity_term(const json& t, const std::string& field, Pod& pod,
                                              const std::string& subject, KubeImport& result) {
  {
    if (!t.is_object()) wrong_type(subject + ": " + field, t, "an object");
    std::string topology = string_at(t, "topologyKey", subject + ": " + field);
    if (topology != kHostnameKey) {
      result.unsupported.push_back(
          {pod.object, field + ".topologyKey",
           fmt::format("affinity over \"{}\" is not modelled (only {} maps to "
                       "conflicts and near preferences); ignored",
                       topology, kHostnameKey)});
      return std::nullopt;
    }
    AntiAffinity aa;
    if (const json* sel = object_at(t, "labelSelector", subject + ": " + field)) {
      aa.selector = parse_label_selector(*sel, subject + ": " + field + ".labelSelector");
      aa.key = sel->dump();
    }
    if (const json* nss = find(t, "namespaces")) {
      for (auto& ns : string_list(*nss, subject + ": " + field + ".namespaces"))
        aa.namespaces.insert(ns);
    }
    if (const json* nsel = object_at(t, "namespaceSelector", subject + ": " + field)) {
      if (nsel->empty()) {
        aa.all_namespaces = true;  // {} selects every namespace
      } else {
        result.unsupported.push_back(
            {pod.object, field + ".namespaceSelector",
             "namespace selectors need namespace labels, which a pod dump lacks; "
             "only the listed namespaces (or the pod's own) were searched"});
      }
    }
    if (present(t, "matchLabelKeys")) {
      result.unsupported.push_back(
          {pod.object, field + ".matchLabelKeys", "matchLabelKeys are not applied"});
    }
    if (aa.namespaces.empty()) aa.namespaces.insert(pod.ns);
    aa.key = fmt::format("{}|{}|{}", aa.key,
                         aa.all_namespaces ? "*" : fmt::format("{}", fmt::join(aa.namespaces, ",")),
                         aa.selector ? "sel" : "none");
    return aa;
  }
}

void import_pod_affinity(const json& affinity, Pod& pod, const std::string& subject,
                         KubeImport& result) {
  // Preferred terms of both kinds become `near` preferences (affinity: +weight, anti: -weight).
  auto preferred = [&](const json& block, const std::string& base, int sign) {
    const json* prefs =
        array_at(block, "preferredDuringSchedulingIgnoredDuringExecution", subject + ": " + base);
    if (!prefs) return;
    for (std::size_t i = 0; i < prefs->size(); ++i) {
      const std::string field =
          fmt::format("{}.preferredDuringSchedulingIgnoredDuringExecution[{}]", base, i);
      const json& item = (*prefs)[i];
      if (!item.is_object()) wrong_type(subject + ": " + field, item, "an object");
      const int weight = static_cast<int>(
          std::clamp<std::int64_t>(int_at(item, "weight", subject + ": " + field, 1), 1, 100));
      const json* term = object_at(item, "podAffinityTerm", subject + ": " + field);
      if (!term) continue;
      if (auto aa = pod_affinity_term(*term, field + ".podAffinityTerm", pod, subject, result)) {
        pod.soft_affinity.emplace_back(std::move(*aa), sign * weight);
      }
    }
  };
  if (const json* aff = object_at(affinity, "podAffinity", subject + ": spec.affinity")) {
    if (present(*aff, "requiredDuringSchedulingIgnoredDuringExecution")) {
      result.unsupported.push_back(
          {pod.object, "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution",
           "required pod affinity is not modelled (berth's machine_of co-locates with one named "
           "unit, not with pods matching a selector); ignored"});
    }
    preferred(*aff, "spec.affinity.podAffinity", 1);
  }
  const json* anti = object_at(affinity, "podAntiAffinity", subject + ": spec.affinity");
  if (!anti) return;
  const std::string base = "spec.affinity.podAntiAffinity";
  preferred(*anti, base, -1);
  const json* terms =
      array_at(*anti, "requiredDuringSchedulingIgnoredDuringExecution", subject + ": " + base);
  if (!terms) return;
  for (std::size_t i = 0; i < terms->size(); ++i) {
    const std::string field =
        fmt::format("{}.requiredDuringSchedulingIgnoredDuringExecution[{}]", base, i);
    if (auto aa = pod_affinity_term((*terms)[i], field, pod, subject, result))
      pod.anti_affinity.push_back(std::move(*aa));
  }
}

/// A running pod's identity beyond its name: uid, labels, controller owner, whether it is a
/// static (mirror) pod.
void pod_metadata(Pod& pod, const json& md, const std::string& subject) {
  pod.uid = string_at(md, "uid", subject + ": metadata");
  for (auto& [k, v] : string_map_at(md, "labels", subject + ": metadata"))
    pod.labels[k] = {std::move(v)};
  if (const json* owners = array_at(md, "ownerReferences", subject + ": metadata")) {
    for (const auto& o : *owners) {
      if (!o.is_object() || !find(o, "controller") || !o["controller"].is_boolean() ||
          !o["controller"].get<bool>())
        continue;
      pod.owner_kind = string_at(o, "kind", subject + ": metadata.ownerReferences");
      pod.owner_name = string_at(o, "name", subject + ": metadata.ownerReferences");
    }
  }
  const auto annotations = string_map_at(md, "annotations", subject + ": metadata");
  pod.mirror = annotations.count("kubernetes.io/config.mirror") > 0 || pod.owner_kind == "Node";
}

/// spec.priority, saturated to int64 (raw_priority) and clamped to berth's range.
void pod_priority(Pod& pod, const json& prio, const std::string& subject) {
  if (!prio.is_number_integer() && !prio.is_number_unsigned())
    wrong_type(subject + ": spec.priority", prio, "an integer");
  // An unsigned value above 2^63 would wrap to a negative int64: saturate instead.
  constexpr auto kInt64Max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  pod.raw_priority = prio.is_number_unsigned() && prio.get<std::uint64_t>() > kInt64Max
                         ? std::numeric_limits<std::int64_t>::max()
                         : prio.get<std::int64_t>();
  pod.unit.priority =
      static_cast<std::int32_t>(std::clamp(pod.raw_priority, kMinPriority, kMaxPriority));
}

/// spec.tolerations; those kube would never have admitted are unsupported (ignored).
void pod_tolerations(Pod& pod, const json& tols, const std::string& subject, KubeImport& result) {
  for (std::size_t i = 0; i < tols.size(); ++i) {
    const std::string field = fmt::format("{}: spec.tolerations[{}]", subject, i);
    const json& t = tols[i];
    if (!t.is_object()) wrong_type(field, t, "an object");
    berth::Toleration tol;
    tol.key = string_at(t, "key", field);
    tol.value = string_at(t, "value", field);
    const std::string op = string_at(t, "operator", field);
    if (op.empty() || op == "Equal") {
      tol.op = TolerationOp::Equal;
    } else if (op == "Exists") {
      tol.op = TolerationOp::Exists;
    } else {
      throw ValidationError(264, field + ".operator",
                            fmt::format("unknown operator \"{}\" (expected Exists or Equal)", op));
    }
    const std::string effect = string_at(t, "effect", field);
    if (!effect.empty()) {
      tol.effect = parse_taint_effect(effect);
      if (!tol.effect) {
        throw ValidationError(
            264, field + ".effect",
            fmt::format(
                "unknown effect \"{}\" (expected NoSchedule, PreferNoSchedule or NoExecute)",
                effect));
      }
    }
    // kube's validation: no key needs Exists, and Exists takes no value. A dump holding
    // anything else was never admitted; berth's spec cannot say it (invalid.267).
    if ((tol.key.empty() && tol.op != TolerationOp::Exists) ||
        (tol.op == TolerationOp::Exists && !tol.value.empty())) {
      result.unsupported.push_back(
          {pod.object, fmt::format("spec.tolerations[{}]", i),
           tol.key.empty() ? "a toleration without a key must use operator Exists; ignored"
                           : "operator Exists takes no value; ignored"});
      continue;
    }
    pod.unit.constraints.tolerations.push_back(std::move(tol));
  }
}

std::optional<Pod> read_pod(const Located& at, KubeImport& result) {
  const json& p = *at.value;
  Pod pod;
  std::string name = object_name(p);
  if (name.empty()) throw ValidationError(260, at.where, "pod without metadata.name");
  const json* md = object_at(p, "metadata", at.where + ":");
  pod.ns = string_at(*md, "namespace", at.where + ": metadata");
  if (pod.ns.empty()) pod.ns = "default";
  pod.unit_name = pod.ns + "/" + name;
  pod.object = "pod " + pod.unit_name;
  const std::string subject = fmt::format("{}: {}", at.where, pod.object);

  ++result.pods_read;
  std::string phase = "(none)";
  if (const json* status = object_at(p, "status", subject + ":")) {
    std::string s = string_at(*status, "phase", subject + ": status");
    if (!s.empty()) phase = s;
  }
  ++result.pods_by_phase[phase];
  if (phase != "Running" && phase != "Pending" && phase != "(none)") {
    ++result.pods_skipped;  // finished or lost pods hold no capacity
    return std::nullopt;
  }

  pod_metadata(pod, *md, subject);

  const json* spec = object_at(p, "spec", subject + ":");
  if (!spec) throw ValidationError(265, subject, "pod without spec");
  pod.unit.name = pod.unit_name;
  pod.unit.requests = pod_request(*spec, subject, pod.object, pod.unit.constraints.ports, result);
  // The scheduler's NodePorts filter: pods holding the same host port never share a node.
  auto& ports = pod.unit.constraints.ports;
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  if (const json* prio = find(*spec, "priority")) {
    pod_priority(pod, *prio, subject);
  }
  pod.node_name = string_at(*spec, "nodeName", subject + ": spec");
  for (const auto& [k, v] : string_map_at(*spec, "nodeSelector", subject + ": spec")) {
    pod.unit.constraints.metadata.push_back({k, MetadataOp::In, {v}});
  }
  if (const json* affinity = object_at(*spec, "affinity", subject + ": spec")) {
    import_node_affinity(*affinity, pod, subject, result);
    import_pod_affinity(*affinity, pod, subject, result);
  }
  if (const json* tols = array_at(*spec, "tolerations", subject + ": spec")) {
    pod_tolerations(pod, *tols, subject, result);
  }
  if (present(*spec, "topologySpreadConstraints")) {
    result.unsupported.push_back(
        {pod.object, "spec.topologySpreadConstraints",
         "berth spreads the instances of one unit, and every pod is its own unit; ignored"});
  }
  return pod;
}

using NamespaceIndex = std::map<std::string, std::vector<std::size_t>>;

/// Globs on unit names that catch exactly the `selected` pods (indices in input order): one
/// `<namespace>/<owner>-*` per controller owner (so replicas not in the dump are covered too)
/// when it catches no pod outside the selection, else the exact pod name. Callers drop the
/// pod's own name (a pod never conflicts with itself anyway).
std::vector<std::string> globs_for(const std::vector<std::size_t>& selected,
                                   const std::vector<Pod>& pods,
                                   const NamespaceIndex& by_namespace) {
  std::vector<char> is_selected(pods.size(), 0);
  for (std::size_t i : selected) is_selected[i] = 1;
  std::vector<std::string> globs;
  std::set<std::string> seen;
  for (std::size_t i : selected) {
    const Pod& q = pods[i];
    if (!q.owner_name.empty() && q.owner_kind != "Node") {
      // Pod names hold no glob characters, so `<ns>/<owner>-*` matches exactly the names with
      // that prefix; only pods of the same namespace can have it.
      const std::string prefix = fmt::format("{}/{}-", q.ns, q.owner_name);
      const auto& same_ns = by_namespace.at(q.ns);
      bool leaks = std::any_of(same_ns.begin(), same_ns.end(), [&](std::size_t o) {
        return !is_selected[o] && pods[o].unit_name.compare(0, prefix.size(), prefix) == 0;
      });
      if (!leaks) {
        if (seen.insert(prefix + "*").second) globs.push_back(prefix + "*");
        continue;
      }
    }
    if (seen.insert(q.unit_name).second) globs.push_back(q.unit_name);
  }
  return globs;
}

/// The pods a required hostname anti-affinity term selects, in input order.
std::vector<std::size_t> select_pods(const AntiAffinity& aa, const std::vector<Pod>& pods,
                                     const NamespaceIndex& by_namespace) {
  std::vector<std::size_t> out;
  if (!aa.selector) return out;  // a term without a selector selects nothing
  auto scan = [&](const std::vector<std::size_t>& members) {
    for (std::size_t i : members) {
      if (aa.selector->matches(pods[i].labels)) out.push_back(i);
    }
  };
  if (aa.all_namespaces) {
    for (const auto& [ns, members] : by_namespace) scan(members);
  } else {
    for (const auto& ns : aa.namespaces) {
      if (auto it = by_namespace.find(ns); it != by_namespace.end()) scan(it->second);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Imports every node once into result.spec.machines; a name read twice with the same uid is
/// one node (noted), with different uids two clusters (error 261).
void import_nodes(const Collected& in, KubeImport& result) {
  std::map<std::string, std::string> node_uids;
  for (const auto& at : in.nodes) {
    ++result.nodes_read;
    Machine m = import_node(at, result);
    const json* md = find(*at.value, "metadata");
    std::string uid = md ? string_at(*md, "uid", at.where + ": metadata") : "";
    if (auto it = node_uids.find(m.name); it != node_uids.end()) {
      if (it->second != uid) {
        throw ValidationError(
            261, at.where,
            fmt::format("two different nodes named \"{}\" (uids \"{}\" and \"{}\"); "
                        "import dumps of different clusters separately",
                        m.name, it->second, uid));
      }
      result.notes.push_back(fmt::format("node {}: read twice (same uid); imported once", m.name));
      continue;
    }
    node_uids[m.name] = uid;
    result.spec.machines.push_back(std::move(m));
  }
}

/// What the pod passes find to say in notes, each list in the order pods were read, emitted
/// after the pods (add_notes).
struct PodFindings {
  std::map<std::string, std::vector<std::string>> priorities_clamped;  // value -> pods
  std::map<std::string, std::vector<std::string>> missing_nodes;       // node -> pods
  std::map<std::string, std::vector<std::string>> violations;  // requirement -> "pod on node"
};

/// Reads every pod once (duplicates as for nodes), with what the node dump decides: a `pods`
/// slot request when `count_pod_slots`, static pods bound to their node, pins to nodes the
/// dump lacks dropped (unsupported).
std::vector<Pod> import_pods(const Collected& in, KubeImport& result, bool count_pod_slots,
                             PodFindings& found) {
  std::set<std::string> machine_names;
  for (const auto& m : result.spec.machines) machine_names.insert(m.name);
  std::vector<Pod> pods;
  std::map<std::string, std::string> pod_uids;
  for (const auto& at : in.pods) {
    auto pod = read_pod(at, result);
    if (!pod) continue;
    if (auto it = pod_uids.find(pod->unit_name); it != pod_uids.end()) {
      if (it->second != pod->uid) {
        throw ValidationError(
            261, at.where,
            fmt::format("two different pods named \"{}\" (uids \"{}\" and \"{}\"); "
                        "import dumps of different clusters separately",
                        pod->unit_name, it->second, pod->uid));
      }
      result.notes.push_back(fmt::format("{}: read twice (same uid); imported once", pod->object));
      continue;
    }
    pod_uids[pod->unit_name] = pod->uid;
    if (pod->raw_priority != pod->unit.priority)
      found.priorities_clamped[std::to_string(pod->raw_priority)].push_back(pod->unit_name);
    if (count_pod_slots) pod->unit.requests.extended["pods"] += 1;
    if (pod->mirror && !pod->node_name.empty()) {
      // Static pods are started by the kubelet itself: bound to their node, never scheduled,
      // and admitted whatever the node's taints (a toleration of every taint says so).
      pod->unit.constraints.machine_id = pod->node_name;
      berth::Toleration all;
      all.op = TolerationOp::Exists;
      pod->unit.constraints.tolerations = {all};
    }
    std::string& pin = pod->unit.constraints.machine_id;
    if (!pin.empty() && !machine_names.count(pin)) {
      result.unsupported.push_back(
          {pod->object, pod->mirror ? "spec.nodeName" : "spec.affinity.nodeAffinity (matchFields)",
           fmt::format("pinned to node {}, which is not in the node dump; pin dropped", pin)});
      pin.clear();
    }
    pods.push_back(std::move(*pod));
  }
  return pods;
}

/// Turns pod anti-affinity into conflicts (required terms) and `near` preferences (preferred
/// terms), each term's pods selected once among all pods read.
void resolve_anti_affinity(std::vector<Pod>& pods) {
  NamespaceIndex by_namespace;
  for (std::size_t i = 0; i < pods.size(); ++i) by_namespace[pods[i].ns].push_back(i);
  // Identical anti-affinity terms (the replicas of one owner) resolve once.
  std::map<std::string, std::vector<std::string>> resolved;
  auto add_conflicts = [](Pod& pod, const std::vector<std::string>& globs) {
    auto& c = pod.unit.constraints.conflicts;
    for (const auto& g : globs) {
      if (g != pod.unit_name && std::find(c.begin(), c.end(), g) == c.end()) c.push_back(g);
    }
  };
  // A term's globs, resolved once for every pod that has the same term (required or preferred).
  auto globs_of = [&](const AntiAffinity& aa) -> const std::vector<std::string>& {
    auto it = resolved.find("anti|" + aa.key);
    if (it == resolved.end()) {
      it = resolved
               .emplace("anti|" + aa.key,
                        globs_for(select_pods(aa, pods, by_namespace), pods, by_namespace))
               .first;
    }
    return it->second;
  };
  for (auto& pod : pods) {
    for (const auto& aa : pod.anti_affinity) add_conflicts(pod, globs_of(aa));
    for (const auto& [aa, weight] : pod.soft_affinity) {
      std::vector<std::string> globs;
      for (const auto& g : globs_of(aa)) {
        if (g != pod.unit_name) globs.push_back(g);
      }
      if (globs.empty()) continue;
      Preference p;
      p.kind = Preference::Kind::Near;
      p.near = std::move(globs);
      p.weight = weight;
      pod.unit.preferences.push_back(std::move(p));
    }
  }
}

/// Moves every pod's unit into the spec, in order; a pod bound to an imported node becomes a
/// placement, kept even where it fails the node's metadata or NoSchedule taints (noted).
void add_pod_units(std::vector<Pod>& pods, Spec& spec, PodFindings& found) {
  std::map<std::string, const Machine*> by_name;
  for (const auto& m : spec.machines) by_name[m.name] = &m;
  for (auto& pod : pods) {
    if (!pod.node_name.empty()) {
      auto it = by_name.find(pod.node_name);
      if (it == by_name.end()) {
        found.missing_nodes[pod.node_name].push_back(pod.unit_name);
      } else {
        spec.placements[pod.unit_name] = pod.node_name;
        for (const auto& req : pod.unit.constraints.metadata) {
          if (!req.matches(it->second->metadata)) {
            found.violations[req.describe()].push_back(
                fmt::format("{} on {}", pod.unit_name, pod.node_name));
          }
        }
        // A NoSchedule taint added after the pod started does not move it (kube keeps it);
        // NoExecute ones evict it when berth reads the spec.
        for (const berth::Taint& t : it->second->taints) {
          if (t.effect == TaintEffect::NoSchedule &&
              !tolerated(pod.unit.constraints.tolerations, t)) {
            found.violations["toleration of taint " + t.describe()].push_back(
                fmt::format("{} on {}", pod.unit_name, pod.node_name));
          }
        }
      }
    }
    spec.units.push_back(std::move(pod.unit));
  }
}

/// The findings as notes, then every unsupported field and note as a spec warning.
void add_notes(const Collected& in, bool count_pod_slots, const PodFindings& found,
               KubeImport& result) {
  Spec& spec = result.spec;
  for (const auto& [req, where] : found.violations) {
    result.notes.push_back(
        fmt::format("{} pod(s) run on nodes that fail their requirement {}; kept there: {}",
                    where.size(), req, name_list(where)));
  }
  for (const auto& [value, names] : found.priorities_clamped) {
    result.notes.push_back(
        fmt::format("priority {} is outside the 32-bit range [{}, {}]; clamped for {} pod(s): {}",
                    value, kMinPriority, kMaxPriority, names.size(), name_list(names)));
  }
  for (const auto& [node, names] : found.missing_nodes) {
    result.notes.push_back(fmt::format(
        "node {} is not in the node dump; {} pod(s) bound to it are imported unplaced: {}", node,
        names.size(), name_list(names)));
  }
  if (!in.pods.empty() && !count_pod_slots) {
    result.notes.push_back(
        spec.machines.empty()
            ? "no nodes imported: pods do not request a \"pods\" slot"
            : "some nodes report no \"pods\" capacity: pods do not request a \"pods\" slot");
  }
  for (const auto& u : result.unsupported) {
    spec.warnings.push_back(
        fmt::format("kube import: {}: {} unsupported: {}", u.object, u.field, u.reason));
  }
  for (const auto& n : result.notes) spec.warnings.push_back("kube import: " + n);
}

KubeImport build(const Collected& in, KubeImport result) {
  import_nodes(in, result);
  const auto& machines = result.spec.machines;
  // Every pod takes one of the node's `pods` slots; only model that when every node says how
  // many it has, or the slot count would block pods on nodes that don't report it.
  const bool count_pod_slots =
      !machines.empty() && std::all_of(machines.begin(), machines.end(), [](const Machine& m) {
        return m.capacity.extended.count("pods") > 0;
      });
  PodFindings found;
  std::vector<Pod> pods = import_pods(in, result, count_pod_slots, found);
  resolve_anti_affinity(pods);
  add_pod_units(pods, result.spec, found);
  add_notes(in, count_pod_slots, found, result);
  return result;
}

}  // namespace

KubeImport import_kube_json(const std::vector<json>& node_docs, const std::vector<json>& pod_docs) {
  Collected in;
  KubeImport result;
  for (std::size_t i = 0; i < node_docs.size(); ++i)
    collect(node_docs[i], fmt::format("nodes[{}]", i), Role::Nodes, in, result);
  for (std::size_t i = 0; i < pod_docs.size(); ++i)
    collect(pod_docs[i], fmt::format("pods[{}]", i), Role::Pods, in, result);
  return build(in, std::move(result));
}

KubeImport import_kube_text(const std::vector<KubeDocument>& node_docs,
                            const std::vector<KubeDocument>& pod_docs) {
  Collected in;
  KubeImport result;
  // Parse everything first: `collect` keeps pointers into the documents.
  in.documents.reserve(node_docs.size() + pod_docs.size());
  for (const auto& d : node_docs) in.documents.push_back(parse_document(d));
  for (const auto& d : pod_docs) in.documents.push_back(parse_document(d));
  for (std::size_t i = 0; i < node_docs.size(); ++i)
    collect(in.documents[i], node_docs[i].name, Role::Nodes, in, result);
  for (std::size_t i = 0; i < pod_docs.size(); ++i) {
    collect(in.documents[node_docs.size() + i], pod_docs[i].name, Role::Pods, in, result);
  }
  return build(in, std::move(result));
}

KubeImport import_kube(const std::vector<std::string>& node_files,
                       const std::vector<std::string>& pod_files) {
  auto read = [](const std::vector<std::string>& files) {
    std::vector<KubeDocument> docs;
    for (const auto& f : files) docs.push_back({f == "-" ? "<stdin>" : f, read_text_file(f)});
    return docs;
  };
  return import_kube_text(read(node_files), read(pod_files));
}

std::string kube_import_summary(const KubeImport& r) {
  std::string out;
  std::size_t placed = r.spec.placements.size();
  out += fmt::format(
      "imported {} machine(s) from {} node object(s), {} unit(s) ({} already placed) from {} pod "
      "object(s)",
      r.spec.machines.size(), r.nodes_read, r.spec.units.size(), placed, r.pods_read);
  if (r.pods_skipped > 0) {
    std::vector<std::string> parts;
    for (const auto& [phase, n] : r.pods_by_phase) {
      if (phase != "Running" && phase != "Pending" && phase != "(none)")
        parts.push_back(fmt::format("{} {}", n, phase));
    }
    out += fmt::format("; skipped {} finished pod(s): {}", r.pods_skipped, fmt::join(parts, ", "));
  }
  out += "\n";
  // Group by (field with indices removed, reason) so a dump of 500 pods stays readable.
  auto strip = [](const std::string& field) {
    std::string s;
    bool skip = false;
    for (char c : field) {
      if (c == '[') {
        skip = true;
        s += "[]";
      } else if (c == ']') {
        skip = false;
      } else if (!skip) {
        s += c;
      }
    }
    return s;
  };
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  std::map<std::string, std::size_t> index;
  for (const auto& u : r.unsupported) {
    std::string key = fmt::format("{}: {}", strip(u.field), u.reason);
    auto [it, fresh] = index.emplace(key, groups.size());
    if (fresh) groups.push_back({key, {}});
    auto& objs = groups[it->second].second;
    if (std::find(objs.begin(), objs.end(), u.object) == objs.end()) objs.push_back(u.object);
  }
  if (!groups.empty())
    out += fmt::format("{} unsupported field(s), not applied:\n", r.unsupported.size());
  for (const auto& [key, objs] : groups) {
    out += fmt::format("  {}\n    in {}\n", key, name_list(objs));
  }
  for (const auto& n : r.notes) out += fmt::format("note: {}\n", n);
  return out;
}

}  // namespace berth
