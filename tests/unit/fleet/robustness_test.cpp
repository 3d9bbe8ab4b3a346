// Bad files give located errors and never crash: mutated real unit files and machines files go
// through load_spec and lint; only berth::Error may come out.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "berth/error.hpp"
#include "berth/fleet/lint.hpp"
#include "berth/fleet/load.hpp"
#include "berth/fleet/machines.hpp"
#include "fleet_test_util.hpp"

using namespace berth;
using namespace berth::fleet;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Deletes, duplicates or replaces a few bytes with characters that matter to the parsers.
std::string mutate(std::string text, std::mt19937& rng) {
  static const std::string kChars = "[]=#;\\\n \"'%@{}.,-0m";
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !text.empty(); ++e) {
    const std::size_t at = rng() % text.size();
    switch (rng() % 3) {
      case 0:
        text.erase(at, 1 + rng() % 8);
        break;
      case 1:
        text.insert(at, 1, kChars[rng() % kChars.size()]);
        break;
      default:
        text[at] = kChars[rng() % kChars.size()];
        break;
    }
  }
  return text;
}

}  // namespace

TEST_CASE("mutated unit files: located errors, never a crash", "[fleet][robustness]") {
  std::vector<std::string> seeds;
  const fs::path examples = fs::path(BERTH_SOURCE_DIR) / "examples/coreos-fleet/units";
  for (const auto& e : fs::directory_iterator(examples)) seeds.push_back(slurp(e.path()));
  const fs::path data = fs::path(BERTH_SHARED_DATA) / "fleet-units/deis";
  if (fs::is_directory(data)) {
    for (const auto& e : fs::directory_iterator(data)) seeds.push_back(slurp(e.path()));
  }
  REQUIRE_FALSE(seeds.empty());
  const unsigned seed = 4242;
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  fleet_test::TempDir dir;
  int errors = 0;
  for (int round = 0; round < 400; ++round) {
    const std::string text = mutate(seeds[rng() % seeds.size()], rng);
    const std::string path = dir.write("m@.service", text);
    try {
      load_spec({dir / "m@{1..2}.service"}, "");
    } catch (const ParseError& e) {
      ++errors;
      CHECK(e.where().file == path);
      CHECK(e.where().line > 0);
    } catch (const ValidationError& e) {
      ++errors;
      CHECK(e.subject().find("m@1.service") == 0);
    }
    const auto report = lint({path});
    for (const auto& p : report.problems) CHECK_FALSE(format_problem(p).empty());
  }
  CHECK(errors > 0);  // the mutations do reach the error paths
}

TEST_CASE("mutated machines files: located errors, never a crash", "[fleet][robustness]") {
  const std::string seed_text =
      slurp(fs::path(BERTH_SOURCE_DIR) / "examples/coreos-fleet/machines");
  const unsigned seed = 777;
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int round = 0; round < 400; ++round) {
    const std::string text = mutate(seed_text, rng);
    try {
      parse_machines_file(text, "machines");
    } catch (const ParseError& e) {
      CHECK(e.where().line > 0);
      CHECK(e.code() >= 128);
      CHECK(e.code() <= 133);
    }
  }
}
