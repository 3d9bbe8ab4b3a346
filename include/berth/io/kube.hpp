#pragma once
/// \file Import of `kubectl get nodes -o json` / `kubectl get pods -A -o json` dumps into a
/// berth::Spec (docs/kube.md). Nodes become machines, Running and Pending pods become units,
/// bound pods become placements. Whatever cannot be expressed is listed, never dropped silently.
#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "berth/export.hpp"
#include "berth/model/spec.hpp"

namespace berth {

/// A field the importer read but could not express in a berth spec.
struct KubeUnsupported {
  std::string object;  ///< "pod kube-system/coredns-74ff55c5b-cpfqs", "node kind-worker"
  std::string field;   ///< path inside the object: "spec.affinity.podAffinity"
  std::string reason;  ///< why it is not mapped, and what was done instead
  friend bool operator==(const KubeUnsupported&, const KubeUnsupported&) = default;
};

/// One dump already in memory. `name` appears in error messages (usually the file path).
struct KubeDocument {
  std::string name;
  std::string text;
};

/// The result of an import: the spec plus what the importer could not map, and counts.
struct KubeImport {
  Spec spec;
  /// Every unsupported field, in input order. Also copied into spec.warnings as text.
  std::vector<KubeUnsupported> unsupported;
  /// Adjustments that kept the meaning, or facts worth knowing (a pod bound to a node that
  /// is not in the dump, a clamped priority). Also copied into spec.warnings.
  std::vector<std::string> notes;
  std::size_t nodes_read = 0;  ///< Node objects read
  std::size_t pods_read = 0;   ///< Pod objects read, whatever their phase
  /// Pods per `status.phase` ("Running", "Pending", "Succeeded", "Failed", "Unknown", and
  /// "(none)" for a pod without status, which is imported as Pending).
  std::map<std::string, std::size_t> pods_by_phase;
  /// Pods not imported because they are finished or unknown (Succeeded, Failed, Unknown).
  std::size_t pods_skipped = 0;
  /// Objects of another kind (Service, ...) found in the inputs; listed in `unsupported` too.
  std::size_t other_objects = 0;
};

/// Reads node and pod dumps from files ("-" is standard input). Each file may be a List
/// (NodeList, PodList, List) with `items`, a bare JSON array, or one object with or without
/// `apiVersion`/`kind`. Objects with a `kind` are taken by their kind wherever they appear;
/// objects without one are nodes in `node_files` and pods in `pod_files`.
/// Throws ParseError (170-189) for unreadable JSON and shapes, ValidationError (260-279, and
/// 201 for a bad quantity) for objects that make no sense, UsageError (301) for missing files.
BERTH_API KubeImport import_kube(const std::vector<std::string>& node_files,
                                 const std::vector<std::string>& pod_files);
/// Same as import_kube, from texts already in memory.
BERTH_API KubeImport import_kube_text(const std::vector<KubeDocument>& node_docs,
                                      const std::vector<KubeDocument>& pod_docs);
/// Same as import_kube, from JSON values already parsed (each in any of the four shapes).
BERTH_API KubeImport import_kube_json(const std::vector<nlohmann::json>& node_docs,
                                      const std::vector<nlohmann::json>& pod_docs);

/// Human summary for a terminal: counts, then unsupported fields grouped by field and reason.
BERTH_API std::string kube_import_summary(const KubeImport& result);

}  // namespace berth
