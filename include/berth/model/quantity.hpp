#pragma once
/// \file Exact parsing of human quantities into integers.
///
/// CPU is counted in millicores: `500m` = 500, `0.5` = 500, `2` = 2000.
/// Bytes take decimal suffixes as powers of ten (`k`/`kB`/`K`/`KB` = 10^3, `M`/`MB` = 10^6,
/// `G`/`GB`, `T`/`TB`, `P`/`PB`, `E`/`EB`) and `i` suffixes as powers of two (`Ki`/`KiB` = 2^10,
/// `Mi`/`MiB`, `Gi`/`GiB`, `Ti`/`TiB`, `Pi`/`PiB`, `Ei`/`EiB`); a bare number or `B` is bytes.
/// Fractions are exact (`1.5Gi` = 1610612736); a value that is not a whole number of the base
/// unit, negative, overflowing int64 or malformed is rejected with the field named.
#include <cstdint>
#include <string>
#include <string_view>

#include "berth/export.hpp"

namespace berth {

/// Millicores of CPU.
using Millicores = std::int64_t;
/// Bytes of memory or disk.
using Bytes = std::int64_t;

/// Parses a CPU quantity (`500m`, `0.5`, `2`). Throws ValidationError naming `field`.
BERTH_API Millicores parse_cpu(std::string_view text, std::string_view field);
/// Parses a byte quantity (`512M`, `512MB`, `1.5Gi`, `2GiB`, `15GB`, `1024`).
BERTH_API Bytes parse_bytes(std::string_view text, std::string_view field);
/// Parses a count for an extended resource (`4`, `2k`, `1Ki`): same suffixes as bytes.
BERTH_API std::int64_t parse_count(std::string_view text, std::string_view field);

/// "500m", "2", "1.5" (exact: as many decimals as needed).
BERTH_API std::string format_cpu(Millicores millis);
/// Human bytes in powers of two: "512 MiB", "1.5 GiB", "300 B" (rounded to 2 decimals).
BERTH_API std::string format_bytes(Bytes bytes);
/// Like format_bytes, but the hundredths are rounded up: the printed amount is never below
/// `bytes`, so "needs 23.72 MiB more" is enough when added (format_bytes would print 23.71).
BERTH_API std::string format_bytes_at_least(Bytes bytes);
/// Exact bytes in the shortest suffix form that parses back to the same value ("512Mi", "15G").
BERTH_API std::string format_bytes_exact(Bytes bytes);

}  // namespace berth
