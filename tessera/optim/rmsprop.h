#pragma once
// RMSprop (torch.optim.RMSprop, PyTorch 1.13).
#include "tessera/optim/optimizer.h"

namespace tessera::optim {

/// RMSprop's hyperparameters (PyTorch's names and defaults).
struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
  bool maximize = false;
  /// As a group options map: lr, alpha, eps, weight_decay, momentum, centered, maximize.
  Options to_map() const;
};

/// RMSprop (Hinton, "Neural Networks for Machine Learning", lecture 6e; centered form from Graves 2013,
/// "Generating Sequences With Recurrent Neural Networks"). Per parameter, g the gradient (-g when maximize):
///   g <- g + weight_decay * p
///   v <- alpha * v + (1 - alpha) * g^2
///   a <- alpha * a + (1 - alpha) * g;  d <- sqrt(v - a^2) + eps        (centered)
///   d <- sqrt(v) + eps                                                 (otherwise)
///   b <- momentum * b + g / d;  p <- p - lr * b                        (momentum > 0)
///   p <- p - lr * g / d                                                (otherwise)
/// State: "step" (0-d float64), "square_avg", "grad_avg" (centered), "momentum_buffer" (momentum > 0).
/// ValueError (naming RMSprop and the argument) for negative lr, eps, weight_decay, momentum or alpha.
class RMSprop final : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, const RMSpropOptions& options = {});
  RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& options = {});

 protected:
  void update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) override;
};

}  // namespace tessera::optim
