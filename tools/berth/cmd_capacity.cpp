// berth capacity WORKLOAD --machine-types TYPES.json [--headroom N|zone] [--format text|json|html]
//                [-o FILE] [--spec-out FILE] [--iterations N | --time-limit S] [--seed N]
// Exit: 0 a plan that places everything (with the headroom), 2 no such plan, 1 invalid input.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/plan/capacity.hpp"
#include "berth/plan/capacity_report.hpp"
#include "command.hpp"
#include "inputs.hpp"
#include "progress.hpp"

namespace berth::cli {
namespace {

struct CapacityArgs {
  std::vector<std::string> inputs;
  std::string machines;
  std::string default_requests;  // --default-requests (unit-file input)
  std::string types;
  std::string headroom = "0";
  std::string zone_key = "zone";
  std::string format = "text";
  std::string output;
  std::string spec_out;
  std::string strategy = "best-fit";
  std::uint64_t iterations = 20000;
  double time_limit = 0;
  std::uint64_t seed = 1;
  std::size_t max_scenarios = 5000;
};

void write_output(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::fputs(text.c_str(), stdout);
    return;
  }
  std::ofstream out(path, std::ios::binary);
  if (!out || !(out << text)) throw UsageError(382, fmt::format("cannot write \"{}\"", path));
}

int run_capacity(const CapacityArgs& args) {
  Spec workload = load_spec_inputs(args.inputs, args.machines, args.default_requests,
                                   /*machines_required=*/false);
  plan::Catalogue catalogue = plan::read_catalogue_file(args.types);
  plan::CapacityOptions options;
  options.headroom = plan::Headroom::parse(args.headroom, args.zone_key);
  options.strategy = parse_strategy(args.strategy);
  options.seed = args.seed;
  options.max_scenarios = args.max_scenarios;
  if (args.time_limit > 0) {
    // A time limit replaces the iteration budget: faster answers, not reproducible ones.
    options.max_iterations = 0;
    options.time_limit = args.time_limit;
  } else {
    options.max_iterations = args.iterations;
  }
  ProgressBar bar;
  if (bar.enabled())
    options.progress = [&bar](std::string_view phase, std::size_t done, std::size_t total) {
      bar.update(phase, done, total);
    };
  plan::CapacityPlan plan = plan::plan_capacity(workload, catalogue, options);
  bar.finish();
  plan::ClusterReport report = plan::report_of(plan, catalogue);
  if (!args.spec_out.empty()) write_output(args.spec_out, write_spec_json(plan.spec) + "\n");
  if (args.format == "json") {
    write_output(args.output, plan::capacity_to_json(plan, report).dump(2) + "\n");
  } else if (args.format == "html") {
    write_output(args.output, plan::capacity_html(plan, report));
  } else {
    write_output(args.output, plan::format_capacity_text(plan, report));
  }
  return plan.feasible ? kExitOk : kExitPending;
}

void setup(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<CapacityArgs>();
  CLI::App* cmd = app.add_subcommand("capacity",
                                     "Plan the cheapest machines for a workload, with failure "
                                     "headroom (exit 0 plan found, 2 none)");
  cmd->add_option(
         "workload", args->inputs,
         "A spec (JSON): its units are the workload, its machines an existing cluster to extend")
      ->required();
  cmd->add_option("--machine-types,-t", args->types,
                  "Machine type catalogue (JSON, docs/capacity.md)")
      ->required();
  add_unit_input_options(cmd, &args->machines, args->default_requests);
  cmd->add_option(
      "--headroom", args->headroom,
      "Survive the loss of any N machines, or of any one zone: N or \"zone\" (default 0)");
  cmd->add_option("--zone-key", args->zone_key,
                  "Metadata key that names a machine's zone (default zone)");
  cmd->add_option("--format", args->format, "text (default), json or html")
      ->check(CLI::IsMember({"text", "json", "html"}));
  cmd->add_option("-o,--output", args->output, "Write the report here instead of standard output");
  cmd->add_option("--spec-out", args->spec_out,
                  "Also write the planned cluster as a spec that `berth place` reads");
  cmd->add_option("--strategy", args->strategy,
                  "Placement strategy used to check plans (default best-fit)");
  cmd->add_option("--iterations", args->iterations,
                  "Packing search budget per search (default 20000; deterministic)");
  cmd->add_option("--time-limit", args->time_limit,
                  "Seconds per search phase instead of --iterations (not reproducible)");
  cmd->add_option("--seed", args->seed,
                  "Seed of the searches and of sampled loss scenarios (default 1)");
  cmd->add_option("--max-scenarios", args->max_scenarios,
                  "Most loss scenarios re-placed for --headroom N >= 2 (default 5000)");
  cmd->callback([args, &ctx] { ctx.exit_code = run_capacity(*args); });
}

}  // namespace

BERTH_REGISTER_COMMAND(capacity, 45, setup);

}  // namespace berth::cli
