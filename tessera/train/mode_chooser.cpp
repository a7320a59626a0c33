#include "tessera/train/mode_chooser.h"

#include <algorithm>
#include <cstdio>

namespace tessera::train {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

// Steps: 0 eager warm-up, [1, kTrials] eager timed, kTrials + 1 graph trace, then kTrials graph timed.
bool ModeChooser::graph_next() const { return choice_ ? *choice_ : step_ > kTrials; }

void ModeChooser::record(double seconds) {
  if (choice_) return;
  if (step_ >= 1 && step_ <= kTrials) eager_.push_back(seconds);
  if (step_ >= kTrials + 2) graph_.push_back(seconds);
  ++step_;
  if (static_cast<int>(graph_.size()) == kTrials) choice_ = median(graph_) < median(eager_);
}

std::string ModeChooser::summary() const {
  if (!choice_) return "";
  const double e = median(eager_) * 1e3, g = median(graph_) * 1e3;
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s mode: median step %.2f ms graph vs %.2f ms eager", *choice_ ? "graph" : "eager", g,
                e);
  return buf;
}

}  // namespace tessera::train
