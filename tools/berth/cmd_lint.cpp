// berth lint UNITFILES_OR_DIRS... [--format text|json] [--warnings-ok] [--strict]
// Checks fleet unit files without placing them and reports every problem (docs/fleet.md).
// Exit: 0 clean, 1 problems found (errors, or warnings unless --warnings-ok).
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "berth/fleet/lint.hpp"
#include "command.hpp"

namespace berth::cli {
namespace {

struct LintArgs {
  std::vector<std::string> inputs;
  std::string format = "text";
  bool warnings_ok = false;
  bool strict = false;
};

nlohmann::json problem_to_json(const fleet::Problem& p) {
  const bool syntax = p.code < 200;
  return {{"severity", p.severity == fleet::Severity::Error ? "error" : "warning"},
          {"id", fmt::format("[berth.{}.{}]", syntax ? "parse_error" : "invalid", p.code)},
          {"code", p.code},
          {"unit", p.unit},
          {"file", p.where.file},
          {"line", p.where.line},
          {"column", p.where.column},
          {"message", p.message}};
}

int run_lint(const LintArgs& args) {
  const fleet::LintReport report = fleet::lint(args.inputs, fleet::LintOptions{args.strict});
  if (args.format == "json") {
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& p : report.problems) problems.push_back(problem_to_json(p));
    const nlohmann::json out = {{"units", report.units},
                                {"errors", report.errors()},
                                {"warnings", report.warnings()},
                                {"problems", problems}};
    std::fputs((out.dump(2) + "\n").c_str(), stdout);
  } else {
    for (const auto& p : report.problems)
      std::fputs((fleet::format_problem(p) + "\n").c_str(), stdout);
    std::fputs(
        fmt::format("{} unit{} checked: {} error{}, {} warning{}\n", report.units,
                    report.units == 1 ? "" : "s", report.errors(), report.errors() == 1 ? "" : "s",
                    report.warnings(), report.warnings() == 1 ? "" : "s")
            .c_str(),
        stdout);
  }
  const bool failed = report.errors() > 0 || (!args.warnings_ok && report.warnings() > 0);
  return failed ? kExitInvalid : kExitOk;
}

void setup(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<LintArgs>();
  CLI::App* cmd = app.add_subcommand(
      "lint", "Check fleet unit files without placing them (exit 0 clean, 1 problems found)");
  cmd->add_option("units", args->inputs,
                  "Unit files, directories of *.service, or name@{1..N}.service")
      ->required();
  cmd->add_option("--format", args->format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("--warnings-ok", args->warnings_ok,
                "Exit 0 when there are only warnings (e.g. units without resource requests)");
  cmd->add_flag("--strict", args->strict,
                "Contradictions and MachineOf= naming no given unit are errors (as place "
                "--strict); by default they are warnings: place leaves those units pending");
  cmd->callback([args, &ctx] { ctx.exit_code = run_lint(*args); });
}

}  // namespace

BERTH_REGISTER_COMMAND(lint, 30, setup);

}  // namespace berth::cli
