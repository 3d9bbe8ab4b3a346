// Packing quality benchmark (issue 4): runs strategies over the vector packing instances in
// ../shared/data/vbp, compares with the known optima in optima.csv, prints a per-class table
// and (with --write FILE) replaces the "## Packing quality (issue 4)" section of FILE, or appends
// it: a scratch file or a diary under bench/history/. The dashboard bench/RESULTS.md is edited by
// hand (one row per figure), so do not point --write at it.
//
//   berth_bench_packing [--strategy NAME[,NAME...]|all] [--time-limit S] [--filter TEXT[,TEXT...]]
//                       [--sample K] [--exact] [--exact-time S] [--exact-max-items N]
//                       [--write FILE] [--seed N] [--verbose] [--cpu-time]
//   berth_bench_packing --generated SEEDS [--sizes N,N,...] [--strategy ...] [--time-limit S]
//   [--filter TEXT]
//       fresh instances (generate.hpp) of Panigrahy classes 1-9 (n = --sizes, default 40, 120,
//       250), triplets (n = 60, 120, 249), and New classes 1-6 resampled from the data's
//       replicates (the --sizes the data has), d = 3 and 5, seeds 1..SEEDS; ratio = bins / lower
//       bound (the best of the closed-form bounds, the pattern LP run for 2 s, and for triplets the
//       optimum n/3), so it overstates the distance to the optimum where the bound is weak.
//   By default search strategies get a work budget (SolveOptions::work_budget), as `berth pack`
//   without --time-limit: results are deterministic. --cpu-time: a CPU-time budget instead.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "berth/error.hpp"
#include "berth/pack/bounds.hpp"
#include "berth/pack/exact.hpp"
#include "berth/pack/solve.hpp"
#include "berth/pack/validate.hpp"
#include "berth/pack/vbp.hpp"
#include "generate.hpp"

namespace fs = std::filesystem;
using namespace berth::pack;

namespace {

struct Row {
  std::string path;  // relative to the data folder
  std::size_t optimum = 0;
  bool proven = false;
};

struct Stats {
  std::size_t count = 0;
  double ratio_sum = 0;
  double worst = 0;
  double seconds = 0;
  std::size_t at_optimum = 0;
  std::size_t exact_tried = 0;
  std::size_t exact_proved = 0;
  double exact_seconds = 0;
  std::size_t above = 0;  // ratio > 1.05
  double cpu = 0, cpu_max = 0;
  void add(double ratio, double secs, bool hit, double cpu_secs) {
    ++count;
    ratio_sum += ratio;
    worst = std::max(worst, ratio);
    seconds += secs;
    at_optimum += hit ? 1 : 0;
    above += ratio > 1.05 + 1e-9 ? 1 : 0;
    cpu += cpu_secs;
    cpu_max = std::max(cpu_max, cpu_secs);
  }
  std::string row(const std::string& name, bool bold) const {
    const char* b = bold ? "**" : "";
    return fmt::format(
        "| {} | {} | {}{:.4f}{} | {}{:.4f}{} | {} | {} | {:.3f} | {:.3f} | {:.3f} |\n", name, count,
        b, ratio_sum / count, b, b, worst, b, at_optimum, above, seconds / count, cpu / count,
        cpu_max);
  }
};

// A command-line value that must be an integer in [lo, hi] (or a number in [lo, hi] for
// parse_number): anything else ends the program with a one-line error naming the option.
[[noreturn]] void bad_value(const std::string& option, const std::string& text,
                            const std::string& expected) {
  std::fprintf(stderr, "berth_bench_packing: %s: expected %s, found '%s'\n", option.c_str(),
               expected.c_str(), text.c_str());
  std::exit(1);
}

std::uint64_t parse_count(const std::string& option, const std::string& text, std::uint64_t lo,
                          std::uint64_t hi) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || v < lo || v > hi) {
    bad_value(option, text, fmt::format("an integer from {} to {}", lo, hi));
  }
  return v;
}

double parse_number(const std::string& option, const std::string& text, double lo, double hi) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(v >= lo && v <= hi)) {
    bad_value(option, text, fmt::format("a number from {} to {}", lo, hi));
  }
  return v;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, sep)) out.push_back(part);
  return out;
}

// "vbp/panigrahy/class1/class1_20_3_0.vbp" -> "panigrahy/class1"
std::string class_of(const std::string& path) {
  const auto parts = split(path, '/');
  if (parts.size() >= 3) return parts[1] + "/" + parts[2];
  return path;
}

constexpr const char* kTableHead =
    "| class | instances | mean ratio | worst ratio | at optimum | above 1.05 | mean s | mean CPU "
    "s | max CPU s |\n"
    "|---|---|---|---|---|---|---|---|---|\n";

// CPU time of this thread, seconds.
double thread_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Runs a strategy as `berth pack` does: with a work budget unless --cpu-time.
SolveResult timed_solve(const Instance& inst, const std::string& strategy, double time_limit,
                        std::uint64_t seed, bool cpu_time, double& cpu_secs) {
  SolveOptions o;
  o.time_limit = time_limit;
  o.seed = seed;
  o.work_budget = !cpu_time;
  const double c0 = thread_cpu();
  SolveResult r = solve(inst, strategy, o);
  cpu_secs = thread_cpu() - c0;
  return r;
}

// Fresh instances (generate.hpp): one table per strategy, ratio to the lower bound.
int run_generated(std::size_t seeds, const std::vector<std::size_t>& sizes,
                  const std::vector<std::string>& strategies, double time_limit,
                  const std::string& filter, std::uint64_t seed, bool verbose, bool cpu_time) {
  std::vector<std::pair<Instance, std::size_t>> cases;  // instance, known optimum (0: unknown)
  // The New classes' replicates in the data, pooled per class, item count and dimension.
  std::map<std::string, std::vector<Instance>> new_pools;
  const fs::path data = BERTH_SHARED_DATA;
  for (int cls = 1; cls <= 6; ++cls) {
    for (std::size_t n : sizes) {
      for (std::size_t d : {3, 5}) {
        const std::string name = fmt::format("class{}_{}_{}", cls, n, d);
        for (int r = 0; r < 10; ++r) {
          const fs::path file = data / fmt::format("vbp/new/class{}/{}_{}.vbp", cls, name, r);
          if (fs::exists(file)) new_pools["gen/new-resampled/" + name].push_back(load_vbp(file));
        }
      }
    }
  }
  for (std::uint64_t s = 1; s <= seeds; ++s) {
    for (std::size_t d : {3, 5}) {
      for (int cls = 1; cls <= 9; ++cls) {
        for (std::size_t n : sizes)
          cases.push_back({bench_pack::panigrahy_instance(cls, n, d, s), 0});
      }
      for (char kind : {'C', 'F'}) {
        for (std::size_t g : {20, 40, 83})
          cases.push_back({bench_pack::triplet_instance(kind, g, d, s), g});
      }
    }
    for (const auto& [name, pool] : new_pools) {
      cases.push_back(
          {bench_pack::resampled_instance(name, pool, pool.front().item_count(), s), 0});
    }
  }
  std::map<std::string, std::map<std::string, Stats>> table;
  std::size_t invalid = 0;
  for (const auto& [inst, optimum] : cases) {
    if (!filter.empty()) {
      bool match = false;
      for (const auto& part : split(filter, ','))
        match = match || inst.name.find(part) != std::string::npos;
      if (!match) continue;
    }
    std::size_t lb = optimum;
    if (lb == 0) {
      LpOptions lo;
      lo.time_limit = 2.0;
      lb = std::max(lower_bounds(inst).best, lp_bound(inst, lo).bound);
    }
    // "gen/panigrahy/class1_40_3_1" -> "gen/panigrahy/class1"
    const std::string cls = inst.name.substr(0, inst.name.find('_'));
    for (const auto& st : strategies) {
      double cpu = 0;
      const SolveResult r = timed_solve(inst, st, time_limit, seed, cpu_time, cpu);
      if (auto err = validate(inst, r.solution)) {
        std::fprintf(stderr, "INVALID %s %s: %s\n", inst.name.c_str(), st.c_str(), err->c_str());
        ++invalid;
        continue;
      }
      lb = std::max(lb, r.lower_bound);
      const double ratio = static_cast<double>(r.solution.bins) / static_cast<double>(lb);
      table[st][cls].add(ratio, r.seconds, r.solution.bins <= lb, cpu);
      table[st]["ALL"].add(ratio, r.seconds, r.solution.bins <= lb, cpu);
      if (verbose || ratio > 1.05) {
        std::fprintf(stderr, "%-36s %-12s bins %zu lb %zu ratio %.3f %.2fs cpu %.2fs\n",
                     inst.name.c_str(), st.c_str(), r.solution.bins, lb, ratio, r.seconds, cpu);
      }
    }
  }
  for (const auto& st : strategies) {
    std::printf("### Strategy `%s`, generated instances (ratio = bins / lower bound)\n\n",
                st.c_str());
    std::printf(
        "(\"at optimum\" = at the bound, \"above 1.05\" = ratio to the bound above 1.05)\n\n%s",
        kTableHead);
    for (const auto& [cls, stt] : table[st]) {
      if (cls == "ALL") continue;
      std::fputs(stt.row(cls, false).c_str(), stdout);
    }
    const auto& all = table[st]["ALL"];
    if (all.count > 0) std::printf("%s\n", all.row("**all**", true).c_str());
  }
  if (invalid > 0) std::fprintf(stderr, "%zu invalid results\n", invalid);
  return invalid > 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> strategies{std::string(kDefaultStrategy)};
  double time_limit = 1.0;
  std::string filter;
  std::size_t sample = 1;
  bool exact = false;
  double exact_time = 60;
  std::size_t exact_max_items = 100;
  std::string write_path;
  std::uint64_t seed = 1;
  bool verbose = false;
  bool cpu_time = false;
  std::size_t generated = 0;
  std::vector<std::size_t> sizes{40, 120, 250};
  std::string command = "berth_bench_packing";
  for (int a = 1; a < argc; ++a) command += std::string(" ") + argv[a];
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    auto value = [&]() -> std::string {
      if (a + 1 >= argc) {
        std::fprintf(stderr, "missing value after %s\n", arg.c_str());
        std::exit(1);
      }
      return argv[++a];
    };
    if (arg == "--strategy") {
      const std::string v = value();
      strategies = v == "all" ? strategy_names() : split(v, ',');
    } else if (arg == "--time-limit") {
      time_limit = parse_number(arg, value(), 1e-3, 1e6);
    } else if (arg == "--filter") {
      filter = value();
    } else if (arg == "--sample") {
      sample = parse_count(arg, value(), 1, 1'000'000);
    } else if (arg == "--exact") {
      exact = true;
    } else if (arg == "--exact-time") {
      exact_time = parse_number(arg, value(), 1e-3, 1e6);
    } else if (arg == "--exact-max-items") {
      exact_max_items = parse_count(arg, value(), 0, 1'000'000);
    } else if (arg == "--write") {
      write_path = value();
    } else if (arg == "--seed") {
      seed = parse_count(arg, value(), 0, UINT64_MAX);
    } else if (arg == "--generated") {
      generated = parse_count(arg, value(), 1, 1000);
    } else if (arg == "--sizes") {
      sizes.clear();
      for (const auto& part : split(value(), ','))
        sizes.push_back(parse_count(arg, part, 1, 100'000));
    } else if (arg == "--verbose") {
      verbose = true;
    } else if (arg == "--cpu-time") {
      cpu_time = true;
    } else {
      std::fprintf(stderr, "unknown argument %s\n", arg.c_str());
      return 1;
    }
  }
  for (const auto& s : strategies) {
    if (!is_strategy(s)) {
      std::fprintf(stderr, "unknown strategy %s\n", s.c_str());
      return 1;
    }
  }
  if (generated > 0)
    return run_generated(generated, sizes, strategies, time_limit, filter, seed, verbose, cpu_time);
  const fs::path data = BERTH_SHARED_DATA;
  std::ifstream csv(data / "optima.csv");
  if (!csv) {
    std::fprintf(stderr, "no %s: nothing to measure\n", (data / "optima.csv").string().c_str());
    return 0;
  }
  std::vector<Row> rows;
  std::string line;
  std::getline(csv, line);  // header
  std::size_t index = 0;
  while (std::getline(csv, line)) {
    const auto f = split(line, ',');
    if (f.size() < 3 || f[0].rfind("vbp/", 0) != 0) continue;
    if (!filter.empty()) {
      bool match = false;
      for (const auto& part : split(filter, ','))
        match = match || f[0].find(part) != std::string::npos;
      if (!match) continue;
    }
    if (index++ % sample != 0) continue;
    rows.push_back({f[0], std::stoul(f[1]), f[2] == "true"});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.path < b.path; });

  // per strategy, per class
  std::map<std::string, std::map<std::string, Stats>> table;
  std::map<std::string, Stats> exact_table;
  std::size_t invalid = 0;
  for (const Row& row : rows) {
    Instance inst;
    try {
      inst = load_vbp(data / row.path);
    } catch (const berth::Error& e) {
      std::fprintf(stderr, "%s\n", e.what());
      ++invalid;
      continue;
    }
    const std::string cls = class_of(row.path);
    for (const auto& s : strategies) {
      double cpu = 0;
      const SolveResult r = timed_solve(inst, s, time_limit, seed, cpu_time, cpu);
      if (auto err = validate(inst, r.solution)) {
        std::fprintf(stderr, "INVALID %s %s: %s\n", row.path.c_str(), s.c_str(), err->c_str());
        ++invalid;
        continue;
      }
      const double ratio = static_cast<double>(r.solution.bins) / static_cast<double>(row.optimum);
      table[s][cls].add(ratio, r.seconds, r.solution.bins <= row.optimum, cpu);
      table[s]["ALL"].add(ratio, r.seconds, r.solution.bins <= row.optimum, cpu);
      if (verbose || ratio > 1.0) {
        std::fprintf(stderr, "%-50s %-12s bins %zu opt %zu lb %zu ratio %.3f %.2fs cpu %.2fs\n",
                     row.path.c_str(), s.c_str(), r.solution.bins, row.optimum, r.lower_bound,
                     ratio, r.seconds, cpu);
      }
    }
    if (exact && inst.item_count() <= exact_max_items) {
      ExactOptions eo;
      eo.time_limit = exact_time;
      const ExactResult er = solve_exact(inst, eo);
      if (auto err = validate(inst, er.best)) {
        std::fprintf(stderr, "INVALID exact %s: %s\n", row.path.c_str(), err->c_str());
        ++invalid;
      }
      for (const std::string& key : {cls, std::string("ALL")}) {
        auto& st = exact_table[key];
        ++st.exact_tried;
        st.exact_proved += er.proven_optimal ? 1 : 0;
        st.exact_seconds += er.seconds;
      }
      if (verbose || !er.proven_optimal) {
        std::fprintf(stderr, "exact %-44s bins %zu lb %zu opt %zu %s %.2fs\n", row.path.c_str(),
                     er.best.bins, er.lower_bound, row.optimum,
                     er.proven_optimal ? "proved" : "OPEN", er.seconds);
      }
    }
  }

  std::string out;
  out += "## Packing quality (issue 4)\n\n";
  out +=
      fmt::format("Command (from the build directory, data in ../shared/data): `{}`\n\n", command);
  out += fmt::format(
      "{} instances, {} s per instance per strategy ({}); ratio = bins / known optimum "
      "(best known when unproven, so a ratio below 1 is possible); \"mean s\" is wall time.\n\n",
      rows.size(), time_limit,
      cpu_time ? "CPU time" : "work budget, as `berth pack` without --time-limit: deterministic");
  for (const auto& s : strategies) {
    out += fmt::format("### Strategy `{}`\n\n", s);
    out += kTableHead;
    for (const auto& [cls, st] : table[s]) {
      if (cls == "ALL") continue;
      out += st.row(cls, false);
    }
    const auto& all = table[s]["ALL"];
    if (all.count > 0) out += all.row("**all**", true);
    out += "\n";
  }
  if (exact) {
    out += fmt::format("### Exact mode (instances with <= {} items, {} s limit)\n\n",
                       exact_max_items, exact_time);
    out += "| class | tried | proved optimal | mean s |\n|---|---|---|---|\n";
    for (const auto& [cls, st] : exact_table) {
      out +=
          fmt::format("| {} | {} | {} | {:.3f} |\n", cls == "ALL" ? "**all**" : cls, st.exact_tried,
                      st.exact_proved, st.exact_tried ? st.exact_seconds / st.exact_tried : 0.0);
    }
    out += "\n";
  }
  std::fputs(out.c_str(), stdout);
  if (invalid > 0) std::fprintf(stderr, "%zu invalid results or unreadable files\n", invalid);

  if (!write_path.empty()) {
    std::string text;
    {
      std::ifstream in(write_path);
      std::stringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
    if (text.empty()) text = "# Benchmark results\n\n";
    const std::string heading = "## Packing quality (issue 4)";
    const auto start = text.find(heading);
    if (start == std::string::npos) {
      if (!text.empty() && text.back() != '\n') text += "\n";
      text += "\n" + out;
    } else {
      auto end = text.find("\n## ", start + heading.size());
      end = end == std::string::npos ? text.size() : end + 1;
      text.replace(start, end - start, out);
    }
    std::ofstream o(write_path);
    o << text;
  }
  return invalid > 0 ? 1 : 0;
}
