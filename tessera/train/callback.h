#pragma once
// Callbacks of fit() (Keras' callbacks): hooks at the start and end of training, epochs and batches, and a
// shared TrainState through which a callback can stop training.
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tessera/core/state_dict.h"
#include "tessera/nn/module.h"
#include "tessera/optim/lr_scheduler.h"
#include "tessera/optim/optimizer.h"
#include "tessera/optim/reduce_lr_on_plateau.h"

namespace tessera::train {

/// Metrics of one epoch by name: "loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds",
/// "samples_per_sec".
using Logs = std::map<std::string, double>;

/// What fit() has done so far; callbacks read it and may set stop_training.
struct TrainState {
  TrainState(nn::Module& m, optim::Optimizer& o) : model(m), optimizer(o) {}
  nn::Module& model;
  optim::Optimizer& optimizer;
  int64_t epoch = 0;        ///< 0-based epoch being run.
  int64_t epochs = 0;       ///< Total epochs requested.
  int64_t global_step = 0;  ///< Optimizer steps taken since the start of training (including resumed ones).
  bool stop_training = false;
  std::string stop_reason;
};

/// The epochs' logs, in order.
struct History {
  std::vector<Logs> epochs;
  std::string stop_reason;  ///< Why training stopped early (empty when all epochs ran).
  /// The values of one metric over the epochs (NaN where an epoch lacks it).
  std::vector<double> get(const std::string& key) const;
};

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_train_begin(TrainState&) {}
  virtual void on_epoch_begin(TrainState&) {}
  virtual void on_batch_end(TrainState&, int64_t /*batch*/, double /*loss*/) {}
  virtual void on_epoch_end(TrainState&, const Logs&) {}
  virtual void on_train_end(TrainState&, const History&) {}
};
using CallbackPtr = std::shared_ptr<Callback>;

/// Stops when `monitor` has not improved by more than min_delta for `patience` epochs (mode "min" for losses,
/// "max" for accuracies; "auto" picks "max" for names containing "acc"). With restore_best_weights, the model's
/// state at the best epoch is loaded back when training stops.
class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(std::string monitor = "val_loss", int64_t patience = 0, double min_delta = 0.0,
                         std::string mode = "auto", bool restore_best_weights = false);
  void on_train_begin(TrainState&) override;
  void on_epoch_end(TrainState& s, const Logs& logs) override;
  void on_train_end(TrainState& s, const History&) override;
  int64_t best_epoch() const { return best_epoch_; }

 private:
  std::string monitor_;
  int64_t patience_;
  double min_delta_;
  bool maximize_, restore_;
  double best_ = 0;
  int64_t best_epoch_ = -1, wait_ = 0;
  StateDict best_state_;
};

/// Appends one CSV row per epoch (header "epoch,<metric>,..." from the first epoch's logs) to `path`, flushed
/// each epoch so a crash loses at most the running epoch. IOError naming the file when it cannot be opened.
class CSVLogger : public Callback {
 public:
  explicit CSVLogger(std::string path, bool append = false);
  void on_train_begin(TrainState&) override;
  void on_epoch_end(TrainState& s, const Logs& logs) override;

 private:
  std::string path_;
  bool append_;
  std::ofstream out_;
  std::vector<std::string> columns_;
};

/// Calls a function at the end of each epoch (e.g. a scheduler step or a custom log).
class LambdaCallback : public Callback {
 public:
  explicit LambdaCallback(std::function<void(TrainState&, const Logs&)> on_epoch_end) : fn_(std::move(on_epoch_end)) {}
  void on_epoch_end(TrainState& s, const Logs& logs) override { fn_(s, logs); }

 private:
  std::function<void(TrainState&, const Logs&)> fn_;
};

/// Steps a learning-rate scheduler after every epoch (or every batch with per_batch, for OneCycleLR and warm-up
/// schedules measured in steps).
class LRSchedulerCallback : public Callback {
 public:
  explicit LRSchedulerCallback(std::shared_ptr<optim::LRScheduler> scheduler, bool per_batch = false)
      : scheduler_(std::move(scheduler)), per_batch_(per_batch) {}
  void on_batch_end(TrainState&, int64_t, double) override {
    if (per_batch_) scheduler_->step();
  }
  void on_epoch_end(TrainState&, const Logs&) override {
    if (!per_batch_) scheduler_->step();
  }
  optim::LRScheduler& scheduler() { return *scheduler_; }

 private:
  std::shared_ptr<optim::LRScheduler> scheduler_;
  bool per_batch_;
};

/// Steps ReduceLROnPlateau with the epoch's `monitor` value (default val_loss).
class ReduceLROnPlateauCallback : public Callback {
 public:
  explicit ReduceLROnPlateauCallback(std::shared_ptr<optim::ReduceLROnPlateau> scheduler,
                                     std::string monitor = "val_loss")
      : scheduler_(std::move(scheduler)), monitor_(std::move(monitor)) {}
  void on_epoch_end(TrainState&, const Logs& logs) override;

 private:
  std::shared_ptr<optim::ReduceLROnPlateau> scheduler_;
  std::string monitor_;
};

}  // namespace tessera::train
