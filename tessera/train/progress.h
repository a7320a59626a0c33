#pragma once
// The per-epoch progress display of fit(): a live bar on a terminal (batches done/total, elapsed, ETA, running
// loss and metrics, samples/s), one plain line per epoch when the output is not a terminal (logs, CI).
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace tessera::train {

using Metrics = std::vector<std::pair<std::string, double>>;

class ProgressBar {
 public:
  /// `live`: redraw one line in place (a terminal); otherwise print only the summary line of each epoch.
  ProgressBar(std::ostream& out, bool live, int64_t epoch, int64_t epochs, int64_t total_batches);
  /// After each batch: how many batches and samples are done, and the running metrics.
  void update(int64_t batches_done, int64_t samples_done, const Metrics& running);
  /// The epoch's last line: time, throughput and the final metrics (train and validation).
  void finish(int64_t samples_done, const Metrics& final_metrics);
  double elapsed_seconds() const;

  /// True when `fd` is a terminal (so a live bar makes sense).
  static bool is_terminal(int fd);

 private:
  std::string prefix() const;
  std::ostream& out_;
  bool live_;
  int64_t epoch_, epochs_, total_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

/// "1:05" / "12.3s" style durations.
std::string format_duration(double seconds);
/// "loss 0.4123 - accuracy 0.8512" from metrics.
std::string format_metrics(const Metrics& m);

}  // namespace tessera::train
