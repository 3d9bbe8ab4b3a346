#pragma once
/// \file A what-if result as text, JSON and HTML (same numbers in each).
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "berth/plan/report.hpp"
#include "berth/plan/whatif.hpp"

namespace berth::plan {

/// {"fits","applied":[..],"before":{"placed","pending"},"after":{...},"evicted":[..],
///  "moved":{inst: machine},"stops_fitting":[{"unit","summary","kind","rejections"}],
///  "still_pending":[..],"placements":{..},"report":{..}}
nlohmann::json whatif_to_json(const WhatIfResult& result, const ClusterReport& after);
std::string format_whatif_text(const WhatIfResult& result, const ClusterReport& after);
std::string whatif_html(const WhatIfResult& result, const ClusterReport& after);
/// The report of the cluster after the changes.
ClusterReport report_after(const WhatIfResult& result, const Catalogue* catalogue);

}  // namespace berth::plan
