// Fuzzes the machine-type catalogue reader of `berth capacity` (plan/catalogue.hpp): only
// one-line berth::Errors for bad input; an accepted catalogue has named, unique types whose
// reserve fits their capacity, and every cost formats back to text that parses to itself.
#include <set>
#include <string>

#include "berth/plan/catalogue.hpp"
#include "fuzz_support.hpp"

using namespace berth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  plan::Catalogue catalogue;
  try {
    catalogue = plan::parse_catalogue_json(text, "fuzz.json");
  } catch (const Error& e) {
    fuzz::check_error(e);
    return 0;
  }
  std::set<std::string> names;
  for (const auto& type : catalogue.types) {
    if (type.name.empty()) fuzz::fail("machine type without a name accepted", text);
    if (!names.insert(type.name).second) fuzz::fail("machine type named twice accepted", text);
    if (!type.reserved.fits_in(type.capacity)) fuzz::fail("reserve above capacity accepted", text);
    if (type.cost < 0) fuzz::fail("negative cost accepted", text);
    const std::string cost = plan::format_cost(type.cost);
    try {
      if (plan::parse_cost(cost, "cost") != type.cost) fuzz::fail("cost round trip", text, cost);
    } catch (const Error& e) {
      fuzz::fail(std::string("formatted cost rejected: ") + e.what(), text, cost);
    }
  }
  return 0;
}
