// berth explain [SPEC] UNIT MACHINE: why a unit can or cannot go on a machine, after the spec's
// units are placed (the unit itself is taken off its machine first). Exit 0 = it can, 2 = it
// cannot, 1 = invalid input.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/placer.hpp"
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
  std::vector<std::string> inputs(args.positional.begin(), args.positional.end() - std::min<std::size_t>(2, args.positional.size()));
  const std::vector<std::string> rest(args.positional.end() - std::min<std::size_t>(2, args.positional.size()), args.positional.end());
  if (!args.spec.empty()) inputs.insert(inputs.begin(), args.spec);
  if (rest.size() != 2 || inputs.empty() || (!args.spec.empty() && inputs.size() > 1 && args.machines.empty())) {
    throw UsageError(305, "usage: berth explain SPEC UNIT MACHINE (or --spec SPEC UNIT MACHINE, or --machines FILE UNITFILES... UNIT MACHINE)");
  }
  Spec spec = load_spec_inputs(inputs, args.machines, args.default_requests);
  // Not strict: a unit that contradicts itself is explained (its "unresolvable" line), not an error.
  Cluster cluster = Cluster::build(spec, BuildOptions{false});
  Placer placer(cluster, parse_strategy(args.strategy));
  placer.place_pending();

  InstanceId instance = cluster.find_instance(rest[0]);
  if (instance == kNone) instance = cluster.find_instance(rest[0] + "@1");
  if (instance == kNone) {
    std::vector<std::string> names;
    for (InstanceId i = 0; i < cluster.instance_count() && i < 5000; ++i) names.push_back(cluster.instance(i).name);
    std::string hint = did_you_mean(rest[0], names);
    throw UsageError(306, fmt::format("no unit instance named \"{}\"{}", rest[0], hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint)));
  }
  MachineId machine = cluster.find_machine(rest[1]);
  if (machine == kNone) {
    std::vector<std::string> names;
    for (MachineId m = 0; m < cluster.machine_count(); ++m) names.push_back(cluster.machine_name(m));
    std::string hint = did_you_mean(rest[1], names);
    throw UsageError(307, fmt::format("no machine named \"{}\"{}", rest[1], hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint)));
  }
  const std::string& iname = cluster.instance(instance).name;
  const std::string& mname = cluster.machine_name(machine);
  std::vector<std::string> reasons = placer.explain(instance, machine);
  const std::vector<std::string> met = placer.preferences_met(instance, machine);
  MachineId now = cluster.assignment(instance);
  if (args.format == "json") {
    nlohmann::json j = {{"unit", iname}, {"machine", mname}, {"fits", reasons.empty()}, {"reasons", reasons}};
    if (!cluster.unit(cluster.instance(instance).unit).preferences.empty()) j["preferences_met"] = met;
    j["placed_on"] = now == kNone ? nlohmann::json(nullptr) : nlohmann::json(cluster.machine_name(now));
    std::fputs((j.dump(2) + "\n").c_str(), stdout);
  } else {
    std::string where = now == kNone ? "it is pending" : fmt::format("it is placed on {}", cluster.machine_name(now));
    if (reasons.empty()) {
      std::fputs(fmt::format("{} can go on {} ({}).\n", iname, mname, where).c_str(), stdout);
    } else {
      std::fputs(fmt::format("{} cannot go on {} ({}):\n", iname, mname, where).c_str(), stdout);
      for (const auto& r : reasons) std::fputs(fmt::format("  - {}\n", r).c_str(), stdout);
    }
    // Preferences never decide "can", only "where first": say which this machine meets.
    const auto& prefs = cluster.unit(cluster.instance(instance).unit).preferences;
    if (!prefs.empty()) {
      std::fputs(fmt::format("preferences met on {}: {}\n", mname, met.empty() ? "none" : fmt::format("{}", fmt::join(met, ", "))).c_str(), stdout);
    }
  }
  return reasons.empty() ? kExitOk : kExitPending;
}

void setup(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ExplainArgs>();
  CLI::App* cmd = app.add_subcommand("explain", "Why a unit can or cannot go on a machine (exit 0 can, 2 cannot)");
  cmd->add_option("args", args->positional, "[SPEC | UNITFILES...] UNIT MACHINE")->required()->expected(2, -1);
  add_unit_input_options(cmd, &args->machines, args->default_requests);
  cmd->add_option("--spec", args->spec, "The spec (instead of the first argument)");
  cmd->add_option("--strategy", args->strategy, "Strategy used to place the rest of the spec first");
  cmd->add_option("--format", args->format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));
  cmd->callback([args, &ctx] { ctx.exit_code = run_explain(*args); });
}

}  // namespace

BERTH_REGISTER_COMMAND(explain, 20, setup);

}  // namespace berth::cli
