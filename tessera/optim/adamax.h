#pragma once
// Adamax (torch.optim.Adamax, PyTorch 1.13).
#include <array>

#include "tessera/optim/optimizer.h"

namespace tessera::optim {

/// Adamax's hyperparameters (PyTorch's names and defaults).
struct AdamaxOptions {
  double lr = 2e-3;
  std::array<double, 2> betas{0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool maximize = false;
  /// As a group options map: lr, betas0, betas1, eps, weight_decay, maximize.
  Options to_map() const;
};

/// Adamax, Adam with the infinity norm (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization",
/// section 7.1). Per parameter, t the step count, g the gradient (-g when maximize):
///   g <- g + weight_decay * p
///   m <- beta1 * m + (1 - beta1) * g;  u <- max(beta2 * u, |g| + eps)
///   p <- p - lr / (1 - beta1^t) * m / u
/// State: "step" (0-d float64), "exp_avg", "exp_inf". ValueError (naming Adamax and the argument) for negative
/// lr, eps or weight_decay, or betas outside [0, 1).
class Adamax final : public Optimizer {
 public:
  Adamax(std::vector<Tensor> params, const AdamaxOptions& options = {});
  Adamax(std::vector<ParamGroup> groups, const AdamaxOptions& options = {});

 protected:
  void update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) override;
};

}  // namespace tessera::optim
