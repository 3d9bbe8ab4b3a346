#include "berth/io/result_json.hpp"

#include <nlohmann/json.hpp>

namespace berth {

using nlohmann::json;

json diagnosis_to_json(const Diagnosis& d) {
  json j = {{"unit", d.unit},
            {"summary", d.summary()},
            {"status", d.kind() == PendingKind::Unschedulable ? "unschedulable" : "unresolvable"},
            {"machines_considered", d.considered},
            {"machines_fit", d.fit},
            {"rejections", json::object()}};
  for (const auto& [code, count] : d.rejections) j["rejections"][code] = count;
  if (d.group.size() > 1) j["placed_with"] = d.group;
  if (!d.metadata_failures.empty()) j["metadata_failures"] = d.metadata_failures;
  if (!d.conflicts_with.empty()) j["conflicts_with"] = d.conflicts_with;
  if (!d.spread_failures.empty()) j["spread_failures"] = d.spread_failures;
  if (!d.shortfalls.empty()) {
    json s = json::object();
    for (const auto& sh : d.shortfalls) {
      s[sh.dimension] = {{"needs", sh.needs}, {"most_free", sh.most_free}, {"most_free_on", sh.most_free_on}, {"machines", sh.machines}};
    }
    j["shortfall"] = std::move(s);
  }
  if (d.closest) j["closest"] = {{"machine", d.closest->machine}, {"missing", d.closest->missing}};
  if (!d.note.empty()) j["note"] = d.note;
  return j;
}

json placement_to_json(const PlacementResult& result) {
  json j = {{"placements", json::object()}, {"pending", json::array()}, {"utilization", json::object()}};
  for (const auto& [unit, machine] : result.placements) j["placements"][unit] = machine;
  for (const auto& p : result.pending) j["pending"].push_back(diagnosis_to_json(p.diagnosis));
  for (const auto& [machine, dims] : result.utilization) {
    json u = json::object();
    for (const auto& [dim, value] : dims) u[dim] = value;
    j["utilization"][machine] = std::move(u);
  }
  j["warnings"] = result.warnings;
  return j;
}

}  // namespace berth
