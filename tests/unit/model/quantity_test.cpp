#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "berth/error.hpp"
#include "berth/model/quantity.hpp"

using namespace berth;

namespace {

// What `fn` throws as a ValidationError, or "no error".
template <typename Fn>
std::string message(Fn fn) {
  try {
    fn();
  } catch (const ValidationError& e) {
    return std::string(e.what());
  }
  return std::string("no error");
}

}  // namespace

TEST_CASE("cpu quantities parse exactly into millicores", "[quantity]") {
  CHECK(parse_cpu("500m", "cpu") == 500);
  CHECK(parse_cpu("0.5", "cpu") == 500);
  CHECK(parse_cpu("2", "cpu") == 2000);
  CHECK(parse_cpu("1.25", "cpu") == 1250);
  CHECK(parse_cpu("0.001", "cpu") == 1);
  CHECK(parse_cpu(" 3 ", "cpu") == 3000);
  CHECK(parse_cpu("1e1", "cpu") == 10000);
}

TEST_CASE("byte quantities: decimal suffixes are powers of ten, i-suffixes powers of two",
          "[quantity]") {
  CHECK(parse_bytes("512M", "m") == 512'000'000);
  CHECK(parse_bytes("512MB", "m") == 512'000'000);
  CHECK(parse_bytes("1.5Gi", "m") == 1'610'612'736);
  CHECK(parse_bytes("2GiB", "m") == 2LL * 1024 * 1024 * 1024);
  CHECK(parse_bytes("15GB", "m") == 15'000'000'000);
  CHECK(parse_bytes("1024", "m") == 1024);
  CHECK(parse_bytes("1k", "m") == 1000);
  CHECK(parse_bytes("1Ki", "m") == 1024);
  CHECK(parse_bytes("70Mi", "m") == 70LL * 1024 * 1024);
  CHECK(parse_bytes("1e3", "m") == 1000);
  CHECK(parse_bytes("7Ei", "m") == 7LL * (1LL << 60));
}

TEST_CASE("bad quantities name the field and say what is wrong", "[quantity]") {
  CHECK_THAT(message([] { parse_bytes("-1", "machine m1: capacity.memory"); }),
             Catch::Contains("machine m1: capacity.memory") && Catch::Contains("negative"));
  CHECK_THAT(message([] { parse_cpu("abc", "unit web: requests.cpu"); }),
             Catch::Contains("unit web: requests.cpu") && Catch::Contains("expected a number"));
  CHECK_THAT(message([] { parse_bytes("99999999999999999999999", "f"); }),
             Catch::Contains("overflow"));
  CHECK_THAT(message([] { parse_bytes("9Ei", "f"); }), Catch::Contains("overflow"));
  CHECK_THAT(message([] { parse_bytes("0.5", "f"); }),
             Catch::Contains("not a whole number of bytes"));
  CHECK_THAT(message([] { parse_cpu("0.0001", "f"); }),
             Catch::Contains("not a whole number of millicores"));
  CHECK_THAT(message([] { parse_bytes("12XB", "f"); }), Catch::Contains("unknown suffix"));
  CHECK_THAT(message([] { parse_cpu("2 cores", "f"); }), Catch::Contains("unknown CPU suffix"));
  CHECK_THAT(message([] { parse_bytes("", "f"); }), Catch::Contains("empty"));
  CHECK_THAT(message([] { parse_bytes("1.2.3", "f"); }), Catch::Contains("unknown suffix"));
  CHECK_THROWS_AS(parse_bytes("-1", "f"), ValidationError);
}

TEST_CASE("huge numerators and many decimal places stay exact (quantity_fuzz regressions)",
          "[quantity]") {
  // 30 digits times 2^60 overflowed the 128-bit intermediate and came out negative.
  CHECK_THAT(message([] { parse_bytes("8553553720385535533160Ei", "f"); }),
             Catch::Contains("overflow"));
  CHECK_THAT(message([] { parse_bytes("999999999999999999999999999999Ei", "f"); }),
             Catch::Contains("overflow"));
  CHECK_THAT(message([] { parse_cpu("999999999999999999999999999999", "f"); }),
             Catch::Contains("overflow"));
  // 10^places beyond 128 bits: exact division still decides.
  CHECK_THAT(message([] { parse_bytes("1e-40", "f"); }), Catch::Contains("not a whole number"));
  CHECK_THAT(message([] { parse_bytes("3e-40Ei", "f"); }), Catch::Contains("not a whole number"));
  // 5^40 / 10^40 Ei: 40 decimal places (10^40 does not fit in 128 bits), yet exactly 2^20 bytes.
  CHECK(parse_bytes("0.0000000000009094947017729282379150390625Ei", "f") ==
        (std::int64_t{1} << 20));
  CHECK(parse_bytes("0.5Ki", "f") == 512);
  CHECK(parse_bytes("1.5Ki", "f") == 1536);
  CHECK_THAT(message([] { parse_bytes("7.99999999999999999999999999999Ei", "f"); }),
             Catch::Contains("not a whole number"));
  // The largest exact values: 2^63 - 1 bytes parses, 8Ei (2^63) overflows.
  CHECK(parse_bytes("9223372036854775807", "f") == std::numeric_limits<std::int64_t>::max());
  CHECK_THAT(message([] { parse_bytes("8Ei", "f"); }), Catch::Contains("overflow"));
}

TEST_CASE("formatting quantities", "[quantity]") {
  CHECK(format_cpu(500) == "500m");
  CHECK(format_cpu(2000) == "2");
  CHECK(format_cpu(1500) == "1.5");
  CHECK(format_bytes(1536LL * 1024 * 1024) == "1.5 GiB");
  CHECK(format_bytes(512LL * 1024 * 1024) == "512 MiB");
  CHECK(format_bytes(300) == "300 B");
  for (long long v : {1LL, 1000LL, 1024LL, 1536LL * 1024 * 1024, 15'000'000'000LL, 123456789LL}) {
    CHECK(parse_bytes(format_bytes_exact(v), "round trip") == v);
  }
}

// Issue 16 item 12: "closest: X needs N more" printed 23.71 MiB when 23.71875 MiB were needed,
// so adding the printed amount was not enough. The "at least" form rounds the hundredths up.
TEST_CASE("amounts to add are printed rounded up, never below the need", "[quantity]") {
  CHECK(format_bytes_at_least(23 * 1048576LL + 753664) == "23.72 MiB");  // 23.71875 MiB
  CHECK(format_bytes(23 * 1048576LL + 753664) == "23.71 MiB");
  CHECK(format_bytes_at_least(512LL * 1024 * 1024) == "512 MiB");
  CHECK(format_bytes_at_least(1) == "1 B");
  CHECK(format_bytes_at_least(1024LL * 1024 - 1) == "1 MiB");  // 1023.999 KiB carries over
  CHECK(format_bytes_at_least(1024LL * 1024 + 1) == "1.01 MiB");
  CHECK(format_bytes_at_least(std::numeric_limits<std::int64_t>::max()) == "8 EiB");
  // Randomized: the printed amount, read back exactly, is >= the value and less than one
  // hundredth of its unit above it.
  std::mt19937_64 rng(16012);
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  for (int i = 0; i < 20000; ++i) {
    const int shift = static_cast<int>(rng() % 63);
    const auto v = static_cast<std::int64_t>(rng() >> (shift + 1));
    const std::string text = format_bytes_at_least(v);
    INFO(v << " -> " << text);
    const auto space = text.find(' ');
    REQUIRE(space != std::string::npos);
    int unit = 0;
    while (unit < 7 && text.substr(space + 1) != units[unit]) ++unit;
    REQUIRE(unit < 7);
    const std::string num = text.substr(0, space);
    const auto dot = num.find('.');
    unsigned __int128 whole = std::stoull(num.substr(0, dot));
    unsigned __int128 hundredths = 0;
    if (dot != std::string::npos) {
      std::string frac = num.substr(dot + 1);
      if (frac.size() == 1) frac += "0";
      hundredths = std::stoull(frac);
    }
    const unsigned __int128 div = static_cast<unsigned __int128>(1) << (10 * unit);
    const unsigned __int128 printed_x100 = (whole * 100 + hundredths) * div;
    const unsigned __int128 value_x100 = static_cast<unsigned __int128>(v) * 100;
    CHECK(printed_x100 >= value_x100);
    CHECK(printed_x100 < value_x100 + div);
  }
}
