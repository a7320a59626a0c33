#include "tessera/train/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <sstream>

namespace tessera::train {

std::string format_duration(double seconds) {
  char buf[32];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", seconds);
  } else {
    const auto s = static_cast<int64_t>(std::lround(seconds));
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  }
  return buf;
}

std::string format_metrics(const Metrics& m) {
  std::ostringstream s;
  for (size_t i = 0; i < m.size(); ++i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4f", m[i].second);
    s << (i ? " - " : "") << m[i].first << " " << buf;
  }
  return s.str();
}

bool ProgressBar::is_terminal(int fd) { return isatty(fd) != 0; }

ProgressBar::ProgressBar(std::ostream& out, bool live, int64_t epoch, int64_t epochs, int64_t total_batches)
    : out_(out),
      live_(live),
      epoch_(epoch),
      epochs_(epochs),
      total_(total_batches),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

double ProgressBar::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string ProgressBar::prefix() const { return "Epoch " + std::to_string(epoch_) + "/" + std::to_string(epochs_); }

void ProgressBar::update(int64_t batches_done, int64_t samples_done, const Metrics& running) {
  if (!live_) return;
  const auto now = std::chrono::steady_clock::now();
  // Redraw at most 10 times a second (and always on the last batch).
  if (batches_done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double elapsed = elapsed_seconds();
  const double eta = batches_done > 0 ? elapsed * double(total_ - batches_done) / double(batches_done) : 0.0;
  constexpr int kWidth = 30;
  const int filled = total_ > 0 ? static_cast<int>(kWidth * batches_done / total_) : kWidth;
  std::string bar(filled, '=');
  if (filled < kWidth) bar += '>' + std::string(kWidth - filled - 1, '.');
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.0f", elapsed > 0 ? double(samples_done) / elapsed : 0.0);
  out_ << "\r" << prefix() << " " << batches_done << "/" << total_ << " [" << bar << "] " << format_duration(elapsed)
       << " ETA " << format_duration(eta) << " - " << format_metrics(running) << " - " << rate << " samples/s\x1b[K"
       << std::flush;
}

void ProgressBar::finish(int64_t samples_done, const Metrics& final_metrics) {
  const double elapsed = elapsed_seconds();
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.0f", elapsed > 0 ? double(samples_done) / elapsed : 0.0);
  if (live_) out_ << "\r";
  out_ << prefix() << " - " << format_duration(elapsed) << " - " << rate << " samples/s - "
       << format_metrics(final_metrics) << (live_ ? "\x1b[K\n" : "\n") << std::flush;
}

}  // namespace tessera::train
