#include "berth/pack/run.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "berth/error.hpp"
#include "berth/pack/exact.hpp"
#include "berth/pack/solve.hpp"
#include "berth/pack/validate.hpp"

namespace berth::pack {
namespace {

nlohmann::json run_json(const PackRun& r, bool with_strategy) {
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

}  // namespace

void check_pack_request(const PackRequest& a) {
  if (!(a.time_limit >= 0)) throw UsageError(353, "--time-limit must be >= 0 seconds");
  if (a.strategy != "all" && !is_strategy(a.strategy)) {
    throw UsageError(350, fmt::format("unknown packing strategy '{}' (known: all, {})", a.strategy,
                                      fmt::join(strategy_names(), ", ")));
  }
}

std::vector<PackRun> run_pack(const Instance& inst, const PackRequest& a) {
  check_pack_request(a);
  inst.check();
  std::vector<PackRun> rows;
  if (a.exact) {
    ExactOptions o;
    o.time_limit = a.time_limit;
    o.seed = a.seed;
    o.max_nodes = a.iterations;
    // The same budget kind as the default search: exact mode never returns more bins than it.
    o.work_budget = !a.time_given;
    const ExactResult r = solve_exact(inst, o);
    rows.push_back({"exact", r.best, r.lower_bound, r.proven_optimal, r.seconds, r.gap});
  } else {
    const std::vector<std::string> names =
        a.strategy == "all" ? strategy_names() : std::vector<std::string>{a.strategy};
    for (const auto& name : names) {
      SolveOptions o;
      o.time_limit = a.time_limit;
      o.seed = a.seed;
      o.max_iterations = a.iterations;
      // Without an explicit time limit the budget is counted work (1 work second, about 1 CPU
      // second on the reference machine): the output is the same on every run, whatever the load.
      o.work_budget = !a.time_given;
      const SolveResult r = solve(inst, name, o);
      const double gap =
          r.solution.bins ? double(r.solution.bins - r.lower_bound) / double(r.solution.bins) : 0.0;
      rows.push_back({name, r.solution, r.lower_bound, r.proven_optimal, r.seconds, gap});
    }
  }
  for (const auto& r : rows) {
    // Belt and braces: never return a packing the independent checker rejects.
    if (auto err = validate(inst, r.solution)) {
      throw std::logic_error(fmt::format(
          "internal error: strategy {} produced an invalid packing: {}", r.strategy, *err));
    }
  }
  return rows;
}

nlohmann::json pack_to_json(const std::vector<PackRun>& runs, const PackRequest& request) {
  if (request.strategy == "all" && !request.exact) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : runs) out.push_back(run_json(r, true));
    return out;
  }
  nlohmann::json out = run_json(runs.front(), false);
  out["strategy"] = runs.front().strategy;
  return out;
}

}  // namespace berth::pack
