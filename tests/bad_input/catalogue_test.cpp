// The catalogue of bad input (tests/bad_input/manifest.txt): every hand-written bad file, run
// through the real CLI, must exit 1 with exactly one line on stderr, word for word, within a
// time limit. Store cases also prove the store is unchanged (export before == export after).
//
// Manifest records are separated by blank lines; `#` lines are comments:
//   case: spec/truncated.json          (a name; the file is cases/<case> unless `generate:`)
//   run: place spec/truncated.json     (CLI arguments, sh syntax, run from cases/ or {tmp})
//   error: berth: error: [berth....]   (the exact stderr line)
//   generate: KIND                     (optional: the file is made at test time into {tmp})
//   store: yes                         (optional: seed a SQLite store, check it afterwards)
// `{tmp}` in run/error stands for the per-case temporary directory, `{cases}` for cases/.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

constexpr int kTimeLimitSeconds = 30;  // per input; generous for sanitizer builds

struct Case {
  std::string name;
  std::string run;
  std::string error;
  std::string generate;
  bool store = false;
  int line = 0;
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

std::vector<Case> read_manifest(const fs::path& path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::vector<Case> cases;
  Case current;
  std::string line;
  int n = 0;
  auto flush = [&] {
    if (!current.name.empty()) cases.push_back(current);
    current = Case{};
  };
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) {
      flush();
      continue;
    }
    if (line[0] == '#') continue;
    auto colon = line.find(": ");
    INFO("manifest line " << n << ": " << line);
    REQUIRE(colon != std::string::npos);
    std::string key = line.substr(0, colon), value = line.substr(colon + 2);
    if (key == "case") {
      current.name = value;
      current.line = n;
    } else if (key == "run") {
      current.run = value;
    } else if (key == "error") {
      current.error = value;
    } else if (key == "generate") {
      current.generate = value;
    } else if (key == "store") {
      current.store = value == "yes";
    } else {
      FAIL("unknown manifest key " << key);
    }
  }
  flush();
  return cases;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Inputs too large (or too silly) to commit; made at test time.
void generate(const std::string& kind, const fs::path& dir) {
  if (kind == "10mb-line-spec") {
    // A valid JSON string value 10 MB long as a unit name, on one line.
    std::ofstream(dir / "long.json") << R"({"units":[{"name":")" << std::string(10 << 20, 'a')
                                     << R"(","requests":{"cpu":"x"}}]})";
  } else if (kind == "10mb-line-unit") {
    std::ofstream(dir / "long.service")
        << "[X-Fleet]\nMachineMetadata=" << std::string(10 << 20, 'x') << "\n";
  } else if (kind == "10mb-line-machines") {
    std::ofstream(dir / "long.machines")
        << "m1 capacity=\"cpu=" << std::string(10 << 20, '9') << "\"\n";
  } else if (kind == "10mb-line-vbp") {
    std::ofstream(dir / "long.vbp") << "1\n10\n1\n" << std::string(10 << 20, '7') << " 1\n";
  } else if (kind == "10mb-line-kube") {
    std::ofstream(dir / "long.json")
        << R"({"kind":"NodeList","items":[{"kind":"Node","metadata":{"name":")"
        << std::string(10 << 20, 'n') << R"("},"status":{"allocatable":{"cpu":"-1"}}}]})";
  } else if (kind == "deep-json") {
    // 100000 nested arrays: a recursive reader would overflow the stack.
    std::ofstream(dir / "deep.json")
        << R"({"units":)" << std::string(100000, '[') << std::string(100000, ']') << "}";
  } else if (kind == "deep-json-unclosed") {
    std::ofstream(dir / "deep.json") << std::string(1 << 20, '[');
  } else if (kind == "deep-kube") {
    std::ofstream(dir / "deep.json") << R"({"kind":"NodeList","items":)" << std::string(100000, '[')
                                     << std::string(100000, ']') << "}";
  } else {
    FAIL("unknown generator " << kind);
  }
}

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
  double seconds = 0;
};

Outcome run_cli(const std::string& args, const fs::path& cwd, const fs::path& tmp) {
  const fs::path out = tmp / "stdout.txt", err = tmp / "stderr.txt";
  std::string cmd = "cd '" + cwd.string() + "' && timeout -k 5 " +
                    std::to_string(kTimeLimitSeconds) + " '" + std::string(BERTH_CLI) + "' " +
                    args + " >'" + out.string() + "' 2>'" + err.string() + "' </dev/null";
  auto start = std::chrono::steady_clock::now();
  int status = std::system(cmd.c_str());
  Outcome o;
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.out = slurp(out);
  o.err = slurp(err);
  return o;
}

const fs::path kSource = BERTH_SOURCE_DIR;
const fs::path kCases = kSource / "tests/bad_input/cases";

}  // namespace

TEST_CASE("the catalogue has at least 60 cases, each with a file", "[bad_input]") {
  auto cases = read_manifest(kSource / "tests/bad_input/manifest.txt");
  CHECK(cases.size() >= 60);
  std::map<std::string, int> seen;
  for (const auto& c : cases) {
    INFO("case " << c.name << " (manifest line " << c.line << ")");
    CHECK(++seen[c.name] == 1);
    CHECK(!c.run.empty());
    CHECK(c.error.rfind("berth: error: ", 0) == 0);
    // Cases about arguments (unknown strategy, huge range) have no file of their own.
    if (c.generate.empty() && c.run.find(c.name) != std::string::npos)
      CHECK(fs::exists(kCases / c.name));
  }
}

TEST_CASE("every bad input exits 1 with its one-line error", "[bad_input]") {
  auto cases = read_manifest(kSource / "tests/bad_input/manifest.txt");
  const fs::path root =
      fs::temp_directory_path() / ("berth-bad-input-" + std::to_string(::getpid()));
  fs::remove_all(root);
  int index = 0;
  for (const auto& c : cases) {
    const fs::path tmp = root / std::to_string(index++);
    fs::create_directories(tmp);
    fs::path cwd = kCases;
    if (!c.generate.empty()) {
      generate(c.generate, tmp);
      cwd = tmp;
    }
    std::string args =
        replace_all(replace_all(c.run, "{tmp}", tmp.string()), "{cases}", kCases.string());
    std::string expected =
        replace_all(replace_all(c.error, "{tmp}", tmp.string()), "{cases}", kCases.string());
    std::string before;
    if (c.store) {
      // Seed the store with a good spec so "unchanged" means something.
      std::string store = "--store sqlite:'" + (tmp / "store.db").string() + "'";
      auto seeded = run_cli(store + " state import good/spec.json", kCases, tmp);
      INFO("seeding the store: " << seeded.err);
      REQUIRE(seeded.exit_code == 0);
      auto exported = run_cli(store + " state export", kCases, tmp);
      REQUIRE(exported.exit_code == 0);
      before = exported.out;
    }
    Outcome o = run_cli(args, cwd, tmp);
    INFO("case " << c.name << " (manifest line " << c.line << "): berth " << args);
    INFO("stderr: " << o.err.substr(0, 2000));
    CHECK(o.exit_code == 1);
    CHECK(o.seconds < kTimeLimitSeconds);
    CHECK(o.err == expected + "\n");
    if (c.store) {
      std::string store = "--store sqlite:'" + (tmp / "store.db").string() + "'";
      auto exported = run_cli(store + " state export", kCases, tmp);
      CHECK(exported.exit_code == 0);
      CHECK(exported.out == before);
    }
    fs::remove_all(tmp);
  }
  fs::remove_all(root);
}

namespace {

// The ids docs/errors.md lists: single ids (`usage.300`) and ranges (`usage.305`–`usage.307`,
// `invalid.220`–`invalid.239`), as `category.code`.
std::set<std::string> documented_ids(const std::string& doc) {
  std::set<std::string> ids;
  const std::regex one(
      R"(`?(parse_error|invalid|usage|store)\.(\d{3})`?(?:\s*(?:–|-)\s*`?(?:parse_error|invalid|usage|store)\.(\d{3}))?)");
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), one); it != std::sregex_iterator();
       ++it) {
    const std::string category = (*it)[1];
    const int from = std::stoi((*it)[2]);
    const int to = (*it)[3].matched ? std::stoi((*it)[3]) : from;
    for (int code = from; code <= to && code < from + 100; ++code)
      ids.insert(category + "." + std::to_string(code));
  }
  return ids;
}

}  // namespace

// Issue 16 item 16: the parser's own errors print [berth.usage.300], which docs/errors.md did
// not list. Every id the catalogue expects must be documented there.
TEST_CASE("every id in the catalogue is documented in docs/errors.md", "[bad_input]") {
  const auto ids = documented_ids(slurp(kSource / "docs/errors.md"));
  const std::regex id(R"(\[berth\.([a-z_]+\.\d{3})\])");
  for (const auto& c : read_manifest(kSource / "tests/bad_input/manifest.txt")) {
    std::smatch m;
    REQUIRE(std::regex_search(c.error, m, id));
    INFO("case " << c.name << " (manifest line " << c.line << ") expects " << m[1]);
    CHECK(ids.count(m[1]) == 1);
  }
}
