#pragma once
// Dropout layers (Srivastava et al. 2014), inverted: active in training mode, the identity in eval mode.
#include "tessera/core/rng.h"
#include "tessera/nn/module.h"

namespace tessera::nn {

namespace functional {
/// Channel dropout for 1-d data (torch.nn.functional.dropout1d): zeroes whole channels of [N, C, L] (or [C, L])
/// with probability p in training and scales the rest by 1 / (1 - p); the identity when not training. ValueError
/// unless 0 <= p <= 1; ShapeError naming dropout1d for another rank.
Tensor dropout1d(const Tensor& input, double p = 0.5, bool training = true, Generator* gen = nullptr);
}  // namespace functional

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

/// Zeroes whole channels of [N, C, L] (or [C, L]) with probability p in training (functional::dropout1d).
class Dropout1d : public Module {
 public:
  explicit Dropout1d(double p = 0.5);
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Dropout1d"; }
  std::string extra_repr() const override { return cat("p=", p); }
  double p;
  Generator* generator = nullptr;
};

}  // namespace tessera::nn
