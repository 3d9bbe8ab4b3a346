#include "progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace berth::cli {

ProgressBar::ProgressBar()
    : enabled_(isatty(fileno(stderr)) != 0 && std::getenv("BERTH_NO_PROGRESS") == nullptr) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(std::string_view phase, std::size_t done, std::size_t total) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const bool phase_changed = phase != phase_;
  if (!phase_changed && done != total && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  phase_ = std::string(phase);
  constexpr int kWidth = 30;
  std::string line;
  if (total > 0) {
    const int filled =
        static_cast<int>(static_cast<double>(kWidth) * static_cast<double>(std::min(done, total)) /
                         static_cast<double>(total));
    line = fmt::format("\r[{}{}] {:<22} {}/{}", std::string(static_cast<std::size_t>(filled), '#'),
                       std::string(static_cast<std::size_t>(kWidth - filled), '.'), phase, done,
                       total);
  } else {
    line = fmt::format("\r[{:^{}}] {:<22} {}", "working", kWidth, phase, done);
  }
  std::fputs(fmt::format("{:<80}", line).c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (!drawn_) return;
  std::fputs(fmt::format("\r{:<81}\r", "").c_str(), stderr);
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace berth::cli
