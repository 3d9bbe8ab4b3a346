// Fuzzes the systemd unit-file parser and the [X-Fleet] conversion into a berth::Unit. The
// unit, loaded into a Spec, must survive the JSON round trip (fleet input means the same thing
// once saved as a spec), and lint mode (problems collected) must never throw where the strict
// mode would not, nor the other way round.
#include <string>
#include <vector>

#include "berth/fleet/unit_file.hpp"
#include "berth/fleet/unit_name.hpp"
#include "berth/fleet/x_fleet.hpp"
#include "berth/io/spec_json.hpp"
#include "fuzz_support.hpp"

using namespace berth;

namespace {
// The name decides what %i/%p expand to and whether template rules apply.
const char* const kNames[] = {"web.service", "web@1.service", "web@.service", "db@a-b.socket"};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto name = fleet::parse_unit_name(kNames[data[0] % 4]);
  std::string_view text = fuzz::as_text(data + 1, size - 1);

  // Lint mode: nothing throws, problems are collected.
  std::vector<fleet::Problem> problems;
  fleet::UnitFile collected = fleet::parse_unit_file(text, "fuzz.service", &problems);
  try {
    (void)fleet::convert_unit(collected, *name, &problems);
  } catch (const Error& e) {
    fuzz::fail(std::string("convert_unit threw in collect mode: ") + e.what());
  }
  for (const auto& p : problems) (void)fleet::format_problem(p);

  // Strict mode: the first error throws.
  fleet::FleetUnit unit;
  try {
    fleet::UnitFile file = fleet::parse_unit_file(text, "fuzz.service");
    unit = fleet::convert_unit(file, *name, nullptr);
  } catch (const Error& e) {
    fuzz::check_error(e);
    return 0;
  }

  Spec spec;
  Machine m;
  m.name = "m1";
  m.capacity = Resources{};
  spec.machines.push_back(m);
  spec.units.push_back(unit.unit);
  std::string first = write_spec_json(spec);
  try {
    std::string second = write_spec_json(parse_spec_json(first, "roundtrip.json"));
    if (first != second) fuzz::fail("unit spec round trip differs", first, second);
  } catch (const Error& e) {
    fuzz::fail(std::string("a unit fleet accepts cannot be saved as a spec: ") + e.what(), text,
               first);
  }
  return 0;
}
