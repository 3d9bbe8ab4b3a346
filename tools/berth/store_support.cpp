// Store resolution and `berth place` against a store (docs/stores.md).
#include "store_support.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "berth/explain/format.hpp"
#include "berth/io/result_json.hpp"
#include "berth/state/apply.hpp"
#include "berth/state/store.hpp"

namespace berth::cli {

namespace {
constexpr const char* kDefaultStore = "sqlite:./berth.db";

// BERTH_STORE holds a URL; any other non-empty value (e.g. "1") asks for the default.
std::string from_env() {
  const char* env = std::getenv("BERTH_STORE");
  if (!env || !*env) return "";
  std::string v = env;
  return v.find(':') == std::string::npos ? kDefaultStore : v;
}
}  // namespace

std::string resolve_store_url(const Context& ctx) {
  bool given = ctx.store_option && ctx.store_option->count() > 0;
  if (given && !ctx.store.empty()) return ctx.store;
  std::string env = from_env();
  if (!env.empty()) return env;
  return given ? kDefaultStore : "";
}

std::string store_url_or_default(const Context& ctx) {
  std::string url = resolve_store_url(ctx);
  return url.empty() ? kDefaultStore : url;
}

namespace {

std::string changes_text(const state::Changes& c) {
  std::string out;
  auto line = [&](const char* what, const std::vector<std::string>& names) {
    if (!names.empty()) out += fmt::format("{}: {}\n", what, fmt::join(names, ", "));
  };
  line("added", c.added);
  line("updated", c.updated);
  line("removed", c.removed);
  line("removed instances", c.removed_instances);
  line("stopped (global, machine not up)", c.stopped);
  for (const auto& [inst, mv] : c.moved) {
    out += mv.to.empty() ? fmt::format("moved: {} {} -> pending\n", inst, mv.from)
                         : fmt::format("moved: {} {} -> {}\n", inst, mv.from, mv.to);
  }
  return out;
}

}  // namespace

int print_apply_result(const state::StateStore& store, const state::ApplyResult& r,
                       const std::string& format) {
  std::string note = r.plan.empty() ? fmt::format("{} already holds this state (revision {})",
                                                  store.name(), r.commit.revision)
                                    : fmt::format("committed to {} at revision {}", store.name(),
                                                  r.commit.revision);
  if (r.conflicts > 0) note += fmt::format(" after {} conflict(s) retried", r.conflicts);
  if (format == "json") {
    std::fputs((state::to_json(r).dump(2) + "\n").c_str(), stdout);
    std::fprintf(stderr, "berth: %s\n", note.c_str());
  } else {
    std::fputs(format_placement_text(r.spec, r.placement).c_str(), stdout);
    std::fputs(changes_text(r.changes).c_str(), stdout);
    std::fprintf(stdout, "%s\n", note.c_str());
  }
  return r.placement.ok() ? kExitOk : kExitPending;
}

int place_with_store(const std::string& url, const berth::Spec& spec,
                     const berth::PlaceOptions& options, const std::string& format) {
  auto store = state::open_store(url);
  state::PlaceCommitResult r = state::place_and_commit(*store, spec, options);
  std::string note = r.plan.empty()
                         ? fmt::format("nothing new to commit to {} (revision {})", store->name(),
                                       r.commit.revision)
                         : fmt::format("committed {} placement(s) to {} at revision {}",
                                       r.assignments_committed, store->name(), r.commit.revision);
  if (r.chunks > 1) note += fmt::format(" in {} chunks", r.chunks);
  if (r.conflicts > 0) note += fmt::format(" after {} conflict(s) retried", r.conflicts);
  if (format == "json") {
    const nlohmann::json j = state::to_json(r, store->name());
    std::fputs((j.dump(2) + "\n").c_str(), stdout);
    std::fprintf(stderr, "berth: %s\n", note.c_str());
  } else {
    std::fputs(format_placement_text(r.spec, r.placement).c_str(), stdout);
    std::fprintf(stdout, "%s\n", note.c_str());
  }
  return r.placement.ok() ? kExitOk : kExitPending;
}

}  // namespace berth::cli
