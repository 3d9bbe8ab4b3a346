#pragma once
// Using a state store from the CLI: which store the user asked for, and `berth place` against
// a store (snapshot -> place -> commit with retries). See docs/stores.md.
#include <string>

#include "berth/model/spec.hpp"
#include "berth/place/place.hpp"
#include "command.hpp"

namespace berth::cli {

/// The store URL the user asked for: `--store URL`; bare `--store` means BERTH_STORE when set,
/// else `sqlite:./berth.db`; no `--store` means BERTH_STORE when set, else "" (no store).
std::string resolve_store_url(const Context& ctx);

/// Adds `spec`'s machines and units to the store at `url`, places every unplaced instance on a
/// fresh snapshot and commits the plan (retrying on conflicts), then prints the result as plain
/// `berth place` does (`format` "text" or "json"). Returns 0 when all placed, 2 when some are
/// pending. Throws berth::Error on bad input or a store failure.
int place_with_store(const std::string& url, const berth::Spec& spec,
                     const berth::PlaceOptions& options, const std::string& format);

}  // namespace berth::cli
