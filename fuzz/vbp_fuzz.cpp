// Fuzzes the .vbp reader; an accepted instance written back must read to the same instance.
#include <string>

#include "berth/pack/vbp.hpp"
#include "fuzz_support.hpp"

using namespace berth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(fuzz::as_text(data, size));
  pack::Instance inst;
  try {
    inst = pack::parse_vbp(text, "fuzz.vbp");
  } catch (const Error& e) {
    fuzz::check_error(e);
    return 0;
  }
  if (inst.dims == 0 || inst.capacity.size() != inst.dims || inst.sizes.size() % inst.dims != 0)
    fuzz::fail("accepted instance has an inconsistent shape", text);
  // Writing millions of lines back would make every such input slow; the shape is what matters.
  if (inst.item_count() > 100'000) return 0;
  std::string first = pack::to_vbp(inst);
  pack::Instance again;
  try {
    again = pack::parse_vbp(first, "roundtrip.vbp");
  } catch (const Error& e) {
    fuzz::fail(std::string("written instance does not parse back: ") + e.what(), text, first);
  }
  if (again.capacity != inst.capacity || again.sizes != inst.sizes)
    fuzz::fail("vbp round trip differs", first, pack::to_vbp(again));
  return 0;
}
