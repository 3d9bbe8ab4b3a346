#include "berth/io/spec_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>
#include <sstream>

#include "berth/error.hpp"
#include "berth/io/json_document.hpp"
#include "berth/model/quantity.hpp"

namespace berth {
namespace {

using nlohmann::json;

std::string type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return fmt::format("the string \"{}\"", j.get_ref<const std::string&>());
    case json::value_t::boolean: return j.get<bool>() ? "true" : "false";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return fmt::format("the number {}", j.dump());
    default: return "a value";
  }
}

[[noreturn]] void wrong_type(const std::string& path, const json& j, std::string_view expected) {
  throw ValidationError(202, path, fmt::format("expected {}, got {}", expected, type_name(j)));
}

/// Rejects keys outside `allowed`, with a did-you-mean hint.
// Allowed fields per object (built once: a 100k-machine spec calls check_keys 100k times).
const std::vector<std::string> kMachineKeys = {"name", "capacity", "reserved", "metadata", "state", "taints"};
const std::vector<std::string> kTaintKeys = {"key", "value", "effect"};
const std::vector<std::string> kTolerationKeys = {"key", "operator", "value", "effect"};
const std::vector<std::string> kRequirementKeys = {"op", "values", "value"};
const std::vector<std::string> kConstraintKeys = {"metadata", "conflicts", "machine_of", "machine_id", "global", "spread"};
const std::vector<std::string> kSpreadKeys = {"key", "max_skew"};
const std::vector<std::string> kUnitKeys = {"name", "replicas", "requests", "priority", "constraints", "tolerations", "ports", "preferences"};
const std::vector<std::string> kPreferenceKeys = {"metadata", "near", "spread", "weight"};
const std::vector<std::string> kSpecKeys = {"machines", "units", "placements", "warnings"};

void check_keys(const json& obj, const std::string& path, const std::vector<std::string>& allowed) {
  for (const auto& [key, value] : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    if (!key.empty() && key[0] == '$') continue;  // "$schema", "$comment"
    std::string hint = did_you_mean(key, allowed);
    std::string where = path.empty() ? key : fmt::format("{}.{}", path, key);
    throw ValidationError(203, where,
                          hint.empty() ? fmt::format("unknown field \"{}\" (expected one of: {})", key,
                                                     fmt::join(allowed, ", "))
                                       : fmt::format("unknown field \"{}\"; did you mean \"{}\"?", key, hint));
  }
}

/// j as an integer when it is one. An unsigned value above 2^63 would wrap to a negative
/// int64 (18446744073709551615 read as -1, a valid priority): it is clamped to the int64
/// maximum instead, so every range check that follows rejects it and prints a large number.
std::int64_t whole_number(const json& j) {
  if (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::numeric_limits<std::int64_t>::max();
  }
  return j.get<std::int64_t>();
}

const json& require_object(const json& j, const std::string& path) {
  if (!j.is_object()) wrong_type(path, j, "an object");
  return j;
}

std::string get_string(const json& j, const std::string& path) {
  if (!j.is_string()) wrong_type(path, j, "a string");
  return j.get<std::string>();
}

/// Quantities may be written as strings ("512Mi") or JSON numbers (2, 0.5).
std::string quantity_text(const json& j, const std::string& path) {
  if (j.is_string()) return j.get<std::string>();
  // Same digits as j.dump(), without a serializer per number.
  if (j.is_number_unsigned()) return std::to_string(j.get<std::uint64_t>());
  if (j.is_number_integer()) return std::to_string(j.get<std::int64_t>());
  if (j.is_number_float()) {
    // Shortest round-trip text of the double, then parsed exactly like a string.
    return fmt::format("{}", j.get<double>());
  }
  wrong_type(path, j, "a quantity (a string such as \"512Mi\" or a number)");
}

/// `quiet`: build no error paths (see parse_machine).
Resources parse_resources(const json& j, const std::string& path, bool quiet = false) {
  require_object(j, path);
  Resources r;
  for (const auto& [key, value] : j.items()) {
    const std::string field = quiet ? std::string() : fmt::format("{}.{}", path, key);
    std::string text = quantity_text(value, field);
    if (key.empty()) throw ValidationError(204, path, "resource names must not be empty");
    if (key == "cpu") r.cpu = parse_cpu(text, field);
    else if (key == "memory") r.memory = parse_bytes(text, field);
    else if (key == "disk") r.disk = parse_bytes(text, field);
    else r.extended[key] = parse_count(text, field);
  }
  return r;
}

std::vector<std::string> string_or_list(const json& j, const std::string& path) {
  std::vector<std::string> out;
  if (j.is_string()) {
    out.push_back(j.get<std::string>());
  } else if (j.is_number() || j.is_boolean()) {
    out.push_back(j.is_string() ? j.get<std::string>() : j.dump());
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) {
      const json& v = j[i];
      if (v.is_string()) out.push_back(v.get<std::string>());
      else if (v.is_number() || v.is_boolean()) out.push_back(v.dump());
      else wrong_type(fmt::format("{}[{}]", path, i), v, "a string");
    }
  } else {
    wrong_type(path, j, "a string or a list of strings");
  }
  return out;
}

TaintEffect parse_effect(const json& j, const std::string& path) {
  const std::string text = get_string(j, path);
  auto e = parse_taint_effect(text);
  if (!e) {
    std::string hint = did_you_mean(text, {"NoSchedule", "PreferNoSchedule", "NoExecute"});
    throw ValidationError(266, path, fmt::format("unknown taint effect \"{}\"{} (expected NoSchedule, PreferNoSchedule or NoExecute)", text,
                                                 hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint)));
  }
  return *e;
}

/// Machine taints: [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]. Sorted and
/// deduplicated, so machines with the same taints share a class whatever the order written.
std::vector<Taint> parse_taints(const json& j, const std::string& path) {
  if (!j.is_array()) wrong_type(path, j, "an array of taints");
  std::vector<Taint> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string p = fmt::format("{}[{}]", path, i);
    require_object(j[i], p);
    check_keys(j[i], p, kTaintKeys);
    Taint t;
    if (!j[i].contains("key")) throw ValidationError(266, p, "missing required field \"key\"");
    t.key = get_string(j[i]["key"], p + ".key");
    if (t.key.empty()) throw ValidationError(266, p + ".key", "must not be empty");
    if (j[i].contains("value") && !j[i]["value"].is_null()) t.value = get_string(j[i]["value"], p + ".value");
    if (!j[i].contains("effect")) throw ValidationError(266, p, "missing required field \"effect\" (NoSchedule, PreferNoSchedule or NoExecute)");
    t.effect = parse_effect(j[i]["effect"], p + ".effect");
    out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

/// Unit tolerations, kube's shape: {"key", "operator": "Equal"|"Exists", "value", "effect"}.
std::vector<Toleration> parse_tolerations(const json& j, const std::string& path) {
  if (!j.is_array()) wrong_type(path, j, "an array of tolerations");
  std::vector<Toleration> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string p = fmt::format("{}[{}]", path, i);
    require_object(j[i], p);
    check_keys(j[i], p, kTolerationKeys);
    Toleration t;
    if (j[i].contains("key") && !j[i]["key"].is_null()) t.key = get_string(j[i]["key"], p + ".key");
    if (j[i].contains("operator") && !j[i]["operator"].is_null()) {
      const std::string op = get_string(j[i]["operator"], p + ".operator");
      if (op == "Equal") t.op = TolerationOp::Equal;
      else if (op == "Exists") t.op = TolerationOp::Exists;
      else throw ValidationError(267, p + ".operator", fmt::format("unknown operator \"{}\" (expected Equal or Exists)", op));
    }
    if (j[i].contains("value") && !j[i]["value"].is_null()) t.value = get_string(j[i]["value"], p + ".value");
    // kube's validation: an empty key tolerates everything, which only Exists can say; and
    // Exists takes no value.
    if (t.key.empty() && t.op != TolerationOp::Exists) {
      throw ValidationError(267, p, "a toleration without \"key\" must have \"operator\": \"Exists\" (it then tolerates every taint)");
    }
    if (t.op == TolerationOp::Exists && !t.value.empty()) {
      throw ValidationError(267, p + ".value", fmt::format("operator Exists takes no value, got \"{}\"", t.value));
    }
    if (j[i].contains("effect") && !j[i]["effect"].is_null() && !(j[i]["effect"].is_string() && j[i]["effect"].get_ref<const std::string&>().empty())) {
      t.effect = parse_effect(j[i]["effect"], p + ".effect");
    }
    out.push_back(std::move(t));
  }
  return out;
}

/// Host ports: [80, "53/udp"]. Sorted; a port listed twice is one port.
std::vector<HostPort> parse_ports(const json& j, const std::string& path) {
  if (!j.is_array()) wrong_type(path, j, "an array of ports (80, \"53/udp\")");
  std::vector<HostPort> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string p = fmt::format("{}[{}]", path, i);
    const json& v = j[i];
    if (v.is_number_integer() || v.is_number_unsigned()) {
      const auto n = whole_number(v);
      if (n < 1 || n > 65535) throw ValidationError(268, p, fmt::format("port {} is outside 1-65535", n));
      out.push_back({static_cast<std::uint16_t>(n), PortProtocol::Tcp});
    } else if (v.is_string()) {
      out.push_back(parse_host_port(v.get<std::string>(), p));
    } else {
      wrong_type(p, v, "a port number or a string such as \"53/udp\"");
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

/// `quiet`: a first attempt that builds no error paths (nine strings per machine were a tenth
/// of reading a 100k-machine spec). The parse is pure, so when a quiet attempt throws, the
/// caller parses the machine again loudly and that attempt throws the exact error.
Machine parse_machine(const json& j, const std::string& path, bool quiet = false) {
  require_object(j, path);
  check_keys(j, path, kMachineKeys);
  Machine m;
  if (!j.contains("name")) throw ValidationError(205, path, "missing required field \"name\"");
  m.name = get_string(j["name"], path + ".name");
  if (m.name.empty()) throw ValidationError(206, path + ".name", "machine name must not be empty");
  const std::string where = quiet ? std::string() : fmt::format("machine {}", m.name);
  auto at = [&](const char* field) { return quiet ? std::string() : where + field; };
  // One lookup per field (find, not contains then operator[]): this runs once per machine.
  if (auto it = j.find("capacity"); it != j.end()) m.capacity = parse_resources(*it, at(": capacity"), quiet);
  if (auto it = j.find("reserved"); it != j.end()) m.reserved = parse_resources(*it, at(": reserved"), quiet);
  if (auto it = j.find("metadata"); it != j.end()) {
    const json& md = require_object(*it, at(": metadata"));
    for (const auto& [key, value] : md.items()) {
      m.metadata[key] = string_or_list(value, quiet ? std::string() : fmt::format("{}: metadata.{}", where, key));
    }
  }
  if (j.contains("state")) {
    std::string s = get_string(j["state"], where + ": state");
    auto parsed = parse_machine_state(s);
    if (!parsed) {
      throw ValidationError(207, where + ": state",
                            fmt::format("unknown state \"{}\" (expected up, draining, down or rebooting)", s));
    }
    m.state = *parsed;
  }
  if (auto it = j.find("taints"); it != j.end() && !it->is_null()) m.taints = parse_taints(*it, where + ": taints");
  return m;
}

MetadataRequirement parse_requirement(const std::string& key, const json& value, const std::string& path) {
  MetadataRequirement req;
  req.key = key;
  if (!value.is_object()) {
    req.op = MetadataOp::In;
    req.values = string_or_list(value, path);
    if (req.values.empty()) throw ValidationError(208, path, "needs at least one value");
    return req;
  }
  check_keys(value, path, kRequirementKeys);
  if (!value.contains("op")) throw ValidationError(209, path, "missing \"op\" (in, not_in, exists, not_exists, gt, lt)");
  std::string op = get_string(value["op"], path + ".op");
  if (!parse_metadata_op(op, req.op)) {
    std::string hint = did_you_mean(op, {"in", "not_in", "exists", "not_exists", "gt", "lt"});
    throw ValidationError(210, path + ".op",
                          fmt::format("unknown operator \"{}\"{}", op,
                                      hint.empty() ? " (expected in, not_in, exists, not_exists, gt, lt)"
                                                   : fmt::format("; did you mean \"{}\"?", hint)));
  }
  if (value.contains("values")) req.values = string_or_list(value["values"], path + ".values");
  if (value.contains("value")) {
    auto more = string_or_list(value["value"], path + ".value");
    req.values.insert(req.values.end(), more.begin(), more.end());
  }
  switch (req.op) {
    case MetadataOp::In:
    case MetadataOp::NotIn:
      if (req.values.empty()) throw ValidationError(208, path, fmt::format("operator {} needs at least one value", op));
      break;
    case MetadataOp::Exists:
    case MetadataOp::NotExists:
      if (!req.values.empty()) throw ValidationError(211, path, fmt::format("operator {} takes no values", op));
      break;
    case MetadataOp::Gt:
    case MetadataOp::Lt: {
      if (req.values.size() != 1) throw ValidationError(212, path, fmt::format("operator {} takes exactly one integer value", op));
      const std::string& v = req.values.front();
      bool ok = !v.empty() && std::all_of(v.begin() + (v[0] == '-' ? 1 : 0), v.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                v != "-" && v.size() < 19;
      if (!ok) throw ValidationError(212, path, fmt::format("operator {} needs an integer, got \"{}\"", op, v));
      break;
    }
  }
  return req;
}

Constraints parse_constraints(const json& j, const std::string& path) {
  require_object(j, path);
  check_keys(j, path, kConstraintKeys);
  Constraints c;
  if (j.contains("metadata")) {
    const json& md = j["metadata"];
    if (md.is_object()) {
      for (const auto& [key, value] : md.items()) {
        c.metadata.push_back(parse_requirement(key, value, fmt::format("{}.metadata.{}", path, key)));
      }
    } else if (md.is_array()) {
      // [{"key":"zone","op":"in","values":[...]}]: lets one key carry several requirements.
      for (std::size_t i = 0; i < md.size(); ++i) {
        std::string p = fmt::format("{}.metadata[{}]", path, i);
        require_object(md[i], p);
        if (!md[i].contains("key")) throw ValidationError(205, p, "missing required field \"key\"");
        json rest = md[i];
        std::string key = get_string(rest["key"], p + ".key");
        rest.erase("key");
        c.metadata.push_back(parse_requirement(key, rest, p));
      }
    } else {
      wrong_type(path + ".metadata", md, "an object of key -> value(s)");
    }
  }
  if (j.contains("conflicts")) c.conflicts = string_or_list(j["conflicts"], path + ".conflicts");
  if (j.contains("machine_of") && !j["machine_of"].is_null()) c.machine_of = get_string(j["machine_of"], path + ".machine_of");
  if (j.contains("machine_id") && !j["machine_id"].is_null()) c.machine_id = get_string(j["machine_id"], path + ".machine_id");
  if (j.contains("global")) {
    if (!j["global"].is_boolean()) wrong_type(path + ".global", j["global"], "true or false");
    c.global = j["global"].get<bool>();
  }
  if (j.contains("spread") && !j["spread"].is_null()) {
    const json& s = j["spread"];
    std::string sp = path + ".spread";
    SpreadConstraint spread;
    if (s.is_string()) {
      spread.key = s.get<std::string>();
    } else {
      require_object(s, sp);
      check_keys(s, sp, kSpreadKeys);
      if (!s.contains("key")) throw ValidationError(205, sp, "missing required field \"key\"");
      spread.key = get_string(s["key"], sp + ".key");
      if (s.contains("max_skew")) {
        if (!s["max_skew"].is_number_integer() && !s["max_skew"].is_number_unsigned()) wrong_type(sp + ".max_skew", s["max_skew"], "a positive integer");
        auto v = whole_number(s["max_skew"]);
        if (v < 1 || v > 1000000) throw ValidationError(213, sp + ".max_skew", fmt::format("must be between 1 and 1000000, got {}", v));
        spread.max_skew = static_cast<int>(v);
      }
    }
    if (spread.key.empty()) throw ValidationError(213, sp + ".key", "must not be empty");
    c.spread = spread;
  }
  return c;
}

/// Soft constraints: [{"metadata": {...}, "weight": W}, {"near": ["db*"], "weight": W},
/// {"spread": {"key": "zone"}, "weight": W}], each exactly one kind, W in -100..100.
std::vector<Preference> parse_preferences(const json& j, const std::string& path) {
  if (!j.is_array()) wrong_type(path, j, "an array of preferences");
  std::vector<Preference> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string p = fmt::format("{}[{}]", path, i);
    require_object(j[i], p);
    check_keys(j[i], p, kPreferenceKeys);
    Preference pref;
    int kinds = 0;
    if (j[i].contains("metadata")) {
      ++kinds;
      pref.kind = Preference::Kind::Metadata;
      // The same syntax as constraints.metadata.
      Constraints c = parse_constraints(json{{"metadata", j[i]["metadata"]}}, p);
      pref.metadata = std::move(c.metadata);
      if (pref.metadata.empty()) throw ValidationError(270, p + ".metadata", "needs at least one requirement");
    }
    if (j[i].contains("near")) {
      ++kinds;
      pref.kind = Preference::Kind::Near;
      pref.near = string_or_list(j[i]["near"], p + ".near");
      if (pref.near.empty()) throw ValidationError(270, p + ".near", "needs at least one unit or instance glob");
    }
    if (j[i].contains("spread")) {
      ++kinds;
      pref.kind = Preference::Kind::Spread;
      const json& sp = j[i]["spread"];
      if (sp.is_string()) {
        pref.spread_key = sp.get<std::string>();
      } else {
        require_object(sp, p + ".spread");
        check_keys(sp, p + ".spread", {"key"});
        if (!sp.contains("key")) throw ValidationError(205, p + ".spread", "missing required field \"key\"");
        pref.spread_key = get_string(sp["key"], p + ".spread.key");
      }
      if (pref.spread_key.empty()) throw ValidationError(270, p + ".spread.key", "must not be empty");
    }
    if (kinds != 1) {
      throw ValidationError(270, p, fmt::format("expected exactly one of \"metadata\", \"near\" or \"spread\", found {}", kinds));
    }
    if (j[i].contains("weight")) {
      const json& w = j[i]["weight"];
      if (!w.is_number_integer() && !w.is_number_unsigned()) wrong_type(p + ".weight", w, "an integer from -100 to 100");
      const auto v = whole_number(w);
      if (v < -100 || v > 100) throw ValidationError(270, p + ".weight", fmt::format("must be between -100 and 100, got {}", v));
      pref.weight = static_cast<int>(v);
    }
    out.push_back(std::move(pref));
  }
  return out;
}

Unit parse_unit(const json& j, const std::string& path) {
  require_object(j, path);
  check_keys(j, path, kUnitKeys);
  Unit u;
  if (!j.contains("name")) throw ValidationError(205, path, "missing required field \"name\"");
  u.name = get_string(j["name"], path + ".name");
  if (u.name.empty()) throw ValidationError(206, path + ".name", "unit name must not be empty");
  std::string where = fmt::format("unit {}", u.name);
  if (j.contains("replicas")) {
    const json& r = j["replicas"];
    if (!r.is_number_integer() && !r.is_number_unsigned()) wrong_type(where + ": replicas", r, "a whole number");
    auto v = whole_number(r);
    if (v < 0 || v > 10000000) throw ValidationError(214, where + ": replicas", fmt::format("must be between 0 and 10000000, got {}", v));
    u.replicas = static_cast<int>(v);
  }
  if (j.contains("requests")) u.requests = parse_resources(j["requests"], where + ": requests");
  if (j.contains("priority")) {
    const json& p = j["priority"];
    if (!p.is_number_integer() && !p.is_number_unsigned()) wrong_type(where + ": priority", p, "an integer");
    auto v = whole_number(p);
    if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max()) {
      throw ValidationError(215, where + ": priority", fmt::format("out of range (32-bit integer): {}", v));
    }
    u.priority = static_cast<std::int32_t>(v);
  }
  if (j.contains("constraints")) u.constraints = parse_constraints(j["constraints"], where + ": constraints");
  if (j.contains("tolerations") && !j["tolerations"].is_null()) u.constraints.tolerations = parse_tolerations(j["tolerations"], where + ": tolerations");
  if (j.contains("ports") && !j["ports"].is_null()) u.constraints.ports = parse_ports(j["ports"], where + ": ports");
  if (j.contains("preferences") && !j["preferences"].is_null()) u.preferences = parse_preferences(j["preferences"], where + ": preferences");
  return u;
}

}  // namespace

Spec spec_from_json(const json& root) {
  if (!root.is_object()) wrong_type("spec", root, "an object with \"machines\" and \"units\"");
  check_keys(root, "", kSpecKeys);
  Spec spec;
  std::unordered_set<std::string> seen;  // duplicates only: order does not matter
  if (root.contains("machines")) {
    const json& ms = root["machines"];
    if (!ms.is_array()) wrong_type("machines", ms, "an array of machines");
    spec.machines.reserve(ms.size());
    seen.reserve(ms.size());
    for (std::size_t i = 0; i < ms.size(); ++i) {
      Machine m;
      try {
        m = parse_machine(ms[i], std::string(), true);
      } catch (...) {
        m = parse_machine(ms[i], fmt::format("machines[{}]", i));  // throws the exact error
      }
      if (!seen.insert(m.name).second) throw ValidationError(216, fmt::format("machines[{}].name", i), fmt::format("duplicate machine name \"{}\"", m.name));
      spec.machines.push_back(std::move(m));
    }
  }
  seen.clear();
  if (root.contains("units")) {
    const json& us = root["units"];
    if (!us.is_array()) wrong_type("units", us, "an array of units");
    for (std::size_t i = 0; i < us.size(); ++i) {
      Unit u = parse_unit(us[i], fmt::format("units[{}]", i));
      if (!seen.insert(u.name).second) throw ValidationError(217, fmt::format("units[{}].name", i), fmt::format("duplicate unit name \"{}\"", u.name));
      spec.units.push_back(std::move(u));
    }
  }
  if (root.contains("placements") && !root["placements"].is_null()) {
    const json& ps = require_object(root["placements"], "placements");
    for (const auto& [instance, machine] : ps.items()) {
      spec.placements[instance] = get_string(machine, fmt::format("placements.{}", instance));
    }
  }
  if (root.contains("warnings")) spec.warnings = string_or_list(root["warnings"], "warnings");
  return spec;
}

Spec parse_spec_json(std::string_view text, const std::string& filename) {
  const json root = parse_json_document(text, filename, JsonDocumentKind{101, ""});
  try {
    return spec_from_json(root);
  } catch (const ValidationError& e) {
    throw ValidationError(e.code(), e.subject(), fmt::format("{} (in {})", e.detail().substr(e.subject().empty() ? 0 : e.subject().size() + 2), filename));
  }
}

std::string read_text_file(const std::string& path) {
  if (path == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(301, fmt::format("cannot read \"{}\": no such file or not readable", path));
  // Read in blocks (a character iterator costs more than parsing at 100 MB).
  std::string text;
  in.seekg(0, std::ios::end);
  if (const auto size = in.tellg(); size > 0) text.reserve(static_cast<std::size_t>(size));
  in.seekg(0, std::ios::beg);
  char block[1 << 16];
  while (in.read(block, sizeof block) || in.gcount() > 0) text.append(block, static_cast<std::size_t>(in.gcount()));
  if (in.bad()) throw UsageError(301, fmt::format("cannot read \"{}\"", path));
  return text;
}

Spec read_spec_file(const std::string& path) {
  return parse_spec_json(read_text_file(path), path == "-" ? "<stdin>" : path);
}

namespace {

json resources_to_json(const Resources& r) {
  json j = json::object();
  if (r.cpu != 0) j["cpu"] = r.cpu % 1000 == 0 ? fmt::format("{}", r.cpu / 1000) : fmt::format("{}m", r.cpu);
  if (r.memory != 0) j["memory"] = format_bytes_exact(r.memory);
  if (r.disk != 0) j["disk"] = format_bytes_exact(r.disk);
  for (const auto& [name, v] : r.extended) {
    if (v != 0) j[name] = fmt::format("{}", v);
  }
  return j;
}

}  // namespace

json spec_to_json(const Spec& spec) {
  json root = json::object();
  json machines = json::array();
  for (const auto& m : spec.machines) {
    json jm = {{"name", m.name}, {"capacity", resources_to_json(m.capacity)}};
    if (!m.reserved.is_zero()) jm["reserved"] = resources_to_json(m.reserved);
    if (!m.metadata.empty()) {
      json md = json::object();
      for (const auto& [k, vs] : m.metadata) md[k] = vs.size() == 1 ? json(vs.front()) : json(vs);
      jm["metadata"] = md;
    }
    if (m.state != MachineState::Up) jm["state"] = to_string(m.state);
    if (!m.taints.empty()) {
      json ts = json::array();
      for (const Taint& t : m.taints) {
        json jt = {{"key", t.key}, {"effect", to_string(t.effect)}};
        if (!t.value.empty()) jt["value"] = t.value;
        ts.push_back(std::move(jt));
      }
      jm["taints"] = std::move(ts);
    }
    machines.push_back(std::move(jm));
  }
  root["machines"] = std::move(machines);
  json units = json::array();
  for (const auto& u : spec.units) {
    json ju = {{"name", u.name}};
    if (u.replicas) ju["replicas"] = *u.replicas;
    ju["requests"] = resources_to_json(u.requests);
    if (u.priority != 0) ju["priority"] = u.priority;
    const Constraints& c = u.constraints;
    json jc = json::object();
    if (!c.metadata.empty()) {
      json md = json::array();
      for (const auto& req : c.metadata) {
        json jr = {{"key", req.key}, {"op", to_string(req.op)}};
        if (!req.values.empty()) jr["values"] = req.values;
        md.push_back(std::move(jr));
      }
      jc["metadata"] = std::move(md);
    }
    if (!c.conflicts.empty()) jc["conflicts"] = c.conflicts;
    if (!c.machine_of.empty()) jc["machine_of"] = c.machine_of;
    if (!c.machine_id.empty()) jc["machine_id"] = c.machine_id;
    if (c.global) jc["global"] = true;
    if (c.spread) jc["spread"] = {{"key", c.spread->key}, {"max_skew", c.spread->max_skew}};
    if (!jc.empty()) ju["constraints"] = std::move(jc);
    if (!c.tolerations.empty()) {
      json ts = json::array();
      for (const Toleration& t : c.tolerations) {
        json jt = json::object();
        if (!t.key.empty()) jt["key"] = t.key;
        jt["operator"] = t.op == TolerationOp::Exists ? "Exists" : "Equal";
        if (!t.value.empty()) jt["value"] = t.value;
        if (t.effect) jt["effect"] = to_string(*t.effect);
        ts.push_back(std::move(jt));
      }
      ju["tolerations"] = std::move(ts);
    }
    if (!u.preferences.empty()) {
      json ps = json::array();
      for (const Preference& p : u.preferences) {
        json jp = {{"weight", p.weight}};
        switch (p.kind) {
          case Preference::Kind::Metadata: {
            json md = json::array();
            for (const auto& req : p.metadata) {
              json jr = {{"key", req.key}, {"op", to_string(req.op)}};
              if (!req.values.empty()) jr["values"] = req.values;
              md.push_back(std::move(jr));
            }
            jp["metadata"] = std::move(md);
            break;
          }
          case Preference::Kind::Near: jp["near"] = p.near; break;
          case Preference::Kind::Spread: jp["spread"] = {{"key", p.spread_key}}; break;
        }
        ps.push_back(std::move(jp));
      }
      ju["preferences"] = std::move(ps);
    }
    if (!c.ports.empty()) {
      json ps = json::array();
      for (const HostPort& p : c.ports) {
        if (p.protocol == PortProtocol::Tcp) ps.push_back(p.port);
        else ps.push_back(p.describe());
      }
      ju["ports"] = std::move(ps);
    }
    units.push_back(std::move(ju));
  }
  root["units"] = std::move(units);
  if (!spec.placements.empty()) root["placements"] = spec.placements;
  if (!spec.warnings.empty()) root["warnings"] = spec.warnings;
  return root;
}

std::string write_spec_json(const Spec& spec, int indent) { return spec_to_json(spec).dump(indent) + "\n"; }

}  // namespace berth
