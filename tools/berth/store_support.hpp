#pragma once
// Using a state store from the CLI: which store the user asked for, and `berth place` against
// a store (snapshot -> place -> commit with retries). See docs/stores.md.
#include <string>

#include "berth/model/spec.hpp"
#include "berth/place/place.hpp"
#include "command.hpp"

namespace berth::state {
class StateStore;
struct ApplyResult;
}  // namespace berth::state

namespace berth::cli {

/// The store URL the user asked for: `--store URL`; bare `--store` means BERTH_STORE when set,
/// else `sqlite:./berth.db`; no `--store` means BERTH_STORE when set, else "" (no store).
std::string resolve_store_url(const Context& ctx);

/// resolve_store_url, or `sqlite:./berth.db` when it gives none: for the verbs that only make
/// sense on a store (state, apply).
std::string store_url_or_default(const Context& ctx);

/// Prints what apply / a state verb did, as `place --store` prints its answer (`format` "text"
/// or "json": place's JSON plus "changes" and "commit"); returns 0 when every instance has a
/// machine, 2 when some are pending.
int print_apply_result(const state::StateStore& store, const state::ApplyResult& result,
                       const std::string& format);

/// Adds `spec`'s machines and units to the store at `url`, places every unplaced instance on a
/// fresh snapshot and commits the plan (retrying on conflicts), then prints the result as plain
/// `berth place` does (`format` "text" or "json"). Returns 0 when all placed, 2 when some are
/// pending. Throws berth::Error on bad input or a store failure.
int place_with_store(const std::string& url, const berth::Spec& spec,
                     const berth::PlaceOptions& options, const std::string& format);

}  // namespace berth::cli
