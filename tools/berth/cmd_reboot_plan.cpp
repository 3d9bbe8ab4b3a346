// berth reboot-plan SPEC [--machines GLOB] [--max-unavailable N] [--budget UNITS=N]...
//                        [--zone-key KEY] [--strategy NAME] [--format text|json]
// Ordered reboot waves for the spec's current placements, each proven safe (docs/ops.md).
// Exit: 0 safe, 2 blocked, 1 invalid input.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/model/resources.hpp"
#include "berth/ops/ops_json.hpp"
#include "berth/ops/reboot_plan.hpp"
#include "command.hpp"
#include "inputs.hpp"

namespace berth::cli {
namespace {

struct RebootArgs {
  std::vector<std::string> inputs;
  /// With a JSON spec: the machines to reboot (globs), as always. With unit-file input: the
  /// machines file, as `--machines` means on every other verb; `--reboot` then picks them.
  std::string machines;
  std::string default_requests;  // --default-requests (unit-file input)
  std::string reboot;
  int max_unavailable = 1;
  std::vector<std::string> budgets;
  std::string zone_key = "zone";
  std::string strategy = "best-fit";
  std::string format = "text";
};

std::string needs_text(const ops::Blocked& b) {
  if (b.needs.empty()) return "";
  std::string out;
  for (const auto& [dim, amount] : b.needs)
    out += fmt::format("{}{} {}", out.empty() ? "" : " and ", format_amount_at_least(dim, amount),
                       dim);
  return fmt::format("\n      unblock: {} more on {}", out, b.needs_on);
}

int run_reboot_plan(const RebootArgs& args) {
  ops::OpsOptions options;
  options.strategy = parse_strategy(args.strategy);
  options.zone_key = args.zone_key;
  for (const auto& b : args.budgets) options.budgets.push_back(ops::parse_budget(b));
  ops::RebootOptions reboot;
  reboot.max_unavailable = args.max_unavailable;
  const bool units = is_unit_input(args.inputs, "");
  std::string globs = args.reboot;
  if (!units && !args.machines.empty()) {
    if (!args.reboot.empty() && args.reboot != args.machines) {
      throw UsageError(
          364,
          fmt::format("--reboot {} and --machines {} both choose the machines to reboot; give one",
                      args.reboot, args.machines));
    }
    globs = args.machines;
  }
  if (globs.empty()) globs = "*";
  const Spec spec = load_layout_inputs(args.inputs, units ? args.machines : "",
                                       args.default_requests, place_options_for(args.strategy));
  // The option the globs came from, for the error when one matches nothing.
  const char* flag = !units && !args.machines.empty() ? "--machines" : "--reboot";
  std::size_t matched = 0;
  const ops::RebootPlan plan =
      ops::plan_reboot_for_spec(spec, globs, reboot, options, &matched, flag);
  if (args.format == "json") {
    std::fputs((ops::reboot_plan_to_json(plan).dump(2) + "\n").c_str(), stdout);
    return plan.safe ? kExitOk : kExitPending;
  }
  std::string out =
      fmt::format("reboot plan for {} machine(s), at most {} down at once: {} wave(s), {}\n",
                  matched, args.max_unavailable, plan.waves.size(), plan.safe ? "safe" : "BLOCKED");
  for (std::size_t w = 0; w < plan.waves.size(); ++w) {
    const ops::Wave& wave = plan.waves[w];
    out += fmt::format("wave {}: {}{}\n", w + 1, fmt::join(wave.machines, ", "),
                       wave.zone.empty() ? "" : fmt::format(" ({} {})", args.zone_key, wave.zone));
    for (std::size_t s = 0; s < wave.steps.size(); ++s) {
      if (wave.steps.size() > 1) out += fmt::format("  step {}:\n", s + 1);
      for (const auto& name : wave.steps[s]) {
        for (const auto& mv : wave.moves) {
          if (mv.instance == name)
            out += fmt::format("  {}move {} {} -> {}\n", wave.steps.size() > 1 ? "  " : "",
                               mv.instance, mv.from, mv.to);
        }
      }
    }
    if (!wave.stopped.empty())
      out += fmt::format("  stop and restart: {}\n", fmt::join(wave.stopped, ", "));
    if (wave.moves.empty() && wave.stopped.empty()) out += "  (nothing runs there)\n";
  }
  if (!plan.blocked.empty()) {
    out += fmt::format("blocked ({} machine(s) not rebooted: {}):\n", plan.not_rebooted.size(),
                       fmt::join(plan.not_rebooted, ", "));
    for (const auto& b : plan.blocked)
      out += fmt::format("  {} on {} [{}]: {}{}\n", b.unit, b.machine, to_string(b.reason),
                         b.summary, needs_text(b));
  }
  for (const auto& n : plan.notes) out += fmt::format("note: {}\n", n);
  std::fputs(out.c_str(), stdout);
  return plan.safe ? kExitOk : kExitPending;
}

void setup(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<RebootArgs>();
  CLI::App* cmd = app.add_subcommand(
      "reboot-plan", "Plan a rolling reboot in safe waves (exit 0 safe, 2 blocked)");
  cmd->add_option("inputs", args->inputs,
                  "Spec (JSON) whose placements say what runs where, or unit files / directories "
                  "with --machines")
      ->required();
  cmd->add_option(
      "--machines", args->machines,
      "With a spec: machines to reboot, comma-separated globs (default: all). With unit files: "
      "the machines file (then --reboot chooses)");
  add_unit_input_options(cmd, nullptr, args->default_requests);
  cmd->add_option("--reboot", args->reboot,
                  "Machines to reboot: comma-separated globs (default: all)");
  cmd->add_option("--max-unavailable", args->max_unavailable, "Machines down at once (default 1)")
      ->check(CLI::PositiveNumber);
  cmd->add_option(
      "--budget", args->budgets,
      "Disruption budget UNITS=N, UNITS:max_unavailable=N or UNITS:min_available=N (repeatable)");
  cmd->add_option("--zone-key", args->zone_key,
                  "Metadata key naming a machine's zone (default zone)");
  cmd->add_option("--strategy", args->strategy,
                  "How displaced units pick machines (default best-fit)");
  cmd->add_option("--format", args->format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->callback([args, &ctx] { ctx.exit_code = run_reboot_plan(*args); });
}

}  // namespace

BERTH_REGISTER_COMMAND(reboot_plan, 51, setup);

}  // namespace berth::cli
