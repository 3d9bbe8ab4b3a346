#include "berth/io/spec_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "berth/error.hpp"
#include "berth/io/json_document.hpp"
#include "berth/model/quantity.hpp"

namespace berth {
namespace {

using nlohmann::json;

std::string type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return fmt::format("the string \"{}\"", j.get_ref<const std::string&>());
    case json::value_t::boolean:
      return j.get<bool>() ? "true" : "false";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return fmt::format("the number {}", j.dump());
    default:
      return "a value";
  }
}

[[noreturn]] void wrong_type(const std::string& path, const json& j, std::string_view expected) {
  throw ValidationError(202, path, fmt::format("expected {}, got {}", expected, type_name(j)));
}

// Allowed fields per object (built once: a 100k-machine spec calls reject_unknown_keys 100k
// times).
const std::vector<std::string> kMachineKeys = {"name",     "capacity", "reserved",
                                               "metadata", "state",    "taints"};
const std::vector<std::string> kTaintKeys = {"key", "value", "effect"};
const std::vector<std::string> kTolerationKeys = {"key", "operator", "value", "effect"};
const std::vector<std::string> kRequirementKeys = {"op", "values", "value"};
const std::vector<std::string> kConstraintKeys = {"metadata",   "conflicts", "machine_of",
                                                  "machine_id", "global",    "spread"};
const std::vector<std::string> kSpreadKeys = {"key", "max_skew"};
const std::vector<std::string> kUnitKeys = {"name",     "replicas",    "requests",
                                            "priority", "constraints", "tolerations",
                                            "ports",    "preferences"};
const std::vector<std::string> kPreferenceKeys = {"metadata", "near", "spread", "weight"};
const std::vector<std::string> kSpecKeys = {"machines", "units", "placements", "warnings"};

/// j as an integer when it is one. An unsigned value above 2^63 would wrap to a negative
/// int64 (18446744073709551615 read as -1, a valid priority): it is clamped to the int64
/// maximum instead, so every range check that follows rejects it and prints a large number.
std::int64_t whole_number(const json& j) {
  if (j.is_number_unsigned() &&
      j.get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
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
    if (key == "cpu")
      r.cpu = parse_cpu(text, field);
    else if (key == "memory")
      r.memory = parse_bytes(text, field);
    else if (key == "disk")
      r.disk = parse_bytes(text, field);
    else
      r.extended[key] = parse_count(text, field);
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
      if (v.is_string())
        out.push_back(v.get<std::string>());
      else if (v.is_number() || v.is_boolean())
        out.push_back(v.dump());
      else
        wrong_type(fmt::format("{}[{}]", path, i), v, "a string");
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
    throw ValidationError(
        266, path,
        fmt::format(
            "unknown taint effect \"{}\"{} (expected NoSchedule, PreferNoSchedule or NoExecute)",
            text, hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint)));
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
    reject_unknown_keys(j[i], p, kTaintKeys);
    Taint t;
    if (!j[i].contains("key")) throw ValidationError(266, p, "missing required field \"key\"");
    t.key = get_string(j[i]["key"], p + ".key");
    if (t.key.empty()) throw ValidationError(266, p + ".key", "must not be empty");
    if (j[i].contains("value") && !j[i]["value"].is_null())
      t.value = get_string(j[i]["value"], p + ".value");
    if (!j[i].contains("effect"))
      throw ValidationError(
          266, p, "missing required field \"effect\" (NoSchedule, PreferNoSchedule or NoExecute)");
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
    reject_unknown_keys(j[i], p, kTolerationKeys);
    Toleration t;
    if (j[i].contains("key") && !j[i]["key"].is_null()) t.key = get_string(j[i]["key"], p + ".key");
    if (j[i].contains("operator") && !j[i]["operator"].is_null()) {
      const std::string op = get_string(j[i]["operator"], p + ".operator");
      if (op == "Equal")
        t.op = TolerationOp::Equal;
      else if (op == "Exists")
        t.op = TolerationOp::Exists;
      else
        throw ValidationError(
            267, p + ".operator",
            fmt::format("unknown operator \"{}\" (expected Equal or Exists)", op));
    }
    if (j[i].contains("value") && !j[i]["value"].is_null())
      t.value = get_string(j[i]["value"], p + ".value");
    // kube's validation: an empty key tolerates everything, which only Exists can say; and
    // Exists takes no value.
    if (t.key.empty() && t.op != TolerationOp::Exists) {
      throw ValidationError(267, p,
                            "a toleration without \"key\" must have \"operator\": \"Exists\" (it "
                            "then tolerates every taint)");
    }
    if (t.op == TolerationOp::Exists && !t.value.empty()) {
      throw ValidationError(267, p + ".value",
                            fmt::format("operator Exists takes no value, got \"{}\"", t.value));
    }
    if (j[i].contains("effect") && !j[i]["effect"].is_null() &&
        !(j[i]["effect"].is_string() && j[i]["effect"].get_ref<const std::string&>().empty())) {
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
      if (n < 1 || n > 65535)
        throw ValidationError(268, p, fmt::format("port {} is outside 1-65535", n));
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
  reject_unknown_keys(j, path, kMachineKeys);
  Machine m;
  if (!j.contains("name")) throw ValidationError(205, path, "missing required field \"name\"");
  m.name = get_string(j["name"], path + ".name");
  if (m.name.empty()) throw ValidationError(206, path + ".name", "machine name must not be empty");
  const std::string where = quiet ? std::string() : fmt::format("machine {}", m.name);
  auto at = [&](const char* field) { return quiet ? std::string() : where + field; };
  // One lookup per field (find, not contains then operator[]): this runs once per machine.
  if (auto it = j.find("capacity"); it != j.end())
    m.capacity = parse_resources(*it, at(": capacity"), quiet);
  if (auto it = j.find("reserved"); it != j.end())
    m.reserved = parse_resources(*it, at(": reserved"), quiet);
  if (auto it = j.find("metadata"); it != j.end()) {
    const json& md = require_object(*it, at(": metadata"));
    for (const auto& [key, value] : md.items()) {
      m.metadata[key] =
          string_or_list(value, quiet ? std::string() : fmt::format("{}: metadata.{}", where, key));
    }
  }
  if (j.contains("state")) {
    std::string s = get_string(j["state"], where + ": state");
    auto parsed = parse_machine_state(s);
    if (!parsed) {
      throw ValidationError(
          207, where + ": state",
          fmt::format("unknown state \"{}\" (expected up, draining, down or rebooting)", s));
    }
    m.state = *parsed;
  }
  if (auto it = j.find("taints"); it != j.end() && !it->is_null())
    m.taints = parse_taints(*it, where + ": taints");
  return m;
}

MetadataRequirement parse_requirement(const std::string& key, const json& value,
                                      const std::string& path) {
  MetadataRequirement req;
  req.key = key;
  if (!value.is_object()) {
    req.op = MetadataOp::In;
    req.values = string_or_list(value, path);
    if (req.values.empty()) throw ValidationError(208, path, "needs at least one value");
    return req;
  }
  reject_unknown_keys(value, path, kRequirementKeys);
  if (!value.contains("op"))
    throw ValidationError(209, path, "missing \"op\" (in, not_in, exists, not_exists, gt, lt)");
  std::string op = get_string(value["op"], path + ".op");
  if (!parse_metadata_op(op, req.op)) {
    std::string hint = did_you_mean(op, {"in", "not_in", "exists", "not_exists", "gt", "lt"});
    throw ValidationError(
        210, path + ".op",
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
      if (req.values.empty())
        throw ValidationError(208, path, fmt::format("operator {} needs at least one value", op));
      break;
    case MetadataOp::Exists:
    case MetadataOp::NotExists:
      if (!req.values.empty())
        throw ValidationError(211, path, fmt::format("operator {} takes no values", op));
      break;
    case MetadataOp::Gt:
    case MetadataOp::Lt: {
      if (req.values.size() != 1)
        throw ValidationError(212, path,
                              fmt::format("operator {} takes exactly one integer value", op));
      const std::string& v = req.values.front();
      bool ok = !v.empty() &&
                std::all_of(v.begin() + (v[0] == '-' ? 1 : 0), v.end(),
                            [](char c) { return c >= '0' && c <= '9'; }) &&
                v != "-" && v.size() < 19;
      if (!ok)
        throw ValidationError(212, path,
                              fmt::format("operator {} needs an integer, got \"{}\"", op, v));
      break;
    }
  }
  return req;
}

Constraints parse_constraints(const json& j, const std::string& path) {
  require_object(j, path);
  reject_unknown_keys(j, path, kConstraintKeys);
  Constraints c;
  if (j.contains("metadata")) {
    const json& md = j["metadata"];
    if (md.is_object()) {
      for (const auto& [key, value] : md.items()) {
        c.metadata.push_back(
            parse_requirement(key, value, fmt::format("{}.metadata.{}", path, key)));
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
  if (j.contains("machine_of") && !j["machine_of"].is_null())
    c.machine_of = get_string(j["machine_of"], path + ".machine_of");
  if (j.contains("machine_id") && !j["machine_id"].is_null())
    c.machine_id = get_string(j["machine_id"], path + ".machine_id");
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
      reject_unknown_keys(s, sp, kSpreadKeys);
      if (!s.contains("key")) throw ValidationError(205, sp, "missing required field \"key\"");
      spread.key = get_string(s["key"], sp + ".key");
      if (s.contains("max_skew")) {
        if (!s["max_skew"].is_number_integer() && !s["max_skew"].is_number_unsigned())
          wrong_type(sp + ".max_skew", s["max_skew"], "a positive integer");
        auto v = whole_number(s["max_skew"]);
        if (v < 1 || v > 1000000)
          throw ValidationError(213, sp + ".max_skew",
                                fmt::format("must be between 1 and 1000000, got {}", v));
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
    reject_unknown_keys(j[i], p, kPreferenceKeys);
    Preference pref;
    int kinds = 0;
    if (j[i].contains("metadata")) {
      ++kinds;
      pref.kind = Preference::Kind::Metadata;
      // The same syntax as constraints.metadata.
      Constraints c = parse_constraints(json{{"metadata", j[i]["metadata"]}}, p);
      pref.metadata = std::move(c.metadata);
      if (pref.metadata.empty())
        throw ValidationError(270, p + ".metadata", "needs at least one requirement");
    }
    if (j[i].contains("near")) {
      ++kinds;
      pref.kind = Preference::Kind::Near;
      pref.near = string_or_list(j[i]["near"], p + ".near");
      if (pref.near.empty())
        throw ValidationError(270, p + ".near", "needs at least one unit or instance glob");
    }
    if (j[i].contains("spread")) {
      ++kinds;
      pref.kind = Preference::Kind::Spread;
      const json& sp = j[i]["spread"];
      if (sp.is_string()) {
        pref.spread_key = sp.get<std::string>();
      } else {
        require_object(sp, p + ".spread");
        reject_unknown_keys(sp, p + ".spread", {"key"});
        if (!sp.contains("key"))
          throw ValidationError(205, p + ".spread", "missing required field \"key\"");
        pref.spread_key = get_string(sp["key"], p + ".spread.key");
      }
      if (pref.spread_key.empty())
        throw ValidationError(270, p + ".spread.key", "must not be empty");
    }
    if (kinds != 1) {
      throw ValidationError(
          270, p,
          fmt::format("expected exactly one of \"metadata\", \"near\" or \"spread\", found {}",
                      kinds));
    }
    if (j[i].contains("weight")) {
      const json& w = j[i]["weight"];
      if (!w.is_number_integer() && !w.is_number_unsigned())
        wrong_type(p + ".weight", w, "an integer from -100 to 100");
      const auto v = whole_number(w);
      if (v < -100 || v > 100)
        throw ValidationError(270, p + ".weight",
                              fmt::format("must be between -100 and 100, got {}", v));
      pref.weight = static_cast<int>(v);
    }
    out.push_back(std::move(pref));
  }
  return out;
}

/// `quiet`: no error paths built, as for parse_machine (each unit built "units[i]", "unit NAME",
/// "unit NAME: requests" and one per resource, though almost no unit has an error); the caller
/// parses the unit again loudly when a quiet attempt throws.
Unit parse_unit(const json& j, const std::string& path, bool quiet = false) {
  require_object(j, path);
  reject_unknown_keys(j, path, kUnitKeys);
  Unit u;
  const auto name = j.find("name");
  if (name == j.end()) throw ValidationError(205, path, "missing required field \"name\"");
  u.name = get_string(*name, quiet ? std::string() : path + ".name");
  if (u.name.empty()) throw ValidationError(206, path + ".name", "unit name must not be empty");
  const std::string where = quiet ? std::string() : fmt::format("unit {}", u.name);
  auto at = [&](const char* field) { return quiet ? std::string() : where + field; };
  // One lookup per field (find, not contains then operator[]): this runs once per unit.
  if (auto it = j.find("replicas"); it != j.end()) {
    const json& r = *it;
    if (!r.is_number_integer() && !r.is_number_unsigned())
      wrong_type(at(": replicas"), r, "a whole number");
    auto v = whole_number(r);
    if (v < 0 || v > 10000000)
      throw ValidationError(214, at(": replicas"),
                            fmt::format("must be between 0 and 10000000, got {}", v));
    u.replicas = static_cast<int>(v);
  }
  if (auto it = j.find("requests"); it != j.end())
    u.requests = parse_resources(*it, at(": requests"), quiet);
  if (auto it = j.find("priority"); it != j.end()) {
    const json& p = *it;
    if (!p.is_number_integer() && !p.is_number_unsigned())
      wrong_type(at(": priority"), p, "an integer");
    auto v = whole_number(p);
    if (v < std::numeric_limits<std::int32_t>::min() ||
        v > std::numeric_limits<std::int32_t>::max()) {
      throw ValidationError(215, at(": priority"),
                            fmt::format("out of range (32-bit integer): {}", v));
    }
    u.priority = static_cast<std::int32_t>(v);
  }
  if (auto it = j.find("constraints"); it != j.end())
    u.constraints = parse_constraints(*it, at(": constraints"));
  if (auto it = j.find("tolerations"); it != j.end() && !it->is_null())
    u.constraints.tolerations = parse_tolerations(*it, at(": tolerations"));
  if (auto it = j.find("ports"); it != j.end() && !it->is_null())
    u.constraints.ports = parse_ports(*it, at(": ports"));
  if (auto it = j.find("preferences"); it != j.end() && !it->is_null())
    u.preferences = parse_preferences(*it, at(": preferences"));
  return u;
}

}  // namespace

namespace {

/// The names read so far, for the duplicate check: an open-addressing table of indices into
/// the list being read (`name_of(i)`), so no name is copied and no node allocated per entry
/// (the set of copied names it replaces was 5% of a 200k-unit `berth place` in perf).
class NameIndex {
 public:
  void reserve(std::size_t n) {
    if (size_ == 0 && 2 * n > slots_.size())
      rehash(2 * n, [](std::size_t) -> std::string_view { return {}; });
  }
  /// Adds entry `index` (named name_of(index)); false when an earlier entry has that name.
  template <class NameOf>
  bool insert(std::size_t index, const NameOf& name_of) {
    if (2 * (size_ + 1) > slots_.size())
      rehash(std::max<std::size_t>(64, 2 * slots_.size()), name_of);
    const std::string_view name = name_of(index);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t at = std::hash<std::string_view>{}(name)&mask;; at = (at + 1) & mask) {
      if (slots_[at] == 0) {
        slots_[at] = static_cast<std::uint32_t>(index + 1);
        ++size_;
        return true;
      }
      if (name_of(slots_[at] - 1) == name) return false;
    }
  }

 private:
  template <class NameOf>
  void rehash(std::size_t at_least, const NameOf& name_of) {
    std::size_t n = 64;
    while (n < at_least) n *= 2;
    std::vector<std::uint32_t> old(n, 0);
    old.swap(slots_);
    const std::size_t mask = n - 1;
    for (std::uint32_t entry : old) {
      if (entry == 0) continue;
      std::size_t at = std::hash<std::string_view>{}(name_of(entry - 1)) & mask;
      while (slots_[at] != 0) at = (at + 1) & mask;
      slots_[at] = entry;
    }
  }
  std::vector<std::uint32_t> slots_;  // 0: empty; else index + 1
  std::size_t size_ = 0;
};

/// What each top-level field of a spec means, one piece at a time. spec_from_json feeds it a
/// whole DOM and parse_spec_json the pieces of a streamed read; the order spec_from_json calls
/// it in (unknown fields, machines, units, placements, warnings) is the order errors are
/// reported in, and the streamed read keeps that order (SpecStream).
class SpecAssembler {
 public:
  void machine(std::size_t i, const json& j) {
    Machine m;
    try {
      m = parse_machine(j, std::string(), true);
    } catch (...) {
      m = parse_machine(j, fmt::format("machines[{}]", i));  // throws the exact error
    }
    spec_.machines.push_back(std::move(m));
    if (!machine_names_.insert(spec_.machines.size() - 1, [&](std::size_t k) -> std::string_view {
          return spec_.machines[k].name;
        })) {
      const std::string name = spec_.machines.back().name;
      spec_.machines.pop_back();
      throw ValidationError(216, fmt::format("machines[{}].name", i),
                            fmt::format("duplicate machine name \"{}\"", name));
    }
  }
  void unit(std::size_t i, const json& j) {
    Unit u;
    try {
      u = parse_unit(j, std::string(), true);
    } catch (...) {
      u = parse_unit(j, fmt::format("units[{}]", i));  // throws the exact error
    }
    spec_.units.push_back(std::move(u));
    if (!unit_names_.insert(spec_.units.size() - 1, [&](std::size_t k) -> std::string_view {
          return spec_.units[k].name;
        })) {
      const std::string name = spec_.units.back().name;
      spec_.units.pop_back();
      throw ValidationError(217, fmt::format("units[{}].name", i),
                            fmt::format("duplicate unit name \"{}\"", name));
    }
  }
  void placement(const std::string& instance, const json& machine) {
    spec_.placements[instance] = get_string(machine, fmt::format("placements.{}", instance));
  }
  void warnings(const json& j) { spec_.warnings = string_or_list(j, "warnings"); }
  void reserve_machines(std::size_t n) {
    spec_.machines.reserve(n);
    machine_names_.reserve(n);
  }
  void reserve_units(std::size_t n) {
    spec_.units.reserve(n);
    unit_names_.reserve(n);
  }
  Spec take() { return std::move(spec_); }

 private:
  Spec spec_;
  NameIndex machine_names_, unit_names_;
};

/// The streamed read of a spec: each machine and unit is converted as soon as its text has been
/// read and its DOM dropped. A meaning error is kept, not thrown: the whole text must still be
/// read (a syntax error or duplicate key anywhere wins, as when the document was parsed first),
/// and an earlier field in spec_from_json's order wins over a later one wherever each is
/// written. Per field only its first error is kept (the elements after it are only checked for
/// syntax), except placements, whose errors spec_from_json reports in key order.
class SpecStream : public JsonObjectStream {
 public:
  explicit SpecStream(std::size_t text_size) : text_size_(text_size) {}
  Spec finish() {
    if (not_object_) return spec_from_json(*not_object_);  // throws "expected an object"
    if (unknown_key_) reject_unknown_keys(json::object({{*unknown_key_, nullptr}}), "", kSpecKeys);
    for (const auto& e : errors_) {
      if (e) std::rethrow_exception(e);
    }
    return assembler_.take();
  }

  Take take(const std::string& key) override {
    if (!key.empty() && key[0] == '$') return Take::Skip;  // "$schema", "$comment"
    const int f = field_of(key);
    if (f < 0) {
      // spec_from_json checks the keys in the DOM's (sorted) order: the smallest unknown wins.
      if (!unknown_key_ || key < *unknown_key_) unknown_key_ = key;
      return Take::Skip;
    }
    if (decided_before(f)) return Take::Skip;
    return f == kWarnings ? Take::Whole : Take::Elements;
  }

  void value(const std::string& key, json&& v) override {
    const int f = field_of(key);
    if (f < 0) return;  // not asked for (take() skips unknown fields)
    record(f, [&] {
      switch (f) {
        case kMachines:
          wrong_type("machines", v, "an array of machines");
        case kUnits:
          wrong_type("units", v, "an array of units");
        case kPlacements:
          if (!v.is_null()) require_object(v, "placements");
          break;
        case kWarnings:
          assembler_.warnings(v);
          break;
      }
    });
  }

  void begin(const std::string& key, bool array, std::size_t elements) override {
    const int f = field_of(key);
    // Sized once. The count is exact for valid text; for text that is not, it is capped at what
    // the text could hold ({"name":"a"} and a comma: 13 bytes), so a file of commas reserves
    // no more than a real spec of its size would.
    if (f == kMachines && array) assembler_.reserve_machines(std::min(elements, text_size_ / 13));
    if (f == kUnits && array) assembler_.reserve_units(std::min(elements, text_size_ / 13));
    // The wrong kind of container: the message names only its type (type_name), so an empty
    // one of that type stands in for the value.
    if ((f == kMachines || f == kUnits) && !array) value(key, json::object());
    if (f == kPlacements && array) value(key, json::array());
  }

  bool element(const std::string& key, std::size_t index, json&& v) override {
    const int f = field_of(key);
    // Elements of placements (an array: its error is kept already), or of a field after an error.
    if ((f != kMachines && f != kUnits) || decided_before(f + 1)) return false;
    record(f, [&] {
      if (f == kMachines)
        assembler_.machine(index, v);
      else
        assembler_.unit(index, v);
    });
    return !errors_[f];
  }

  bool member(const std::string& key, const std::string& name, json&& v) override {
    // Members of machines or units (an object: its error is kept already) are not read.
    if (field_of(key) != kPlacements || decided_before(kPlacements)) return false;
    if (errors_[kPlacements] && name > placement_error_key_) return true;
    try {
      assembler_.placement(name, v);
    } catch (...) {
      errors_[kPlacements] = std::current_exception();
      placement_error_key_ = name;
    }
    return true;
  }

  void end(const std::string&) override {}

  void not_object(json&& document) override { not_object_ = std::move(document); }

 private:
  enum Field { kMachines, kUnits, kPlacements, kWarnings, kFields };

  static int field_of(const std::string& key) {
    if (key == "machines") return kMachines;
    if (key == "units") return kUnits;
    if (key == "placements") return kPlacements;
    if (key == "warnings") return kWarnings;
    return -1;
  }

  // Whether an error that spec_from_json reports before field `f` is already known (nothing
  // read for `f` could then be reported; reading it would only cost time).
  bool decided_before(int f) const {
    if (unknown_key_) return true;
    for (int k = 0; k < f && k < kFields; ++k) {
      if (errors_[k]) return true;
    }
    return false;
  }

  template <class F>
  void record(int f, F&& convert) {
    if (errors_[f]) return;
    try {
      convert();
    } catch (...) {
      errors_[f] = std::current_exception();
    }
  }

  SpecAssembler assembler_;
  std::exception_ptr errors_[kFields];
  // The smallest unknown top-level key; optional, since "" is a key too (found by the fuzzer:
  // {"":[0]} was read as an empty spec).
  std::optional<std::string> unknown_key_;
  std::string placement_error_key_;
  std::optional<json> not_object_;
  std::size_t text_size_;
};

// The split read: a large spec's machines and units read on several threads, with the
// sequential read (SpecStream) as the only source of errors.
//
// How: split_top_level_arrays cuts the interiors of the top-level "machines" and "units"
// arrays into element pieces (one quick pass over the bytes). The skeleton, the document with
// those interiors removed ("units": []), is read by the sequential read (placements, warnings,
// unknown fields and every check on the rest). Each piece is parsed on its own by
// parse_json_document (the strict reader of whole documents: syntax, duplicate keys, nothing
// may follow the value) and converted by the same quiet parse_machine / parse_unit call as
// SpecAssembler's, into its index's slot; blocks of pieces go to whichever thread is free.
// Then the names are checked for uniqueness in order. Any failure at all (the skeleton, a
// piece's syntax, a meaning error, a duplicate name, an exception in a thread) discards
// everything: the caller reads the text again sequentially, which throws the error.
//
// Why that is sound: the text is valid iff the skeleton is valid and every piece is a valid
// value. The scan lexes strings as JSON does for valid text (a quote outside a string opens
// one; a backslash escapes the next byte), so on a valid skeleton its view is the true one up
// to each cut '[' and from its ']' on (the same bytes, the same state): they are the brackets
// of an empty array, the value of the member whose key was the last string at depth 1. Inside
// the interior, a valid piece is lexed truly too and has balanced brackets, so the commas cut
// at depth 2 are exactly the commas between elements, and the interior is valid pieces joined
// by commas: a valid array, whose elements parse to what each piece parses to alone (JSON
// values do not depend on their context; duplicate keys are per object; numbers per value).
// The one thing a reader treats differently at the start of a text is a byte-order mark
// (skipped there, an error elsewhere): a piece starting with one fails. So when the split read
// succeeds, the text is valid, and the sequential read would have built the same machines and
// units (the same conversion), placements and warnings (the skeleton's are the text's) and
// found no duplicate name; the spec is the same. When anything fails, the sequential read gives
// the answer: error messages, ids and file:line:col are exactly its own, by construction.
class SplitRead {
 public:
  SplitRead(std::string_view text, const std::string& filename)
      : text_(text), filename_(filename) {}

  // The spec, or nothing when the sequential read must decide (any failure, or too few
  // elements to be worth threads).
  std::optional<Spec> read(const SpecReadOptions& options, unsigned threads) {
    const auto splits = split_top_level_arrays(text_, {"machines", "units"});
    for (const JsonArraySplit& s : splits) {
      if (s.close == JsonArraySplit::kNone) return std::nullopt;  // a truncated text
      const JsonArraySplit*& field = s.key == "machines" ? machines_ : units_;
      if (field != nullptr) return std::nullopt;  // written twice: a duplicate key
      field = &s;
    }
    const std::size_t m = count(machines_);
    const std::size_t total = m + count(units_);
    if (total < options.parallel_from) return std::nullopt;
    threads_ = std::max(1U, threads);
    m_ = m;

    // The elements go in blocks, taken in turn by whichever thread is free (machines and units
    // cost differently, and the calling thread has the skeleton and the result's storage to
    // make first). The calling thread converts into the result's slots; the others into vectors
    // of their own, moved into the slots after the join: they start before the result's
    // storage exists, so that its construction (700k units are 250 MB; first touched, a
    // quarter of a second of page faults in this VM) runs while they work.
    blocks_ = (total + kBlock - 1) / kBlock;
    std::vector<Staged> staged(threads_ - 1);
    std::vector<std::thread> workers;
    workers.reserve(threads_ - 1);
    try {
      for (unsigned t = 1; t < threads_; ++t) {
        Staged& mine = staged[t - 1];
        mine.machines.reserve(m / threads_);
        mine.units.reserve((total - m) / threads_);
        workers.emplace_back([this, &mine] {
          try {
            for (std::size_t b = take(); b < blocks_; b = take()) {
              mine.blocks.push_back(b);
              convert(
                  b, [&](std::size_t, Machine&& x) { mine.machines.push_back(std::move(x)); },
                  [&](std::size_t, Unit&& x) { mine.units.push_back(std::move(x)); });
            }
          } catch (...) {
            failed_ = true;
          }
        });
      }
    } catch (...) {  // a thread could not be started (or reserve failed): join the others
      failed_ = true;
    }
    std::optional<Spec> spec;
    std::vector<Machine> machines;
    std::vector<Unit> units;
    try {
      spec = read_skeleton();
      machines.resize(m);
      units.resize(total - m);
      for (std::size_t b = take(); b < blocks_; b = take()) {
        convert(
            b, [&](std::size_t g, Machine&& x) { machines[g] = std::move(x); },
            [&](std::size_t g, Unit&& x) { units[g - m] = std::move(x); });
      }
    } catch (...) {
      failed_ = true;
    }
    for (std::thread& w : workers) w.join();
    if (failed_) return std::nullopt;

    for (Staged& s : staged) {
      std::size_t next_machine = 0;
      std::size_t next_unit = 0;
      for (const std::size_t b : s.blocks) {
        for (std::size_t g = b * kBlock; g < std::min(total, (b + 1) * kBlock); ++g) {
          if (g < m)
            machines[g] = std::move(s.machines[next_machine++]);
          else
            units[g - m] = std::move(s.units[next_unit++]);
        }
      }
    }
    staged.clear();
    if (machines_ != nullptr) {
      if (!unique_names(machines)) return std::nullopt;
      spec->machines = std::move(machines);
    }
    if (units_ != nullptr) {
      if (!unique_names(units)) return std::nullopt;
      spec->units = std::move(units);
    }
    return spec;
  }

  unsigned threads() const { return threads_; }

 private:
  static std::size_t count(const JsonArraySplit* s) { return s == nullptr ? 0 : s->starts.size(); }

  std::string_view piece_of(const JsonArraySplit& s, std::size_t k) const {
    const std::size_t end = k + 1 < s.starts.size() ? s.starts[k + 1] - 1 : s.close;
    return text_.substr(s.starts[k], end - s.starts[k]);
  }

  static constexpr std::size_t kBlock = 256;  // elements a thread takes at a time

  // What a thread other than the caller converted: its blocks in the order taken (increasing),
  // and their machines and units in that order.
  struct Staged {
    std::vector<std::size_t> blocks;
    std::vector<Machine> machines;
    std::vector<Unit> units;
  };

  // The next block nobody has taken, or blocks_ when there is none (or the read has failed).
  std::size_t take() {
    if (failed_.load(std::memory_order_relaxed)) return blocks_;
    return std::min(next_block_.fetch_add(1, std::memory_order_relaxed), blocks_);
  }

  // Parses and converts the elements of block b (the machines, then the units), handing each
  // to put_machine(g, Machine&&) or put_unit(g, Unit&&) with its index g among both; throws on
  // any failure.
  template <class PutMachine, class PutUnit>
  void convert(std::size_t b, PutMachine&& put_machine, PutUnit&& put_unit) const {
    const std::size_t total = count(machines_) + count(units_);
    for (std::size_t g = b * kBlock; g < std::min(total, (b + 1) * kBlock); ++g) {
      const std::string_view piece = g < m_ ? piece_of(*machines_, g) : piece_of(*units_, g - m_);
      // A byte-order mark: read alone, the piece would skip it (see above).
      if (!piece.empty() && piece.front() == '\xEF') throw std::runtime_error("byte-order mark");
      const json j = parse_json_document(piece, filename_, JsonDocumentKind{101, ""});
      if (g < m_)
        put_machine(g, parse_machine(j, std::string(), true));
      else
        put_unit(g, parse_unit(j, std::string(), true));
    }
  }

  // The document with the split arrays' interiors removed, read sequentially.
  Spec read_skeleton() const {
    std::vector<const JsonArraySplit*> cuts;
    for (const JsonArraySplit* s : {machines_, units_}) {
      if (s != nullptr) cuts.push_back(s);
    }
    std::sort(cuts.begin(), cuts.end(),
              [](const JsonArraySplit* a, const JsonArraySplit* b) { return a->open < b->open; });
    std::string skeleton;
    std::size_t from = 0;
    for (const JsonArraySplit* s : cuts) {  // in text order, disjoint (each closes at depth 1)
      skeleton.append(text_.substr(from, s->open + 1 - from));
      from = s->close;
    }
    skeleton.append(text_.substr(from));
    SpecStream stream(skeleton.size());
    read_json_object_streaming(skeleton, filename_, JsonDocumentKind{101, ""}, stream);
    return stream.finish();
  }

  template <class Item>
  static bool unique_names(const std::vector<Item>& items) {
    NameIndex names;
    names.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (!names.insert(i, [&](std::size_t k) -> std::string_view { return items[k].name; }))
        return false;
    }
    return true;
  }

  std::string_view text_;
  const std::string& filename_;
  const JsonArraySplit* machines_ = nullptr;
  const JsonArraySplit* units_ = nullptr;
  std::size_t m_ = 0;  // machines: element g >= m_ is unit g - m_
  unsigned threads_ = 0;
  std::size_t blocks_ = 0;
  std::atomic<std::size_t> next_block_{0};
  std::atomic<bool> failed_{false};
};

}  // namespace

Spec spec_from_json(const json& root) {
  if (!root.is_object()) wrong_type("spec", root, "an object with \"machines\" and \"units\"");
  reject_unknown_keys(root, "", kSpecKeys);
  SpecAssembler spec;
  if (root.contains("machines")) {
    const json& ms = root["machines"];
    if (!ms.is_array()) wrong_type("machines", ms, "an array of machines");
    spec.reserve_machines(ms.size());
    for (std::size_t i = 0; i < ms.size(); ++i) spec.machine(i, ms[i]);
  }
  if (root.contains("units")) {
    const json& us = root["units"];
    if (!us.is_array()) wrong_type("units", us, "an array of units");
    spec.reserve_units(us.size());
    for (std::size_t i = 0; i < us.size(); ++i) spec.unit(i, us[i]);
  }
  if (root.contains("placements") && !root["placements"].is_null()) {
    const json& ps = require_object(root["placements"], "placements");
    for (const auto& [instance, machine] : ps.items()) spec.placement(instance, machine);
  }
  if (root.contains("warnings")) spec.warnings(root["warnings"]);
  return spec.take();
}

Spec parse_spec_json(std::string_view text, const std::string& filename) {
  return parse_spec_json(text, filename, SpecReadOptions{});
}

Spec parse_spec_json(std::string_view text, const std::string& filename,
                     const SpecReadOptions& options, SpecReadReport* report) {
  constexpr unsigned kMaxThreads = 8;
  unsigned threads = options.threads;
  if (threads == 0) threads = std::min(std::thread::hardware_concurrency(), kMaxThreads);
  if (report != nullptr) *report = SpecReadReport{};
  if (threads > 1 || options.threads != 0) {
    SplitRead split(text, filename);
    if (auto spec = split.read(options, threads)) {
      if (report != nullptr) *report = SpecReadReport{true, split.threads()};
      return std::move(*spec);
    }
    if (report != nullptr) report->threads = split.threads();
  }
  try {
    SpecStream stream(text.size());
    read_json_object_streaming(text, filename, JsonDocumentKind{101, ""}, stream);
    return stream.finish();
  } catch (const ValidationError& e) {
    throw ValidationError(
        e.code(), e.subject(),
        fmt::format("{} (in {})",
                    e.detail().substr(e.subject().empty() ? 0 : e.subject().size() + 2), filename));
  }
}

std::string read_text_file(const std::string& path) {
  if (path == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw UsageError(301, fmt::format("cannot read \"{}\": no such file or not readable", path));
  // Read in blocks (a character iterator costs more than parsing at 100 MB).
  std::string text;
  in.seekg(0, std::ios::end);
  if (const auto size = in.tellg(); size > 0) text.reserve(static_cast<std::size_t>(size));
  in.seekg(0, std::ios::beg);
  char block[1 << 16];
  while (in.read(block, sizeof block) || in.gcount() > 0)
    text.append(block, static_cast<std::size_t>(in.gcount()));
  if (in.bad()) throw UsageError(301, fmt::format("cannot read \"{}\"", path));
  return text;
}

Spec read_spec_file(const std::string& path) {
  return parse_spec_json(read_text_file(path), path == "-" ? "<stdin>" : path);
}

namespace {

json resources_to_json(const Resources& r) {
  json j = json::object();
  if (r.cpu != 0)
    j["cpu"] = r.cpu % 1000 == 0 ? fmt::format("{}", r.cpu / 1000) : fmt::format("{}m", r.cpu);
  if (r.memory != 0) j["memory"] = format_bytes_exact(r.memory);
  if (r.disk != 0) j["disk"] = format_bytes_exact(r.disk);
  for (const auto& [name, v] : r.extended) {
    if (v != 0) j[name] = fmt::format("{}", v);
  }
  return j;
}

json requirements_to_json(const std::vector<MetadataRequirement>& reqs) {
  json md = json::array();
  for (const auto& req : reqs) {
    json jr = {{"key", req.key}, {"op", to_string(req.op)}};
    if (!req.values.empty()) jr["values"] = req.values;
    md.push_back(std::move(jr));
  }
  return md;
}

json toleration_to_json(const Toleration& t) {
  json jt = json::object();
  if (!t.key.empty()) jt["key"] = t.key;
  jt["operator"] = t.op == TolerationOp::Exists ? "Exists" : "Equal";
  if (!t.value.empty()) jt["value"] = t.value;
  if (t.effect) jt["effect"] = to_string(*t.effect);
  return jt;
}

// Only the field of the preference's kind: the others mean nothing for it (model/unit.hpp).
json preference_to_json(const Preference& p) {
  json jp = {{"weight", p.weight}};
  switch (p.kind) {
    case Preference::Kind::Metadata:
      jp["metadata"] = requirements_to_json(p.metadata);
      break;
    case Preference::Kind::Near:
      jp["near"] = p.near;
      break;
    case Preference::Kind::Spread:
      jp["spread"] = {{"key", p.spread_key}};
      break;
  }
  return jp;
}

}  // namespace

json machine_to_json(const Machine& m) {
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
  return jm;
}

json unit_to_json(const Unit& u) {
  json ju = {{"name", u.name}};
  if (u.replicas) ju["replicas"] = *u.replicas;
  ju["requests"] = resources_to_json(u.requests);
  if (u.priority != 0) ju["priority"] = u.priority;
  const Constraints& c = u.constraints;
  json jc = json::object();
  if (!c.metadata.empty()) jc["metadata"] = requirements_to_json(c.metadata);
  if (!c.conflicts.empty()) jc["conflicts"] = c.conflicts;
  if (!c.machine_of.empty()) jc["machine_of"] = c.machine_of;
  if (!c.machine_id.empty()) jc["machine_id"] = c.machine_id;
  if (c.global) jc["global"] = true;
  if (c.spread) jc["spread"] = {{"key", c.spread->key}, {"max_skew", c.spread->max_skew}};
  if (!jc.empty()) ju["constraints"] = std::move(jc);
  if (!c.tolerations.empty()) {
    json ts = json::array();
    for (const Toleration& t : c.tolerations) ts.push_back(toleration_to_json(t));
    ju["tolerations"] = std::move(ts);
  }
  if (!u.preferences.empty()) {
    json ps = json::array();
    for (const Preference& p : u.preferences) ps.push_back(preference_to_json(p));
    ju["preferences"] = std::move(ps);
  }
  if (!c.ports.empty()) {
    json ps = json::array();
    for (const HostPort& p : c.ports) {
      if (p.protocol == PortProtocol::Tcp)
        ps.push_back(p.port);
      else
        ps.push_back(p.describe());
    }
    ju["ports"] = std::move(ps);
  }
  return ju;
}

json spec_to_json(const Spec& spec) {
  json root = json::object();
  json machines = json::array();
  for (const auto& m : spec.machines) machines.push_back(machine_to_json(m));
  root["machines"] = std::move(machines);
  json units = json::array();
  for (const auto& u : spec.units) units.push_back(unit_to_json(u));
  root["units"] = std::move(units);
  if (!spec.placements.empty()) root["placements"] = spec.placements;
  if (!spec.warnings.empty()) root["warnings"] = spec.warnings;
  return root;
}

namespace {

// A one-element spec around `j`, read with spec_from_json: one reader for lists and records,
// so errors name the field as in a spec (`machine m1: capacity.cpu`, `machines[0].x`).
Spec spec_around(const char* field, json j) {
  // Moved, not copied: an initializer list would deep-copy every record a store decodes.
  json list = json::array();
  list.push_back(std::move(j));
  json root = json::object();
  root[field] = std::move(list);
  return spec_from_json(root);
}

}  // namespace

Machine machine_from_json(json j) {
  return std::move(spec_around("machines", std::move(j)).machines.at(0));
}

Unit unit_from_json(json j) { return std::move(spec_around("units", std::move(j)).units.at(0)); }

// The reader's own functions, for another JSON input (the machine catalogue) to share: one
// parser per field kind, so one failure has one error id and one message everywhere.
Resources resources_from_json(const json& j, const std::string& path) {
  return parse_resources(j, path);
}

void wrong_json_type(const std::string& path, const json& j, std::string_view expected) {
  wrong_type(path, j, expected);
}

std::string scalar_text_from_json(const json& j, const std::string& path,
                                  std::string_view expected) {
  if (!j.is_string() && !j.is_number()) wrong_type(path, j, expected);
  return quantity_text(j, path);
}

std::vector<std::string> metadata_values_from_json(const json& j, const std::string& path) {
  return string_or_list(j, path);
}

std::string write_spec_json(const Spec& spec, int indent) {
  return spec_to_json(spec).dump(indent) + "\n";
}

}  // namespace berth
