// berth pack INSTANCE: vector bin packing of a .vbp instance (issue 4). See docs/pack.md.
#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "berth/error.hpp"
#include "berth/pack/exact.hpp"
#include "berth/pack/solve.hpp"
#include "berth/pack/validate.hpp"
#include "berth/pack/vbp.hpp"
#include "command.hpp"

namespace berth::cli {
namespace {

struct PackArgs {
  std::string instance;
  std::string strategy = std::string(pack::kDefaultStrategy);
  double time_limit = 1.0;
  std::string format = "text";
  bool exact = false;
  std::uint64_t seed = 1;
  std::uint64_t iterations = 0;
  bool time_given = false;  // --time-limit given: a CPU-time budget instead of the work budget
};

struct Row {
  std::string strategy;
  pack::Solution solution;
  std::size_t lower_bound = 0;
  bool proven = false;
  double seconds = 0;
  double gap = 0;
};

nlohmann::json row_json(const Row& r, bool with_strategy) {
  nlohmann::json j;
  if (with_strategy) j["strategy"] = r.strategy;
  j["bins"] = r.solution.bins;
  j["lower_bound"] = r.lower_bound;
  j["proven_optimal"] = r.proven;
  j["seconds"] = r.seconds;
  j["gap"] = r.gap;
  j["assignment"] = r.solution.bin_of;
  return j;
}

void run(const PackArgs& a) {
  if (a.format != "text" && a.format != "json") {
    throw UsageError(352, fmt::format("unknown --format '{}' (text or json)", a.format));
  }
  if (!(a.time_limit >= 0)) throw UsageError(353, "--time-limit must be >= 0 seconds");
  if (a.strategy != "all" && !pack::is_strategy(a.strategy)) {
    throw UsageError(350, fmt::format("unknown packing strategy '{}' (known: all, {})", a.strategy,
                                      fmt::join(pack::strategy_names(), ", ")));
  }
  const pack::Instance inst = pack::load_vbp(a.instance);
  inst.check();
  std::vector<Row> rows;
  if (a.exact) {
    pack::ExactOptions o;
    o.time_limit = a.time_limit;
    o.seed = a.seed;
    o.max_nodes = a.iterations;
    // The same budget kind as the default search: exact mode never returns more bins than it.
    o.work_budget = !a.time_given;
    const pack::ExactResult r = pack::solve_exact(inst, o);
    rows.push_back({"exact", r.best, r.lower_bound, r.proven_optimal, r.seconds, r.gap});
  } else {
    const std::vector<std::string> names =
        a.strategy == "all" ? pack::strategy_names() : std::vector<std::string>{a.strategy};
    for (const auto& name : names) {
      pack::SolveOptions o;
      o.time_limit = a.time_limit;
      o.seed = a.seed;
      o.max_iterations = a.iterations;
      // Without --time-limit the budget is counted work (1 work second, about 1 CPU second
      // on the reference machine): the output is the same on every run, whatever the load.
      o.work_budget = !a.time_given;
      const pack::SolveResult r = pack::solve(inst, name, o);
      const double gap = r.solution.bins ? double(r.solution.bins - r.lower_bound) / double(r.solution.bins) : 0.0;
      rows.push_back({name, r.solution, r.lower_bound, r.proven_optimal, r.seconds, gap});
    }
  }
  for (const auto& r : rows) {
    // Belt and braces: never print a packing the independent checker rejects.
    if (auto err = pack::validate(inst, r.solution)) {
      throw std::logic_error(fmt::format("internal error: strategy {} produced an invalid packing: {}", r.strategy, *err));
    }
  }
  const bool table = a.strategy == "all" && !a.exact;
  if (a.format == "json") {
    nlohmann::json out;
    if (table) {
      out = nlohmann::json::array();
      for (const auto& r : rows) out.push_back(row_json(r, true));
    } else {
      out = row_json(rows.front(), false);
      out["strategy"] = rows.front().strategy;
    }
    std::printf("%s\n", out.dump().c_str());
    return;
  }
  std::printf("%s: %zu items, %zu dimensions, capacity [%s]\n", a.instance.c_str(), inst.item_count(),
              inst.dims, fmt::format("{}", fmt::join(inst.capacity, " ")).c_str());
  if (table) {
    std::printf("%-14s %6s %6s %8s %9s\n", "strategy", "bins", "lb", "gap", "seconds");
    for (const auto& r : rows) {
      std::printf("%-14s %6zu %6zu %7.2f%% %9.3f%s\n", r.strategy.c_str(), r.solution.bins, r.lower_bound,
                  100 * r.gap, r.seconds, r.proven ? "  optimal" : "");
    }
    return;
  }
  const Row& r = rows.front();
  std::printf("strategy %s: %zu bins, lower bound %zu, %s, %.3f s\n", r.strategy.c_str(), r.solution.bins,
              r.lower_bound,
              r.proven ? "proven optimal" : fmt::format("gap {:.2f}%", 100 * r.gap).c_str(), r.seconds);
  const auto bins = pack::items_by_bin(r.solution);
  for (std::size_t b = 0; b < bins.size(); ++b) {
    std::printf("bin %zu: %s\n", b, fmt::format("{}", fmt::join(bins[b], " ")).c_str());
  }
}

void setup(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<PackArgs>();
  CLI::App* cmd = app.add_subcommand("pack", "Pack a vector bin packing instance (.vbp) into the fewest bins");
  cmd->add_option("INSTANCE", args->instance, "VPSolver .vbp file")->required();
  cmd->add_option("--strategy", args->strategy,
                  fmt::format("Strategy name or 'all' (default {})", pack::kDefaultStrategy));
  CLI::Option* time_limit = cmd->add_option(
      "--time-limit", args->time_limit,
      "CPU seconds for search strategies and exact mode (default: search gets 1 s of counted "
      "work, deterministic; --exact runs that same search, then proves for 1 CPU second more)");
  cmd->add_option("--format", args->format, "text or json");
  cmd->add_flag("--exact", args->exact, "Run the default search, then prove the optimum (or report the gap) within --time-limit more");
  cmd->add_option("--seed", args->seed, "Random seed of the search (default 1)");
  cmd->add_option("--iterations", args->iterations,
                  "Bound the search by iterations instead of time (deterministic)");
  cmd->callback([args, time_limit, &ctx] {
    args->time_given = time_limit->count() > 0;
    run(*args);
    ctx.exit_code = kExitOk;
  });
}

}  // namespace

BERTH_REGISTER_COMMAND(pack, 40, setup);

}  // namespace berth::cli
