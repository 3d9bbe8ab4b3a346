#include "berth/io/result_json.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>

namespace berth {

using nlohmann::json;

json diagnosis_to_json(const Diagnosis& d) {
  json j = {{"unit", d.unit},
            {"summary", d.summary()},
            {"status", d.kind() == PendingKind::Unschedulable ? "unschedulable" : "unresolvable"},
            {"unresolvable", d.kind() == PendingKind::Unresolvable},
            {"machines_considered", d.considered},
            {"machines_fit", d.fit},
            {"rejections", json::object()}};
  for (const auto& [code, count] : d.rejections) j["rejections"][code] = count;
  if (d.group.size() > 1) j["placed_with"] = d.group;
  if (!d.metadata_failures.empty()) j["metadata_failures"] = d.metadata_failures;
  if (!d.conflicts_with.empty()) j["conflicts_with"] = d.conflicts_with;
  if (!d.spread_failures.empty()) {
    // Keyed by the `zone=a` text; two domains with one text (a key or value holding '=') add up,
    // as they did when the text was the map's key.
    json sf = json::object();
    for (const auto& [dom, count] : d.spread_failures) {
      json& slot = sf[dom.describe()];
      slot = (slot.is_null() ? std::size_t{0} : slot.get<std::size_t>()) + count;
    }
    j["spread_failures"] = std::move(sf);
  }
  if (!d.taint_failures.empty()) j["taint_failures"] = d.taint_failures;
  if (!d.ports_taken.empty()) j["ports_taken"] = d.ports_taken;
  if (!d.contradiction.empty()) j["contradiction"] = d.contradiction;
  if (!d.shortfalls.empty()) {
    json s = json::object();
    for (const auto& sh : d.shortfalls) {
      s[sh.dimension] = {{"needs", sh.needs},
                         {"most_free", sh.most_free},
                         {"most_free_on", sh.most_free_on},
                         {"machines", sh.machines}};
    }
    j["shortfall"] = std::move(s);
  }
  if (d.closest) j["closest"] = {{"machine", d.closest->machine}, {"missing", d.closest->missing}};
  if (!d.note.empty()) j["note"] = d.note;
  return j;
}

json preemptions_to_json(const std::vector<Preemption>& preemptions) {
  json out = json::array();
  for (const Preemption& p : preemptions)
    out.push_back({{"unit", p.preemptor}, {"machine", p.machine}, {"victims", p.victims}});
  return out;
}

json overcommitted_to_json(const std::vector<Overcommitted>& list) {
  json out = json::array();
  for (const Overcommitted& oc : list) {
    out.push_back({{"machine", oc.machine}, {"over", oc.over}, {"must_move", oc.must_move}});
  }
  return out;
}

json placement_to_json(const PlacementResult& result) {
  json j = {
      {"placements", json::object()}, {"pending", json::array()}, {"utilization", json::object()}};
  j["overcommitted"] = overcommitted_to_json(result.overcommitted);
  for (const auto& [unit, machine] : result.placements) j["placements"][unit] = machine;
  for (const auto& p : result.pending) j["pending"].push_back(diagnosis_to_json(p.diagnosis));
  for (const auto& [machine, dims] : result.utilization) {
    json u = json::object();
    for (const auto& [dim, value] : dims) u[dim] = value;
    j["utilization"][machine] = std::move(u);
  }
  j["warnings"] = result.warnings;
  if (!result.preemptions.empty()) j["preemptions"] = preemptions_to_json(result.preemptions);
  if (!result.preferences_met.empty()) j["preferences_met"] = result.preferences_met;
  return j;
}

namespace {

/// A JSON string exactly as nlohmann's dump writes it: plain printable ASCII is copied, the
/// rest (escapes, UTF-8 checks) is left to nlohmann.
void append_string(std::string& out, const std::string& s) {
  for (unsigned char ch : s) {
    if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
      out += json(s).dump();
      return;
    }
  }
  out += '"';
  out += s;
  out += '"';
}

/// A double exactly as nlohmann's dump writes it (its serializer calls the same to_chars;
/// a json value and a string per number cost a tenth of writing 100k machines).
void append_double(std::string& out, double x) {
  if (!std::isfinite(x)) {
    out += "null";
    return;
  }
  std::array<char, 64> buf{};
  char* end = nlohmann::detail::to_chars(buf.data(), buf.data() + buf.size(), x);
  out.append(buf.data(), static_cast<std::size_t>(end - buf.data()));
}

}  // namespace

namespace {

// The placements and the utilization, each as its map holds them or as the cluster holds them;
// the rest of the answer comes from the result in both cases.
struct Tables {
  std::size_t placements = 0;  // how many (only empty or not matters)
  std::size_t machines = 0;
  std::function<void(const std::function<void(const std::string&, const std::string&)>&)>
      each_placement;
  std::function<void(const std::function<void(const std::string&, const MachineUtilization&)>&)>
      each_utilization;
};

void write_answer(const PlacementResult& result, const Tables& tables,
                  const std::function<void(std::string_view)>& sink) {
  // Written in pieces of about kChunk bytes: at 1M instances the whole answer is over 50 MB,
  // held once as text and once more by the caller's copy.
  constexpr std::size_t kChunk = 1 << 16;
  std::string out;
  out.reserve(kChunk + 4096);
  auto flush_if_full = [&] {
    if (out.size() >= kChunk) {
      sink(out);
      out.clear();
    }
  };
  // Keys in nlohmann's (byte) order: overcommitted, pending, placements, utilization, warnings.
  out += "{\n  \"overcommitted\": ";
  if (result.overcommitted.empty()) {
    out += "[]";
  } else {
    std::string item = overcommitted_to_json(result.overcommitted).dump(2);
    for (char ch : item) {  // re-indent by one level (string values hold no raw newlines)
      out += ch;
      if (ch == '\n') out += "  ";
    }
  }
  out += ",\n  \"pending\": ";
  if (result.pending.empty()) {
    out += "[]";
  } else {
    out += "[";
    for (std::size_t k = 0; k < result.pending.size(); ++k) {
      std::string item = diagnosis_to_json(result.pending[k].diagnosis).dump(2);
      out += k == 0 ? "\n    " : ",\n    ";
      for (char ch : item) {  // re-indent by two levels (string values hold no raw newlines)
        out += ch;
        if (ch == '\n') out += "    ";
      }
      flush_if_full();
    }
    out += "\n  ]";
  }
  out += ",\n  \"placements\": ";
  if (tables.placements == 0) {
    out += "{}";
  } else {
    out += "{";
    bool first = true;
    tables.each_placement([&](const std::string& unit, const std::string& machine) {
      out += first ? "\n    " : ",\n    ";
      first = false;
      append_string(out, unit);
      out += ": ";
      append_string(out, machine);
      flush_if_full();
    });
    out += "\n  }";
  }
  // Optional fields, in the same byte order: preemptions, preferences_met (only when present).
  auto nested = [&](const char* key, const json& value) {
    out += fmt::format(",\n  \"{}\": ", key);
    const std::string text = value.dump(2);
    for (char ch : text) {  // re-indent by one level (string values hold no raw newlines)
      out += ch;
      if (ch == '\n') out += "  ";
    }
  };
  if (!result.preemptions.empty()) nested("preemptions", preemptions_to_json(result.preemptions));
  if (!result.preferences_met.empty()) nested("preferences_met", json(result.preferences_met));
  out += ",\n  \"utilization\": ";
  if (tables.machines == 0) {
    out += "{}";
  } else {
    out += "{";
    bool first = true;
    tables.each_utilization([&](const std::string& machine, const MachineUtilization& dims) {
      out += first ? "\n    " : ",\n    ";
      first = false;
      append_string(out, machine);
      out += ": ";
      if (dims.empty()) {
        out += "{}";
        return;
      }
      out += "{";
      bool first_dim = true;
      for (const auto& [dim, value] : dims) {
        out += first_dim ? "\n      " : ",\n      ";
        first_dim = false;
        append_string(out, *dim);
        out += ": ";
        append_double(out, value);  // nlohmann's own number format (1.0, 0.1, 1e-05, null)
      }
      out += "\n    }";
      flush_if_full();
    });
    out += "\n  }";
  }
  out += ",\n  \"warnings\": ";
  if (result.warnings.empty()) {
    out += "[]";
  } else {
    out += "[";
    for (std::size_t k = 0; k < result.warnings.size(); ++k) {
      out += k == 0 ? "\n    " : ",\n    ";
      append_string(out, result.warnings[k]);
    }
    out += "\n  ]";
  }
  out += "\n}";
  sink(out);
}

}  // namespace

void write_placement_json(const PlacementResult& result,
                          const std::function<void(std::string_view)>& sink) {
  Tables tables;
  tables.placements = result.placements.size();
  tables.machines = result.utilization.size();
  tables.each_placement = [&](const auto& f) {
    for (const auto& [unit, machine] : result.placements) f(unit, machine);
  };
  tables.each_utilization = [&](const auto& f) {
    MachineUtilization dims;
    for (const auto& [machine, values] : result.utilization) {
      dims.clear();
      for (const auto& [dim, value] : values) dims.emplace_back(&dim, value);
      f(machine, dims);
    }
  };
  write_answer(result, tables, sink);
}

void write_placement_json(const PlacementResult& result, const Cluster& cluster,
                          const std::function<void(std::string_view)>& sink) {
  Tables tables;
  // Empty or not is all the writer asks: "{}" for no placed instance and for no machine.
  for (InstanceId i = 0; i < cluster.instance_count() && tables.placements == 0; ++i)
    tables.placements += cluster.assignment(i) != kNone ? 1 : 0;
  tables.machines = cluster.machine_count();
  tables.each_placement = [&](const auto& f) { for_each_placement(cluster, f); };
  tables.each_utilization = [&](const auto& f) { for_each_utilization(cluster, f); };
  write_answer(result, tables, sink);
}

std::string placement_json_text(const PlacementResult& result) {
  std::string text;
  write_placement_json(result, [&](std::string_view piece) { text += piece; });
  return text;
}

}  // namespace berth
