#pragma once
// Subcommand registry for the berth CLI. Each cmd_<verb>.cpp registers itself with
// BERTH_REGISTER_COMMAND, so adding a verb touches no shared file.
//
// Exit codes (the CLI contract, docs/cli.md): 0 = done (everything placed / plan safe),
// 2 = a valid answer that is a "no" (units pending, reboot plan blocked), 1 = invalid input or
// misuse (one line on stderr starting with "berth: error: ").
#include <CLI/CLI.hpp>

#include <functional>
#include <set>
#include <string>

namespace berth::cli {

constexpr int kExitOk = 0;
constexpr int kExitInvalid = 1;
constexpr int kExitPending = 2;

/// Options every verb can read, and the verb's result.
struct Context {
  int exit_code = kExitOk;
  std::string store;                    ///< --store URL ("" = none); BERTH_STORE when unset
  CLI::Option* store_option = nullptr;  ///< count() > 0 when --store was given (maybe bare)
  /// Verbs that read or write a store (they add themselves in their setup). `--store` given
  /// to any other verb is a usage error (usage.308), not silently ignored.
  std::set<std::string> store_verbs;
};

using CommandSetup = std::function<void(CLI::App& app, Context& ctx)>;

/// Registers a verb; `order` sorts the help listing. Returns true (for static init).
bool register_command(const std::string& name, int order, CommandSetup setup);

}  // namespace berth::cli

#define BERTH_REGISTER_COMMAND(ident, order, fn)       \
  static const bool berth_command_registered_##ident = \
      ::berth::cli::register_command(#ident, order, fn)
