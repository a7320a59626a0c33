#pragma once
// Dropout layers (Srivastava et al. 2014), inverted: active in training mode, the identity in eval mode.
#include "tessera/core/rng.h"
#include "tessera/nn/module.h"

namespace tessera::nn {

/// Zeroes each element with probability p in training and scales the rest by 1 / (1 - p). ValueError unless
/// 0 <= p <= 1. Draws from `generator` when set, else from the default generator.
class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5);
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Dropout"; }
  std::string extra_repr() const override { return cat("p=", p); }
  double p;
  Generator* generator = nullptr;
};

/// Zeroes whole channels of [N, C, H, W] (or [C, H, W]) with probability p in training.
class Dropout2d : public Module {
 public:
  explicit Dropout2d(double p = 0.5);
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Dropout2d"; }
  std::string extra_repr() const override { return cat("p=", p); }
  double p;
  Generator* generator = nullptr;
};

}  // namespace tessera::nn
