#pragma once
// Stochastic gradient descent with momentum (torch.optim.SGD, PyTorch 1.13).
#include "tessera/optim/optimizer.h"

namespace tessera::optim {

/// SGD's hyperparameters (PyTorch's names and defaults; lr has no default).
struct SGDOptions {
  double lr = kRequired;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  bool maximize = false;
  /// As a group options map: lr, momentum, dampening, weight_decay, nesterov, maximize.
  Options to_map() const;
};

/// SGD with optional momentum and Nesterov momentum (Sutskever et al. 2013, "On the importance of initialization
/// and momentum in deep learning"). Per parameter, with g the gradient (-g when maximize):
///   g <- g + weight_decay * p
///   b <- g on the first step, else momentum * b + (1 - dampening) * g       (when momentum != 0)
///   g <- g + momentum * b (nesterov), else g <- b                           (when momentum != 0)
///   p <- p - lr * g
/// State: "momentum_buffer" (only when momentum != 0). ValueError (naming SGD and the argument) when lr is
/// missing or negative, momentum or weight_decay is negative, or nesterov is set without a positive momentum
/// and zero dampening.
class SGD final : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& options);
  SGD(std::vector<ParamGroup> groups, const SGDOptions& options);

 protected:
  void update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) override;
};

}  // namespace tessera::optim
