#pragma once
// Adagrad (torch.optim.Adagrad, PyTorch 1.13).
#include "tessera/optim/optimizer.h"

namespace tessera::optim {

/// Adagrad's hyperparameters (PyTorch's names and defaults).
struct AdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0.0;
  double weight_decay = 0.0;
  double initial_accumulator_value = 0.0;
  double eps = 1e-10;
  bool maximize = false;
  /// As a group options map: lr, lr_decay, weight_decay, initial_accumulator_value, eps, maximize.
  Options to_map() const;
};

/// Adagrad (Duchi et al. 2011, "Adaptive Subgradient Methods for Online Learning and Stochastic
/// Optimization"). Per parameter, t the step count, g the gradient (-g when maximize):
///   g <- g + weight_decay * p
///   s <- s + g^2            (s starts at initial_accumulator_value)
///   p <- p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)
/// State: "step" (0-d float64), "sum". ValueError (naming Adagrad and the argument) for negative lr, lr_decay,
/// weight_decay, initial_accumulator_value or eps.
class Adagrad final : public Optimizer {
 public:
  Adagrad(std::vector<Tensor> params, const AdagradOptions& options = {});
  Adagrad(std::vector<ParamGroup> groups, const AdagradOptions& options = {});

 protected:
  void update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) override;
};

}  // namespace tessera::optim
