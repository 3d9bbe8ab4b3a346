// Fuzzes fleet's metadata strings, machines files and fleet.conf files. Machines a file
// accepts must survive the JSON spec round trip.
#include <string>
#include <vector>

#include "berth/fleet/machines.hpp"
#include "berth/io/spec_json.hpp"
#include "fuzz_support.hpp"

using namespace berth;

namespace {
void round_trip(std::vector<Machine> machines, std::string_view input) {
  Spec spec;
  spec.machines = std::move(machines);
  std::string first = write_spec_json(spec);
  try {
    std::string second = write_spec_json(parse_spec_json(first, "roundtrip.json"));
    if (first != second) fuzz::fail("machines round trip differs", first, second);
  } catch (const Error& e) {
    fuzz::fail(std::string("accepted machines cannot be saved as a spec: ") + e.what(), input,
               first);
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int mode = data[0] % 3;
  std::string_view text = fuzz::as_text(data + 1, size - 1);
  try {
    if (mode == 0) {
      (void)fleet::parse_fleet_metadata(text, SourceLocation{"fuzz.conf", 1, 1});
    } else if (mode == 1) {
      std::vector<std::string> warnings;
      round_trip(fleet::parse_machines_file(text, "fuzz.machines", &warnings), text);
    } else {
      std::vector<std::string> warnings;
      round_trip({fleet::parse_fleet_conf(text, "fuzz.conf", "m1", &warnings)}, text);
    }
  } catch (const Error& e) {
    fuzz::check_error(e);
  }
  return 0;
}
