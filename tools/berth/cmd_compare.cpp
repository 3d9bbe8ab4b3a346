// berth compare SPEC [--strategies a,b,...|all] [--format text|json]
// Places the same spec with each strategy and prints their packing quality side by side.
// Exit: 0 every strategy placed everything, 2 some strategy left instances pending, 1 invalid
// input (mirrors `berth place`).
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "berth/error.hpp"
#include "berth/io/compare_json.hpp"
#include "berth/place/compare.hpp"
#include "berth/place/place.hpp"
#include "command.hpp"
#include "inputs.hpp"

namespace berth::cli {
namespace {

struct CompareArgs {
  std::vector<std::string> inputs;
  std::string machines;
  std::string default_requests;  // --default-requests (unit-file input)
  std::string strategies = "all";
  std::string format = "text";
};

std::string percent(double x) { return fmt::format("{:.1f}", 100.0 * x); }

std::string duration(double seconds) {
  if (seconds >= 1) return fmt::format("{:.2f} s", seconds);
  if (seconds >= 1e-3) return fmt::format("{:.2f} ms", seconds * 1e3);
  return fmt::format("{:.1f} us", seconds * 1e6);
}

std::string text_table(const std::vector<PlacementMetrics>& rows) {
  std::string out;
  std::vector<std::string> dims;
  if (!rows.empty()) {
    for (const auto& d : rows.front().dimensions) dims.push_back(d.name);
  }
  out += fmt::format("{:<16} {:>8} {:>8} {:>9} {:>10} {:>10}", "STRATEGY", "PLACED", "PENDING",
                     "MACHINES", "TIME", "PER-UNIT");
  for (const auto& d : dims) out += fmt::format("  {:>24}", d + " mean/peak/strand%");
  out += "\n";
  for (const auto& r : rows) {
    out += fmt::format("{:<16} {:>8} {:>8} {:>9} {:>10} {:>10}", r.strategy, r.placed, r.pending,
                       fmt::format("{}/{}", r.machines_used, r.machines_up), duration(r.seconds),
                       duration(r.seconds_per_placement));
    for (const auto& d : r.dimensions) {
      out += fmt::format("  {:>24}",
                         fmt::format("{}/{}/{}", percent(d.mean_utilization),
                                     percent(d.peak_utilization), percent(d.stranded_fraction)));
    }
    out += "\n";
  }
  if (!rows.empty()) {
    out += fmt::format(
        "{} instance(s); MACHINES = used/up; utilization in % (mean over machines in use, peak "
        "over all); "
        "strand% = free capacity on machines no unit fits, of the total\n",
        rows.front().instances);
  }
  return out;
}

int run_compare(const CompareArgs& args) {
  const std::vector<std::string> names = parse_strategy_list(args.strategies);
  Spec spec = load_spec_inputs(args.inputs, args.machines, args.default_requests);
  const std::vector<PlacementMetrics> rows = compare_strategies(spec, names);
  if (args.format == "json")
    std::fputs((compare_to_json(rows).dump(2) + "\n").c_str(), stdout);
  else
    std::fputs(text_table(rows).c_str(), stdout);
  for (const auto& r : rows) {
    if (r.pending > 0) return kExitPending;
  }
  return kExitOk;
}

void setup(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand("compare",
                                     "Place a spec with several strategies and compare packing "
                                     "quality (exit 0 all placed, 2 some pending)");
  cmd->add_option("inputs", args->inputs,
                  "A spec (JSON), or fleet unit files / directories / name@{1..N}.service")
      ->required();
  add_unit_input_options(cmd, &args->machines, args->default_requests);
  cmd->add_option("--strategies", args->strategies,
                  "Comma-separated strategy names, or all (default)");
  cmd->add_option("--format", args->format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->callback([args, &ctx] { ctx.exit_code = run_compare(*args); });
}

}  // namespace

BERTH_REGISTER_COMMAND(compare, 15, setup);

}  // namespace berth::cli
