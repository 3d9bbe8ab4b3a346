#pragma once
// Shared helpers for berth's libFuzzer targets. A target may throw berth::Error (bad input is
// expected to be rejected that way); any other exception escapes to libFuzzer, which reports
// it as a crash, because it means a parser leaked an implementation detail (a nlohmann or
// std::out_of_range exception) instead of a located, id-carrying error.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "berth/error.hpp"

namespace berth::fuzz {

/// Aborts (so libFuzzer saves the input) when an invariant is broken.
[[noreturn]] inline void fail(const std::string& what, std::string_view a = {},
                              std::string_view b = {}) {
  std::fprintf(stderr, "berth fuzz invariant broken: %s\n", what.c_str());
  if (!a.empty()) std::fprintf(stderr, "--- first:\n%.*s\n", int(a.size()), a.data());
  if (!b.empty()) std::fprintf(stderr, "--- second:\n%.*s\n", int(b.size()), b.data());
  std::abort();
}

/// The bytes as text.
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Every berth::Error must carry its id at the start of what(); a message without one would
/// break the CLI's one-line contract and the catalogue in docs/errors.md.
inline void check_error(const berth::Error& e) {
  std::string what = e.what();
  if (what.rfind("[berth.", 0) != 0) fail("error without an id: " + what);
  for (char c : what) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      fail("control character in error: " + what);
  }
}

}  // namespace berth::fuzz
