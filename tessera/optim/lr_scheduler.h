#pragma once
// Learning-rate schedulers (torch.optim.lr_scheduler, PyTorch 1.13): the base class and the step-wise
// schedules. Cosine and one-cycle schedules are in cosine_lr.h, ReduceLROnPlateau in reduce_lr_on_plateau.h.
//
// A scheduler rewrites the "lr" of every group of its optimizer; call step() once per epoch (or per batch),
// after Optimizer::step(). Construction already applies the epoch-0 rate, as in PyTorch. Each scheduler
// computes the next rate from the current one ("chainable" form, so schedulers can be combined) with exactly
// PyTorch's formulas, so long sequences agree with PyTorch to the last bits.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tessera/core/state_dict.h"
#include "tessera/optim/optimizer.h"

namespace tessera::optim {

/// The base of the epoch-indexed schedulers (torch.optim.lr_scheduler._LRScheduler). Records each group's
/// starting rate as the group option "initial_lr" (base_lrs). A subclass implements get_lr() (the chainable
/// form) and optionally closed_form_lr(), and calls initial_step() at the end of its constructor.
class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  /// Advances one epoch and sets each group's lr.
  void step() { advance(std::nullopt); }
  /// PyTorch's deprecated step(epoch): jumps to `epoch`, using the closed form where the scheduler has one.
  /// ValueError for a fractional epoch (only CosineAnnealingWarmRestarts takes those).
  void step(double epoch) { advance(epoch); }
  /// The rate of each group set by the last step (or by construction).
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  /// Each group's initial_lr.
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  Optimizer& optimizer() const { return optimizer_; }
  /// "StepLR", "CosineAnnealingLR", ...
  const std::string& name() const { return name_; }

  /// The progress as a flat dict: "last_epoch", "step_count" (0-d int64), "base_lrs.<g>", "last_lr.<g>" (0-d
  /// float64) and subclass entries. Hyperparameters come from the constructor, not from here.
  virtual StateDict state_dict() const;
  /// Restores state_dict(); KeyError naming a missing key, ValueError when the group count differs.
  virtual void load_state_dict(const StateDict& state_dict);

 protected:
  /// Records base_lrs; `last_epoch` -1 starts fresh, another value resumes (KeyError when a group lacks
  /// "initial_lr" then).
  LRScheduler(Optimizer& optimizer, int64_t last_epoch, std::string name);

  /// PyTorch's _initial_step: the first step() (from last_epoch -1 to 0 when starting fresh).
  void initial_step();
  /// The rates for last_epoch_ from the current ones (the chainable form).
  virtual std::vector<double> get_lr() = 0;
  /// The rates for last_epoch_ from base_lrs alone, where the schedule has a closed form.
  virtual std::optional<std::vector<double>> closed_form_lr() const { return std::nullopt; }
  /// step() (no epoch) or step(epoch).
  virtual void advance(std::optional<double> epoch);
  /// Sets each group's lr and records them as last_lr.
  void apply(const std::vector<double>& lrs);
  /// Each group's current lr.
  std::vector<double> group_lrs() const;

  Optimizer& optimizer_;
  std::string name_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_;
  int64_t step_count_ = 0;
  std::vector<double> last_lr_;

  friend class SequentialLR;
};

/// Multiplies the rate by `gamma` every `step_size` epochs: lr = base_lr * gamma^(epoch / step_size)
/// (torch.optim.lr_scheduler.StepLR). ValueError for step_size <= 0.
class StepLR final : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  int64_t step_size_;
  double gamma_;
};

/// Multiplies the rate by `gamma` at each milestone epoch (by gamma^k for a milestone listed k times)
/// (torch.optim.lr_scheduler.MultiStepLR).
class MultiStepLR final : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  std::map<int64_t, int64_t> milestones_;  ///< epoch -> multiplicity
  double gamma_;
};

/// Multiplies the rate by `gamma` every epoch: lr = base_lr * gamma^epoch
/// (torch.optim.lr_scheduler.ExponentialLR).
class ExponentialLR final : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  double gamma_;
};

/// Scales the rate by a factor going linearly from `start_factor` to `end_factor` over `total_iters` epochs,
/// then constant: lr = base_lr * (start + (end - start) * min(epoch, total_iters) / total_iters)
/// (torch.optim.lr_scheduler.LinearLR; a warm-up when start < end). ValueError unless 0 < start_factor <= 1,
/// 0 <= end_factor <= 1 and total_iters > 0.
class LinearLR final : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5,
           int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

/// lr = base_lr * lambda(epoch) (torch.optim.lr_scheduler.LambdaLR), one function for all groups or one per
/// group (ValueError when the count differs from the group count).
class LambdaLR final : public LRScheduler {
 public:
  using Lambda = std::function<double(int64_t epoch)>;
  LambdaLR(Optimizer& optimizer, Lambda lr_lambda, int64_t last_epoch = -1);
  LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;

 private:
  std::vector<Lambda> lambdas_;
};

/// Runs `schedulers` one after another, switching at each milestone epoch (torch.optim.lr_scheduler.
/// SequentialLR); a scheduler taking over restarts from its epoch 0 (closed form). ValueError when a scheduler
/// belongs to another optimizer or milestones.size() != schedulers.size() - 1. step(epoch) is not supported.
class SequentialLR final : public LRScheduler {
 public:
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<int64_t> milestones, int64_t last_epoch = -1);

  /// Adds "schedulers.<i>.<key>" for each scheduler's own state.
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state_dict) override;

 protected:
  std::vector<double> get_lr() override { return group_lrs(); }
  void advance(std::optional<double> epoch) override;

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

// ---- Helpers shared by the scheduler files --------------------------------------------------------------------

/// `values` (one per group, or a single value for every group) as one value per group of `optimizer`;
/// ValueError "<who>: expected N values for <what>, got M" otherwise.
std::vector<double> per_group(const Optimizer& optimizer, const std::vector<double>& values, const std::string& who,
                              const std::string& what);
/// 0-d float64 / int64 tensors for scheduler state.
Tensor f64_scalar(double v);
Tensor i64_scalar(int64_t v);

}  // namespace tessera::optim
