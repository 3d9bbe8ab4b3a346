#include "berth/fleet/x_fleet.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>

#include "berth/constraint/glob.hpp"
#include "berth/fleet/did_you_mean.hpp"

namespace berth::fleet {
namespace {

// Both spellings of each setting; fleet read them all and merged them (job/job.go).
const std::vector<std::string> kMachineIdKeys = {"MachineID", "X-MachineID", "X-ConditionMachineID",
                                                 "X-ConditionMachineBootID"};
const std::vector<std::string> kMachineOfKeys = {"MachineOf", "X-ConditionMachineOf"};
const std::vector<std::string> kMetadataKeys = {"MachineMetadata", "X-ConditionMachineMetadata"};
const std::vector<std::string> kConflictsKeys = {"Conflicts", "X-Conflicts"};

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

void add_unique(std::vector<std::string>& v, std::string s) {
  if (!contains(v, s)) v.push_back(std::move(s));
}

}  // namespace

const std::vector<std::string>& known_fleet_keys() {
  static const std::vector<std::string> kKeys = [] {
    std::vector<std::string> k;
    for (const auto* group : {&kMachineIdKeys, &kMachineOfKeys, &kMetadataKeys, &kConflictsKeys}) {
      k.insert(k.end(), group->begin(), group->end());
    }
    k.push_back("Global");
    k.push_back("Replaces");
    k.push_back("Requests");
    return k;
  }();
  return kKeys;
}

FleetOptions read_fleet_options(const UnitFile& file, const UnitName& unit,
                                std::vector<Problem>* problems) {
  FleetOptions o;
  const Section* sec = file.section("X-Fleet");
  if (sec == nullptr) return o;
  auto problem = [&](Severity sev, int code, const Entry& e, std::string msg) {
    report(problems, Problem{sev, code, unit.full, file.at(e.line), std::move(msg)});
  };
  std::map<std::string, std::vector<std::string>> metadata;  // key -> values (OR)
  std::vector<std::string> metadata_order;
  bool global = false;  // `Global=` (empty) resets to the default

  for (const auto& e : sec->entries) {
    if (!contains(known_fleet_keys(), e.key)) {
      std::string hint = did_you_mean(e.key, known_fleet_keys());
      problem(Severity::Error, 229, e,
              fmt::format("unknown [X-Fleet] key \"{}\"{}; fleet refused such units", e.key,
                          hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
      continue;
    }
    for (const auto& spec : unknown_specifiers(e.value)) {
      problem(Severity::Warning, 236, e,
              fmt::format("{}={}: specifier {} is not expanded in [X-Fleet] (only %n %N %p %i "
                          "%%)",
                          e.key, e.value, spec));
    }
    if (e.key == "Requests") continue;  // requests.cpp reads it
    if (e.key == "Global") {
      if (e.value.empty()) {
        global = false;
      } else if (auto b = parse_boolean(e.value)) {
        global = *b;  // the last assignment wins, as in fleet
      } else {
        problem(Severity::Error, 230, e,
                fmt::format("Global={}: expected a boolean (true/false, yes/no, 1/0)", e.value));
      }
      continue;
    }
    std::vector<std::string> values;
    for (const auto& v : split_fleet_values(e.value)) values.push_back(expand_specifiers(v, unit));
    const bool reset = values.empty();  // `Key=` drops earlier values, as for systemd lists
    if (contains(kMachineIdKeys, e.key)) {
      if (reset) o.machine_id.clear();
      for (auto& v : values) add_unique(o.machine_id, std::move(v));
    } else if (contains(kMachineOfKeys, e.key)) {
      if (reset) o.machine_of.clear();
      for (auto& v : values) add_unique(o.machine_of, std::move(v));
    } else if (contains(kConflictsKeys, e.key)) {
      if (reset) o.conflicts.clear();
      for (auto& v : values) add_unique(o.conflicts, std::move(v));
    } else if (e.key == "Replaces") {
      if (reset) o.replaces.clear();
      for (auto& v : values) add_unique(o.replaces, std::move(v));
    } else if (contains(kMetadataKeys, e.key)) {
      if (reset) {
        metadata.clear();
        metadata_order.clear();
      }
      for (const auto& v : values) {
        const auto eq = v.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == v.size() ||
            v.find('=', eq + 1) != std::string::npos) {
          problem(Severity::Error, 232, e,
                  fmt::format("{}: expected key=value, found \"{}\"", e.key, v));
          continue;
        }
        std::string key = v.substr(0, eq);
        if (!metadata.count(key)) metadata_order.push_back(key);
        add_unique(metadata[key], v.substr(eq + 1));
      }
    }
  }
  o.global = global;
  for (const auto& key : metadata_order) {
    o.metadata.push_back(MetadataRequirement{key, MetadataOp::In, metadata[key]});
  }
  return o;
}

void check_combinations(const FleetOptions& o, const UnitFile& file, const UnitName& unit,
                        std::vector<Problem>* problems) {
  const Section* sec = file.section("X-Fleet");
  const SourceLocation where = file.at(sec ? sec->line : 0);
  auto reject = [&](int code, std::string msg) {
    report(problems, Problem{Severity::Error, code, unit.full, where, std::move(msg)});
  };
  const bool id = !o.machine_id.empty();
  const bool peers = !o.machine_of.empty();
  const bool conflicts = !o.conflicts.empty();
  const bool replaces = !o.replaces.empty();
  if (o.machine_id.size() > 1) {
    reject(233, fmt::format("MachineID= names several machines ({}); a unit is pinned to one",
                            fmt::join(o.machine_id, ", ")));
  }
  if (o.machine_of.size() > 1) {
    reject(233, fmt::format("MachineOf= names several units ({}); berth co-locates a unit with "
                            "one other (chain them: B MachineOf=A, C MachineOf=B)",
                            fmt::join(o.machine_of, ", ")));
  }
  // fleet's rules, in its order; the messages say what to drop.
  if (o.global && id) reject(220, "Global=true cannot be used with MachineID= (drop one)");
  if (o.global && peers) reject(221, "Global=true cannot be used with MachineOf= (drop one)");
  if (o.global && replaces) reject(222, "Global=true cannot be used with Replaces= (drop one)");
  if (id && peers) reject(223, "MachineID= cannot be used with MachineOf= (drop one)");
  if (id && conflicts) reject(224, "MachineID= cannot be used with Conflicts= (drop one)");
  if (id && replaces) reject(225, "MachineID= cannot be used with Replaces= (drop one)");
  if (conflicts && replaces) reject(226, "Conflicts= cannot be used with Replaces= (drop one)");
  // MachineOf= naming the unit itself or matching its own Conflicts=/Replaces= are
  // contradictions, and those are the engine's to find (Cluster::build, invalid.245/247): the
  // unit alone is pending unresolvable and every other unit is placed (`place --strict` and
  // `lint --strict` make them errors). Checking them here too was a second copy that disagreed.
}

FleetUnit convert_unit(const UnitFile& file, const UnitName& unit, std::vector<Problem>* problems) {
  FleetUnit out;
  out.file = file.file;
  out.unit.name = unit.full;
  const FleetOptions o = read_fleet_options(file, unit, problems);
  check_combinations(o, file, unit, problems);
  auto& c = out.unit.constraints;
  c.metadata = o.metadata;
  c.global = o.global;
  if (!o.machine_id.empty()) c.machine_id = o.machine_id.front();
  if (!o.machine_of.empty()) c.machine_of = o.machine_of.front();
  c.conflicts = o.conflicts;
  // Replaces: fleet never ran a unit beside the one it replaces, which for a placement is a
  // conflict (berth's conflicts are symmetric, so the replaced unit moves away too).
  for (const auto& r : o.replaces) add_unique(c.conflicts, r);
  out.links.replaces = o.replaces;

  for (const char* key : {"BindsTo", "PartOf"}) {
    auto& dest = std::string_view(key) == "BindsTo" ? out.links.binds_to : out.links.part_of;
    for (const auto& v : file.list("Unit", key)) {
      if (auto words = split_words(v)) {
        for (const auto& w : *words) add_unique(dest, expand_specifiers(w, unit));
      }
    }
  }

  // A misspelt section (`[X-fleet]`, `[Servce]`) silently drops every setting in it, so say so.
  static const std::vector<std::string> kSections = {
      "Unit", "Install", "Service", "Socket", "Mount",   "Automount", "Swap",
      "Path", "Timer",   "Slice",   "Scope",  "X-Fleet", "X-Berth"};
  for (const auto& sec : file.sections) {
    if (std::find(kSections.begin(), kSections.end(), sec.name) != kSections.end()) continue;
    const auto hint = did_you_mean(sec.name, kSections);
    if (hint.empty()) continue;  // a deliberate extra section ([X-Custom]) is kept quietly
    report(problems, Problem{Severity::Warning, 229, unit.full, file.at(sec.line),
                             fmt::format("section [{}] is not one berth or systemd reads (did you "
                                         "mean [{}]?); its settings are ignored",
                                         sec.name, hint)});
  }
  if (const Section* berth = file.section("X-Berth")) {
    for (const auto& e : berth->entries) {
      if (e.key == "Requests") continue;
      report(problems, Problem{Severity::Error, 229, unit.full, file.at(e.line),
                               fmt::format("unknown [X-Berth] key \"{}\" (the only one is "
                                           "\"Requests\")",
                                           e.key)});
    }
  }
  out.requests = resolve_requests(file, unit.full, problems);
  out.unit.requests = out.requests.requests;
  out.unit.constraints.ports = out.requests.ports;
  if (unit.suffix == ".timer") {
    // A timer only starts its service: it needs no machine resources of its own and runs
    // where the service runs (systemd starts Unit= on the timer's machine).
    const auto units = file.list("Timer", "Unit");
    out.triggers = units.empty() ? unit.name + ".service" : expand_specifiers(units.back(), unit);
    return out;
  }
  auto warn = [&](std::string msg) {
    report(problems, Problem{Severity::Warning, 238, unit.full, SourceLocation{file.file, 0, 0},
                             std::move(msg)});
  };
  if (!out.requests.any()) {
    // This is exactly how fleet overfilled machines: say so rather than guess a size.
    warn(
        "no resource request: placed as zero-sized (set Requests=cpu=...,memory=... in "
        "[X-Fleet], CPUQuota=/MemoryMax= in [Service], or docker run --cpus/-m)");
  } else if (!out.requests.source.count("memory")) {
    warn(
        "requests cpu but no memory: memory is counted as zero (add Requests=memory=... to "
        "[X-Fleet] or MemoryMax= to [Service])");
  }
  return out;
}

}  // namespace berth::fleet
