// berth simulate SPEC --events EVENTS.json [--mode berth|fleet] [--format text|json]
// Replays a timeline of failures, recoveries, drains, reboots, arrivals and departures
// (docs/ops.md). Exit: 0 when nothing is pending at the end and nothing was ever
// overcommitted, 2 otherwise, 1 invalid input.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "berth/explain/format.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/ops/ops_json.hpp"
#include "berth/ops/simulate.hpp"
#include "command.hpp"
#include "inputs.hpp"

namespace berth::cli {
namespace {

struct SimulateArgs {
  std::vector<std::string> inputs;
  std::string machines;
  std::string default_requests;  // --default-requests (unit-file input)
  std::string events;
  std::string mode;
  std::string strategy;
  bool preemption = false;
  std::string format = "text";
};

int run_simulate(const SimulateArgs& args) {
  const Spec spec = load_spec_inputs(args.inputs, args.machines, args.default_requests);
  ops::Scenario scenario = ops::read_scenario_file(args.events);
  if (!args.mode.empty())
    scenario.mode = args.mode == "fleet" ? ops::SimMode::Fleet : ops::SimMode::Berth;
  if (!args.strategy.empty()) scenario.options.strategy = parse_strategy(args.strategy);
  if (args.preemption) scenario.options.preemption = true;
  ops::Simulator sim(spec, scenario.mode, scenario.options);
  sim.run(scenario.events);
  const ops::SimSummary sum = sim.summary();
  const int code = sum.final_pending == 0 && sum.overcommit == 0 ? kExitOk : kExitPending;
  if (args.format == "json") {
    std::fputs((ops::simulation_to_json(sim).dump(2) + "\n").c_str(), stdout);
    return code;
  }
  std::string out;
  for (const auto& step : sim.log()) {
    out += fmt::format("t={:<5} {}: {}\n", step.at, step.event, step.text);
    for (const auto& p : step.preemptions) {
      out += fmt::format("        {} preempted {} on {}\n", p.preemptor, fmt::join(p.victims, ", "),
                         p.machine);
    }
    for (const auto& b : step.blocked)
      out += fmt::format("        blocked {} [{}]: {}\n", b.unit, to_string(b.reason), b.summary);
  }
  for (const std::string& line : fold_pending_lines(sim.pending()))
    out += fmt::format("pending {}\n", line);
  out += fmt::format(
      "summary ({}): {} events, {} placements, {} evictions, {} preemptions, max pending {}, "
      "pending at end {}, "
      "overcommit {}{}\n",
      to_string(scenario.mode), sum.events, sum.placements, sum.evictions, sum.preemptions,
      sum.max_pending, sum.final_pending, sum.overcommit,
      sum.homeless + sum.failed_moves > 0
          ? fmt::format(", homeless {}, failed moves {}", sum.homeless, sum.failed_moves)
          : "");
  std::fputs(out.c_str(), stdout);
  return code;
}

void setup(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<SimulateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "Replay failures, drains, reboots, arrivals (exit 0 all housed, 2 pending or overcommit)");
  cmd->add_option("inputs", args->inputs,
                  "Spec (JSON), or unit files / directories with --machines")
      ->required();
  add_unit_input_options(cmd, &args->machines, args->default_requests);
  cmd->add_option("--events", args->events, "Events file (JSON, docs/ops.md)")->required();
  cmd->add_option(
         "--mode", args->mode,
         "berth or fleet (fleet's resource-blind least-loaded baseline); overrides the file")
      ->check(CLI::IsMember({"berth", "fleet"}));
  cmd->add_option("--strategy", args->strategy, "Placement strategy (overrides the file)");
  cmd->add_flag("--preemption", args->preemption,
                "Let higher-priority units evict lower-priority ones");
  cmd->add_option("--format", args->format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->callback([args, &ctx] { ctx.exit_code = run_simulate(*args); });
}

}  // namespace

BERTH_REGISTER_COMMAND(simulate, 50, setup);

}  // namespace berth::cli
