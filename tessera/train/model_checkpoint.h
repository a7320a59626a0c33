#pragma once
// ModelCheckpoint: saves model, optimizer, scheduler, generator state and position after every epoch
// (`last.safetensors`) and whenever the monitored metric improves (`best.safetensors`), each written
// atomically (io/checkpoint.h), so an interrupted run resumes from its last completed epoch. Callbacks run in
// the order given: put ModelCheckpoint after the LR scheduler's callback so the saved schedule has stepped.
#include <limits>
#include <memory>
#include <string>

#include "tessera/io/checkpoint.h"
#include "tessera/optim/lr_scheduler.h"
#include "tessera/train/callback.h"

namespace tessera::train {

class ModelCheckpoint : public Callback {
 public:
  /// `dir` is created if missing. `monitor` may be empty (no best checkpoint); mode as EarlyStopping.
  explicit ModelCheckpoint(std::string dir, std::string monitor = "val_loss", std::string mode = "auto",
                           std::shared_ptr<optim::LRScheduler> scheduler = nullptr);
  void on_train_begin(TrainState& s) override;
  void on_epoch_end(TrainState& s, const Logs& logs) override;
  std::string last_path() const { return dir_ + "/last.safetensors"; }
  std::string best_path() const { return dir_ + "/best.safetensors"; }

 private:
  io::Checkpoint snapshot(const TrainState& s) const;
  std::string dir_, monitor_;
  bool maximize_;
  std::shared_ptr<optim::LRScheduler> scheduler_;
  double best_ = std::numeric_limits<double>::infinity();
};

/// Loads a checkpoint into a model, optimizer and (optional) scheduler and restores the default generator.
/// Returns the epoch to resume from (the number of completed epochs). Errors: those of load_checkpoint and
/// load_state_dict (mismatched keys and shapes are listed), naming the file.
int64_t resume_from(const std::string& path, nn::Module& model, optim::Optimizer& optimizer,
                    optim::LRScheduler* scheduler = nullptr);

}  // namespace tessera::train
