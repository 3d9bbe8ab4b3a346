// Step 2: candidate purchases. Packing the groups onto new machines of one type, or a greedy
// mix by value or by share, each refined; the cheapest ones go on to be placed for real. They
// are only proposals: the placement engine decides whether a candidate works (step 3).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <set>

#include "berth/error.hpp"
#include "berth/pack/bounds.hpp"
#include "berth/pack/instance.hpp"
#include "berth/pack/solve.hpp"
#include "berth/place/cluster.hpp"
#include "berth/plan/bounds.hpp"
#include "capacity_detail.hpp"

namespace berth::plan::detail {

std::vector<std::size_t> Planner::pack_bins(std::size_t t, const std::vector<std::size_t>& items,
                                            std::size_t* bins) {
  const std::size_t D = dims_.size();
  std::vector<std::size_t> used_dims;
  for (std::size_t d = 0; d < D; ++d) {
    bool any = false;
    for (std::size_t g : items) any = any || groups_[g].demand[d] != 0;
    if (any) used_dims.push_back(d);
  }
  std::vector<std::size_t> bin_of(items.size(), 0);
  if (used_dims.empty()) {
    *bins = items.empty() ? 0 : 1;
    return bin_of;
  }
  pack::Instance inst;
  inst.name = cat_.types[t].name;
  inst.dims = used_dims.size();
  for (std::size_t d : used_dims) inst.capacity.push_back(eff_[t][d]);
  std::vector<pack::Size> size(used_dims.size());
  for (std::size_t g : items) {
    for (std::size_t k = 0; k < used_dims.size(); ++k) size[k] = groups_[g].demand[used_dims[k]];
    inst.add_item(size);
  }
  pack::SolveOptions so;
  so.max_iterations = opt_.max_iterations;
  so.time_limit = opt_.max_iterations > 0 ? 3600.0 : std::max(0.05, opt_.time_limit / 4);
  so.seed = opt_.seed;
  pack::SolveResult r = pack::solve(inst, pack::kDefaultStrategy, so);
  *bins = r.solution.bins;
  for (std::size_t i = 0; i < items.size(); ++i) bin_of[i] = r.solution.bin_of[i];
  return bin_of;
}

Candidate Planner::single_type(std::size_t t, const std::vector<std::size_t>& items) {
  Candidate c;
  c.how = fmt::format("one type ({}) packed by the packing engine", cat_.types[t].name);
  std::size_t bins = 0;
  std::vector<std::size_t> bin_of = pack_bins(t, items, &bins);
  c.bins.assign(bins, Bin{t, {}});
  for (std::size_t i = 0; i < items.size(); ++i) c.bins[bin_of[i]].groups.push_back(items[i]);
  c.cost = cost_of(c);
  return c;
}

Candidate Planner::greedy_mix(const std::vector<std::size_t>& items, bool by_share) {
  // Cost-effective bins: fill one machine of every type from the most valuable items, keep the
  // one whose items are worth most per unit of cost, repeat (greedy weighted set cover).
  const std::size_t D = dims_.size();
  const std::size_t T = cat_.types.size();
  Candidate c;
  c.how = "mixed types, cost-effective machines first";
  std::vector<std::size_t> order = items;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return groups_[a].value > groups_[b].value;
  });
  std::vector<std::vector<std::size_t>> type_order(T, order);
  if (by_share) {
    c.how = "mixed types, machines filled largest-first";
    for (std::size_t t = 0; t < T; ++t) {
      auto share = [&](std::size_t g) {
        double m = 0;
        for (std::size_t d = 0; d < D; ++d) {
          if (eff_[t][d] > 0)
            m = std::max(
                m, static_cast<double>(groups_[g].demand[d]) / static_cast<double>(eff_[t][d]));
        }
        return m;
      };
      std::stable_sort(type_order[t].begin(), type_order[t].end(),
                       [&](std::size_t a, std::size_t b) { return share(a) > share(b); });
    }
  }
  std::vector<char> done(groups_.size(), 0);
  std::size_t left = order.size();
  std::vector<std::int64_t> remaining(T);
  for (std::size_t t = 0; t < T; ++t) {
    remaining[t] = cat_.types[t].max_count.value_or(std::numeric_limits<std::int64_t>::max());
    if (t < in_use_.size()) remaining[t] -= in_use_[t];
    if (t < allowed_.size() && !allowed_[t]) remaining[t] = 0;
  }
  std::vector<std::int64_t> used(D);
  while (left > 0) {
    double best_ratio = -1;
    double best_value = -1;
    std::vector<std::size_t> best_bin;
    std::size_t best_type = kNoType;
    for (std::size_t t = 0; t < T; ++t) {
      if (remaining[t] <= 0) continue;
      std::fill(used.begin(), used.end(), 0);
      std::vector<std::size_t> bin;
      double value = 0;
      for (std::size_t g : type_order[t]) {
        if (done[g] || !groups_[g].compatible[t]) continue;
        bool fits = true;
        for (std::size_t d = 0; d < D && fits; ++d)
          fits = used[d] + groups_[g].demand[d] <= eff_[t][d];
        if (!fits) continue;
        if (groups_[g].conflicts || !groups_[g].seedable) {
          // Keep conflicting units apart already here, so the engine finds the room it needs.
          bool clash = false;
          for (std::size_t h : bin) {
            if (unit_of(groups_[h].members.front()) == unit_of(groups_[g].members.front()) &&
                groups_[g].conflicts)
              clash = true;
          }
          if (clash) continue;
        }
        for (std::size_t d = 0; d < D; ++d) used[d] += groups_[g].demand[d];
        bin.push_back(g);
        value += groups_[g].value;
      }
      if (bin.empty()) continue;
      const Micros cost = cat_.types[t].cost;
      const double ratio =
          cost == 0 ? std::numeric_limits<double>::infinity() : value / static_cast<double>(cost);
      if (ratio > best_ratio || (ratio == best_ratio && value > best_value)) {
        best_ratio = ratio;
        best_value = value;
        best_bin = std::move(bin);
        best_type = t;
      }
    }
    if (best_type == kNoType) break;  // max_count exhausted: the rest stays for repair to report
    --remaining[best_type];
    for (std::size_t g : best_bin) done[g] = 1;
    left -= best_bin.size();
    c.bins.push_back(Bin{best_type, std::move(best_bin)});
  }
  c.cost = cost_of(c);
  return c;
}

void Planner::refine(Candidate& c) {
  // Re-pack the machines of each type with the packing engine's search: the greedy fills
  // machines one at a time and leaves slack a real packing removes.
  std::map<std::size_t, std::vector<std::size_t>> by_type;
  for (std::size_t b = 0; b < c.bins.size(); ++b) by_type[c.bins[b].type].push_back(b);
  std::vector<Bin> out;
  bool changed = false;
  for (auto& [t, bins] : by_type) {
    std::vector<std::size_t> items;
    bool any_conflict = false;
    for (std::size_t b : bins) {
      for (std::size_t g : c.bins[b].groups) {
        items.push_back(g);
        any_conflict = any_conflict || groups_[g].conflicts;
      }
    }
    std::size_t packed = 0;
    std::vector<std::size_t> bin_of;
    if (bins.size() >= 2 && !any_conflict) bin_of = pack_bins(t, items, &packed);
    if (!bin_of.empty() && packed < bins.size()) {
      std::vector<Bin> nb(packed, Bin{t, {}});
      for (std::size_t i = 0; i < items.size(); ++i) nb[bin_of[i]].groups.push_back(items[i]);
      out.insert(out.end(), nb.begin(), nb.end());
      changed = true;
    } else {
      for (std::size_t b : bins) out.push_back(c.bins[b]);
    }
  }
  if (changed) {
    c.bins = std::move(out);
    c.how += ", each type re-packed by the packing engine";
    c.cost = cost_of(c);
  }
}

Micros Planner::cost_of(const Candidate& c) const {
  Micros sum = 0;
  for (const Bin& b : c.bins) sum += cat_.types[b.type].cost;
  return sum;
}

Micros Planner::cost_of(const Working& w) const {
  Micros sum = 0;
  for (const auto& [name, t] : w.machines) sum += cat_.types[t].cost;
  return sum;
}

std::vector<Candidate> Planner::candidates() {
  std::vector<Candidate> out;
  if (items_.empty()) return out;
  const std::size_t T = cat_.types.size();
  std::size_t step = 0;
  for (std::size_t t = 0; t < T; ++t) {
    progress("packing", ++step, T + 1);
    bool all = std::all_of(items_.begin(), items_.end(),
                           [&](std::size_t g) { return groups_[g].compatible[t] != 0; });
    if (!all) continue;
    Candidate c = single_type(t, items_);
    if (cat_.types[t].max_count &&
        static_cast<std::int64_t>(c.bins.size()) > *cat_.types[t].max_count)
      continue;
    out.push_back(std::move(c));
  }
  if (T > 1 || out.empty()) {
    for (bool by_share : {false, true}) {
      Candidate mix = greedy_mix(items_, by_share);
      refine(mix);
      out.push_back(std::move(mix));
    }
  }
  progress("packing", T + 1, T + 1);
  std::stable_sort(out.begin(), out.end(),
                   [](const Candidate& a, const Candidate& b) { return a.cost < b.cost; });
  return out;
}

}  // namespace berth::plan::detail
