// berth pack INSTANCE: vector bin packing of a .vbp instance (issue 4). See docs/pack.md.
#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "berth/error.hpp"
#include "berth/pack/run.hpp"
#include "berth/pack/solve.hpp"
#include "berth/pack/validate.hpp"
#include "berth/pack/vbp.hpp"
#include "command.hpp"

namespace berth::cli {
namespace {

struct PackArgs {
  pack::PackRequest request;
  std::string instance;
  std::string format = "text";
};

void run(const PackArgs& args) {
  const pack::PackRequest& a = args.request;
  if (args.format != "text" && args.format != "json") {
    throw UsageError(352, fmt::format("unknown --format '{}' (text or json)", args.format));
  }
  pack::check_pack_request(a);  // option errors before file errors
  const pack::Instance inst = pack::load_vbp(args.instance);
  const std::vector<pack::PackRun> rows = pack::run_pack(inst, a);
  const bool table = a.strategy == "all" && !a.exact;
  if (args.format == "json") {
    std::printf("%s\n", pack::pack_to_json(rows, a).dump().c_str());
    return;
  }
  std::printf("%s: %zu items, %zu dimensions, capacity [%s]\n", args.instance.c_str(),
              inst.item_count(), inst.dims,
              fmt::format("{}", fmt::join(inst.capacity, " ")).c_str());
  if (table) {
    std::printf("%-14s %6s %6s %8s %9s\n", "strategy", "bins", "lb", "gap", "seconds");
    for (const auto& r : rows) {
      std::printf("%-14s %6zu %6zu %7.2f%% %9.3f%s\n", r.strategy.c_str(), r.solution.bins,
                  r.lower_bound, 100 * r.gap, r.seconds, r.proven ? "  optimal" : "");
    }
    return;
  }
  const pack::PackRun& r = rows.front();
  std::printf("strategy %s: %zu bins, lower bound %zu, %s, %.3f s\n", r.strategy.c_str(),
              r.solution.bins, r.lower_bound,
              r.proven ? "proven optimal" : fmt::format("gap {:.2f}%", 100 * r.gap).c_str(),
              r.seconds);
  const auto bins = pack::items_by_bin(r.solution);
  for (std::size_t b = 0; b < bins.size(); ++b) {
    std::printf("bin %zu: %s\n", b, fmt::format("{}", fmt::join(bins[b], " ")).c_str());
  }
}

void setup(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<PackArgs>();
  CLI::App* cmd =
      app.add_subcommand("pack", "Pack a vector bin packing instance (.vbp) into the fewest bins");
  cmd->add_option("INSTANCE", args->instance, "VPSolver .vbp file")->required();
  cmd->add_option("--strategy", args->request.strategy,
                  fmt::format("Strategy name or 'all' (default {})", pack::kDefaultStrategy));
  CLI::Option* time_limit = cmd->add_option(
      "--time-limit", args->request.time_limit,
      "CPU seconds for search strategies and exact mode (default: search gets 1 s of counted "
      "work, deterministic; --exact runs that same search, then proves for 1 CPU second more)");
  cmd->add_option("--format", args->format, "text or json");
  cmd->add_flag("--exact", args->request.exact,
                "Run the default search, then prove the optimum (or report the gap) within "
                "--time-limit more");
  cmd->add_option("--seed", args->request.seed, "Random seed of the search (default 1)");
  cmd->add_option("--iterations", args->request.iterations,
                  "Bound the search by iterations instead of time (deterministic)");
  cmd->callback([args, time_limit, &ctx] {
    args->request.time_given = time_limit->count() > 0;
    run(*args);
    ctx.exit_code = kExitOk;
  });
}

}  // namespace

BERTH_REGISTER_COMMAND(pack, 40, setup);

}  // namespace berth::cli
