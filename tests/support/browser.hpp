#pragma once
// Helpers for the tests that render pages in Debian's chromium (headless): the browser's path,
// running a command and reading what it prints, counting occurrences in a page.
#include <cstdio>
#include <string>

namespace berth::testing {

inline const char* kChromium = "/usr/bin/chromium";

/// Occurrences of `needle` in `text` (overlapping ones too).
inline std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t pos = text.find(needle); pos != std::string::npos;
       pos = text.find(needle, pos + 1))
    ++n;
  return n;
}

/// What `cmd` (run by the shell) writes to its standard output; "" when it cannot start.
inline std::string capture(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[8192];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

}  // namespace berth::testing
