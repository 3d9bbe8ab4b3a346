// The HTML report, rendered by a real browser (Debian's chromium, headless): the DOM it builds
// must hold the SVG bars, the unit rectangles and the tables. Skipped with a printed reason
// when chromium is not installed.
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "berth/io/spec_json.hpp"
#include "berth/plan/capacity.hpp"
#include "berth/plan/capacity_report.hpp"
#include "support/browser.hpp"

namespace fs = std::filesystem;
using namespace berth;
using namespace berth::plan;

namespace {

using testing::capture;
using testing::count;
using testing::kChromium;

CapacityPlan example_plan(const Catalogue& cat) {
  Spec w = read_spec_file(std::string(BERTH_SOURCE_DIR) + "/examples/capacity/workload.json");
  CapacityOptions o;
  o.max_iterations = 2000;
  return plan_capacity(w, cat, o);
}

}  // namespace

TEST_CASE("html: the report is self-contained and complete", "[plan][html]") {
  Catalogue cat =
      read_catalogue_file(std::string(BERTH_SOURCE_DIR) + "/examples/capacity/catalogue.json");
  CapacityPlan plan = example_plan(cat);
  ClusterReport rep = report_of(plan, cat);
  std::string html = capacity_html(plan, rep);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  // No network: nothing is fetched.
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("href=") == std::string::npos);
  CHECK(html.find("@import") == std::string::npos);
  // One chart per dimension with demand, one bar group per machine in each.
  CHECK(count(html, "<svg class=\"bars\"") == rep.dimensions.size());
  CHECK(count(html, "<g class=\"machine\"") == rep.dimensions.size() * plan.spec.machines.size());
  CHECK(count(html, "class=\"capacity\"") == rep.dimensions.size() * plan.spec.machines.size());
  CHECK(html.find("data-unit=\"web\"") != std::string::npos);
  CHECK(html.find("id=\"types\"") != std::string::npos);
  CHECK(html.find("id=\"cost\"") != std::string::npos);
  CHECK(html.find("id=\"bounds\"") != std::string::npos);
  CHECK(html.find(format_cost(plan.cost)) != std::string::npos);
  // Names are escaped.
  CHECK(html_escape("<a&\"b>") == "&lt;a&amp;&quot;b&gt;");
}

TEST_CASE("html: headless chromium renders the bars and tables", "[plan][html][chromium]") {
  if (::access(kChromium, X_OK) != 0) {
    WARN("skipped: /usr/bin/chromium not installed (apt-get install -y chromium)");
    return;
  }
  Catalogue cat =
      read_catalogue_file(std::string(BERTH_SOURCE_DIR) + "/examples/capacity/catalogue.json");
  CapacityPlan plan = example_plan(cat);
  ClusterReport rep = report_of(plan, cat);
  fs::path dir = fs::temp_directory_path() / fmt::format("berth-html-{}", ::getpid());
  fs::create_directories(dir / "profile");
  fs::path file = dir / "report.html";
  std::ofstream(file) << capacity_html(plan, rep);
  const std::string flags = fmt::format(
      "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking "
      "--disable-component-update --disable-sync --user-data-dir={}",
      (dir / "profile").string());
  std::string dom = capture(fmt::format("timeout 60 {} {} --dump-dom file://{} 2>/dev/null",
                                        kChromium, flags, file.string()));
  if (dom.empty()) {
    WARN("skipped: chromium produced no DOM (cannot run here)");
    fs::remove_all(dir);
    return;
  }
  // The browser parsed the SVG into elements: count them in the serialised DOM.
  CHECK(count(dom, "<svg class=\"bars\"") == rep.dimensions.size());
  CHECK(count(dom, "<rect class=\"unit\"") > plan.spec.machines.size());
  CHECK(count(dom, "<rect class=\"capacity\"") ==
        rep.dimensions.size() * plan.spec.machines.size());
  CHECK(dom.find("<table id=\"types\"") != std::string::npos);
  CHECK(dom.find("<table id=\"cost\"") != std::string::npos);
  CHECK(dom.find("<table class=\"summary\" id=\"summary\"") != std::string::npos);
  for (const auto& m : plan.spec.machines)
    CHECK(dom.find("data-machine=\"" + m.name + "\"") != std::string::npos);
  // And it paints: a screenshot is written.
  capture(
      fmt::format("timeout 60 {} {} --window-size=1100,1400 --screenshot={} file://{} 2>/dev/null",
                  kChromium, flags, (dir / "shot.png").string(), file.string()));
  if (fs::exists(dir / "shot.png")) CHECK(fs::file_size(dir / "shot.png") > 10000);
  fs::remove_all(dir);
}
