#pragma once
// Runs the berth CLI (BERTH_CLI) from a test and captures its exit code and output.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

namespace berth::testing {

struct CliRun {
  int exit_code;
  std::string out;
};

/// `berth ARGS`, with stderr merged into `out` (or dropped when `with_stderr` is false).
inline CliRun run_cli(const std::string& args, bool with_stderr = true) {
  std::string cmd = std::string(BERTH_CLI) + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe);
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

/// A CLI run with standard output and standard error apart.
struct CliOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// `berth ARGS` run in directory `dir` with `env` ("NAME=value ..." or "") and without
/// BERTH_STORE, so the default store is DIR/berth.db; standard error goes through DIR/.stderr.
inline CliOutput run_cli_in(const std::string& dir, const std::string& args,
                            const std::string& env = "") {
  const std::string err_file = dir + "/.stderr";
  const std::string cmd = "cd '" + dir + "' && env -u BERTH_STORE " + env + " '" + BERTH_CLI +
                          "' " + args + " 2>'" + err_file + "'";
  CliOutput r;
  FILE* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe);
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, pipe)) r.out.append(buf, n);
  int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_file);
  r.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
  return r;
}

/// Writes `text` to /tmp/<prefix><name> and returns the path.
inline std::string write_temp_file(const std::string& prefix, const std::string& name,
                                   const std::string& text) {
  std::string path = "/tmp/" + prefix + name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace berth::testing
