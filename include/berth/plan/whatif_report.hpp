#pragma once
/// \file A what-if result as text, JSON and HTML (same numbers in each).
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "berth/export.hpp"
#include "berth/plan/report.hpp"
#include "berth/plan/whatif.hpp"

namespace berth::plan {

/// {"fits","applied":[..],"before":{"placed","pending"},"after":{...},"evicted":[..],
///  "moved":{inst: machine},"stops_fitting":[{"unit","summary","kind","rejections"}],
///  "still_pending":[..],"placements":{..},"report":{..}}
BERTH_API nlohmann::json whatif_to_json(const WhatIfResult& result, const ClusterReport& after);
BERTH_API std::string format_whatif_text(const WhatIfResult& result, const ClusterReport& after);
BERTH_API std::string whatif_html(const WhatIfResult& result, const ClusterReport& after);
/// The report of the cluster after the changes.
BERTH_API ClusterReport report_after(const WhatIfResult& result, const Catalogue* catalogue);

}  // namespace berth::plan
