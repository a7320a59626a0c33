#include "tessera/train/model_checkpoint.h"

#include <filesystem>

namespace tessera::train {

ModelCheckpoint::ModelCheckpoint(std::string dir, std::string monitor, std::string mode,
                                 std::shared_ptr<optim::LRScheduler> scheduler)
    : dir_(std::move(dir)), monitor_(std::move(monitor)), scheduler_(std::move(scheduler)) {
  check<ValueError>(mode == "auto" || mode == "min" || mode == "max",
                    "ModelCheckpoint: mode must be auto, min or max, got '", mode, "'");
  maximize_ = mode == "max" || (mode == "auto" && monitor_.find("acc") != std::string::npos);
}

void ModelCheckpoint::on_train_begin(TrainState&) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  check<IOError>(!ec, "ModelCheckpoint: cannot create directory '", dir_, "': ", ec.message());
  best_ = maximize_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
}

io::Checkpoint ModelCheckpoint::snapshot(const TrainState& s) const {
  io::Checkpoint c;
  c.model = s.model.state_dict();
  c.optimizer = s.optimizer.state_dict();
  if (scheduler_) c.scheduler = scheduler_->state_dict();
  c.epoch = s.epoch + 1;  // completed epochs
  c.step = s.global_step;
  return c;
}

void ModelCheckpoint::on_epoch_end(TrainState& s, const Logs& logs) {
  const io::Checkpoint c = snapshot(s);
  io::save_checkpoint(last_path(), c);
  if (monitor_.empty()) return;
  auto it = logs.find(monitor_);
  if (it == logs.end()) return;
  if (maximize_ ? it->second > best_ : it->second < best_) {
    best_ = it->second;
    io::save_checkpoint(best_path(), c);
  }
}

int64_t resume_from(const std::string& path, nn::Module& model, optim::Optimizer& optimizer,
                    optim::LRScheduler* scheduler) {
  const io::Checkpoint c = io::load_checkpoint(path);
  try {
    model.load_state_dict(c.model);
  } catch (const Error& e) {
    throw KeyError(cat("checkpoint '", path, "' does not fit this model: ", e.what()));
  }
  optimizer.load_state_dict(c.optimizer);
  if (scheduler && !c.scheduler.empty()) scheduler->load_state_dict(c.scheduler);
  io::restore_rng_state(c.rng_state);
  return c.epoch;
}

}  // namespace tessera::train
