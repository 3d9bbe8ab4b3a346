#include "berth/plan/catalogue.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "berth/error.hpp"
#include "berth/io/json_document.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/model/quantity.hpp"

namespace berth::plan {
namespace {

using json = nlohmann::json;

// Wrong types, resources and metadata are read by the spec reader's own parsers
// (io/spec_json.hpp), so a catalogue's failure has the id and message a spec's has (202 wrong
// type, 204 empty resource name, 201 bad quantity); only what a spec cannot get wrong has a
// catalogue id (283 price, 284 missing field, 285 negative or duplicate, 286 reserved).
[[noreturn]] void wrong_type(const std::string& path, const json& j, const std::string& expected) {
  wrong_json_type(path, j, expected);
}

Metadata parse_metadata(const json& j, const std::string& path) {
  if (!j.is_object()) wrong_type(path, j, "an object of key -> value(s)");
  Metadata md;
  for (const auto& [key, value] : j.items()) {
    md[key] = metadata_values_from_json(value, fmt::format("{}.{}", path, key));
  }
  return md;
}

MachineType parse_type(const json& j, const std::string& path) {
  if (!j.is_object()) wrong_type(path, j, "an object with \"name\", \"capacity\" and \"cost\"");
  reject_unknown_keys(j, path, {"name", "capacity", "reserved", "metadata", "cost", "max_count"});
  MachineType t;
  for (const char* required : {"name", "capacity", "cost"}) {
    if (!j.contains(required))
      throw ValidationError(284, path, fmt::format("missing required field \"{}\"", required));
  }
  if (!j["name"].is_string()) wrong_type(path + ".name", j["name"], "a string");
  t.name = j["name"].get<std::string>();
  if (t.name.empty())
    throw ValidationError(284, path + ".name", "machine type name must not be empty");
  t.capacity = resources_from_json(j["capacity"], path + ".capacity");
  if (j.contains("reserved")) t.reserved = resources_from_json(j["reserved"], path + ".reserved");
  for (const std::string& dim : {std::string("cpu"), std::string("memory"), std::string("disk")}) {
    if (t.reserved.get(dim) > t.capacity.get(dim)) {
      throw ValidationError(
          286, path + ".reserved." + dim,
          fmt::format("reserved {} exceeds capacity {}", format_amount(dim, t.reserved.get(dim)),
                      format_amount(dim, t.capacity.get(dim))));
    }
  }
  for (const auto& [dim, value] : t.reserved.extended) {
    if (value > t.capacity.get(dim)) {
      throw ValidationError(286, path + ".reserved." + dim, "reserved exceeds capacity");
    }
  }
  if (t.capacity.is_zero())
    throw ValidationError(286, path + ".capacity", "a machine type needs some capacity");
  if (j.contains("metadata")) t.metadata = parse_metadata(j["metadata"], path + ".metadata");
  t.cost = parse_cost(
      scalar_text_from_json(j["cost"], path + ".cost", "a cost (a number such as 0.096)"),
      path + ".cost");
  if (j.contains("max_count") && !j["max_count"].is_null()) {
    const json& mc = j["max_count"];
    if (!mc.is_number_integer() && !mc.is_number_unsigned())
      wrong_type(path + ".max_count", mc, "a non-negative integer");
    std::int64_t n = mc.get<std::int64_t>();
    if (n < 0)
      throw ValidationError(285, path + ".max_count",
                            fmt::format("must not be negative, got {}", n));
    t.max_count = n;
  }
  return t;
}

}  // namespace

Machine MachineType::make_machine(const std::string& machine_name) const {
  Machine m;
  m.name = machine_name;
  m.capacity = capacity;
  m.reserved = reserved;
  m.metadata = metadata;
  return m;
}

int Catalogue::find(std::string_view name) const {
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (types[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Micros parse_cost(std::string_view text, std::string_view field) {
  auto fail = [&](const std::string& why) -> Micros {
    throw ValidationError(283, std::string(field),
                          fmt::format("{} (got \"{}\"; write a decimal such as 0.096)", why, text));
  };
  if (text.empty()) return fail("empty cost");
  if (text.front() == '-') return fail("a cost must not be negative");
  std::size_t i = text.front() == '+' ? 1 : 0;
  Micros whole = 0;
  bool digits = false;
  constexpr Micros kMaxWhole = std::numeric_limits<Micros>::max() / 1000000 - 1;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    whole = whole * 10 + (text[i] - '0');
    digits = true;
    if (whole > kMaxWhole) return fail("cost too large");
  }
  Micros frac = 0;
  int places = 0;
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      digits = true;
      if (places == 6) {
        if (text[i] != '0') return fail("a cost has at most 6 decimals (micro-units)");
        continue;
      }
      frac = frac * 10 + (text[i] - '0');
      ++places;
    }
  }
  if (!digits || i != text.size()) return fail("not a decimal number");
  for (; places < 6; ++places) frac *= 10;
  return whole * 1000000 + frac;
}

std::string format_cost(Micros micros) {
  const bool negative = micros < 0;
  const Micros v = negative ? -micros : micros;
  std::string out = fmt::format("{}{}", negative ? "-" : "", v / 1000000);
  Micros frac = v % 1000000;
  if (frac != 0) {
    std::string f = fmt::format("{:06d}", frac);
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out;
}

Catalogue parse_catalogue_json(std::string_view text, const std::string& filename) {
  json root = parse_json_document(text, filename, JsonDocumentKind{180, ""});
  try {
    if (!root.is_object()) wrong_type("catalogue", root, "an object with \"machine_types\"");
    reject_unknown_keys(root, "", {"machine_types"});
    if (!root.contains("machine_types"))
      throw ValidationError(284, "catalogue", "missing required field \"machine_types\"");
    const json& ts = root["machine_types"];
    if (!ts.is_array()) wrong_type("machine_types", ts, "an array of machine types");
    if (ts.empty())
      throw ValidationError(284, "machine_types", "the catalogue lists no machine types");
    Catalogue c;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < ts.size(); ++i) {
      std::string path = fmt::format("machine_types[{}]", i);
      MachineType t = parse_type(ts[i], path);
      if (!seen.insert(t.name).second)
        throw ValidationError(285, path + ".name",
                              fmt::format("duplicate machine type \"{}\"", t.name));
      c.types.push_back(std::move(t));
    }
    return c;
  } catch (const ValidationError& e) {
    throw ValidationError(
        e.code(), e.subject(),
        fmt::format("{} (in {})",
                    e.detail().substr(e.subject().empty() ? 0 : e.subject().size() + 2), filename));
  }
}

Catalogue read_catalogue_file(const std::string& path) {
  return parse_catalogue_json(read_text_file(path), path);
}

}  // namespace berth::plan
