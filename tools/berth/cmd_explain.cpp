// berth explain [SPEC] UNIT MACHINE: why a unit can or cannot go on a machine, after the spec's
// units are placed (the unit itself is taken off its machine first). Exit 0 = it can, 2 = it
// cannot, 1 = invalid input.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "berth/error.hpp"
#include "berth/explain/query.hpp"
#include "berth/io/explain_json.hpp"
#include "berth/io/spec_json.hpp"
#include "command.hpp"
#include "inputs.hpp"

namespace berth::cli {
namespace {

struct ExplainArgs {
  std::vector<std::string> positional;
  std::string spec;
  std::string machines;
  std::string default_requests;  // --default-requests (unit-file input)
  std::string strategy = "best-fit";
  std::string format = "text";
};

int run_explain(const ExplainArgs& args) {
  // The last two arguments are UNIT MACHINE; the ones before them (or --spec) the cluster.
  std::vector<std::string> inputs(
      args.positional.begin(),
      args.positional.end() - std::min<std::size_t>(2, args.positional.size()));
  const std::vector<std::string> rest(
      args.positional.end() - std::min<std::size_t>(2, args.positional.size()),
      args.positional.end());
  if (!args.spec.empty()) inputs.insert(inputs.begin(), args.spec);
  if (rest.size() != 2 || inputs.empty() ||
      (!args.spec.empty() && inputs.size() > 1 && args.machines.empty())) {
    throw UsageError(305,
                     "usage: berth explain SPEC UNIT MACHINE (or --spec SPEC UNIT MACHINE, or "
                     "--machines FILE UNITFILES... UNIT MACHINE)");
  }
  // Not strict inside: a unit that contradicts itself is explained (its "unresolvable" line).
  const ExplainAnswer answer =
      explain_placement(load_spec_inputs(inputs, args.machines, args.default_requests), rest[0],
                        rest[1], parse_strategy(args.strategy));
  if (args.format == "json") {
    std::fputs((explain_to_json(answer).dump(2) + "\n").c_str(), stdout);
  } else {
    std::string where =
        answer.placed_on ? fmt::format("it is placed on {}", *answer.placed_on) : "it is pending";
    if (answer.fits()) {
      std::fputs(fmt::format("{} can go on {} ({}).\n", answer.unit, answer.machine, where).c_str(),
                 stdout);
    } else {
      std::fputs(
          fmt::format("{} cannot go on {} ({}):\n", answer.unit, answer.machine, where).c_str(),
          stdout);
      for (const auto& r : answer.reasons) std::fputs(fmt::format("  - {}\n", r).c_str(), stdout);
    }
    // Preferences never decide "can", only "where first": say which this machine meets.
    if (answer.preferences_met) {
      const auto& met = *answer.preferences_met;
      std::fputs(fmt::format("preferences met on {}: {}\n", answer.machine,
                             met.empty() ? "none" : fmt::format("{}", fmt::join(met, ", ")))
                     .c_str(),
                 stdout);
    }
  }
  return answer.fits() ? kExitOk : kExitPending;
}

void setup(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ExplainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "explain", "Why a unit can or cannot go on a machine (exit 0 can, 2 cannot)");
  cmd->add_option("args", args->positional, "[SPEC | UNITFILES...] UNIT MACHINE")
      ->required()
      ->expected(2, -1);
  add_unit_input_options(cmd, &args->machines, args->default_requests);
  cmd->add_option("--spec", args->spec, "The spec (instead of the first argument)");
  cmd->add_option("--strategy", args->strategy,
                  "Strategy used to place the rest of the spec first");
  cmd->add_option("--format", args->format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->callback([args, &ctx] { ctx.exit_code = run_explain(*args); });
}

}  // namespace

BERTH_REGISTER_COMMAND(explain, 20, setup);

}  // namespace berth::cli
