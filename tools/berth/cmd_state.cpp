// berth [--store URL] state import SPEC | export [--format json] | show
//                         | remove unit NAME | remove machine NAME
//                         | set-machine NAME --state up|draining|rebooting|down
// The stored cluster: load a spec into it, print it back as a spec, summarise it, or change it
// as an operator (each change one optimistic commit through state/apply.hpp; exit 0 all
// placed, 2 some pending, 1 invalid).
#include <fmt/format.h>

#include <cstdio>
#include <map>
#include <memory>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/model/instance_name.hpp"
#include "berth/place/cluster.hpp"
#include "berth/state/apply.hpp"
#include "berth/state/store.hpp"
#include "command.hpp"
#include "inputs.hpp"
#include "store_support.hpp"

namespace berth::cli {
namespace {

std::string store_url(const Context& ctx) { return store_url_or_default(ctx); }

struct ChangeArgs {
  std::string name;
  std::string state;
  std::string strategy = "best-fit";
  std::string format = "text";
};

int run_change(const std::string& verb, const ChangeArgs& args, const Context& ctx) {
  state::ApplyOptions options;
  options.place = place_options_for(args.strategy);
  auto store = state::open_store(store_url(ctx));
  state::ApplyResult r;
  if (verb == "unit") {
    r = state::remove_unit(*store, args.name, options);
  } else if (verb == "machine") {
    r = state::remove_machine(*store, args.name, options);
  } else {
    // CLI11 checked the word; parse_machine_state is the one place that maps words to states.
    r = state::set_machine_state(*store, args.name, *parse_machine_state(args.state), options);
  }
  return print_apply_result(*store, r, args.format);
}

// --strategy and --format, as apply takes them.
void add_change_options(CLI::App* cmd, ChangeArgs& args) {
  cmd->add_option("--strategy", args.strategy,
                  "How rescheduled units pick machines (as `place --strategy`)");
  cmd->add_option("--format", args.format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
}

int run_import(const std::string& input, const Context& ctx) {
  Spec spec = load_spec_inputs({input}, "", "", /*machines_required=*/false);
  auto store = state::open_store(store_url(ctx));
  // Conflicts can only come from a concurrent writer; a fresh snapshot settles them. On etcd a
  // big import is committed in chunks; chunks committed before a conflict stand, and the next
  // round imports the rest (what the first round planned is what the import adds).
  std::size_t machines = 0, units = 0, placements = 0;
  int chunks = 0;
  for (int attempt = 0; attempt < 32; ++attempt) {
    state::Snapshot snap = store->snapshot();
    // The store checks capacity and names, but only a compiled cluster sees the whole
    // co-location graph (cycles, machine_of to a unit that is neither stored nor imported):
    // refuse the import before anything is written rather than store a spec `place` rejects.
    (void)Cluster::build(state::merge_spec(snap.spec, spec));
    Plan plan = state::plan_with_additions(snap, spec, Plan{});
    if (plan.empty() && chunks == 0) {
      std::printf("%s already holds everything in %s (revision %lld)\n", store->name().c_str(),
                  input.c_str(), static_cast<long long>(snap.revision));
      return kExitOk;
    }
    if (attempt == 0) {
      machines = plan.machines.size();
      units = plan.units.size();
      placements = plan.assignments.size();
    }
    state::CommitResult r = plan.empty() ? state::CommitResult{} : store->commit(plan, snap);
    if (plan.empty()) r.revision = snap.revision;
    chunks += r.chunks;
    if (r.committed()) {
      std::printf(
          "imported %zu machine(s), %zu unit(s), %zu placement(s) into %s (revision %lld%s)\n",
          machines, units, placements, store->name().c_str(), static_cast<long long>(r.revision),
          chunks > 1 ? fmt::format(", {} chunks", chunks).c_str() : "");
      return kExitOk;
    }
    if (r.status == state::CommitStatus::Rejected) {
      throw StoreError(407, store->name(), fmt::format("cannot import {}: {}", input, r.summary()));
    }
  }
  throw StoreError(408, store->name(), "import kept conflicting with other writers; try again");
}

int run_export(const Context& ctx) {
  auto store = state::open_store(store_url(ctx));
  std::fputs(write_spec_json(store->snapshot().spec).c_str(), stdout);
  return kExitOk;
}

std::string percent(std::int64_t used, std::int64_t of) {
  if (of <= 0) return used > 0 ? "over" : "-";
  return fmt::format("{:.0f}%", 100.0 * static_cast<double>(used) / static_cast<double>(of));
}

int run_show(const Context& ctx) {
  auto store = state::open_store(store_url(ctx));
  state::Snapshot snap = store->snapshot();
  const Spec& spec = snap.spec;
  std::map<std::string, const Unit*> units;
  for (const auto& u : spec.units) units.emplace(u.name, &u);
  const UnitNameIndex unit_names(spec.units);
  std::map<std::string, Resources> used;
  std::map<std::string, int> count;
  std::map<std::string, int> placed_of_unit;
  for (const auto& [inst, m] : spec.placements) {
    std::string u = unit_names.unit_of(inst);
    if (!u.empty()) {
      used[m] += units.at(u)->requests;
      ++placed_of_unit[u];
    }
    ++count[m];
  }
  std::map<std::string, int> by_state;
  for (const auto& m : spec.machines) ++by_state[to_string(m.state)];
  std::string states;
  for (const auto& [s, n] : by_state)
    states += fmt::format("{}{} {}", states.empty() ? "" : ", ", n, s);
  std::printf("store %s at revision %lld\n", store->name().c_str(),
              static_cast<long long>(snap.revision));
  std::printf("%zu machine(s)%s, %zu unit(s), %zu placed instance(s)\n", spec.machines.size(),
              states.empty() ? "" : fmt::format(" ({})", states).c_str(), spec.units.size(),
              spec.placements.size());
  if (!spec.machines.empty()) {
    std::printf("\n%-24s %-10s %6s %6s %7s\n", "MACHINE", "STATE", "UNITS", "CPU", "MEMORY");
    for (const auto& m : spec.machines) {
      Resources a = m.allocatable(), u = used[m.name];
      std::printf("%-24s %-10s %6d %6s %7s\n", m.name.c_str(), to_string(m.state), count[m.name],
                  percent(u.cpu, a.cpu).c_str(), percent(u.memory, a.memory).c_str());
    }
  }
  std::vector<std::string> unplaced;
  for (const auto& u : spec.units) {
    if (u.constraints.global) continue;  // one per matching machine: no fixed count to compare
    int want = u.replicas.value_or(1), have = placed_of_unit[u.name];
    if (have < want) unplaced.push_back(fmt::format("{} ({} of {} placed)", u.name, have, want));
  }
  if (!unplaced.empty()) {
    std::printf("\nnot fully placed: %s\n", fmt::format("{}", fmt::join(unplaced, ", ")).c_str());
  }
  return kExitOk;
}

void setup(CLI::App& app, Context& ctx) {
  CLI::App* cmd = app.add_subcommand(
      "state", "The stored cluster state (--store URL; default sqlite:./berth.db)");
  cmd->require_subcommand(1);
  ctx.store_verbs.insert(cmd->get_name());
  auto input = std::make_shared<std::string>();
  CLI::App* imp =
      cmd->add_subcommand("import", "Add a spec's machines, units and placements to the store");
  imp->add_option("spec", *input, "A JSON spec (or fleet unit input)")->required();
  imp->callback([input, &ctx] { ctx.exit_code = run_import(*input, ctx); });
  auto format = std::make_shared<std::string>("json");
  CLI::App* exp = cmd->add_subcommand(
      "export", "Print the stored state as a spec (placements hold every assignment)");
  exp->add_option("--format", *format, "json (the only format)")->check(CLI::IsMember({"json"}));
  exp->callback([format, &ctx] { ctx.exit_code = run_export(ctx); });  // keeps *format alive
  CLI::App* show = cmd->add_subcommand("show", "Summarise the stored state");
  show->callback([&ctx] { ctx.exit_code = run_show(ctx); });

  CLI::App* rm = cmd->add_subcommand(
      "remove", "Delete a unit or a machine from the store (a machine's units are rescheduled)");
  rm->require_subcommand(1);
  for (const char* what : {"unit", "machine"}) {
    auto args = std::make_shared<ChangeArgs>();
    CLI::App* sub = rm->add_subcommand(
        what, std::string(what) == "unit"
                  ? "Delete the unit and every placement of its instances"
                  : "Delete the machine; what ran on it moves elsewhere or is left pending");
    sub->add_option("name", args->name, std::string("The ") + what + "'s name")->required();
    add_change_options(sub, *args);
    std::string verb = what;
    sub->callback([verb, args, &ctx] { ctx.exit_code = run_change(verb, *args, ctx); });
  }
  auto set_args = std::make_shared<ChangeArgs>();
  CLI::App* set = cmd->add_subcommand(
      "set-machine",
      "Change a machine's state; its units are rescheduled as the ops rules say (docs/ops.md)");
  set->add_option("name", set_args->name, "The machine's name")->required();
  set->add_option("--state", set_args->state, "up, draining, rebooting or down")
      ->required()
      ->check(CLI::IsMember({"up", "draining", "rebooting", "down"}));
  add_change_options(set, *set_args);
  set->callback([set_args, &ctx] { ctx.exit_code = run_change("set-machine", *set_args, ctx); });
}

}  // namespace

BERTH_REGISTER_COMMAND(state, 60, setup);

}  // namespace berth::cli
