#include "berth/constraint/glob.hpp"

namespace berth {
namespace {

// Matches one bracket expression at pattern[p] against c; advances p past it.
// Returns false (and leaves matched=false) for a malformed class, which then never matches.
bool match_class(std::string_view pattern, std::size_t& p, char c, bool& matched) {
  std::size_t i = p + 1;
  bool negate = false;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
    negate = true;
    ++i;
  }
  bool found = false;
  bool first = true;
  while (i < pattern.size() && (pattern[i] != ']' || first)) {
    first = false;
    char lo = pattern[i];
    if (lo == '\\' && i + 1 < pattern.size()) lo = pattern[++i];
    char hi = lo;
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      hi = pattern[i + 2];
      if (hi == '\\' && i + 3 < pattern.size()) hi = pattern[++i + 2];
      i += 2;
    }
    if (lo <= c && c <= hi) found = true;
    ++i;
  }
  if (i >= pattern.size()) return false;  // no closing bracket
  p = i + 1;
  matched = found != negate;
  return true;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view name) {
  // Iterative matcher with single-star backtracking: linear in practice, never exponential.
  std::size_t p = 0, n = 0;
  std::size_t star_p = std::string_view::npos, star_n = 0;
  while (n < name.size()) {
    if (p < pattern.size()) {
      char pc = pattern[p];
      if (pc == '*') {
        star_p = p++;
        star_n = n;
        continue;
      }
      if (pc == '?') {
        ++p;
        ++n;
        continue;
      }
      if (pc == '[') {
        std::size_t q = p;
        bool matched = false;
        if (match_class(pattern, q, name[n], matched)) {
          if (matched) {
            p = q;
            ++n;
            continue;
          }
        } else if (name[n] == '[') {  // malformed class: treat '[' literally
          ++p;
          ++n;
          continue;
        }
      } else {
        if (pc == '\\' && p + 1 < pattern.size()) pc = pattern[p + 1];
        if (pc == name[n]) {
          p += (pattern[p] == '\\' && p + 1 < pattern.size()) ? 2 : 1;
          ++n;
          continue;
        }
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p + 1;
    n = ++star_n;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool glob_is_literal(std::string_view pattern) {
  return pattern.find_first_of("*?[\\") == std::string_view::npos;
}

}  // namespace berth
