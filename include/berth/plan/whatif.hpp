#pragma once
/// \file What-if analysis on an existing cluster: add or remove machines, grow or shrink a
/// service, raise requests by a percentage, then place again and report what stops fitting
/// and why (docs/capacity.md#what-if).
///
/// Running units keep their machines unless a change forces them off: their machine is
/// removed, their replica is dropped, or their (raised) requests no longer fit there, in which
/// case the machine keeps its instances in priority order (then name order) while they fit
/// and evicts the rest. Evicted and new instances are then placed by the real engine.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "berth/export.hpp"
#include "berth/model/spec.hpp"
#include "berth/place/place.hpp"
#include "berth/plan/catalogue.hpp"

namespace berth::plan {

/// The changes to try. Parsers take the CLI's text forms and throw UsageError 383-386.
struct BERTH_API WhatIf {
  struct Add {
    std::string type;  ///< a catalogue type, or an existing machine to copy
    int count = 1;
  };
  struct Grow {
    std::string unit;
    int delta = 0;          ///< +N / -N replicas
    bool absolute = false;  ///< "web=5": set replicas to `delta`
  };
  struct Scale {
    std::string unit;  ///< "" = every unit
    int percent = 0;   ///< +20 raises requests by 20 % (rounded up), -10 lowers them
  };
  std::vector<Add> add;
  std::vector<std::string> remove;  ///< machine names or globs ("web-*")
  std::vector<Grow> grow;
  std::vector<Scale> scale;

  /// "TYPE=N" or "TYPE" (one).
  static Add parse_add(std::string_view text);
  /// "web=+3", "web=-2", "web=5".
  static Grow parse_grow(std::string_view text);
  /// "20%", "+20%", "-10%", "web=20%" (the % is optional).
  static Scale parse_scale(std::string_view text);
  bool empty() const { return add.empty() && remove.empty() && grow.empty() && scale.empty(); }
};

struct WhatIfResult {
  Spec before_spec;                  ///< the spec as given
  Spec after_spec;                   ///< with the changes (placements: what kept its machine)
  PlacementResult before;            ///< place(before_spec)
  PlacementResult after;             ///< place(after_spec)
  std::vector<std::string> applied;  ///< one line per change, as applied
  std::vector<std::string> evicted;  ///< instances forced off their machine
  std::map<std::string, std::string> moved;         ///< evicted instance -> its new machine
  std::vector<PendingUnit> newly_pending;           ///< pending after, not before (with why)
  std::vector<PendingUnit> still_pending;           ///< pending before and after
  std::map<std::string, std::string> machine_type;  ///< added machine -> its type
  /// Units removed with the machines they were pinned to (machine_id; kube DaemonSet and
  /// static pods), and units co-located with them; natural order.
  std::vector<std::string> removed_with_machines;

  /// Everything placed after the changes.
  bool fits() const { return after.all_placed(); }
};

/// Applies `changes` to `spec` and places before and after. `catalogue` (may be null)
/// resolves added machine types; without it, or when the name is not in it, an existing
/// machine of that name is copied. Unknown units/machines/types are UsageError 387.
BERTH_API WhatIfResult what_if(const Spec& spec, const WhatIf& changes,
                               const Catalogue* catalogue = nullptr,
                               const PlaceOptions& options = {});

/// Requests scaled by `percent`, rounded up in every dimension (exact integer arithmetic).
BERTH_API Resources scale_resources(const Resources& r, int percent);

}  // namespace berth::plan
