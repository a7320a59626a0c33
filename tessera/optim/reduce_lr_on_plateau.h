#pragma once
// ReduceLROnPlateau (torch.optim.lr_scheduler.ReduceLROnPlateau, PyTorch 1.13).
#include <string>
#include <vector>

#include "tessera/core/state_dict.h"
#include "tessera/optim/optimizer.h"

namespace tessera::optim {

/// ReduceLROnPlateau's settings (PyTorch's names and defaults).
struct ReduceLROnPlateauOptions {
  std::string mode = "min";            ///< "min": the metric should fall (a loss); "max": rise (an accuracy).
  double factor = 0.1;                 ///< new_lr = lr * factor.
  int64_t patience = 10;               ///< Epochs without improvement tolerated before reducing.
  double threshold = 1e-4;             ///< Improvement needed to count as one.
  std::string threshold_mode = "rel";  ///< "rel": best * (1 -/+ threshold); "abs": best -/+ threshold.
  int64_t cooldown = 0;                ///< Epochs after a reduction during which bad epochs are not counted.
  std::vector<double> min_lr{0.0};     ///< Floor of the rate: one value, or one per group.
  double eps = 1e-8;                   ///< Reductions smaller than this are skipped.
};

/// Multiplies every group's rate by `factor` (not below min_lr) once the metric passed to step() has not
/// improved for more than `patience` epochs, then waits `cooldown` epochs. Not an LRScheduler: it is driven by
/// a metric, not by the epoch count. ValueError for factor >= 1, an unknown mode or threshold_mode, or a
/// min_lr count that fits no group count.
class ReduceLROnPlateau {
 public:
  explicit ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options = {});

  /// Records the epoch's metric and reduces the rates if it has plateaued.
  void step(double metric);
  /// Each group's rate after the last step.
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  bool in_cooldown() const { return cooldown_counter_ > 0; }
  int64_t last_epoch() const { return last_epoch_; }

  /// "best", "last_epoch", "num_bad_epochs", "cooldown_counter" (0-d tensors) and "last_lr.<g>".
  StateDict state_dict() const;
  /// Restores state_dict(); KeyError naming a missing key.
  void load_state_dict(const StateDict& state_dict);

 private:
  bool is_better(double a, double best) const;

  Optimizer& optimizer_;
  ReduceLROnPlateauOptions o_;
  std::vector<double> min_lrs_;
  double best_;
  int64_t num_bad_epochs_ = 0, cooldown_counter_ = 0, last_epoch_ = 0;
  std::vector<double> last_lr_;
};

}  // namespace tessera::optim
