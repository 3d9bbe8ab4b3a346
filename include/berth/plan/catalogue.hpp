#pragma once
/// \file Machine-type catalogues for capacity planning (docs/capacity.md):
///   {"machine_types":[{"name":"m5.large","capacity":{"cpu":"2","memory":"8GiB"},
///                      "reserved":{"cpu":"100m"},"metadata":{"zone":"a"},
///                      "cost":0.096,"max_count":50}]}
/// Costs are kept as exact integer micro-units (0.096 -> 96000), so that sums and comparisons
/// of plans never go through floating point.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/export.hpp"
#include "berth/model/machine.hpp"

namespace berth::plan {

/// Cost in millionths of the catalogue's currency unit (per hour, per month: whatever the
/// catalogue uses, berth only adds them up).
using Micros = std::int64_t;

/// One kind of machine that can be bought.
struct BERTH_API MachineType {
  std::string name;
  Resources capacity;
  Resources reserved;  ///< system overhead on every machine of this type
  Metadata metadata;   ///< copied to every machine of this type (zone, role, ...)
  Micros cost = 0;
  std::optional<std::int64_t> max_count;  ///< unset: as many as needed

  /// capacity - reserved.
  Resources allocatable() const { return capacity - reserved; }
  /// A machine of this type with the given name.
  Machine make_machine(const std::string& machine_name) const;
};

struct BERTH_API Catalogue {
  std::vector<MachineType> types;
  /// Index of the type called `name`, or -1.
  int find(std::string_view name) const;
};

/// Parses a catalogue. Syntax errors: ParseError 180 with file:line:column. Meaning errors:
/// ValidationError naming the field (`machine_types[2].cost`). What a spec can get wrong too
/// has the spec's id and message (201 quantity, 202 wrong type, 203 unknown field with
/// did-you-mean, 204 empty resource name); the catalogue's own are 283-286.
BERTH_API Catalogue parse_catalogue_json(std::string_view text,
                                         const std::string& filename = "<catalogue>");
/// Reads and parses a catalogue file.
BERTH_API Catalogue read_catalogue_file(const std::string& path);

/// Exact decimal text ("0.096", "12", "1e-3" is rejected) -> micro-units. Throws
/// ValidationError 283 naming `field` when negative, malformed or finer than a micro-unit.
BERTH_API Micros parse_cost(std::string_view text, std::string_view field);
/// Micro-units -> shortest exact decimal text: 96000 -> "0.096", 2000000 -> "2".
BERTH_API std::string format_cost(Micros micros);

}  // namespace berth::plan
