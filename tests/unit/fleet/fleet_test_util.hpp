#pragma once
// Helpers shared by the fleet tests: temporary unit directories and problem lookups.
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "berth/fleet/problem.hpp"

namespace fleet_test {

/// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("berth-fleet-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// Writes `text` to `name` inside the directory; returns the full path.
  std::string write(const std::string& name, const std::string& text) const {
    const auto p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  std::string path() const { return path_.string(); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline bool has_code(const std::vector<berth::fleet::Problem>& ps, int code) {
  for (const auto& p : ps) {
    if (p.code == code) return true;
  }
  return false;
}

}  // namespace fleet_test
