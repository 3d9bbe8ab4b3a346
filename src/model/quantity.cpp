#include "berth/model/quantity.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <limits>
#include <utility>

#include "berth/error.hpp"

namespace berth {
namespace {

using i128 = __int128;
constexpr i128 kMax = std::numeric_limits<std::int64_t>::max();

/// A decimal number split into an integer numerator and a count of decimal places:
/// "1.25" -> {125, 2}. Exponents ("1e3") fold into the places.
struct Decimal {
  i128 numerator = 0;
  int places = 0;
};

[[noreturn]] void fail(std::string_view field, std::string_view text, std::string_view why) {
  throw ValidationError(201, std::string(field),
                        fmt::format("invalid quantity \"{}\": {}", text, why));
}

/// Reads the numeric prefix; returns the rest (the suffix).
std::string_view read_decimal(std::string_view text, std::string_view field, Decimal& out) {
  std::size_t i = 0;
  if (i < text.size() && text[i] == '+') ++i;
  if (i < text.size() && text[i] == '-') fail(field, text, "must not be negative");
  bool any_digit = false;
  bool seen_point = false;
  int digits = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      any_digit = true;
      if (out.numerator == 0 && c == '0') {  // leading zeros hold no digits, only places
        if (seen_point) ++out.places;
        continue;
      }
      if (++digits > 30) fail(field, text, "too many digits (overflows a 64-bit integer)");
      out.numerator = out.numerator * 10 + (c - '0');
      if (seen_point) ++out.places;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!any_digit) fail(field, text, "expected a number such as 2, 0.5, 500m, 512Mi or 2GiB");
  // Exponent (Kubernetes writes "1e3"); only when followed by digits, since "E" alone is exa.
  if (i + 1 < text.size() && (text[i] == 'e' || text[i] == 'E') &&
      (std::isdigit(static_cast<unsigned char>(text[i + 1])) ||
       ((text[i + 1] == '+' || text[i + 1] == '-') && i + 2 < text.size() &&
        std::isdigit(static_cast<unsigned char>(text[i + 2]))))) {
    std::size_t j = i + 1;
    bool negative = false;
    if (text[j] == '+' || text[j] == '-') negative = text[j++] == '-';
    int exponent = 0;
    for (; j < text.size() && std::isdigit(static_cast<unsigned char>(text[j])); ++j) {
      exponent = exponent * 10 + (text[j] - '0');
      if (exponent > 40) fail(field, text, "exponent out of range");
    }
    out.places += negative ? exponent : -exponent;
    i = j;
  }
  return text.substr(i);
}

/// Removes up to `most` factors of `prime` from `value`; returns how many it removed.
int strip_factor(i128& value, int prime, int most) {
  int removed = 0;
  while (removed < most && value != 0 && value % prime == 0) {
    value /= prime;
    ++removed;
  }
  return removed;
}

/// numerator / 10^places * multiplier, exactly, or fail.
/// The numerator may have 30 digits and the multiplier 2^60, so neither the product nor
/// 10^places (places up to 70) fits in 128 bits: divide 10^places = 2^places * 5^places out
/// of the two factors first (found by quantity_fuzz: "8553553720385535533160Ei" overflowed
/// the 128-bit product and was accepted as a negative number of bytes).
std::int64_t scale(const Decimal& d, i128 multiplier, std::string_view field, std::string_view text,
                   std::string_view unit) {
  i128 value = d.numerator;
  if (value == 0) return 0;
  if (d.places <= 0) {
    for (int k = 0; k < -d.places && value <= kMax; ++k) value *= 10;
  } else {
    i128 factor = multiplier;
    for (int prime : {2, 5}) {
      const int from_value = strip_factor(value, prime, d.places);
      if (from_value + strip_factor(factor, prime, d.places - from_value) < d.places) {
        fail(field, text, fmt::format("not a whole number of {}", unit));
      }
    }
    multiplier = factor;
  }
  // value and multiplier are now at most ~10^30 each; compare before multiplying.
  if (value > kMax || value > kMax / multiplier) fail(field, text, "overflows a 64-bit integer");
  return static_cast<std::int64_t>(value * multiplier);
}

struct Suffix {
  std::string_view name;
  i128 multiplier;
};

i128 pow_i(i128 base, int n) {
  i128 r = 1;
  for (int k = 0; k < n; ++k) r *= base;
  return r;
}

std::int64_t parse_scaled(std::string_view text, std::string_view field, std::string_view unit) {
  std::string_view trimmed = text;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front())))
    trimmed.remove_prefix(1);
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back())))
    trimmed.remove_suffix(1);
  if (trimmed.empty()) fail(field, text, "empty");
  Decimal d;
  std::string_view suffix = read_decimal(trimmed, field, d);
  while (!suffix.empty() && suffix.front() == ' ') suffix.remove_prefix(1);
  static const std::array<Suffix, 27> kSuffixes = {{
      {"", 1},
      {"B", 1},
      {"k", pow_i(10, 3)},
      {"K", pow_i(10, 3)},
      {"kB", pow_i(10, 3)},
      {"KB", pow_i(10, 3)},
      {"M", pow_i(10, 6)},
      {"MB", pow_i(10, 6)},
      {"G", pow_i(10, 9)},
      {"GB", pow_i(10, 9)},
      {"T", pow_i(10, 12)},
      {"TB", pow_i(10, 12)},
      {"P", pow_i(10, 15)},
      {"PB", pow_i(10, 15)},
      {"E", pow_i(10, 18)},
      {"EB", pow_i(10, 18)},
      {"Ki", pow_i(2, 10)},
      {"KiB", pow_i(2, 10)},
      {"Mi", pow_i(2, 20)},
      {"MiB", pow_i(2, 20)},
      {"Gi", pow_i(2, 30)},
      {"GiB", pow_i(2, 30)},
      {"Ti", pow_i(2, 40)},
      {"TiB", pow_i(2, 40)},
      {"Pi", pow_i(2, 50)},
      {"PiB", pow_i(2, 50)},
      {"Ei", pow_i(2, 60)},
  }};
  for (const auto& s : kSuffixes) {
    if (s.name == suffix) return scale(d, s.multiplier, field, text, unit);
  }
  if (suffix == "EiB") return scale(d, pow_i(2, 60), field, text, unit);
  fail(field, text,
       fmt::format("unknown suffix \"{}\" (use k, M, G, T, P, E for powers of ten or Ki, Mi, Gi, "
                   "Ti, Pi, Ei for powers of two, optionally followed by B)",
                   suffix));
}

}  // namespace

Millicores parse_cpu(std::string_view text, std::string_view field) {
  std::string_view trimmed = text;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front())))
    trimmed.remove_prefix(1);
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back())))
    trimmed.remove_suffix(1);
  if (trimmed.empty()) fail(field, text, "empty");
  Decimal d;
  std::string_view suffix = read_decimal(trimmed, field, d);
  if (suffix.empty()) return scale(d, 1000, field, text, "millicores");
  if (suffix == "m") return scale(d, 1, field, text, "millicores");
  fail(field, text,
       fmt::format("unknown CPU suffix \"{}\" (write cores as 2 or 0.5, or millicores as 500m)",
                   suffix));
}

Bytes parse_bytes(std::string_view text, std::string_view field) {
  return parse_scaled(text, field, "bytes");
}

std::int64_t parse_count(std::string_view text, std::string_view field) {
  return parse_scaled(text, field, "units");
}

std::string format_cpu(Millicores millis) {
  if (millis % 1000 == 0) return fmt::format("{}", millis / 1000);
  if (millis < 1000) return fmt::format("{}m", millis);
  std::string frac = fmt::format("{:03}", millis % 1000);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return fmt::format("{}.{}", millis / 1000, frac);
}

namespace {

std::string format_bytes_rounded(Bytes bytes, bool up) {
  static constexpr std::array<std::string_view, 7> kUnits = {"B",   "KiB", "MiB", "GiB",
                                                             "TiB", "PiB", "EiB"};
  bool negative = bytes < 0;
  unsigned long long v = negative ? 0ULL - static_cast<unsigned long long>(bytes)
                                  : static_cast<unsigned long long>(bytes);
  std::size_t unit = 0;
  unsigned long long div = 1;
  while (unit + 1 < kUnits.size() && v >= div * 1024) {
    div *= 1024;
    ++unit;
  }
  // Display only: two decimals, trailing zeros trimmed. 128-bit: (v % div) * 100 exceeds 2^64
  // in the EiB range.
  unsigned long long whole = v / div;
  const unsigned __int128 scaled = static_cast<unsigned __int128>(v % div) * 100;
  auto hundredths = static_cast<unsigned long long>(scaled / div);
  if (up && scaled % div != 0 && ++hundredths == 100) {
    hundredths = 0;
    ++whole;
    if (whole == 1024 && unit + 1 < kUnits.size()) {  // 1023.999 KiB rounds up to 1 MiB
      whole = 1;
      ++unit;
    }
  }
  std::string num = fmt::format("{}", whole);
  if (hundredths != 0) {
    std::string frac = fmt::format("{:02}", hundredths);
    if (frac.back() == '0') frac.pop_back();
    num += "." + frac;
  }
  return fmt::format("{}{} {}", negative ? "-" : "", num, kUnits[unit]);
}

}  // namespace

std::string format_bytes(Bytes bytes) { return format_bytes_rounded(bytes, false); }

std::string format_bytes_at_least(Bytes bytes) { return format_bytes_rounded(bytes, bytes >= 0); }

std::string format_bytes_exact(Bytes bytes) {
  if (bytes == 0) return "0";
  static constexpr std::array<std::pair<std::string_view, std::int64_t>, 10> kExact = {{
      {"Ei", std::int64_t{1} << 60},
      {"Pi", std::int64_t{1} << 50},
      {"Ti", std::int64_t{1} << 40},
      {"Gi", std::int64_t{1} << 30},
      {"Mi", std::int64_t{1} << 20},
      {"Ki", std::int64_t{1} << 10},
      {"G", 1000000000LL},
      {"M", 1000000LL},
      {"k", 1000LL},
      {"", 1},
  }};
  for (const auto& [name, mult] : kExact) {
    if (bytes % mult == 0) return fmt::format("{}{}", bytes / mult, name);
  }
  return fmt::format("{}", bytes);
}

}  // namespace berth
