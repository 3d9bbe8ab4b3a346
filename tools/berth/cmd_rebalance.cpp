// berth rebalance SPEC [--max-moves N] [--format text|json]
// A short list of moves that frees whole machines or lowers peak utilization. Exit 0, or 1 on
// invalid input.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "berth/io/spec_json.hpp"
#include "berth/ops/ops_json.hpp"
#include "berth/ops/rebalance.hpp"
#include "command.hpp"
#include "inputs.hpp"

namespace berth::cli {
namespace {

struct RebalanceArgs {
  std::vector<std::string> inputs;
  std::string machines;
  std::string default_requests;  // --default-requests (unit-file input)
  int max_moves = 10;
  std::string format = "text";
};

int run_rebalance(const RebalanceArgs& args) {
  const Cluster cluster = Cluster::build(
      load_layout_inputs(args.inputs, args.machines, args.default_requests, PlaceOptions{}));
  const ops::RebalanceResult r = ops::plan_rebalance(cluster, args.max_moves, {});
  if (args.format == "json") {
    std::fputs((ops::rebalance_to_json(r).dump(2) + "\n").c_str(), stdout);
    return kExitOk;
  }
  std::string out = fmt::format(
      "rebalance: {} move(s); peak utilization {:.1f}% ({}) -> {:.1f}% ({}); {} machine(s) "
      "freed{}\n",
      r.moves.size(), static_cast<double>(r.peak_before) / 10.0, r.peak_machine_before,
      static_cast<double>(r.peak_after) / 10.0, r.peak_machine_after, r.freed.size(),
      r.freed.empty() ? "" : fmt::format(": {}", fmt::join(r.freed, ", ")));
  for (const auto& mv : r.moves)
    out += fmt::format("  move {} {} -> {}\n", mv.instance, mv.from, mv.to);
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

void setup(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<RebalanceArgs>();
  CLI::App* cmd = app.add_subcommand(
      "rebalance", "Suggest a few moves that free machines or lower peak utilization");
  cmd->add_option("inputs", args->inputs,
                  "Spec (JSON) whose placements say what runs where, or unit files / directories "
                  "with --machines")
      ->required();
  add_unit_input_options(cmd, &args->machines, args->default_requests);
  cmd->add_option("--max-moves", args->max_moves, "At most this many instance moves (default 10)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--format", args->format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->callback([args, &ctx] { ctx.exit_code = run_rebalance(*args); });
}

}  // namespace

BERTH_REGISTER_COMMAND(rebalance, 53, setup);

}  // namespace berth::cli
