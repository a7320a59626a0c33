#pragma once
// Adam and AdamW (torch.optim.Adam / AdamW, PyTorch 1.13).
#include <array>

#include "tessera/optim/optimizer.h"

namespace tessera::optim {

/// Adam's hyperparameters (PyTorch's names and defaults).
struct AdamOptions {
  double lr = 1e-3;
  std::array<double, 2> betas{0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool amsgrad = false;
  bool maximize = false;
  /// As a group options map: lr, betas0, betas1, eps, weight_decay, amsgrad, maximize.
  Options to_map() const;
};

/// AdamW's hyperparameters: Adam's, with the decoupled weight decay defaulting to 1e-2.
struct AdamWOptions {
  double lr = 1e-3;
  std::array<double, 2> betas{0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
  bool maximize = false;
  Options to_map() const;
};

/// Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization"), with the AMSGrad variant (Reddi et
/// al. 2018, "On the Convergence of Adam and Beyond"). Per parameter, t the step count, g the gradient
/// (-g when maximize):
///   g <- g + weight_decay * p
///   m <- beta1 * m + (1 - beta1) * g;  v <- beta2 * v + (1 - beta2) * g^2
///   vmax <- max(vmax, v) (amsgrad; v below is then vmax)
///   p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
/// State: "step" (0-d float64), "exp_avg", "exp_avg_sq", "max_exp_avg_sq" (amsgrad). ValueError (naming Adam
/// and the argument) for negative lr, eps or weight_decay, or betas outside [0, 1).
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& options = {});
  Adam(std::vector<ParamGroup> groups, const AdamOptions& options = {});

 protected:
  Adam(std::string name, std::vector<Tensor> params, Options defaults);
  Adam(std::string name, std::vector<ParamGroup> groups, Options defaults);
  void update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) override;
  /// Whether weight decay is decoupled from the gradient (AdamW).
  virtual bool decoupled_weight_decay() const { return false; }
};

/// AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization"): Adam whose weight decay shrinks
/// the parameter directly, p <- p * (1 - lr * weight_decay), before the Adam step (which then sees the plain
/// gradient). Same state and errors as Adam, naming AdamW.
class AdamW final : public Adam {
 public:
  AdamW(std::vector<Tensor> params, const AdamWOptions& options = {});
  AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options = {});

 protected:
  bool decoupled_weight_decay() const override { return true; }
};

}  // namespace tessera::optim
