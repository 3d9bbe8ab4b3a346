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

namespace berth::cli {
namespace {

struct DrainArgs {
  std::string spec;
  std::string machine;
  std::vector<std::string> budgets;
  std::string strategy = "best-fit";
  std::string format = "text";
};

int run_drain(const DrainArgs& args) {
  ops::OpsOptions options;
  options.strategy = parse_strategy(args.strategy);
  for (const auto& b : args.budgets) options.budgets.push_back(ops::parse_budget(b));
  const Cluster cluster = Cluster::build(read_spec_file(args.spec));
  ops::check_budget_units(cluster, options.budgets);
  const MachineId m = cluster.find_machine(args.machine);
  if (m == kNone) {
    std::vector<std::string> names;
    for (MachineId k = 0; k < cluster.machine_count(); ++k)
      names.push_back(cluster.machine_name(k));
    const std::string hint = did_you_mean(args.machine, names);
    throw UsageError(363,
                     fmt::format("no machine named \"{}\"{}", args.machine,
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
    out += fmt::format("blocked {} [{}]: {}\n", b.unit, b.reason, b.summary);
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
  cmd->add_option("spec", args->spec, "Spec (JSON) whose placements say what runs where")
      ->required();
  cmd->add_option("machine", args->machine, "Machine to drain")->required();
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
