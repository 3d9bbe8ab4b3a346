#pragma once
/// \file Byte-order sorting of ids by name, cheap at 100k+ names (private to berth_place).
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace berth::detail {

/// Bytes [from, from + 8) of `s` as a big-endian word, zero-padded past the end. Comparing
/// two such words orders like comparing those bytes of the strings (unsigned, as std::string's
/// <); when both words of the first 16 bytes are equal, the whole strings must decide.
inline std::uint64_t head_word(std::string_view s, std::size_t from) {
  std::uint64_t w = 0;
  for (std::size_t b = 0; b < 8; ++b) {
    const std::size_t k = from + b;
    w = (w << 8) | (k < s.size() ? static_cast<unsigned char>(s[k]) : 0u);
  }
  return w;
}

/// Sorts ids by their names in std::string's byte order (names are distinct, so the order is
/// total). Each name's first 16 bytes are read once into two words, so most comparisons are
/// two integer comparisons on a small key instead of two indirections and a call to memcmp.
template <class Id, class NameOf>
void sort_by_name(std::vector<Id>& ids, NameOf&& name_of) {
  struct Key {
    std::uint64_t head0, head1;
    Id id;
  };
  std::vector<Key> keys;
  keys.reserve(ids.size());
  for (Id id : ids) {
    const std::string& name = name_of(id);
    keys.push_back({head_word(name, 0), head_word(name, 8), id});
  }
  std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
    if (a.head0 != b.head0) return a.head0 < b.head0;
    if (a.head1 != b.head1) return a.head1 < b.head1;
    return name_of(a.id) < name_of(b.id);
  });
  for (std::size_t k = 0; k < ids.size(); ++k) ids[k] = keys[k].id;
}

}  // namespace berth::detail
