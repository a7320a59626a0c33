#include "tessera/train/callback.h"

#include <cmath>

#include "tessera/autograd/grad_mode.h"

namespace tessera::train {

std::vector<double> History::get(const std::string& key) const {
  std::vector<double> out;
  for (const Logs& l : epochs) {
    auto it = l.find(key);
    out.push_back(it == l.end() ? std::numeric_limits<double>::quiet_NaN() : it->second);
  }
  return out;
}

EarlyStopping::EarlyStopping(std::string monitor, int64_t patience, double min_delta, std::string mode,
                             bool restore_best_weights)
    : monitor_(std::move(monitor)),
      patience_(patience),
      min_delta_(std::abs(min_delta)),
      restore_(restore_best_weights) {
  check<ValueError>(mode == "auto" || mode == "min" || mode == "max",
                    "EarlyStopping: mode must be auto, min or max, got '", mode, "'");
  maximize_ = mode == "max" || (mode == "auto" && monitor_.find("acc") != std::string::npos);
}

void EarlyStopping::on_train_begin(TrainState&) {
  best_ = maximize_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  best_epoch_ = -1, wait_ = 0;
}

void EarlyStopping::on_epoch_end(TrainState& s, const Logs& logs) {
  auto it = logs.find(monitor_);
  check<KeyError>(it != logs.end(), "EarlyStopping: the epoch logs have no '", monitor_,
                  "' (is a validation loader set?)");
  const double v = it->second;
  const bool improved = maximize_ ? v > best_ + min_delta_ : v < best_ - min_delta_;
  if (improved) {
    best_ = v, best_epoch_ = s.epoch, wait_ = 0;
    if (restore_) {
      // Keep a copy: the model's tensors keep changing.
      best_state_ = StateDict();
      for (const auto& [k, t] : s.model.state_dict()) best_state_.set(k, t.clone());
    }
    return;
  }
  if (++wait_ > patience_) {
    s.stop_training = true;
    s.stop_reason = cat("early stopping: ", monitor_, " has not improved for ", wait_, " epochs (best ", best_,
                        " at epoch ", best_epoch_ + 1, ")");
  }
}

void EarlyStopping::on_train_end(TrainState& s, const History&) {
  if (restore_ && !best_state_.empty()) s.model.load_state_dict(best_state_);
}

CSVLogger::CSVLogger(std::string path, bool append) : path_(std::move(path)), append_(append) {}

void CSVLogger::on_train_begin(TrainState&) {
  out_.open(path_, append_ ? std::ios::app : std::ios::trunc);
  check<IOError>(out_.good(), "CSVLogger: cannot open '", path_, "' for writing");
  columns_.clear();
}

void CSVLogger::on_epoch_end(TrainState& s, const Logs& logs) {
  if (columns_.empty()) {
    for (const auto& [k, v] : logs) columns_.push_back(k);
    if (!append_ || out_.tellp() == 0) {
      out_ << "epoch";
      for (const auto& c : columns_) out_ << "," << c;
      out_ << "\n";
    }
  }
  out_ << s.epoch + 1;
  for (const auto& c : columns_) {
    auto it = logs.find(c);
    out_ << ",";
    if (it != logs.end()) out_ << it->second;
  }
  out_ << "\n" << std::flush;
  check<IOError>(out_.good(), "CSVLogger: writing '", path_, "' failed");
}

void ReduceLROnPlateauCallback::on_epoch_end(TrainState&, const Logs& logs) {
  auto it = logs.find(monitor_);
  check<KeyError>(it != logs.end(), "ReduceLROnPlateau: the epoch logs have no '", monitor_, "'");
  scheduler_->step(it->second);
}

}  // namespace tessera::train
