// Fuzzes the quantity parsers and checks that the exact formatters round-trip.
#include <cstring>
#include <string>

#include "berth/model/quantity.hpp"
#include "fuzz_support.hpp"

using namespace berth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  // Parsed values must format back to text that parses to the same value.
  try {
    Bytes b = parse_bytes(text, "f");
    if (b < 0) fuzz::fail("negative bytes accepted", text);
    std::string s = format_bytes_exact(b);
    if (parse_bytes(s, "f") != b) fuzz::fail("bytes round trip", text, s);
    (void)format_bytes(b);
  } catch (const Error& e) {
    fuzz::check_error(e);
  }
  try {
    Millicores m = parse_cpu(text, "f");
    if (m < 0) fuzz::fail("negative cpu accepted", text);
    std::string s = format_cpu(m);
    if (parse_cpu(s, "f") != m) fuzz::fail("cpu round trip", text, s);
  } catch (const Error& e) {
    fuzz::check_error(e);
  }
  try {
    (void)parse_count(text, "f");
  } catch (const Error& e) {
    fuzz::check_error(e);
  }
  // Any non-negative 64-bit value formats to text that parses back exactly.
  if (size >= 8) {
    std::int64_t v;
    std::memcpy(&v, data, 8);
    if (v < 0) v = -(v + 1);
    try {
      std::string s = format_bytes_exact(v);
      if (parse_bytes(s, "f") != v)
        fuzz::fail("format_bytes_exact round trip of " + std::to_string(v), s);
      std::string c = format_cpu(v);
      if (parse_cpu(c, "f") != v) fuzz::fail("format_cpu round trip of " + std::to_string(v), c);
    } catch (const Error& e) {
      fuzz::fail(std::string("formatted value rejected: ") + e.what());
    }
  }
  return 0;
}
