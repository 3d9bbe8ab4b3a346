// The split read of a large spec (issue 17): machines and units read on several threads, with
// the sequential read as the only source of errors. Oracle: the sequential read itself
// (SpecReadOptions with parallel_from beyond any spec), whose answer the split read must give
// exactly, spec or error text, for any text.
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"

using namespace berth;

namespace {

using nlohmann::json;

struct SplitOutcome {
  std::optional<Spec> spec;
  std::string error;
  SpecReadReport report;
};

SplitOutcome read_spec_with(const std::string& text, const SpecReadOptions& options) {
  SplitOutcome out;
  try {
    out.spec = parse_spec_json(text, "split.json", options, &out.report);
  } catch (const Error& e) {
    out.error = e.what();
  }
  return out;
}

SplitOutcome read_sequentially(const std::string& text) {
  SplitOutcome out = read_spec_with(text, SpecReadOptions{1, SIZE_MAX});
  REQUIRE(out.report.threads == 0);  // not attempted
  return out;
}

// The split read with `threads` threads, whatever the spec's size.
SplitOutcome read_split(const std::string& text, unsigned threads) {
  return read_spec_with(text, SpecReadOptions{threads, 1});
}

struct SplitDraw {
  std::mt19937_64 rng;
  int operator()(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
  // Text with what could fool a scan that did not follow strings: commas, brackets, quotes,
  // backslashes (all escaped by the writer), a control character, a non-ASCII letter.
  std::string tricky() {
    static const char* const kBits[] = {"a",  "b",  "7", ",", "[",  "]",        "{", "}",
                                        "\"", "\\", ":", " ", "\t", "\xC3\xA9", "/", "\\\""};
    std::string s;
    for (int n = (*this)(0, 4); n > 0; --n) s += kBits[(*this)(0, 15)];
    return s;
  }
};

json split_machine(SplitDraw& pick, int i) {
  static const char* const kZones[] = {"a", "b", "c", "d"};
  json m = {{"name", fmt::format("m{}{}", i, pick.tricky())}};
  json cap = json::object();
  const int cpu = pick(1, 64);
  if (pick(0, 1) == 0)
    cap["cpu"] = cpu;
  else
    cap["cpu"] = fmt::format("{}", cpu);
  cap["memory"] = fmt::format("{}Gi", pick(1, 256));
  if (pick(0, 3) == 0) cap["gpu"] = pick(0, 4);
  m["capacity"] = cap;
  if (pick(0, 3) == 0) m["reserved"] = {{"cpu", 0.5}, {"memory", "512Mi"}};
  json md = {{"zone", kZones[pick(0, 3)]}};
  if (pick(0, 2) == 0) {
    const std::string key = "k" + pick.tricky();
    const std::string first = pick.tricky();
    md[key] = json::array({first, pick.tricky()});
  }
  if (pick(0, 4) == 0) md["cores"] = pick(1, 64);
  m["metadata"] = md;
  if (pick(0, 5) == 0) m["state"] = "draining";
  if (pick(0, 5) == 0)
    m["taints"] = json::array({{{"key", "dedicated"}, {"value", "gpu"}, {"effect", "NoSchedule"}}});
  return m;
}

json split_unit(SplitDraw& pick, int i) {
  json u = {{"name", fmt::format("u{}{}", i, pick.tricky())}};
  if (pick(0, 1) == 0) u["replicas"] = pick(0, 5);
  const int memory = pick(0, 4096);
  u["requests"] = {{"cpu", fmt::format("{}m", pick(0, 4000))},
                   {"memory", fmt::format("{}Mi", memory)}};
  if (pick(0, 2) == 0) u["priority"] = pick(-5, 5);
  json c = json::object();
  if (pick(0, 2) == 0) c["metadata"] = {{"zone", json::array({"a", "b"})}};
  if (pick(0, 4) == 0)
    c["metadata"] =
        json::array({{{"key", "role"}, {"op", "in"}, {"values", json::array({"api"})}}});
  if (pick(0, 3) == 0) c["conflicts"] = json::array({fmt::format("u{}@*", i)});
  if (pick(0, 4) == 0) c["spread"] = {{"key", "zone"}, {"max_skew", pick(1, 3)}};
  if (!c.empty()) u["constraints"] = c;
  if (pick(0, 4) == 0)
    u["tolerations"] = json::array({{{"key", "dedicated"}, {"operator", "Exists"}}});
  if (pick(0, 5) == 0) u["ports"] = json::array({80, "53/udp"});
  if (pick(0, 4) == 0)
    u["preferences"] = json::array({{{"metadata", {{"zone", "a"}}}, {"weight", pick(-100, 100)}}});
  return u;
}

// A spec's text: `machines` and `units` written with random indentation and separators, the
// fields in a random order, with placements, warnings and a comment that holds what looks
// like a field.
std::string split_spec_text(SplitDraw& pick, int machines, int units) {
  static const char* const kCommas[] = {",", ", ", ",\n  ", "\n,\t"};
  auto list = [&](int n, bool of_machines) {
    std::string text = pick(0, 1) == 0 ? "[" : "[\n ";
    for (int i = 0; i < n; ++i) {
      if (i > 0) text += kCommas[pick(0, 3)];
      const json element = of_machines ? split_machine(pick, i) : split_unit(pick, i);
      text += element.dump(pick(-1, 2));
    }
    return text + (pick(0, 1) == 0 ? "]" : " \n]");
  };
  std::vector<std::string> fields = {"\"machines\": " + list(machines, true),
                                     "\"units\": " + list(units, false)};
  if (pick(0, 1) == 0) fields.emplace_back(R"("placements": {"u0@1": "m0", "u1@2": "m,]1"})");
  if (pick(0, 1) == 0) fields.emplace_back(R"("warnings": ["note, [with] \"brackets\""])");
  if (pick(0, 1) == 0) fields.emplace_back(R"("$comment": "\"units\": [{\"name\": 1},")");
  std::shuffle(fields.begin(), fields.end(), pick.rng);
  std::string text = "{";
  for (std::size_t k = 0; k < fields.size(); ++k) text += (k ? ",\n" : "\n") + fields[k];
  return text + "\n}\n";
}

void check_same_outcome(const SplitOutcome& split, const SplitOutcome& sequential) {
  CHECK(split.error == sequential.error);
  CHECK(split.spec.has_value() == sequential.spec.has_value());
  if (split.spec && sequential.spec) CHECK(*split.spec == *sequential.spec);
}

// The text of n machines and n units, one per line as the generators write them (a case
// replaces one of them).
struct SplitElements {
  std::vector<std::string> machines, units;
};

SplitElements plain_elements(int n) {
  SplitElements e;
  for (int i = 0; i < n; ++i) {
    e.machines.push_back(fmt::format(
        R"({{"name": "m{}", "capacity": {{"cpu": "8", "memory": "32Gi"}}, "metadata": {{"zone": "z{}"}}}})",
        i, i % 4));
    e.units.push_back(fmt::format(
        R"({{"name": "u{}", "replicas": 2, "requests": {{"cpu": "500m", "memory": "1Gi"}}}})", i));
  }
  return e;
}

std::string join_elements(const std::vector<std::string>& items, const std::string& comma = ",\n") {
  std::string text;
  for (std::size_t k = 0; k < items.size(); ++k) text += (k ? comma : "") + items[k];
  return text;
}

std::string plain_spec(const SplitElements& e, const std::string& tail = "") {
  return "{\"machines\": [\n" + join_elements(e.machines) + "],\n\"units\": [\n" +
         join_elements(e.units) + "]" + tail + "}";
}

}  // namespace

TEST_CASE("the split read gives the sequential read's spec, with any number of threads",
          "[spec][split]") {
  for (int seed = 0; seed < 40; ++seed) {
    SplitDraw pick{std::mt19937_64(static_cast<std::uint64_t>(seed))};
    // One draw per statement: the order of a call's arguments is unspecified (GCC and clang
    // differ), and a seed must give one case.
    const int machines = pick(0, 60);
    const int units = pick(1, 80);
    const std::string text = split_spec_text(pick, machines, units);
    const SplitOutcome sequential = read_sequentially(text);
    INFO("seed " << seed << "\n" << text);
    REQUIRE(sequential.error.empty());
    for (unsigned threads : {1U, 2U, 3U}) {
      INFO(threads << " thread(s)");
      const SplitOutcome split = read_split(text, threads);
      CHECK(split.report.parallel);  // the split read gave it, not the fallback
      CHECK(split.report.threads == threads);
      check_same_outcome(split, sequential);
    }
  }
}

TEST_CASE("the split read of any damaged text gives the sequential read's answer",
          "[spec][split][errors]") {
  // One random edit of a valid text: mostly errors of every kind at every place, some still
  // valid (a space, a digit, a character inside a string). Whatever it gives, the split read
  // gives the same, error text included.
  const std::string chars = ",]}\"\\{[: x1";  // single bytes to insert or write over one
  const std::vector<std::string> longer = {"\xEF\xBB\xBF", "{\"name\": \"u1\"},"};
  int valid = 0;
  for (int seed = 0; seed < 400; ++seed) {
    SplitDraw pick{std::mt19937_64(static_cast<std::uint64_t>(1000 + seed))};
    const int machines = pick(1, 30);
    const int units = pick(1, 30);
    std::string text = split_spec_text(pick, machines, units);
    const auto at = static_cast<std::size_t>(pick(0, static_cast<int>(text.size()) - 1));
    switch (pick(0, 3)) {
      case 3:  // a line break after a comma: still valid unless the comma is inside a string
        if (const auto comma = text.find(',', at); comma != std::string::npos)
          text.insert(comma + 1, "\n ");
        break;
      case 0:
        text.erase(at, 1);
        break;
      case 1:
        if (const int k = pick(0, 12); k < 11)
          text.insert(at, 1, chars[static_cast<std::size_t>(k)]);
        else
          text.insert(at, longer[static_cast<std::size_t>(k - 11)]);
        break;
      default:
        text[at] = chars[static_cast<std::size_t>(pick(0, 10))];
        break;
    }
    const SplitOutcome sequential = read_sequentially(text);
    const auto threads = static_cast<unsigned>(pick(1, 3));
    INFO("seed " << 1000 + seed << ", " << threads << " thread(s)\n" << text);
    const SplitOutcome split = read_split(text, threads);
    check_same_outcome(split, sequential);
    // When the text is valid, the split read itself gave it (and it only ever gives valid text).
    CHECK(split.report.parallel == sequential.error.empty());
    valid += sequential.error.empty() ? 1 : 0;
  }
  CHECK(valid > 10);  // the edits did not all break the text
}

TEST_CASE("a text the split read refuses gets exactly the sequential read's error",
          "[spec][split][errors]") {
  const int n = 40;
  auto with_machine = [&](int k, const std::string& element) {
    SplitElements e = plain_elements(n);
    e.machines[static_cast<std::size_t>(k)] = element;
    return plain_spec(e);
  };
  auto with_unit = [&](int k, const std::string& element) {
    SplitElements e = plain_elements(n);
    e.units[static_cast<std::size_t>(k)] = element;
    return plain_spec(e);
  };
  SplitElements no_comma = plain_elements(n);
  no_comma.units[20] += " " + no_comma.units[21];
  no_comma.units.erase(no_comma.units.begin() + 21);
  SplitElements dup_key = plain_elements(n);
  dup_key.units.push_back(R"({"name": "last", "replicas": 1, "replicas": 2})");
  const SplitElements plain = plain_elements(n);
  struct Case {
    const char* what;
    std::string text;
    std::string error;  // what the sequential read says, checked here too
  };
  const std::vector<Case> cases = {
      {"a syntax error in an element", with_unit(30, R"({"name": "u30", "replicas": 2,})"),
       "[berth.parse_error.101] split.json:73:31: parsing object key - unexpected '}'; expected "
       "string literal"},
      {"a missing comma between elements", plain_spec(no_comma),
       "[berth.parse_error.101] split.json:63:78: parsing array - unexpected '{'; expected ']'"},
      {"a trailing comma", "{\"machines\": [\n" + join_elements(plain.machines) + ",\n]}",
       "[berth.parse_error.101] split.json:42:1: parsing value - unexpected ']'; expected '[', "
       "'{', or a literal"},
      {"a duplicate key in an element", plain_spec(dup_key),
       "[berth.parse_error.102] split.json:83:33: duplicate key \"replicas\": each key may appear "
       "once in an object"},
      {"a duplicate unit name across chunks", with_unit(n - 1, R"({"name": "u0"})"),
       "[berth.invalid.217] units[39].name: duplicate unit name \"u0\" (in split.json)"},
      {"a duplicate machine name across chunks", with_machine(n - 1, R"({"name": "m0"})"),
       "[berth.invalid.216] machines[39].name: duplicate machine name \"m0\" (in split.json)"},
      {"a meaning error in the last chunk",
       with_unit(n - 2, R"({"name": "bad", "requests": {"cpu": "abc"}})"),
       "[berth.invalid.201] unit bad: requests.cpu: invalid quantity \"abc\": expected a number "
       "such as 2, 0.5, 500m, 512Mi or 2GiB (in split.json)"},
      {"a meaning error in the last chunk after one in the first: the first wins",
       [&] {
         SplitElements e = plain_elements(n);
         e.machines[1] = R"({"name": "m1", "state": "asleep"})";
         e.units[n - 1] = R"({"name": "u", "replicas": -1})";
         return plain_spec(e);
       }(),
       "[berth.invalid.207] machine m1: state: unknown state \"asleep\" (expected up, draining, "
       "down or rebooting) (in split.json)"},
      {"a meaning error in the first chunk and a syntax error in the last: syntax wins",
       [&] {
         SplitElements e = plain_elements(n);
         e.machines[1] = R"({"name": "m1", "state": "asleep"})";
         e.units[n - 1] = R"({"name": "u", "replicas": 01})";
         return plain_spec(e);
       }(),
       "[berth.parse_error.101] split.json:82:28: parsing object - unexpected number literal; "
       "expected '}'"},
      {"an error in the skeleton after the arrays",
       plain_spec(plain, R"(, "placements": {"u0@1": 3})"),
       "[berth.invalid.202] placements.u0@1: expected a string, got the number 3 (in split.json)"},
      {"a syntax error in the skeleton after the arrays",
       plain_spec(plain, R"(, "warnings": [1,])"),
       "[berth.parse_error.101] split.json:82:95: parsing value - unexpected ']'; expected '[', "
       "'{', or a literal"},
      {"an unknown field after the arrays", plain_spec(plain, R"(, "unit": [])"),
       "[berth.invalid.203] unit: unknown field \"unit\"; did you mean \"units\"? (in split.json)"},
      {"units written twice", plain_spec(plain, R"(, "units": [])"),
       "[berth.parse_error.102] split.json:82:80: duplicate key \"units\": each key may appear "
       "once in an object"},
      {"units written twice, once escaped", plain_spec(plain, R"(, "unit\u0073": [])"),
       "[berth.parse_error.102] split.json:82:80: duplicate key \"units\": each key may appear "
       "once in an object"},
      // A reader skips a byte-order mark at the start of a text only: read alone, a piece that
      // starts with one would pass.
      {"a byte-order mark right after a comma",
       "{\"units\": [" + plain.units[0] + ",\xEF\xBB\xBF" +
           join_elements({plain.units.begin() + 1, plain.units.end()}, ",") + "]}",
       "[berth.parse_error.101] split.json:1:88: parsing value - invalid literal; last read: "
       "'\"1Gi\"}},\\xef'"},
      {"a byte-order mark right after the bracket",
       "{\"units\": [\xEF\xBB\xBF" + join_elements(plain.units, ",") + "]}",
       "[berth.parse_error.101] split.json:1:12: parsing value - invalid literal; last read: "
       "'\"units\": [\\xef'"},
      {"machines as an object",
       "{\"units\": [\n" + join_elements(plain.units) + "], \"machines\": {\"name\": \"m\"}}",
       "[berth.invalid.202] machines: expected an array of machines, got an object (in "
       "split.json)"},
      {"a document that is an array", "[\"units\", [" + join_elements(plain.units) + "]]",
       "[berth.invalid.202] spec: expected an object with \"machines\" and \"units\", got an "
       "array (in split.json)"},
      {"a text cut short", plain_spec(plain).substr(0, 3000),
       "[berth.parse_error.101] split.json:35:59: parsing object - unexpected end of input; "
       "expected '}'"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const SplitOutcome sequential = read_sequentially(c.text);
    CHECK(sequential.error == c.error);
    for (unsigned threads : {1U, 2U, 3U}) {
      INFO(threads << " thread(s)");
      const SplitOutcome split = read_split(c.text, threads);
      check_same_outcome(split, sequential);
      CHECK_FALSE(split.report.parallel);
    }
  }
}

TEST_CASE("a large spec is read on every core by default, a small one sequentially",
          "[spec][split]") {
  const SplitElements e = plain_elements(3000);
  const std::string text = plain_spec(e);
  SpecReadReport report;
  const Spec spec = parse_spec_json(text, "split.json", SpecReadOptions{}, &report);
  const bool cores = std::thread::hardware_concurrency() > 1;
  CHECK(report.parallel == cores);
  if (cores) CHECK(report.threads == std::min(std::thread::hardware_concurrency(), 8U));
  CHECK(spec == *read_sequentially(text).spec);
  REQUIRE(spec.units.size() == 3000);
  CHECK(spec.units[2999].name == "u2999");
  CHECK(spec.machines[1234].metadata.at("zone") == std::vector<std::string>{"z2"});
  // Below SpecReadOptions::parallel_from (4096 elements): the sequential read.
  const SplitElements small = plain_elements(2000);
  (void)parse_spec_json(plain_spec(small), "split.json", SpecReadOptions{}, &report);
  CHECK_FALSE(report.parallel);
  CHECK(report.threads == 0);
}
