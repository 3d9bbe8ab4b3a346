// berth whatif SPEC [--machine-types TYPES.json] [--add-machines TYPE=N]... [--remove MACHINE]...
//              [--grow UNIT=+N]... [--scale-requests [UNIT=]P%]... [--format text|json|html] [-o
//              FILE]
// Exit: 0 everything still fits, 2 something stops fitting, 1 invalid input.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "berth/error.hpp"
#include "berth/plan/whatif.hpp"
#include "berth/plan/whatif_report.hpp"
#include "command.hpp"
#include "inputs.hpp"

namespace berth::cli {
namespace {

struct WhatIfArgs {
  std::vector<std::string> inputs;
  std::string machines;
  std::string default_requests;  // --default-requests (unit-file input)
  std::string types;
  std::vector<std::string> add, remove, grow, scale;
  std::string strategy = "best-fit";
  std::string format = "text";
  std::string output;
};

int run_whatif(const WhatIfArgs& args) {
  Spec spec = load_spec_inputs(args.inputs, args.machines, args.default_requests);
  std::optional<plan::Catalogue> catalogue;
  if (!args.types.empty()) catalogue = plan::read_catalogue_file(args.types);
  plan::WhatIf changes;
  for (const auto& a : args.add) changes.add.push_back(plan::WhatIf::parse_add(a));
  changes.remove = args.remove;
  for (const auto& g : args.grow) changes.grow.push_back(plan::WhatIf::parse_grow(g));
  for (const auto& s : args.scale) changes.scale.push_back(plan::WhatIf::parse_scale(s));
  PlaceOptions options;
  options.strategy = parse_strategy(args.strategy);
  plan::WhatIfResult r = plan::what_if(spec, changes, catalogue ? &*catalogue : nullptr, options);
  plan::ClusterReport after = plan::report_after(r, catalogue ? &*catalogue : nullptr);
  std::string text;
  if (args.format == "json")
    text = plan::whatif_to_json(r, after).dump(2) + "\n";
  else if (args.format == "html")
    text = plan::whatif_html(r, after);
  else
    text = plan::format_whatif_text(r, after);
  if (args.output.empty() || args.output == "-") {
    std::fputs(text.c_str(), stdout);
  } else {
    std::ofstream out(args.output, std::ios::binary);
    if (!out || !(out << text))
      throw UsageError(382, fmt::format("cannot write \"{}\"", args.output));
  }
  return r.fits() ? kExitOk : kExitPending;
}

void setup(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<WhatIfArgs>();
  CLI::App* cmd = app.add_subcommand("whatif",
                                     "Change a cluster (machines, replicas, requests) and report "
                                     "what stops fitting (exit 0 fits, 2 not)");
  cmd->add_option("inputs", args->inputs, "A spec (JSON) with machines, units and what runs where")
      ->required();
  add_unit_input_options(cmd, &args->machines, args->default_requests);
  cmd->add_option("--machine-types,-t", args->types,
                  "Catalogue that --add-machines types come from");
  cmd->add_option("--add-machines", args->add,
                  "TYPE=N: add N machines of a catalogue type (or copies of a machine)");
  cmd->add_option("--remove", args->remove,
                  "Remove a machine (name or glob); its units are placed again");
  cmd->add_option("--grow", args->grow, "UNIT=+N, UNIT=-N or UNIT=N replicas");
  cmd->add_option("--scale-requests", args->scale,
                  "[UNIT=]P%: raise (or lower, -P%) requests by P percent");
  cmd->add_option("--strategy", args->strategy, "Placement strategy (default best-fit)");
  cmd->add_option("--format", args->format, "text (default), json or html")
      ->check(CLI::IsMember({"text", "json", "html"}));
  cmd->add_option("-o,--output", args->output, "Write the report here instead of standard output");
  cmd->callback([args, &ctx] { ctx.exit_code = run_whatif(*args); });
}

}  // namespace

BERTH_REGISTER_COMMAND(whatif, 46, setup);

}  // namespace berth::cli
