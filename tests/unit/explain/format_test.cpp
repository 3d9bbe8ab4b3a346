// Text people read (explain/format.hpp): the placement table and the folded pending lines.
#include "berth/explain/format.hpp"

#include <catch2/catch.hpp>

#include <string>

#include "berth/place/place.hpp"
#include "support/builders.hpp"

using namespace berth;
using testing::kGi;

namespace {

// m10 and m2 (2 cpu, 4 GiB each, listed out of natural order); web x2 (1 cpu, 1 GiB) both
// go to m2 (best-fit: ties to the lower name, then the fuller machine); big x3 (4 cpu) fits
// nowhere, each replica for the same reason.
Spec small() {
  Spec s;
  s.machines = {testing::machine("m10", 2000, 4 * kGi), testing::machine("m2", 2000, 4 * kGi)};
  s.units = {testing::unit("web", 1000, kGi, 2), testing::unit("big", 4000, kGi, 3)};
  return s;
}

std::string line_starting(const std::string& text, const std::string& prefix) {
  const auto at = text.find("\n" + prefix);
  if (at == std::string::npos) return "";
  return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
}

}  // namespace

TEST_CASE("fold: consecutive instances pending for one reason are one line", "[explain][format]") {
  const PlacementResult r = place(small());
  REQUIRE(r.pending.size() == 3);
  const std::string reason = r.pending[0].summary().substr(std::string("big@1").size());
  REQUIRE_FALSE(reason.empty());
  CHECK(fold_pending_lines(r.pending) ==
        std::vector<std::string>{"big@1 .. big@3 (3 instances)" + reason});
  // One instance alone is its own summary; a different reason breaks the run.
  CHECK(fold_pending_lines({r.pending[0]}) == std::vector<std::string>{r.pending[0].summary()});
  PendingUnit other = r.pending[1];
  other.unit = "web@9";
  other.diagnosis = Diagnosis{};
  const auto lines = fold_pending_lines({r.pending[0], r.pending[1], other, r.pending[2]});
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "big@1 .. big@2 (2 instances)" + reason);
  CHECK(lines[1] == other.summary());
  CHECK(lines[2] == r.pending[2].summary());
  CHECK(fold_pending_lines({}).empty());
}

TEST_CASE("the placement table: machines in natural order, then the pending lines",
          "[explain][format]") {
  const Spec spec = small();
  PlacementResult r = place(spec);
  REQUIRE(r.placements.size() == 2);
  REQUIRE(r.placements.at("web@1") == "m2");
  const std::string text = format_placement_text(spec, r);
  CHECK_THAT(text, Catch::StartsWith("MACHINE  STATE        CPU  MEMORY    DISK  UNITS\n"));
  CHECK(text.find("\nm2 ") < text.find("\nm10 "));  // natural order, not the spec's
  const std::string m2 = line_starting(text, "m2 ");
  CHECK_THAT(m2, Catch::Contains(" up ") && Catch::Contains("100%") && Catch::Contains("50%") &&
                     Catch::EndsWith("  web@1 web@2"));
  CHECK_THAT(line_starting(text, "m10 "), Catch::Contains("0%") && Catch::EndsWith("  -"));
  CHECK_THAT(text, Catch::Contains("\n2 of 5 unit instances placed; 3 pending:\n  big@1 .. big@3 "
                                   "(3 instances)"));
  CHECK_THAT(text, !Catch::Contains("warnings:"));
  r.warnings.push_back("unit web has no memory request");
  CHECK_THAT(format_placement_text(spec, r),
             Catch::EndsWith("\nwarnings:\n  unit web has no memory request\n"));
}

TEST_CASE("the placement table lists eight units per machine, then a count", "[explain][format]") {
  Spec spec;
  spec.machines = {testing::machine("m1", 4000, 4 * kGi)};
  spec.units = {testing::unit("t", 100, kGi / 16, 10)};
  const PlacementResult r = place(spec);
  REQUIRE(r.all_placed());
  const std::string text = format_placement_text(spec, r);
  CHECK_THAT(line_starting(text, "m1 "),
             Catch::EndsWith("  t@1 t@2 t@3 t@4 t@5 t@6 t@7 t@8 +2 more"));
  CHECK_THAT(text, Catch::EndsWith("\n10 of 10 unit instances placed.\n"));
}
