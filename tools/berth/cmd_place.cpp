// berth place SPEC.json [--strategy NAME] [--format text|json|html] [--group-by KEY]
// berth place --machines MACHINES UNITFILES_OR_DIRS... [--format json]
// Exit: 0 all placed, 2 some pending, 1 invalid input.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>

#include "berth/error.hpp"
#include "berth/explain/format.hpp"
#include "berth/io/result_json.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/place.hpp"
#include "berth/plan/placement_html.hpp"
#include "command.hpp"
#include "inputs.hpp"

#include "store_support.hpp"

namespace berth::cli {
namespace {

struct PlaceArgs {
  std::vector<std::string> inputs;
  std::string machines;
  std::string default_requests;  // --default-requests (unit-file input)
  std::string strategy = "best-fit";
  std::string format = "text";
  std::string group_by = "zone";
  bool strict = false;
  bool preempt = false;
};

int run_place(const PlaceArgs& args, const Context& ctx) {
  PlaceOptions options = place_options_for(args.strategy);
  options.strict = args.strict;
  options.preempt = args.preempt;
  // The reference diagnosis, for benchmarks (bench/RESULTS.md, "Explanations at scale").
  options.diagnose_by_scan = std::getenv("BERTH_DIAGNOSE_BY_SCAN") != nullptr;
  Spec spec = load_spec_inputs(args.inputs, args.machines, args.default_requests);
  std::string url = resolve_store_url(ctx);
  if (!url.empty() && args.format == "html") {
    throw UsageError(
        368,
        "--format html does not go with a store yet: place without --store, or use text or json");
  }
  // Pending units are state (issue 15): a unit with no room, a `machine_of` target that arrives
  // in a later call, or a contradiction is stored pending (unresolvable for the last) and
  // retried by every later place/apply; the others are placed. --strict still refuses.
  if (!url.empty()) return place_with_store(url, spec, options, args.format);
  if (args.format == "json") {
    // The JSON answer needs nothing of the spec after placing, so the spec is handed over (the
    // cluster takes its units instead of a copy; what place(Spec&&) does); text and html print
    // its machines, so they keep it. The placements and the utilization are written straight
    // from the cluster, never built as the result's maps.
    Spec rest;
    rest.warnings = std::move(spec.warnings);
    Cluster cluster = Cluster::build(std::move(spec), BuildOptions{options.strict});
    const PlacementResult result = place_on_without_tables(rest, cluster, options);
    write_placement_json(result, cluster, [](std::string_view piece) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
    });
    std::fputc('\n', stdout);
    return result.ok() ? kExitOk : kExitPending;
  }
  const PlacementResult result = place(spec, options);
  if (args.format == "html") {
    plan::PlacementHtmlOptions html;
    html.group_by = args.group_by;
    html.strategy = strategy_name(options);
    std::fputs(plan::placement_html(spec, result, html).c_str(), stdout);
  } else {
    std::fputs(format_placement_text(spec, result).c_str(), stdout);
  }
  return result.ok() ? kExitOk : kExitPending;
}

void setup(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<PlaceArgs>();
  CLI::App* cmd = app.add_subcommand(
      "place", "Place a spec's units on its machines (exit 0 all placed, 2 some pending)");
  cmd->add_option("inputs", args->inputs,
                  "A spec (JSON), or fleet unit files / directories / name@{1..N}.service")
      ->required();
  add_unit_input_options(cmd, &args->machines, args->default_requests);
  cmd->add_option(
      "--strategy", args->strategy,
      "online: least-loaded, first-fit, best-fit (default), spread, dot-product; batch: ffd-max, "
      "ffd-sum, ffd-l2, ffd-prod, bfd-max, bfd-sum, bfd-l2, bfd-prod, dot-product-fit, l2-diff, "
      "drf, flow, local-search");
  cmd->add_option("--format", args->format, "text (default), json, or html (a self-contained page)")
      ->check(CLI::IsMember({"text", "json", "html"}));
  cmd->add_option("--group-by", args->group_by,
                  "html: metadata key machines are grouped by (default zone; \"\" none)");
  cmd->add_flag(
      "--strict", args->strict,
      "Exit 1 on a unit that contradicts itself or names a unit or machine the spec lacks "
      "(default: that unit is pending unresolvable and the rest is placed)");
  cmd->add_flag("--preempt", args->preempt,
                "A pending unit may evict strictly lower-priority units (least disruptive victims, "
                "re-placed elsewhere or left pending; never lost)");
  cmd->callback([args, &ctx] { ctx.exit_code = run_place(*args, ctx); });
  ctx.store_verbs.insert(cmd->get_name());
}

}  // namespace

BERTH_REGISTER_COMMAND(place, 10, setup);

}  // namespace berth::cli
