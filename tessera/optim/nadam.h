#pragma once
// NAdam (torch.optim.NAdam, PyTorch 1.13).
#include <array>

#include "tessera/optim/optimizer.h"

namespace tessera::optim {

/// NAdam's hyperparameters (PyTorch 1.13's names and defaults; 1.13's NAdam has no maximize).
struct NAdamOptions {
  double lr = 2e-3;
  std::array<double, 2> betas{0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum_decay = 4e-3;
  /// As a group options map: lr, betas0, betas1, eps, weight_decay, momentum_decay.
  Options to_map() const;
};

/// NAdam, Adam with Nesterov momentum (Dozat 2016, "Incorporating Nesterov Momentum into Adam"). Per
/// parameter, t the step count:
///   g <- g + weight_decay * p
///   mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay)),  mu_{t+1} likewise
///   P <- P * mu_t  (the running product, "mu_product");  P' = P * mu_t * mu_{t+1}
///   m <- beta1 * m + (1 - beta1) * g;  v <- beta2 * v + (1 - beta2) * g^2;  d = sqrt(v / (1 - beta2^t)) + eps
///   p <- p - lr * (1 - mu_t) / (1 - P) * g / d - lr * mu_{t+1} / (1 - P') * m / d
/// P' is PyTorch 1.13's (it multiplies mu_t in twice; PyTorch 2.0 changed it to P * mu_{t+1}).
/// State: "step", "mu_product" (0-d float64), "exp_avg", "exp_avg_sq". ValueError (naming NAdam and the
/// argument) for negative lr, eps, weight_decay or momentum_decay, or betas outside [0, 1).
class NAdam final : public Optimizer {
 public:
  NAdam(std::vector<Tensor> params, const NAdamOptions& options = {});
  NAdam(std::vector<ParamGroup> groups, const NAdamOptions& options = {});

 protected:
  void update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) override;
  bool is_scalar_state(const std::string& name) const override { return name == "step" || name == "mu_product"; }
};

}  // namespace tessera::optim
