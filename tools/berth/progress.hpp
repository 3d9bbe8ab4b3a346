#pragma once
// A progress bar on standard error, drawn only when standard error is a terminal, so that
// pipes, CI logs and tests see nothing.
#include <chrono>
#include <string>
#include <string_view>

namespace berth::cli {

class ProgressBar {
 public:
  ProgressBar();
  ~ProgressBar();
  /// True when a bar is drawn (stderr is a terminal and BERTH_NO_PROGRESS is unset).
  bool enabled() const { return enabled_; }
  /// Redraws at most ~10 times a second. total == 0: unknown length (a counter is shown).
  void update(std::string_view phase, std::size_t done, std::size_t total);
  /// Erases the bar.
  void finish();

 private:
  bool enabled_ = false;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
  std::string phase_;
};

}  // namespace berth::cli
