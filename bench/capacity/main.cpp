// Capacity planning benchmark (issue 7).
//
// Part 1: every vector packing instance picked from ../shared/data/vbp becomes a workload (one
// unit per item, requests in dimensions d1..dK) and a one-type catalogue (capacity = the bin,
// cost 1): the plan's machine count is compared with the packing engine's own best result
// (`search`, same budget and seed) and with the published optimum (optima.csv).
// Part 2: synthetic workloads (fixed seed) on a mixed catalogue (examples/capacity): cost,
// lower bound and gap, with and without headroom.
//
//   berth_bench_capacity [--filter TEXT[,TEXT...]] [--sample K] [--iterations N] [--moves N]
//                        [--max-items N] [--mixed-only] [--vbp-only] [--seed N]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "berth/io/spec_json.hpp"
#include "berth/pack/solve.hpp"
#include "berth/pack/vbp.hpp"
#include "berth/plan/capacity.hpp"

namespace fs = std::filesystem;
using namespace berth;
using namespace berth::plan;

namespace {

struct Args {
  std::vector<std::string> filters{"vbp/"};
  std::size_t sample = 0;  // every k-th instance (0 = all that match)
  std::uint64_t iterations = 2000;
  std::size_t moves = 100;
  std::size_t max_items = 250;
  bool vbp = true;
  bool mixed = true;
  std::uint64_t seed = 1;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, sep)) out.push_back(part);
  return out;
}

struct Known {
  std::size_t optimum = 0;
  bool proven = false;
};

std::map<std::string, Known> read_optima(const fs::path& data) {
  std::map<std::string, Known> out;
  std::ifstream in(data / "optima.csv");
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    auto f = split(line, ',');
    if (f.size() < 3) continue;
    out[f[0]] = Known{static_cast<std::size_t>(std::stoul(f[1])), f[2] == "true"};
  }
  return out;
}

/// The class of an instance path: "panigrahy/class4", "triplet/caprara".
std::string class_of(const std::string& rel) {
  auto parts = split(rel, '/');
  return parts.size() >= 3 ? parts[1] + "/" + parts[2] : rel;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct ClassStats {
  std::size_t n = 0, equal = 0, better = 0, worse = 0, at_opt = 0, verified = 0;
  std::size_t plan_bins = 0, pack_bins = 0, opt_bins = 0;
  double seconds = 0;
};

void run_vbp(const Args& args, const fs::path& data) {
  auto optima = read_optima(data);
  std::vector<std::string> files;
  for (const auto& [rel, k] : optima) {
    bool hit = std::any_of(args.filters.begin(), args.filters.end(),
                           [&](const std::string& f) { return rel.find(f) != std::string::npos; });
    if (hit) files.push_back(rel);
  }
  if (args.sample > 1) {
    std::vector<std::string> picked;
    for (std::size_t i = 0; i < files.size(); i += args.sample) picked.push_back(files[i]);
    files = std::move(picked);
  }
  std::map<std::string, ClassStats> by_class;
  std::size_t skipped_negative = 0, skipped_large = 0;
  for (const std::string& rel : files) {
    pack::Instance inst = pack::load_vbp(data / rel);
    if (inst.item_count() > args.max_items) {
      ++skipped_large;
      continue;
    }
    if (std::any_of(inst.sizes.begin(), inst.sizes.end(), [](pack::Size s) { return s < 0; })) {
      ++skipped_negative;  // requests cannot be negative
      continue;
    }
    Spec w;
    for (std::size_t i = 0; i < inst.item_count(); ++i) {
      Unit u;
      u.name = fmt::format("i{}", i + 1);
      for (std::size_t d = 0; d < inst.dims; ++d)
        u.requests.extended[fmt::format("d{}", d + 1)] = inst.item(i)[d];
      w.units.push_back(std::move(u));
    }
    Catalogue cat;
    MachineType t;
    t.name = "bin";
    for (std::size_t d = 0; d < inst.dims; ++d)
      t.capacity.extended[fmt::format("d{}", d + 1)] = inst.capacity[d];
    t.cost = 1000000;
    cat.types.push_back(t);
    CapacityOptions o;
    o.max_iterations = args.iterations;
    o.max_improvement_moves = args.moves;
    o.seed = args.seed;
    double t0 = now_seconds();
    CapacityPlan plan = plan_capacity(w, cat, o);
    double t1 = now_seconds();
    pack::SolveOptions so;
    so.max_iterations = args.iterations;
    so.seed = args.seed;
    pack::SolveResult best = pack::solve(inst, pack::kDefaultStrategy, so);
    const std::size_t plan_bins = plan.spec.machines.size();
    if (!plan.feasible) fmt::print(stderr, "{}: plan not feasible\n", rel);
    ClassStats& s = by_class[class_of(rel)];
    ++s.n;
    s.plan_bins += plan_bins;
    s.pack_bins += best.solution.bins;
    s.opt_bins += optima[rel].optimum;
    s.equal += plan_bins == best.solution.bins;
    s.better += plan_bins < best.solution.bins;
    s.worse += plan_bins > best.solution.bins;
    s.at_opt += plan_bins == optima[rel].optimum;
    // feasible: berth::place re-ran on the planned cluster, placed everything, overcommitted
    // nothing.
    s.verified += plan.feasible && plan.placement.warnings.empty();
    s.seconds += t1 - t0;
    if (plan_bins > best.solution.bins)
      fmt::print(stderr, "{}: plan {} > pack {}\n", rel, plan_bins, best.solution.bins);
  }
  fmt::print("### One machine type = the vbp bin\n\n");
  fmt::print(
      "| class | instances | verified | plan = pack | plan < pack | plan > pack | plan machines | "
      "pack bins | optimum (sum) | plan at optimum | plan s/instance |\n");
  fmt::print("|---|---|---|---|---|---|---|---|---|---|---|\n");
  ClassStats total;
  for (const auto& [cls, s] : by_class) {
    fmt::print("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2f} |\n", cls, s.n,
               s.verified, s.equal, s.better, s.worse, s.plan_bins, s.pack_bins, s.opt_bins,
               s.at_opt, s.seconds / static_cast<double>(std::max<std::size_t>(1, s.n)));
    total.n += s.n;
    total.equal += s.equal;
    total.verified += s.verified;
    total.better += s.better;
    total.worse += s.worse;
    total.plan_bins += s.plan_bins;
    total.pack_bins += s.pack_bins;
    total.opt_bins += s.opt_bins;
    total.at_opt += s.at_opt;
    total.seconds += s.seconds;
  }
  fmt::print("| **all** | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2f} |\n\n", total.n,
             total.verified, total.equal, total.better, total.worse, total.plan_bins,
             total.pack_bins, total.opt_bins, total.at_opt,
             total.seconds / static_cast<double>(std::max<std::size_t>(1, total.n)));
  fmt::print("skipped: {} with negative sizes, {} with more than {} items\n\n", skipped_negative,
             skipped_large, args.max_items);
}

void run_mixed(const Args& args) {
  // The examples live next to this file in the source tree (__FILE__ is absolute in CMake builds).
  fs::path examples =
      fs::path(__FILE__).parent_path().parent_path().parent_path() / "examples" / "capacity";
  Catalogue cat = read_catalogue_file((examples / "catalogue.json").string());
  fmt::print("### Mixed catalogue (examples/capacity/catalogue.json, 10 types in 3 zones)\n\n");
  fmt::print(
      "| workload | units / instances | headroom | machines | cost | lower bound | gap | headroom "
      "scenarios | place runs | s |\n");
  fmt::print("|---|---|---|---|---|---|---|---|---|---|\n");
  std::vector<std::pair<std::string, Spec>> workloads;
  workloads.emplace_back("examples/capacity/workload.json",
                         read_spec_file((examples / "workload.json").string()));
  std::mt19937_64 rng(args.seed * 7919);
  for (int k = 1; k <= 4; ++k) {
    Spec w;
    std::uniform_int_distribution<int> replicas(1, 12 * k), cpu(50, 1900), mem(64, 7000),
        kind(0, 5);
    const int units = 6 * k;
    for (int u = 0; u < units; ++u) {
      Unit unit;
      unit.name = fmt::format("svc{}", u + 1);
      unit.replicas = replicas(rng);
      unit.requests.cpu = cpu(rng);
      unit.requests.memory = static_cast<std::int64_t>(mem(rng)) << 20;
      int c = kind(rng);
      if (c == 0)
        unit.constraints.metadata.push_back(MetadataRequirement{"disk", MetadataOp::In, {"ssd"}});
      if (c == 1)
        unit.constraints.conflicts.push_back(unit.name + "@*"),
            unit.replicas = std::min(*unit.replicas, 20);
      if (c == 2) unit.constraints.spread = SpreadConstraint{"zone", 1};
      w.units.push_back(std::move(unit));
    }
    workloads.emplace_back(fmt::format("synthetic-{} (seed {})", k, args.seed * 7919),
                           std::move(w));
  }
  for (const auto& [name, w] : workloads) {
    for (const char* h : {"0", "1", "zone"}) {
      CapacityOptions o;
      o.max_iterations = args.iterations;
      o.max_improvement_moves = args.moves * 4;
      o.seed = args.seed;
      o.headroom = Headroom::parse(h);
      double t0 = now_seconds();
      CapacityPlan plan = plan_capacity(w, cat, o);
      double t1 = now_seconds();
      std::size_t instances = plan.placement.placements.size() + plan.placement.pending.size();
      fmt::print("| {} | {} / {} | {} | {} | {} | {} | {:.1f}% | {} | {} | {:.2f} |\n", name,
                 w.units.size(), instances, h, plan.spec.machines.size(), format_cost(plan.cost),
                 format_cost(plan.lower_bound), 100.0 * plan.gap(), plan.headroom.scenarios_checked,
                 plan.placement_runs, t1 - t0);
      if (!plan.feasible) {
        fmt::print(stderr, "{} headroom {}: not feasible\n", name, h);
        for (const auto& n : plan.notes) fmt::print(stderr, "  note: {}\n", n);
        for (const auto& f : plan.headroom.failures) {
          const std::vector<std::string> lines = f.pending_lines();
          fmt::print(stderr, "  failure: {} {}\n", f.zone, lines.empty() ? "" : lines.front());
        }
        for (const auto& u : plan.unplaceable)
          fmt::print(stderr, "  unplaceable: {}\n", u.describe());
      }
    }
  }
  fmt::print("\n");
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        fmt::print(stderr, "{} needs a value\n", a);
        std::exit(1);
      }
      return argv[++i];
    };
    if (a == "--filter")
      args.filters = split(next(), ',');
    else if (a == "--sample")
      args.sample = std::stoul(next());
    else if (a == "--iterations")
      args.iterations = std::stoull(next());
    else if (a == "--moves")
      args.moves = std::stoul(next());
    else if (a == "--max-items")
      args.max_items = std::stoul(next());
    else if (a == "--seed")
      args.seed = std::stoull(next());
    else if (a == "--mixed-only")
      args.vbp = false;
    else if (a == "--vbp-only")
      args.mixed = false;
    else {
      fmt::print(stderr, "unknown option {}\n", a);
      return 1;
    }
  }
  const fs::path data = BERTH_SHARED_DATA;
  if (args.vbp) run_vbp(args, data);
  if (args.mixed) run_mixed(args);
  return 0;
}
