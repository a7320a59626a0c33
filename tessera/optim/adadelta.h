#pragma once
// Adadelta (torch.optim.Adadelta, PyTorch 1.13).
#include "tessera/optim/optimizer.h"

namespace tessera::optim {

/// Adadelta's hyperparameters (PyTorch's names and defaults).
struct AdadeltaOptions {
  double lr = 1.0;
  double rho = 0.9;
  double eps = 1e-6;
  double weight_decay = 0.0;
  bool maximize = false;
  /// As a group options map: lr, rho, eps, weight_decay, maximize.
  Options to_map() const;
};

/// Adadelta (Zeiler 2012, "ADADELTA: An Adaptive Learning Rate Method"). Per parameter, g the gradient
/// (-g when maximize):
///   g <- g + weight_decay * p
///   v <- rho * v + (1 - rho) * g^2
///   d <- sqrt(u + eps) / sqrt(v + eps) * g
///   u <- rho * u + (1 - rho) * d^2
///   p <- p - lr * d
/// State: "step" (0-d float64), "square_avg" (v), "acc_delta" (u). ValueError (naming Adadelta and the
/// argument) for negative lr, eps or weight_decay, or rho outside [0, 1].
class Adadelta final : public Optimizer {
 public:
  Adadelta(std::vector<Tensor> params, const AdadeltaOptions& options = {});
  Adadelta(std::vector<ParamGroup> groups, const AdadeltaOptions& options = {});

 protected:
  void update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) override;
};

}  // namespace tessera::optim
