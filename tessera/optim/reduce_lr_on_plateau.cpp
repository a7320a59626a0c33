#include "tessera/optim/reduce_lr_on_plateau.h"

#include <algorithm>
#include <limits>

#include "tessera/optim/lr_scheduler.h"

namespace tessera::optim {

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options)
    : optimizer_(optimizer), o_(std::move(options)) {
  check<ValueError>(o_.factor < 1.0, "ReduceLROnPlateau: factor should be < 1.0, got ", o_.factor);
  check<ValueError>(o_.mode == "min" || o_.mode == "max", "ReduceLROnPlateau: mode ", o_.mode, " is unknown!");
  check<ValueError>(o_.threshold_mode == "rel" || o_.threshold_mode == "abs", "ReduceLROnPlateau: threshold mode ",
                    o_.threshold_mode, " is unknown!");
  min_lrs_ = per_group(optimizer, o_.min_lr, "ReduceLROnPlateau", "min_lr");
  best_ = o_.mode == "min" ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  for (const auto& g : optimizer.param_groups()) last_lr_.push_back(g.lr());
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  const bool rel = o_.threshold_mode == "rel";
  if (o_.mode == "min") return rel ? a < best * (1.0 - o_.threshold) : a < best - o_.threshold;
  return rel ? a > best * (o_.threshold + 1.0) : a > best + o_.threshold;
}

void ReduceLROnPlateau::step(double metric) {
  last_epoch_ += 1;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (in_cooldown()) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;  // bad epochs in cooldown do not count
  }
  auto& groups = optimizer_.param_groups();
  if (num_bad_epochs_ > o_.patience) {
    for (size_t i = 0; i < groups.size(); ++i) {
      const double old_lr = groups[i].lr(), new_lr = std::max(old_lr * o_.factor, min_lrs_[i]);
      if (old_lr - new_lr > o_.eps) groups[i].lr() = new_lr;
    }
    cooldown_counter_ = o_.cooldown;
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (const auto& g : groups) last_lr_.push_back(g.lr());
}

StateDict ReduceLROnPlateau::state_dict() const {
  StateDict sd;
  sd.set("best", f64_scalar(best_));
  sd.set("last_epoch", i64_scalar(last_epoch_));
  sd.set("num_bad_epochs", i64_scalar(num_bad_epochs_));
  sd.set("cooldown_counter", i64_scalar(cooldown_counter_));
  for (size_t i = 0; i < last_lr_.size(); ++i) sd.set(cat("last_lr.", i), f64_scalar(last_lr_[i]));
  return sd;
}

void ReduceLROnPlateau::load_state_dict(const StateDict& sd) {
  best_ = sd.at("best").item<double>();
  last_epoch_ = sd.at("last_epoch").item<int64_t>();
  num_bad_epochs_ = sd.at("num_bad_epochs").item<int64_t>();
  cooldown_counter_ = sd.at("cooldown_counter").item<int64_t>();
  last_lr_.clear();
  for (size_t i = 0; sd.contains(cat("last_lr.", i)); ++i) last_lr_.push_back(sd.at(cat("last_lr.", i)).item<double>());
}

}  // namespace tessera::optim
