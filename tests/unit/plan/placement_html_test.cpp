// `berth place --format html`: the page is self-contained, shows every machine, bar and pending
// unit, aggregates large clusters by class with the machines one click away, and a real browser
// (Debian's chromium, headless) renders it, for the CoreOS example and for 10k machines.
// The browser parts are skipped with a printed reason when chromium is not installed.
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "berth/io/spec_json.hpp"
#include "berth/place/place.hpp"
#include "berth/plan/placement_html.hpp"
#include "berth/plan/report.hpp"
#include "support/browser.hpp"

namespace fs = std::filesystem;
using namespace berth;
using namespace berth::plan;

namespace {

using testing::capture;
using testing::count;
using testing::kChromium;

void check_self_contained(const std::string& html) {
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("href=") == std::string::npos);
  CHECK(html.find("@import") == std::string::npos);
  CHECK(html.find("url(") == std::string::npos);
}

/// 10,000 machines in three zones, four shapes, and more units than fit (130,000 instances) (so
/// some are pending and some capacity is stranded).
Spec big_spec() {
  std::string j = R"({"machines": [)";
  const char* shapes[][2] = {{"16", "64Gi"}, {"8", "32Gi"}, {"32", "128Gi"}, {"4", "16Gi"}};
  for (int k = 0; k < 10000; ++k) {
    j += fmt::format(
        R"({}{{"name": "m{}", "capacity": {{"cpu": "{}", "memory": "{}"}}, "metadata": {{"zone": "{}"}}}})",
        k ? "," : "", k, shapes[k % 4][0], shapes[k % 4][1], "abc"[k % 3]);
  }
  j += R"(], "units": [)";
  const char* sizes[][2] = {{"3", "2Gi"}, {"1", "12Gi"}, {"500m", "1Gi"}};
  for (int k = 0; k < 2600; ++k) {
    j += fmt::format(
        R"({}{{"name": "svc{}", "replicas": 50, "requests": {{"cpu": "{}", "memory": "{}"}}}})",
        k ? "," : "", k, sizes[k % 3][0], sizes[k % 3][1]);
  }
  j += "]}";
  return parse_spec_json(j);
}

struct Browser {
  fs::path dir;
  std::string flags;
  Browser() {
    dir = fs::temp_directory_path() / fmt::format("berth-place-html-{}", ::getpid());
    fs::create_directories(dir / "profile");
    flags = fmt::format(
        "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
        "--disable-background-networking "
        "--disable-component-update --disable-sync --user-data-dir={}",
        (dir / "profile").string());
  }
  ~Browser() { fs::remove_all(dir); }
  /// The DOM chromium builds from the page, and how long that took (seconds).
  std::pair<std::string, double> dom(const std::string& html, const std::string& name) {
    const fs::path file = dir / name;
    std::ofstream(file) << html;
    const auto t = std::chrono::steady_clock::now();
    std::string out = capture(fmt::format("timeout 120 {} {} --dump-dom file://{} 2>/dev/null",
                                          kChromium, flags, file.string()));
    return {out, std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count()};
  }
  std::uintmax_t screenshot(const std::string& name) {
    const fs::path shot = dir / (name + ".png");
    capture(fmt::format(
        "timeout 120 {} {} --window-size=1200,1500 --screenshot={} file://{} 2>/dev/null",
        kChromium, flags, shot.string(), (dir / name).string()));
    return fs::exists(shot) ? fs::file_size(shot) : 0;
  }
};

}  // namespace

TEST_CASE("place html: the CoreOS example, machine by machine", "[plan][html][place]") {
  const Spec spec =
      read_spec_file(std::string(BERTH_SOURCE_DIR) + "/examples/coreos-fleet/cluster.json");
  const PlacementResult result = place(spec);
  PlacementHtmlOptions options;
  options.strategy = "best-fit";
  const std::string html = placement_html(spec, result, options);
  check_self_contained(html);
  // Every machine has a row with one bar per dimension (cpu, memory, disk), grouped by zone.
  CHECK(count(html, "<tr class=\"machine\"") == spec.machines.size());
  CHECK(count(html, "<td class=\"bar m\"") == 3 * spec.machines.size());
  for (const auto& m : spec.machines)
    CHECK(html.find("data-machine=\"" + m.name + "\"") != std::string::npos);
  CHECK(count(html, "<details class=\"group\"") == 3);
  CHECK(html.find("data-group=\"2a\"") != std::string::npos);
  // Units per machine, and the pending unit with its reason.
  CHECK(html.find("api &times;3") != std::string::npos);
  CHECK(count(html, "<tr class=\"pending\"") == 1);
  CHECK(html.find(html_escape(result.pending.front().summary())) != std::string::npos);
  CHECK(html.find("<tr class=\"class\"") == std::string::npos);  // small: no aggregation

  SECTION("another key groups differently; no key is one group") {
    options.group_by = "role";
    const std::string by_role = placement_html(spec, result, options);
    CHECK(count(by_role, "<details class=\"group\"") >= 2);
    options.group_by = "";
    CHECK(count(placement_html(spec, result, options), "<details class=\"group\"") == 1);
  }
  SECTION("names are escaped") {
    Spec odd =
        parse_spec_json(R"({"machines": [{"name": "m<1>", "capacity": {"cpu": "1", "memory": "1Gi"},
      "metadata": {"zone": "a&b"}}], "units": [{"name": "x\"y", "requests": {"cpu": "2"}}]})");
    const std::string page = placement_html(odd, place(odd));
    CHECK(page.find("m&lt;1&gt;") != std::string::npos);
    CHECK(page.find("a&amp;b") != std::string::npos);
    CHECK(page.find("x&quot;y") != std::string::npos);
    CHECK(page.find("m<1>") == std::string::npos);
  }
}

TEST_CASE("place html: 10k machines are shown by class, machines one click away",
          "[plan][html][place]") {
  const Spec spec = big_spec();
  const PlacementResult result = place(spec);
  REQUIRE(!result.pending.empty());
  const std::string html = placement_html(spec, result);
  check_self_contained(html);
  // Three zones x four shapes = twelve classes, each with its machines in a closed <details>.
  CHECK(count(html, "<tr class=\"class\"") == 12);
  CHECK(count(html, "<details class=\"machines\">") == 12);
  CHECK(count(html, "<tr class=\"machine\"") == 10000);
  CHECK(count(html, "<td class=\"bar m\"") == 20000);
  CHECK(count(html, "<tr class=\"pending\"") == std::min<std::size_t>(result.pending.size(), 1000));
  // Small enough to mail: a few hundred bytes per machine.
  CHECK(html.size() < 6'000'000);
  WARN(fmt::format("10k machines: {} bytes of HTML, {} pending", html.size(),
                   result.pending.size()));
}

TEST_CASE("place html: headless chromium renders both pages", "[plan][html][place][chromium]") {
  if (::access(kChromium, X_OK) != 0) {
    WARN("skipped: /usr/bin/chromium not installed (apt-get install -y chromium)");
    return;
  }
  Browser browser;
  const Spec coreos =
      read_spec_file(std::string(BERTH_SOURCE_DIR) + "/examples/coreos-fleet/cluster.json");
  const auto [dom, seconds] = browser.dom(placement_html(coreos, place(coreos)), "coreos.html");
  if (dom.empty()) {
    WARN("skipped: chromium produced no DOM (cannot run here)");
    return;
  }
  // The browser parsed the rows and bars into elements.
  CHECK(count(dom, "<tr class=\"machine\"") == coreos.machines.size());
  CHECK(count(dom, "<td class=\"bar m\"") == 3 * coreos.machines.size());
  CHECK(count(dom, "<tr class=\"pending\"") == 1);
  CHECK(browser.screenshot("coreos.html") > 10000);

  const Spec big = big_spec();
  const std::string page = placement_html(big, place(big));
  const auto [big_dom, big_seconds] = browser.dom(page, "big.html");
  CHECK(count(big_dom, "<tr class=\"machine\"") == 10000);
  CHECK(count(big_dom, "<details class=\"machines\">") == 12);
  CHECK(browser.screenshot("big.html") > 10000);
  WARN(
      fmt::format("chromium --dump-dom: CoreOS {} bytes in {:.2f} s; 10k machines {} bytes in "
                  "{:.2f} s (browser start "
                  "included)",
                  coreos.machines.size() ? placement_html(coreos, place(coreos)).size() : 0,
                  seconds, page.size(), big_seconds));
}
