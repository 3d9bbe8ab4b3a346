// berth: where containers should run. The verbs live in cmd_*.cpp; this file only wires them.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include "berth/allocator_policy.hpp"
#include "berth/error.hpp"
#include "command.hpp"

namespace berth::cli {
namespace {

struct Registered {
  std::string name;
  int order;
  CommandSetup setup;
};

std::vector<Registered>& registry() {
  static std::vector<Registered> commands;
  return commands;
}

}  // namespace

bool register_command(const std::string& name, int order, CommandSetup setup) {
  registry().push_back({name, order, std::move(setup)});
  return true;
}

}  // namespace berth::cli

int main(int argc, char** argv) {
  using namespace berth::cli;
  // The CLI, not the library, sets its own process's allocator policy (no fast bins, a heap on
  // transparent huge pages): src/allocator_policy.cpp says why.
  berth::use_cli_allocator_policy();
  CLI::App app{"berth: decides where containers should run, and says why when they can't."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "berth 0.1.0");
  Context ctx;
  ctx.store_option = app.add_option("--store", ctx.store,
                                    "State store: sqlite:PATH or etcd:http://HOST:PORT (bare "
                                    "--store: sqlite:./berth.db; default: $BERTH_STORE, or none)")
                         ->expected(0, 1);
  app.fallthrough();

  auto& commands = registry();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const Registered& a, const Registered& b) { return a.order < b.order; });
  for (auto& c : commands) c.setup(app, ctx);
  // Runs after the whole command line is parsed and before any verb runs: --store given to a
  // verb that never reads a store would otherwise be ignored, and the user would believe the
  // answer came from (or went to) the store.
  app.parse_complete_callback([&app, &ctx] {
    if (ctx.store_option->count() == 0) return;
    for (const CLI::App* verb : app.get_subcommands()) {
      if (ctx.store_verbs.count(verb->get_name()) == 0) {
        // "apply, place and state": a list read as English.
        std::vector<std::string> verbs(ctx.store_verbs.begin(), ctx.store_verbs.end());
        std::string list = verbs.back();
        if (verbs.size() > 1) {
          verbs.pop_back();
          list = fmt::format("{} and {}", fmt::join(verbs, ", "), list);
        }
        throw berth::UsageError(
            308, fmt::format("--store: berth {} does not use a state store (only {} do); "
                             "drop --store, or export the stored cluster with `berth state export` "
                             "and give the spec to {}",
                             verb->get_name(), list, verb->get_name()));
      }
    }
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Argument errors carry an id like every other error, so scripts can grep them.
    std::fprintf(stderr, "berth: error: [berth.usage.300] %s (see berth --help)\n", e.what());
    return kExitInvalid;
  } catch (const berth::Error& e) {
    std::fprintf(stderr, "berth: error: %s\n", e.what());
    return kExitInvalid;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "berth: error: %s\n", e.what());
    return kExitInvalid;
  }
  return ctx.exit_code;
}
