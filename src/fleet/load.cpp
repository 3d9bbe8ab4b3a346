#include "berth/fleet/load.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "berth/error.hpp"
#include "berth/fleet/lint.hpp"
#include "berth/fleet/machines.hpp"
#include "berth/fleet/unit_file.hpp"
#include "berth/fleet/unit_name.hpp"
#include "berth/fleet/x_fleet.hpp"
#include "berth/model/quantity.hpp"
#include "berth/model/resources.hpp"
#include "berth/place/cluster.hpp"

namespace berth::fleet {
namespace {

namespace fs = std::filesystem;

/// A unit to load: its (instance) name and the file that defines it.
struct Source {
  std::string name;
  std::string path;
};

bool has_error(const std::vector<Problem>& ps) {
  return std::any_of(ps.begin(), ps.end(),
                     [](const Problem& p) { return p.severity == Severity::Error; });
}

class Loader {
 public:
  explicit Loader(bool collect, const Resources* defaults = nullptr)
      : collect_(collect), defaults_(defaults) {}

  std::vector<FleetUnit> run(const std::vector<std::string>& args) {
    for (const auto& arg : args) resolve_arg(arg);
    std::vector<FleetUnit> units;
    for (const auto& src : sources_) {
      std::vector<Problem> ps;
      const UnitFile& file = parsed(src.path, ps);
      const auto name = parse_unit_name(src.name);
      auto unit = convert_unit(file, *name, &ps);
      if (defaults_ && unit.triggers.empty()) apply_default_requests(unit, ps);
      flush(ps);
      units.push_back(std::move(unit));
    }
    check_set(units);
    return units;
  }

  std::vector<Problem> problems;

  /// Files named and loaded as themselves (not instances of a template), in input order.
  std::vector<std::string> own_files() const {
    std::vector<std::string> out;
    for (const auto& s : sources_) {
      if (fs::path(s.path).filename().string() == s.name) out.push_back(s.path);
    }
    return out;
  }

 private:
  /// Gives cpu and memory the default request where the unit declares none, and rewrites the
  /// unit's warning (238) to say what it was given instead of "zero-sized".
  void apply_default_requests(FleetUnit& unit, std::vector<Problem>& ps) const {
    std::vector<std::string> given;
    auto fill = [&](const char* dim, std::int64_t& have, std::int64_t def) {
      if (unit.requests.source.count(dim) || def == 0) return;
      have = def;
      given.push_back(fmt::format("{} {}", dim, format_amount(dim, def)));
    };
    fill("cpu", unit.unit.requests.cpu, defaults_->cpu);
    fill("memory", unit.unit.requests.memory, defaults_->memory);
    if (given.empty()) return;
    const std::string what = fmt::format("{}", fmt::join(given, ", "));
    for (Problem& p : ps) {
      if (p.code != 238 || p.unit != unit.unit.name) continue;
      if (!unit.requests.any()) {
        p.message = fmt::format(
            "no resource request: placed with the default request {} (--default-requests; set "
            "Requests=cpu=...,memory=... in [X-Fleet], CPUQuota=/MemoryMax= in [Service], or "
            "docker run --cpus/-m)",
            what);
      } else {
        p.message = fmt::format(
            "requests cpu but no memory: placed with the default request {} (--default-requests; "
            "add "
            "Requests=memory=... to [X-Fleet] or MemoryMax= to [Service])",
            what);
      }
    }
  }

  void add(Problem p) {
    std::vector<Problem> ps{std::move(p)};
    flush(ps);
  }

  /// Keeps problems; when loading (not linting) the first error stops everything.
  void flush(std::vector<Problem>& ps) {
    if (!collect_ && has_error(ps)) {
      for (const auto& p : ps) {
        if (p.severity == Severity::Error) raise(p);
      }
    }
    for (auto& p : ps) problems.push_back(std::move(p));
    ps.clear();
  }

  const UnitFile& parsed(const std::string& path, std::vector<Problem>& ps) {
    auto it = files_.find(path);
    if (it == files_.end()) it = files_.emplace(path, read_unit_file(path, &ps)).first;
    return it->second;
  }

  /// lint checks a template as its instance @1, so that %i and sidekick references resolve;
  /// a real `name@1.service` file, when given too, replaces the stand-in.
  void push_template_stand_in(const UnitName& t, const std::string& path) {
    const std::string name = t.prefix + "@1" + t.suffix;
    if (by_name_.count(name)) return;
    stand_ins_.insert(name);
    push(name, path);
  }

  void push(const std::string& name, const std::string& path) {
    auto it = by_name_.find(name);
    if (it != by_name_.end() && stand_ins_.erase(name) > 0) {
      it->second = path;
      for (auto& s : sources_) {
        if (s.name == name) s.path = path;
      }
      return;
    }
    if (it != by_name_.end()) {
      std::error_code ec1;
      std::error_code ec2;
      if (fs::weakly_canonical(it->second, ec1) == fs::weakly_canonical(path, ec2) && !ec1 &&
          !ec2) {
        return;  // the same file twice (a directory and a file in it, say): read it once
      }
      add(Problem{Severity::Error, 234, name, SourceLocation{path, 0, 0},
                  fmt::format("unit {} is given twice: {} and {}", name, it->second, path)});
      return;
    }
    by_name_[name] = path;
    sources_.push_back(Source{name, path});
  }

  void bad_arg(const std::string& arg, int code, std::string msg) {
    add(Problem{Severity::Error, code, "", SourceLocation{arg, 0, 0}, std::move(msg)});
  }

  void resolve_arg(const std::string& arg) {
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<std::string> files;
      for (const auto& e : fs::directory_iterator(arg, ec)) {
        // Services, and the timers that start them (each co-located with its service).
        if (e.is_regular_file() &&
            (e.path().extension() == ".service" || e.path().extension() == ".timer"))
          files.push_back(e.path().string());
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        const auto base = fs::path(f).filename().string();
        const auto name = parse_unit_name(base);
        if (!name) continue;
        if (name->is_template()) {
          if (collect_) {
            push_template_stand_in(*name, f);
          } else {
            // A template runs only as instances; `dir/name@{1..3}.service` asks for them.
            templates_skipped_.push_back(base);
          }
          continue;
        }
        push(base, f);
      }
      return;
    }
    if (has_range(arg)) {
      std::vector<std::string> expanded;
      try {
        expanded = expand_range(arg);
      } catch (const ParseError& e) {
        bad_arg(arg, 127, e.detail().substr(e.detail().find(": ") + 2));
        return;
      }
      for (const auto& one : expanded) resolve_file(one);
      return;
    }
    resolve_file(arg);
  }

  void resolve_file(const std::string& arg) {
    const fs::path p(arg);
    const std::string base = p.filename().string();
    const auto name = parse_unit_name(base);
    if (!name || invalid_utf8_at(base) != std::string::npos) {
      bad_arg(arg, 126,
              fmt::format("expected a unit file name ending in .service (or another unit type), "
                          "a directory or a range; \"{}\" is none",
                          base));
      return;
    }
    std::error_code ec;
    const bool exists = fs::is_regular_file(p, ec);
    if (name->is_template() && collect_ && exists) {
      push_template_stand_in(*name, arg);
      return;
    }
    if (name->is_template()) {
      bad_arg(
          arg, 235,
          fmt::format("{} is a template: ask for instances, e.g. {}@1.service or '{}@{{1..3}}{}'",
                      base, name->prefix, name->prefix, name->suffix));
      return;
    }
    if (exists) {
      push(base, arg);  // an instance file on disk wins over its template
      return;
    }
    if (name->is_instance()) {
      const fs::path tmpl = p.parent_path() / name->template_name();
      if (fs::is_regular_file(tmpl, ec)) {
        push(base, tmpl.string());
        return;
      }
      bad_arg(arg, 126, fmt::format("no such unit file, nor its template {}", tmpl.string()));
      return;
    }
    bad_arg(arg, 126, "no such unit file");
  }

  /// Checks that need every unit: sidekicks and references to units that were not loaded.
  void check_set(std::vector<FleetUnit>& units) {
    std::set<std::string> names;
    for (const auto& u : units) names.insert(u.unit.name);
    // A timer runs beside the service it starts (unless its own MachineOf= says otherwise).
    for (auto& u : units) {
      if (u.triggers.empty() || !u.unit.constraints.machine_of.empty() || u.unit.constraints.global)
        continue;
      if (names.count(u.triggers)) {
        u.unit.constraints.machine_of = u.triggers;
      } else {
        problems.push_back(Problem{
            Severity::Warning, 239, u.unit.name, SourceLocation{u.file, 0, 0},
            fmt::format("timer starts {}, which is not among the units given: it is placed on "
                        "its own, and systemd would start {} wherever the timer runs",
                        u.triggers, u.triggers)});
      }
    }
    for (const auto& u : units) {
      const auto& c = u.unit.constraints;
      auto warn = [&](std::string msg) {
        problems.push_back(Problem{Severity::Warning, 239, u.unit.name,
                                   SourceLocation{u.file, 0, 0}, std::move(msg)});
      };
      if (!c.machine_of.empty() && !names.count(c.machine_of)) {
        warn(
            fmt::format("MachineOf={} names a unit that is not among the units given; it cannot "
                        "be placed until that unit is",
                        c.machine_of));
      }
      std::vector<std::string> followed = u.links.binds_to;
      followed.insert(followed.end(), u.links.part_of.begin(), u.links.part_of.end());
      for (const auto& main : followed) {
        if (main == c.machine_of || !names.count(main)) continue;
        warn(
            fmt::format("BindsTo=/PartOf={} without MachineOf={}: the sidekick may be placed "
                        "on another machine than its main unit",
                        main, main));
      }
    }
  }

  bool collect_;
  const Resources* defaults_;  // load (not lint): what a unit that declares no request gets
  std::vector<Source> sources_;
  std::map<std::string, std::string> by_name_;
  std::map<std::string, UnitFile> files_;
  std::set<std::string> stand_ins_;  // template@1 names that lint made up

 public:
  std::vector<std::string> templates_skipped_;
};

}  // namespace

Resources LoadOptions::default_unit_requests() {
  Resources r;
  r.cpu = 100;
  r.memory = 128LL << 20;
  return r;
}

Resources parse_default_requests(const std::string& text) {
  Resources r;
  if (text == "none") return r;
  auto fail = [&](const std::string& why) {
    throw UsageError(
        366, fmt::format("--default-requests \"{}\": {} (expected cpu=QUANTITY,memory=QUANTITY, "
                         "e.g. cpu=100m,memory=128Mi, or none)",
                         text, why));
  };
  if (text.empty()) fail("empty");
  std::set<std::string> seen;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    const auto eq = item.find('=');
    if (eq == std::string::npos) fail(fmt::format("\"{}\" is not dimension=quantity", item));
    const std::string dim = item.substr(0, eq), value = item.substr(eq + 1);
    if (dim != "cpu" && dim != "memory")
      fail(fmt::format("unknown dimension \"{}\" (cpu or memory)", dim));
    if (!seen.insert(dim).second) fail(fmt::format("{} given twice", dim));
    try {
      if (dim == "cpu")
        r.cpu = parse_cpu(value, "--default-requests cpu");
      else
        r.memory = parse_bytes(value, "--default-requests memory");
    } catch (const ValidationError& e) {
      fail(e.detail());
    }
    start = end + 1;
  }
  return r;
}

FleetLoad load_fleet(const std::vector<std::string>& unit_args, const std::string& machines_file,
                     const LoadOptions& options) {
  FleetLoad out;
  if (!machines_file.empty()) out.spec = load_machines(machines_file);
  Loader loader(false, &options.default_requests);
  auto units = loader.run(unit_args);
  for (auto& u : units) {
    if (!u.links.binds_to.empty() || !u.links.part_of.empty() || !u.links.replaces.empty()) {
      out.links[u.unit.name] = u.links;
    }
    out.spec.units.push_back(std::move(u.unit));
  }
  for (const auto& t : loader.templates_skipped_) {
    out.spec.warnings.push_back(
        fmt::format("template {} skipped: templates run only as instances (e.g. '{}')", t, [&] {
          auto n = parse_unit_name(t);
          return fmt::format("{}@{{1..3}}{}", n->prefix, n->suffix);
        }()));
  }
  // The same warning for many units (every instance of a template, or every unsized unit of a
  // directory) is said once, so a hundred lines don't bury the rest:
  //   `worker@.service: ... worker@1.service .. worker@100.service (100 instances): ...`
  //   `... deis-controller.service, deis-database.service, ... (13 units): ...`
  struct Line {
    Problem problem;
    std::size_t count = 1;
  };
  auto same = [](const Problem& a, const Problem& b) {
    return !a.unit.empty() && !b.unit.empty() && a.code == b.code && a.message == b.message &&
           a.severity == b.severity;
  };
  // 1. instances of one file (template) collapse into a run.
  std::vector<Line> lines;
  for (const auto& p : loader.problems) {
    auto it = std::find_if(lines.begin(), lines.end(), [&](const Line& l) {
      return same(l.problem, p) && l.problem.where.file == p.where.file;
    });
    if (it == lines.end()) {
      lines.push_back(Line{p, 1});
    } else {
      it->count += 1;
      const auto first = it->problem.unit.substr(0, it->problem.unit.find(' '));
      it->problem.unit = fmt::format("{} .. {} ({} instances)", first, p.unit, it->count);
    }
  }
  // 2. single units from different files with the same problem share one line; every unit stays
  // named, since the warning is how people find the units to fix.
  std::vector<bool> merged(lines.size(), false);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (merged[i]) continue;
    Problem p = lines[i].problem;
    std::size_t units = 1;
    if (lines[i].count == 1) {
      for (std::size_t j = i + 1; j < lines.size(); ++j) {
        if (merged[j] || lines[j].count != 1 || !same(p, lines[j].problem)) continue;
        merged[j] = true;
        p.unit += ", " + lines[j].problem.unit;
        ++units;
      }
    }
    if (units > 1) {
      p.unit += fmt::format(" ({} units)", units);
      p.where = SourceLocation{};
    }
    out.spec.warnings.push_back(format_problem(p));
  }
  return out;
}

Spec load_spec(const std::vector<std::string>& unit_args, const std::string& machines_file,
               const LoadOptions& options) {
  return load_fleet(unit_args, machines_file, options).spec;
}

bool looks_like_unit_input(const std::string& arg) {
  std::error_code ec;
  if (fs::is_directory(arg, ec)) return true;
  if (has_range(arg) && fs::path(arg).filename().string().find('@') != std::string::npos)
    return true;
  return parse_unit_name(fs::path(arg).filename().string()).has_value();
}

std::size_t LintReport::errors() const {
  return static_cast<std::size_t>(
      std::count_if(problems.begin(), problems.end(),
                    [](const Problem& p) { return p.severity == Severity::Error; }));
}

std::size_t LintReport::warnings() const { return problems.size() - errors(); }

namespace {

/// Runs of digits and runs of everything else: "registry1 -p 5000" -> "registry", "1", " -p ",
/// "5000".
std::vector<std::string> digit_tokens(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    const bool digit = std::isdigit(static_cast<unsigned char>(s[i])) != 0;
    std::size_t j = i;
    while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) != 0) == digit) ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

/// The file's lines, trailing whitespace dropped and blank lines skipped: two copies of one
/// unit often differ only there (apache.1.service has a line with a single space).
std::vector<std::string> significant_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

/// True when `a` and `b` are the same text except that, wherever they differ, `a` has the
/// number `na` and `b` the number `nb` (a whole run of digits each): what `%i` in a template
/// would produce.
bool same_but_instance(const std::vector<std::string>& a, const std::vector<std::string>& b,
                       const std::string& na, const std::string& nb) {
  if (a.size() != b.size()) return false;
  for (std::size_t l = 0; l < a.size(); ++l) {
    if (a[l] == b[l]) continue;
    const auto ta = digit_tokens(a[l]), tb = digit_tokens(b[l]);
    if (ta.size() != tb.size()) return false;
    for (std::size_t t = 0; t < ta.size(); ++t) {
      if (ta[t] != tb[t] && !(ta[t] == na && tb[t] == nb)) return false;
    }
  }
  return true;
}

/// Unit files of one directory named alike but for a number (`registry.1.service`,
/// `registry.2.service`) whose contents differ only by that number: one template would do.
/// What the placement engine says about the units as a set: it compiles them (no machines) the
/// way `berth place` does, without strict, and each unit of a group it marks unresolvable gets
/// the engine's own line. Lint does not judge contradictions itself (one engine).
void add_contradictions(const std::vector<FleetUnit>& units, const LintOptions& options,
                        std::vector<Problem>& problems) {
  Spec spec;
  std::map<std::string, std::string> file_of;
  for (const auto& u : units) {
    spec.units.push_back(u.unit);
    file_of[u.unit.name] = u.file;
  }
  std::optional<Cluster> cluster;
  try {
    cluster.emplace(Cluster::build(spec, BuildOptions{/*strict=*/false}));
  } catch (const Error&) {
    return;  // what the loader already reported (duplicate names...) keeps the engine out
  }
  for (GroupId g = 0; g < cluster->group_count(); ++g) {
    const Group& group = cluster->group(g);
    if (!group.unresolvable()) continue;
    const std::string& line = cluster->problem_of(g);
    // "[berth.invalid.247] unit a: ..." -> 247 and the text after the id.
    const auto close = line.find(']');
    const auto dot = line.rfind('.', close);
    int code = 0;
    if (close != std::string::npos && dot != std::string::npos) {
      code = std::atoi(line.c_str() + dot + 1);
    }
    // 240: lint has no machines, so every machine_id would dangle. 241 (MachineOf= naming no
    // loaded unit) is already warning 239, which says when the unit can be placed; strict
    // makes it the engine's error, as `place --strict` does.
    if (code == 240 || (code == 241 && !options.strict)) continue;
    const std::string text = close == std::string::npos ? line : line.substr(close + 2);
    std::set<std::string> said;
    for (InstanceId i : group.members) {
      const std::string& name = cluster->unit(cluster->instance(i).unit).name;
      if (!said.insert(name).second) continue;
      problems.push_back(
          Problem{options.strict ? Severity::Error : Severity::Warning, code, name,
                  SourceLocation{file_of[name], 0, 0},
                  fmt::format("{}: {}",
                              options.strict ? "contradiction (place --strict refuses the units)"
                                             : "unresolvable (it stays pending; everything else "
                                               "is placed)",
                              text)});
    }
  }
}

void find_copies(const std::vector<std::string>& files, std::vector<Problem>& problems) {
  struct Member {
    std::string path, number;
  };
  std::map<std::string, std::vector<Member>> groups;  // dir + name with its last number as {N}
  for (const auto& f : files) {
    const fs::path p(f);
    const std::string name = p.filename().string();
    auto tokens = digit_tokens(name);
    std::size_t last = tokens.size();
    for (std::size_t t = 0; t < tokens.size(); ++t) {
      if (std::isdigit(static_cast<unsigned char>(tokens[t][0])) != 0) last = t;
    }
    if (last == tokens.size()) continue;
    const std::string number = tokens[last];
    tokens[last] = "{N}";
    std::string key;
    for (const auto& t : tokens) key += t;
    groups[(p.parent_path() / key).string()].push_back({f, number});
  }
  for (auto& [key, members] : groups) {
    if (members.size() < 2) continue;
    const auto first = significant_lines(members.front().path);
    std::vector<std::string> alike = {fs::path(members.front().path).filename().string()};
    for (std::size_t k = 1; k < members.size(); ++k) {
      if (same_but_instance(first, significant_lines(members[k].path), members.front().number,
                            members[k].number))
        alike.push_back(fs::path(members[k].path).filename().string());
    }
    if (alike.size() < 2) continue;
    const std::string pattern = fs::path(key).filename().string();
    const auto brace = pattern.find("{N}");
    std::string stem = pattern.substr(0, brace), rest = pattern.substr(brace + 3);
    while (!stem.empty() &&
           (stem.back() == '.' || stem.back() == '-' || stem.back() == '_' || stem.back() == '@'))
      stem.pop_back();
    const auto dot = rest.rfind('.');
    const std::string suffix = dot == std::string::npos ? ".service" : rest.substr(dot);
    // The range lists the numbers in file order.
    std::vector<std::string> numbers;
    for (const auto& m : members) {
      if (std::find(alike.begin(), alike.end(), fs::path(m.path).filename().string()) !=
          alike.end())
        numbers.push_back(m.number);
    }
    problems.push_back(
        Problem{Severity::Warning, 271, fmt::format("{}", fmt::join(alike, ", ")),
                SourceLocation{members.front().path, 0, 0},
                fmt::format("{} files differ only by their instance number: one template {}@{} "
                            "(with %i where they differ) "
                            "started as '{}@{{{}}}{}' would replace them",
                            alike.size(), stem, suffix, stem, fmt::join(numbers, ","), suffix)});
  }
}

}  // namespace

LintReport lint(const std::vector<std::string>& unit_args, const LintOptions& options) {
  LintReport report;
  Loader loader(true);
  const auto units = loader.run(unit_args);
  report.units = units.size();
  report.problems = loader.problems;
  add_contradictions(units, options, report.problems);
  find_copies(loader.own_files(), report.problems);
  return report;
}

}  // namespace berth::fleet
