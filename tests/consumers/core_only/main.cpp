// Places a spec with berth's core libraries only (no store): prints the placement and fails
// unless it is the one expected.
#include <berth/io/result_json.hpp>
#include <berth/io/spec_json.hpp>
#include <berth/place/place.hpp>

#include <cstdio>

int main() {
  const berth::Spec spec = berth::parse_spec_json(R"({
    "machines": [{"name": "m1", "capacity": {"cpu": "2", "memory": "2GiB"}},
                 {"name": "m2", "capacity": {"cpu": "1", "memory": "1GiB"}}],
    "units": [{"name": "web", "replicas": 2, "requests": {"cpu": "1", "memory": "1GiB"}},
              {"name": "big", "requests": {"cpu": "4"}}]})");
  const berth::PlacementResult result = berth::place(spec, {berth::StrategyKind::BestFit});
  std::printf("%s\n", berth::placement_json_text(result).c_str());
  // web@1 and web@2 fit; big (4 cpu) is bigger than every machine.
  return result.placements.size() == 2 && result.pending.size() == 1 ? 0 : 1;
}
