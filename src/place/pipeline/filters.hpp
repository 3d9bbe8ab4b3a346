#pragma once
// THE placement pipeline: every hard constraint, in the order every path applies it. The scan,
// the indexed search, the diagnosis (scan and indexed), `fits`/`feasible`, `explain`, the
// ranking reuse and "unresolvable" all run this list (Placer, src/place/placer*.cpp); preemption,
// batch and flow verification, capacity checks and ops ask the Placer. Cheapest first, and
// coarsest first: group-level (asked once per decision), class-level (once per machine class,
// cached), then machine-level; a rejection is counted under the first filter that rejects, so
// a Diagnosis's counts add up to the machines considered.
//
// A new constraint kind is one filter type (see filter_list.hpp for what it may define) in its
// own filter_*.hpp, one line here, plus its model field, reader, docs and tests.
#include "filter_class.hpp"
#include "filter_conflicts.hpp"
#include "filter_contradiction.hpp"
#include "filter_list.hpp"
#include "filter_pin.hpp"
#include "filter_resources.hpp"
#include "filter_spread.hpp"
#include "filter_state.hpp"

namespace berth::pipeline {

using Filters = FilterList<Contradiction,  // group: a group that contradicts itself
                           Pin,            // machine: the one machine a pinned group may use
                           Metadata,       // class: metadata requirements
                           Taints,         // class: untolerated NoSchedule/NoExecute taints
                           State,          // machine: only up machines
                           Conflicts,      // machine: conflict globs and host ports
                           Spread,         // machine (class-invariant): topology spread
                           Resources>;     // machine: free capacity, bounded by the class trees

}  // namespace berth::pipeline
