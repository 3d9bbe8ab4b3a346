#include "berth/io/compare_json.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>

#include "berth/error.hpp"
#include "berth/place/place.hpp"

namespace berth {

std::vector<std::string> parse_strategy_list(const std::string& text) {
  if (text == "all") return all_strategy_names();
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    std::string name =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (name.empty())
      throw UsageError(390, fmt::format("empty strategy name in --strategies \"{}\"", text));
    if (name == "all")
      throw UsageError(391, "--strategies: \"all\" cannot be combined with other names");
    if (!seen.insert(name).second)
      throw UsageError(392, fmt::format("--strategies names \"{}\" twice", name));
    place_options_for(name);  // unknown names fail here (302), before anything is placed
    out.push_back(std::move(name));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

nlohmann::json compare_to_json(const std::vector<PlacementMetrics>& rows) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json dims = nlohmann::json::object();
    for (const auto& d : r.dimensions) {
      dims[d.name] = {{"allocatable", d.allocatable},
                      {"mean_utilization", d.mean_utilization},
                      {"peak_utilization", d.peak_utilization},
                      {"stranded", d.stranded},
                      {"stranded_fraction", d.stranded_fraction}};
    }
    list.push_back({{"strategy", r.strategy},
                    {"placed", r.placed},
                    {"pending", r.pending},
                    {"machines_up", r.machines_up},
                    {"machines_used", r.machines_used},
                    {"seconds", r.seconds},
                    {"seconds_per_placement", r.seconds_per_placement},
                    {"dimensions", dims}});
  }
  return {{"instances", rows.empty() ? 0 : rows.front().instances}, {"strategies", list}};
}

}  // namespace berth
