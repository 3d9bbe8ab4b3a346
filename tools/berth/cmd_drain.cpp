// berth drain SPEC MACHINE [--budget UNITS=N]... [--strategy NAME] [--format text|json]
// Moves every unit off MACHINE (for the spec's current placements) in budget steps.
// Exit: 0 drained, 2 some units stay (blocked), 1 invalid input.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/ops/drain.hpp"
#include "berth/ops/ops_json.hpp"
#include "command.hpp"
#include "inputs.hpp"

namespace berth::cli {
namespace {

struct DrainArgs {
  std::vector<std::string> positional;  // SPEC MACHINE, or UNITFILES... MACHINE with --machines
  std::string machines;
  std::string default_requests;  // --default-requests (unit-file input)
  std::vector<std::string> budgets;
  std::string strategy = "best-fit";
  std::string format = "text";
};

int run_drain(const DrainArgs& args) {
  ops::OpsOptions options;
  options.strategy = parse_strategy(args.strategy);
  for (const auto& b : args.budgets) options.budgets.push_back(ops::parse_budget(b));
  // The last argument is the machine to drain; the ones before are the cluster.
  const std::string& machine = args.positional.back();
  const std::vector<std::string> inputs(args.positional.begin(), args.positional.end() - 1);
  const Cluster cluster = Cluster::build(load_layout_inputs(
      inputs, args.machines, args.default_requests, place_options_for(args.strategy)));
  ops::check_budget_units(cluster, options.budgets);
  const MachineId m = cluster.find_machine(machine);
  if (m == kNone) {
    std::vector<std::string> names;
    for (MachineId k = 0; k < cluster.machine_count(); ++k)
      names.push_back(cluster.machine_name(k));
    const std::string hint = did_you_mean(machine, names);
    throw UsageError(363,
                     fmt::format("no machine named \"{}\"{}", machine,
                                 hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint)));
  }
  const ops::DrainResult r = ops::plan_drain(cluster, m, options);
  if (args.format == "json") {
    std::fputs((ops::drain_to_json(r).dump(2) + "\n").c_str(), stdout);
    return r.complete() ? kExitOk : kExitPending;
  }
  std::string out = fmt::format("drain {}: {} move(s) in {} step(s){}\n", r.machine, r.move_count(),
                                r.steps.size(), r.complete() ? "" : ", INCOMPLETE");
  for (std::size_t s = 0; s < r.steps.size(); ++s) {
    out += fmt::format("step {}:\n", s + 1);
    for (const auto& mv : r.steps[s])
      out += fmt::format("  move {} {} -> {}\n", mv.instance, mv.from, mv.to);
  }
  for (const auto& b : r.blocked)
    out += fmt::format("blocked {} [{}]: {}\n", b.unit, to_string(b.reason), b.summary);
  if (!r.remaining.empty())
    out += fmt::format("still on {}: {}\n", r.machine, fmt::join(r.remaining, ", "));
  if (!r.stopped.empty())
    out += fmt::format("stop and restart with {}: {}\n", r.machine, fmt::join(r.stopped, ", "));
  std::fputs(out.c_str(), stdout);
  return r.complete() ? kExitOk : kExitPending;
}

void setup(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<DrainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "drain",
      "Plan moving every unit off a machine within disruption budgets (exit 0 drained, 2 blocked)");
  cmd->add_option(
         "args", args->positional,
         "SPEC MACHINE: a spec (JSON) whose placements say what runs where, or unit files / "
         "directories with --machines, then the machine to drain")
      ->required()
      ->expected(2, -1);
  add_unit_input_options(cmd, &args->machines, args->default_requests);
  cmd->add_option(
      "--budget", args->budgets,
      "Disruption budget UNITS=N, UNITS:max_unavailable=N or UNITS:min_available=N (repeatable)");
  cmd->add_option("--strategy", args->strategy,
                  "How displaced units pick machines (default best-fit)");
  cmd->add_option("--format", args->format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->callback([args, &ctx] { ctx.exit_code = run_drain(*args); });
}

}  // namespace

BERTH_REGISTER_COMMAND(drain, 52, setup);

}  // namespace berth::cli
