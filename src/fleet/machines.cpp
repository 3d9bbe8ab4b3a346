#include "berth/fleet/machines.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "berth/fleet/did_you_mean.hpp"
#include "berth/fleet/unit_file.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/model/quantity.hpp"

namespace berth::fleet {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

/// `FLEET_METADATA` and `metadata` are one setting: environment names are fleet.conf names,
/// upper-cased, with a FLEET_ prefix.
std::string normalize_key(std::string_view key) {
  std::string k = lower(key);
  if (k.rfind("fleet_", 0) == 0) k = k.substr(6);
  return k;
}

struct Token {
  std::string text;  ///< quotes removed
  std::size_t column = 0;
};

/// Splits a line on whitespace; "double" or 'single' quotes group (a backslash escapes the
/// quote character inside them).
std::vector<Token> tokenize(std::string_view line, const SourceLocation& where) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= line.size()) break;
    Token t;
    t.column = i + 1;
    char quote = 0;
    std::size_t quote_col = 0;
    for (; i < line.size(); ++i) {
      const char c = line[i];
      if (quote == 0 && std::isspace(static_cast<unsigned char>(c))) break;
      if (quote != 0 && c == '\\' && i + 1 < line.size() && line[i + 1] == quote) {
        t.text += line[++i];
      } else if (quote != 0 && c == quote) {
        quote = 0;
      } else if (quote == 0 && (c == '"' || c == '\'')) {
        quote = c;
        quote_col = i + 1;
      } else {
        t.text += c;
      }
    }
    if (quote != 0) {
      throw ParseError(128, SourceLocation{where.file, where.line, quote_col},
                       fmt::format("expected a closing {} for the quote opened here", quote));
    }
    out.push_back(std::move(t));
  }
  return out;
}

Resources parse_resources(std::string_view text, const SourceLocation& where,
                          const std::string& machine, const std::string& what) {
  Resources r;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto item = trim(text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (!item.empty()) {
      const auto eq = item.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        throw ParseError(131, where,
                         fmt::format("machine {}: {}: expected dimension=quantity (cpu=2, "
                                     "memory=2Gi), found \"{}\"",
                                     machine, what, item));
      }
      std::string dim = lower(trim(item.substr(0, eq)));
      if (dim == "ram" || dim == "mem") dim = "memory";
      const std::string qty(trim(item.substr(eq + 1)));
      const std::string field = fmt::format("machine {} {}.{}", machine, what, dim);
      try {
        if (dim == "cpu") {
          r.cpu = parse_cpu(qty, field);
        } else if (dim == "memory" || dim == "disk") {
          r.set(dim, parse_bytes(qty, field));
        } else {
          r.set(dim, parse_count(qty, field));
        }
      } catch (const ValidationError& e) {
        throw ParseError(131, where, e.detail());
      }
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return r;
}

/// fleet machines carried no capacity; clusters commonly labelled it as metadata (cpu=2,
/// ram=2GB), so that is the fallback when capacity= is absent.
void capacity_from_metadata(Machine& m, std::vector<std::string>* warnings) {
  std::vector<std::string> used;
  auto first = [&](const char* key) -> const std::string* {
    auto it = m.metadata.find(key);
    return it == m.metadata.end() || it->second.empty() ? nullptr : &it->second.front();
  };
  if (const auto* v = first("cpu")) {
    try {
      m.capacity.cpu = parse_cpu(*v, "cpu");
      used.push_back("cpu=" + *v);
    } catch (const Error&) {
    }
  }
  for (const char* key : {"memory", "ram", "mem"}) {
    if (const auto* v = first(key)) {
      try {
        m.capacity.memory = parse_bytes(*v, key);
        used.push_back(fmt::format("{}={}", key, *v));
        break;
      } catch (const Error&) {
      }
    }
  }
  if (warnings == nullptr) return;
  if (used.empty()) {
    warnings->push_back(
        fmt::format("machine {} has no capacity= (and no cpu/ram metadata): it "
                    "can only hold zero-sized units",
                    m.name));
  } else {
    std::string list;
    for (const auto& u : used) list += (list.empty() ? "" : ", ") + u;
    warnings->push_back(fmt::format("machine {}: capacity taken from metadata ({})", m.name, list));
  }
}

struct MachineBuilder {
  Machine machine;
  bool has_capacity = false;
};

/// Applies one `key=value` setting. Returns false when the key is not a berth machine key.
bool apply_setting(MachineBuilder& b, const std::string& key, const std::string& value,
                   const SourceLocation& where) {
  if (key == "metadata") {
    for (auto& [k, vs] : parse_fleet_metadata(value, where)) {
      auto& dest = b.machine.metadata[k];
      for (auto& v : vs) {
        if (std::find(dest.begin(), dest.end(), v) == dest.end()) dest.push_back(v);
      }
    }
  } else if (key == "capacity") {
    b.machine.capacity = parse_resources(value, where, b.machine.name, "capacity");
    b.has_capacity = true;
  } else if (key == "reserved") {
    b.machine.reserved = parse_resources(value, where, b.machine.name, "reserved");
  } else if (key == "state") {
    auto s = parse_machine_state(lower(value));
    if (!s) {
      throw ParseError(132, where,
                       fmt::format("machine {}: expected state up, draining, down or rebooting, "
                                   "found \"{}\"",
                                   b.machine.name, value));
    }
    b.machine.state = *s;
  } else {
    return false;
  }
  return true;
}

const std::vector<std::string> kMachineKeys = {"metadata", "capacity", "reserved", "state"};

// fleet.conf options that mean nothing to placement; they are accepted and ignored.
// clang-format off
const std::vector<std::string> kFleetConfKeys = {
    "etcd_servers", "etcd_keyfile", "etcd_certfile", "etcd_cafile", "etcd_key_prefix",
    "etcd_request_timeout", "etcd_username", "etcd_password", "public_ip", "agent_ttl",
    "verbosity", "engine_reconcile_interval", "token_limit", "disable_engine",
    "disable_watches", "enable_grpc", "authorized_keys_file", "unit_states_cache"};
// clang-format on

}  // namespace

Metadata parse_fleet_metadata(std::string_view text, const SourceLocation& where) {
  if (invalid_utf8_at(text) != std::string_view::npos) {
    throw ParseError(130, where, "expected metadata in UTF-8 text");
  }
  Metadata out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto item = trim(text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (!item.empty()) {
      const auto eq = item.find('=');
      if (eq == std::string_view::npos || trim(item.substr(0, eq)).empty()) {
        throw ParseError(
            130, where,
            fmt::format("expected metadata as key=value[,key=value...], found \"{}\"", item));
      }
      auto& values = out[std::string(trim(item.substr(0, eq)))];
      std::string v(trim(item.substr(eq + 1)));
      if (std::find(values.begin(), values.end(), v) == values.end())
        values.push_back(std::move(v));
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<Machine> parse_machines_file(std::string_view text, const std::string& filename,
                                         std::vector<std::string>* warnings) {
  std::vector<Machine> out;
  std::set<std::string> names;
  std::size_t lineno = 0;
  std::size_t pos = 0;
  std::string pending;
  std::size_t pending_line = 0;
  while (pos < text.size()) {
    const auto nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto t = trim(line);
    if (pending.empty() && (t.empty() || t.front() == '#' || t.front() == ';')) continue;
    if (pending.empty()) pending_line = lineno;
    if (!t.empty() && t.back() == '\\') {
      pending += std::string(line.substr(0, line.rfind('\\'))) + " ";
      if (pos < text.size()) continue;
    } else {
      pending += line;
    }
    const std::string full = std::move(pending);
    pending.clear();
    const SourceLocation where{filename, pending_line, 0};
    if (const auto bad = invalid_utf8_at(full); bad != std::string::npos) {
      throw ParseError(128, SourceLocation{filename, pending_line, bad + 1}, "expected UTF-8 text");
    }
    auto tokens = tokenize(full, where);
    if (tokens.empty()) continue;
    MachineBuilder b;
    b.machine.name = tokens.front().text;
    // `""` is an empty token: a machine without a name would be unusable everywhere else.
    if (b.machine.name.empty() || b.machine.name.find('=') != std::string::npos) {
      throw ParseError(
          128, SourceLocation{filename, pending_line, tokens.front().column},
          fmt::format("expected a machine name first on the line, found \"{}\"", b.machine.name));
    }
    if (!names.insert(b.machine.name).second) {
      throw ParseError(133, SourceLocation{filename, pending_line, tokens.front().column},
                       fmt::format("machine {} is defined twice", b.machine.name));
    }
    for (std::size_t i = 1; i < tokens.size(); ++i) {
      const SourceLocation at{filename, pending_line, tokens[i].column};
      const auto eq = tokens[i].text.find('=');
      if (eq == std::string::npos) {
        throw ParseError(128, at,
                         fmt::format("expected key=value (metadata=, capacity=, reserved=, "
                                     "state=), found \"{}\"",
                                     tokens[i].text));
      }
      const std::string key = normalize_key(tokens[i].text.substr(0, eq));
      if (!apply_setting(b, key, tokens[i].text.substr(eq + 1), at)) {
        const auto hint = did_you_mean(key, kMachineKeys);
        throw ParseError(
            129, at,
            fmt::format("unknown machine key \"{}\"{}", tokens[i].text.substr(0, eq),
                        hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
      }
    }
    if (!b.has_capacity) capacity_from_metadata(b.machine, warnings);
    out.push_back(std::move(b.machine));
  }
  return out;
}

Machine parse_fleet_conf(std::string_view text, const std::string& filename,
                         const std::string& name, std::vector<std::string>* warnings) {
  MachineBuilder b;
  b.machine.name = name;
  std::size_t lineno = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++lineno;
    auto t = trim(line);
    if (t.empty() || t.front() == '#' || t.front() == ';') continue;
    if (t.rfind("export ", 0) == 0) t = trim(t.substr(7));
    const SourceLocation where{filename, lineno, 0};
    if (invalid_utf8_at(t) != std::string_view::npos) {
      throw ParseError(128, where, "expected UTF-8 text");
    }
    const auto tokens = tokenize(t, where);
    // `Environment="FLEET_METADATA=..."` (a systemd drop-in for fleet.service) holds the
    // assignment one level down.
    std::vector<std::string> settings;
    for (const auto& tok : tokens) settings.push_back(tok.text);
    if (settings.size() == 1 && lower(settings[0]).rfind("environment=", 0) == 0) {
      const auto inner = tokenize(settings[0].substr(12), where);
      settings.clear();
      for (const auto& tok : inner) settings.push_back(tok.text);
    }
    for (const auto& s : settings) {
      const auto eq = s.find('=');
      if (eq == std::string::npos) {
        throw ParseError(128, where, fmt::format("expected key=value, found \"{}\"", s));
      }
      const std::string key = normalize_key(s.substr(0, eq));
      if (apply_setting(b, key, s.substr(eq + 1), where)) continue;
      if (std::find(kFleetConfKeys.begin(), kFleetConfKeys.end(), key) != kFleetConfKeys.end())
        continue;
      if (warnings != nullptr) {
        std::vector<std::string> all = kMachineKeys;
        all.insert(all.end(), kFleetConfKeys.begin(), kFleetConfKeys.end());
        const auto hint = did_you_mean(key, all);
        warnings->push_back(fmt::format(
            "{}: unknown fleet option \"{}\" ignored{}", where.to_string(), s.substr(0, eq),
            hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
      }
    }
  }
  if (!b.has_capacity) capacity_from_metadata(b.machine, warnings);
  return b.machine;
}

Spec load_machines(const std::string& path) {
  Spec spec;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(path)) {
      const auto ext = entry.path().extension().string();
      if (entry.is_regular_file() && (ext == ".conf" || ext == ".env"))
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      spec.machines.push_back(parse_fleet_conf(read_text_file(f.string()), f.string(),
                                               f.stem().string(), &spec.warnings));
    }
    return spec;
  }
  const std::string text = read_text_file(path);
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') {
    Spec json = parse_spec_json(text, path);
    spec.machines = std::move(json.machines);
    spec.placements = std::move(json.placements);
    spec.warnings = std::move(json.warnings);
    if (!json.units.empty()) {
      spec.warnings.push_back(
          fmt::format("{}: its {} unit(s) are ignored; the units come from the "
                      "fleet unit files",
                      path, json.units.size()));
    }
    return spec;
  }
  spec.machines = parse_machines_file(text, path, &spec.warnings);
  return spec;
}

}  // namespace berth::fleet
