#pragma once
/// \file `berth place --format html` (docs/cli.md#place-as-html): a placement as one
/// self-contained page (inline CSS, no script, no network), in the manner of the capacity
/// report: machines grouped by a metadata key, one bar per machine per dimension (used /
/// allocatable, coloured by utilization), the units on each machine, stranded capacity, and
/// every pending unit with its reason. Large clusters are shown per machine class (identical
/// allocatable and metadata) with each class's machines one click away (`<details>`).
#include <cstddef>
#include <string>

#include "berth/export.hpp"
#include "berth/model/spec.hpp"
#include "berth/place/place.hpp"

namespace berth::plan {

struct PlacementHtmlOptions {
  /// Metadata key the machines are grouped by; machines without it form one group. "" = one
  /// group of every machine.
  std::string group_by = "zone";
  /// The strategy's name, shown in the summary ("" = not shown).
  std::string strategy;
  /// Up to this many machines every machine has its own row; beyond, each group lists machine
  /// classes and each class's machines sit in a closed `<details>` (a click away).
  std::size_t detail_limit = 300;
  /// At most this many pending instances are listed (the rest are counted).
  std::size_t pending_limit = 1000;
  std::string title = "berth placement";
};

/// The page for `spec` placed as `result` (place(spec, ...)). Throws what Cluster::build throws
/// for a spec that does not compile (place() would have thrown first).
BERTH_API std::string placement_html(const Spec& spec, const PlacementResult& result,
                                     const PlacementHtmlOptions& options = {});

}  // namespace berth::plan
