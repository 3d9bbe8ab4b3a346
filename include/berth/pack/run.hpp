#pragma once
/// \file What `berth pack` does with an instance and its options, and the JSON it prints
/// (docs/pack.md#cli); shared by the CLI and the Python module.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "berth/export.hpp"
#include "berth/pack/instance.hpp"

namespace berth::pack {

struct PackRequest {
  std::string strategy = "search";  ///< a strategy name, or "all"
  /// Seconds: of counted work when `time_given` is false (deterministic, what `berth pack`
  /// does without --time-limit), of CPU time when it is true. Exact mode always uses CPU time.
  double time_limit = 1.0;
  bool time_given = false;
  bool exact = false;
  std::uint64_t seed = 1;
  std::uint64_t iterations = 0;  ///< > 0: bound the search by iterations (deterministic)
};

/// One strategy's packing, its lower bound and time.
struct PackRun {
  std::string strategy;
  Solution solution;
  std::size_t lower_bound = 0;
  bool proven = false;
  double seconds = 0;
  double gap = 0;
};

/// UsageError 353 for a negative time limit, 350 for an unknown strategy.
BERTH_API void check_pack_request(const PackRequest& request);

/// Checks the request (check_pack_request) and the instance, runs the strategy (every one for
/// "all", exact mode for `exact`) and validates every packing with the independent checker. One run
/// per strategy, in display order.
BERTH_API std::vector<PackRun> run_pack(const Instance& instance, const PackRequest& request);

/// The JSON `berth pack --format json` prints: an array of runs (with "strategy") for "all"
/// without exact mode, else one object.
BERTH_API nlohmann::json pack_to_json(const std::vector<PackRun>& runs, const PackRequest& request);

}  // namespace berth::pack
