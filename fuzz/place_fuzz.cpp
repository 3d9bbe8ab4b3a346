// Parses a spec and places it; the result must keep every promise the independent checker in
// tests/support/invariants.hpp knows (no overcommit, nothing lost, constraints kept). Sizes
// are capped so one input cannot take seconds.
#include <string>

#include "berth/io/spec_json.hpp"
#include "berth/place/place.hpp"
#include "fuzz_support.hpp"
#include "support/invariants.hpp"

using namespace berth;

namespace {
constexpr std::size_t kMaxMachines = 24;
constexpr std::size_t kMaxUnits = 24;
constexpr long kMaxInstances = 64;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto strategy_byte = data[0];
  std::string_view text = fuzz::as_text(data + 1, size - 1);
  Spec spec;
  try {
    spec = parse_spec_json(text, "fuzz.json");
  } catch (const Error& e) {
    fuzz::check_error(e);
    return 0;
  }
  if (spec.machines.size() > kMaxMachines || spec.units.size() > kMaxUnits) return 0;
  long instances = 0;
  for (const auto& u : spec.units) {
    instances += u.constraints.global ? long(spec.machines.size()) : u.replicas.value_or(1);
  }
  if (instances > kMaxInstances) return 0;

  PlaceOptions options;
  const StrategyKind kinds[] = {StrategyKind::BestFit, StrategyKind::Spread, StrategyKind::FirstFit,
                                StrategyKind::LeastLoaded, StrategyKind::DotProduct};
  options.strategy = kinds[strategy_byte % 5];
  PlacementResult result;
  try {
    result = place(spec, options);
  } catch (const Error& e) {
    fuzz::check_error(e);
    return 0;
  }
  // Existing placements are kept as given even when they overcommit or break constraints (the
  // engine warns), and the checker would blame those on the engine; with them, only the
  // "nothing lost" part is checked.
  std::vector<std::string> bad;
  if (spec.placements.empty()) {
    bad = berth::testing::check_placement(spec, result);
  } else {
    for (const auto& inst : berth::testing::expected_instances(spec)) {
      if (!result.placements.count(inst.name)) {
        bool pending = false;
        for (const auto& p : result.pending) pending = pending || p.unit == inst.name;
        if (!pending) bad.push_back("lost: " + inst.name);
      }
    }
  }
  if (!bad.empty()) {
    std::string all;
    for (const auto& b : bad) all += b + "\n";
    fuzz::fail("placement broke a promise", all, text);
  }
  return 0;
}
