// berth [--store URL] apply SPEC.json [--strategy S] [--format text|json]
// Desired state: the store ends up holding exactly the spec's machines and units (docs/cli.md,
// docs/stores.md). Exit: 0 all placed, 2 some pending, 1 invalid input (nothing written).
#include <memory>

#include "berth/place/place.hpp"
#include "berth/state/apply.hpp"
#include "berth/state/store.hpp"
#include "command.hpp"
#include "inputs.hpp"
#include "store_support.hpp"

namespace berth::cli {
namespace {

struct ApplyArgs {
  std::string input;
  std::string strategy = "best-fit";
  std::string format = "text";
};

int run_apply(const ApplyArgs& args, const Context& ctx) {
  state::ApplyOptions options;
  options.place = place_options_for(args.strategy);
  // A desired spec may name no machine (it removes them all), so none is required here.
  Spec desired = load_spec_inputs({args.input}, "", "", /*machines_required=*/false);
  auto store = state::open_store(store_url_or_default(ctx));
  return print_apply_result(*store, state::apply(*store, desired, options), args.format);
}

void setup(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ApplyArgs>();
  CLI::App* cmd = app.add_subcommand("apply",
                                     "Make the store hold exactly SPEC: add, update, remove and "
                                     "reschedule (exit 0 all placed, 2 some pending)");
  cmd->add_option("spec", args->input, "The desired state: a JSON spec (machines and units)")
      ->required();
  cmd->add_option("--strategy", args->strategy,
                  "How units that need a machine pick one (as `place --strategy`)");
  cmd->add_option("--format", args->format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->callback([args, &ctx] { ctx.exit_code = run_apply(*args, ctx); });
  ctx.store_verbs.insert(cmd->get_name());
}

}  // namespace

BERTH_REGISTER_COMMAND(apply, 15, setup);

}  // namespace berth::cli
