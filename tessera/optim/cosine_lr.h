#pragma once
// Cosine and one-cycle learning-rate schedules (torch.optim.lr_scheduler, PyTorch 1.13).
#include <string>
#include <vector>

#include "tessera/optim/lr_scheduler.h"

namespace tessera::optim {

/// Cosine annealing (Loshchilov & Hutter 2017, "SGDR: Stochastic Gradient Descent with Warm Restarts", without
/// restarts): lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / t_max)) / 2, computed in PyTorch's
/// recursive form, which keeps following the cosine (back up) past t_max
/// (torch.optim.lr_scheduler.CosineAnnealingLR). ValueError for t_max <= 0.
class CosineAnnealingLR final : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, double eta_min = 0.0, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  int64_t t_max_;
  double eta_min_;
};

/// Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter 2017): lr = eta_min + (base_lr - eta_min) *
/// (1 + cos(pi * t_cur / t_i)) / 2, where t_cur counts epochs since the last restart and the period t_i starts
/// at t_0 and is multiplied by t_mult at each restart (torch.optim.lr_scheduler.CosineAnnealingWarmRestarts).
/// step(epoch) accepts fractional epochs (e.g. epoch + batch / batches). ValueError for t_0 <= 0, t_mult < 1 or
/// a negative epoch. State adds "T_i" and "T_cur".
class CosineAnnealingWarmRestarts final : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t t_0, int64_t t_mult = 1, double eta_min = 0.0,
                              int64_t last_epoch = -1);

  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state_dict) override;

 protected:
  std::vector<double> get_lr() override;
  void advance(std::optional<double> epoch) override;

 private:
  int64_t t_0_, t_i_, t_mult_;
  double eta_min_, t_cur_;
};

/// OneCycleLR's settings (PyTorch's names and defaults). Give total_steps, or epochs and steps_per_epoch.
struct OneCycleLROptions {
  std::vector<double> max_lr;  ///< One value for every group, or one per group. Required.
  int64_t total_steps = 0;     ///< 0: epochs * steps_per_epoch.
  int64_t epochs = 0;
  int64_t steps_per_epoch = 0;
  double pct_start = 0.3;               ///< Fraction of the steps spent increasing the rate.
  std::string anneal_strategy = "cos";  ///< "cos" or "linear".
  bool cycle_momentum = true;           ///< Cycle "momentum" (or "betas0" for Adam-like optimizers) inversely to lr.
  double base_momentum = 0.85;
  double max_momentum = 0.95;
  double div_factor = 25.0;       ///< initial_lr = max_lr / div_factor.
  double final_div_factor = 1e4;  ///< min_lr = initial_lr / final_div_factor.
  bool three_phase = false;       ///< Anneal back to initial_lr before annealing to min_lr.
  int64_t last_epoch = -1;
};

/// The 1cycle policy (Smith & Topin 2017, "Super-Convergence: Very Fast Training of Neural Networks Using Large
/// Learning Rates"): the rate rises from initial_lr to max_lr over pct_start of the steps, then anneals to
/// min_lr (with three_phase: back to initial_lr first), by cosine or linear annealing; momentum moves the
/// opposite way between max_momentum and base_momentum (torch.optim.lr_scheduler.OneCycleLR). Call step()
/// after every batch. Stores "initial_lr", "max_lr", "min_lr" (and "max_momentum", "base_momentum") in the
/// groups. ValueError for missing or non-positive step counts, pct_start outside [0, 1], an unknown
/// anneal_strategy, a max_lr count that fits no group count, cycle_momentum with an optimizer without
/// momentum, or stepping past total_steps.
class OneCycleLR final : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options);

  int64_t total_steps() const { return total_steps_; }

 protected:
  std::vector<double> get_lr() override;

 private:
  struct Phase {
    double end_step;
    const char *start_lr, *end_lr, *start_momentum, *end_momentum;
  };

  double anneal(double start, double end, double pct) const;

  int64_t total_steps_;
  std::vector<Phase> phases_;
  bool linear_, cycle_momentum_, use_beta1_;
};

}  // namespace tessera::optim
