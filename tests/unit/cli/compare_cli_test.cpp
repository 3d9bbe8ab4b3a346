// berth compare: the table, the JSON, exit codes and errors; berth place with batch names.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/cli.hpp"

using berth::testing::run_cli;

namespace {
const std::string kCluster = std::string(BERTH_SOURCE_DIR) + "/examples/coreos-fleet/cluster.json";
}

TEST_CASE("berth compare prints one row per strategy and exits like place", "[cli][compare]") {
  auto r = run_cli("compare " + kCluster + " --strategies best-fit,ffd-max,flow");
  INFO(r.out);
  CHECK(r.exit_code == 2);  // analytics fits nowhere, whatever the strategy
  CHECK(r.out.find("STRATEGY") != std::string::npos);
  CHECK(r.out.find("\nflow ") != std::string::npos);
  CHECK(r.out.find("\nffd-max ") != std::string::npos);
  CHECK(r.out.find("27 ") != std::string::npos);
}

TEST_CASE("berth compare --format json", "[cli][compare]") {
  auto r = run_cli("compare " + kCluster + " --strategies first-fit,bfd-l2 --format json", false);
  INFO(r.out);
  CHECK(r.exit_code == 2);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["instances"] == 28);
  REQUIRE(j["strategies"].size() == 2);
  const auto& row = j["strategies"][1];
  CHECK(row["strategy"] == "bfd-l2");
  CHECK(row["placed"] == 27);
  CHECK(row["pending"] == 1);
  CHECK(row["dimensions"]["cpu"].contains("stranded_fraction"));
  CHECK(row["machines_used"].get<int>() <= row["machines_up"].get<int>());
}

TEST_CASE("berth compare all strategies, and its errors", "[cli][compare]") {
  auto all = run_cli("compare " + kCluster + " --format json", false);
  CHECK(all.exit_code == 2);
  CHECK(nlohmann::json::parse(all.out)["strategies"].size() == 18);

  auto unknown = run_cli("compare " + kCluster + " --strategies best-fit,flw");
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.out.find("[berth.usage.302]") != std::string::npos);
  CHECK(unknown.out.find("did you mean \"flow\"") != std::string::npos);
  CHECK(std::count(unknown.out.begin(), unknown.out.end(), '\n') == 1);
  auto empty = run_cli("compare " + kCluster + " --strategies best-fit,,flow");
  CHECK(empty.exit_code == 1);
  CHECK(empty.out.find("[berth.usage.390]") != std::string::npos);
  auto twice = run_cli("compare " + kCluster + " --strategies flow,flow");
  CHECK(twice.out.find("[berth.usage.392]") != std::string::npos);
}

TEST_CASE("berth place takes batch strategy names", "[cli][place][batch]") {
  auto flow = run_cli("place " + kCluster + " --strategy flow --format json", false);
  CHECK(flow.exit_code == 2);
  auto j = nlohmann::json::parse(flow.out);
  REQUIRE(j["pending"].size() == 1);
  CHECK(j["pending"][0]["unit"] == "analytics");
  auto ok = run_cli("place " + kCluster + " --strategy drf");
  CHECK(ok.out.find("27 of 28 unit instances placed") != std::string::npos);
}
