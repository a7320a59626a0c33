#pragma once
// Linear, Identity, Flatten and Unflatten (torch.nn's names, arguments and default initialization).
#include "tessera/nn/module.h"

namespace tessera::nn {

/// y = x W^T + b: [*, in_features] -> [*, out_features]. Weight [out, in] and bias [out] start as PyTorch's:
/// U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform with a = sqrt(5)). ShapeError naming the layer when the input's
/// last dim is not in_features.
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true, DType dtype = kFloat32);
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Linear"; }
  std::string extra_repr() const override;
  /// Re-draws weight and bias with the default initialization.
  void reset_parameters();

  int64_t in_features, out_features;
  Tensor weight, bias;
};

/// Returns its input.
class Identity : public Module {
 public:
  Tensor forward(const Tensor& input) override { return input; }
  std::string type_name() const override { return "Identity"; }
};

/// Flattens dims start_dim..end_dim into one (default: all but the batch dim): [N, C, H, W] -> [N, C*H*W].
class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1) : start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& input) override { return input.flatten(start_dim, end_dim); }
  std::string type_name() const override { return "Flatten"; }
  std::string extra_repr() const override;
  int64_t start_dim, end_dim;
};

/// Splits dim `dim` into `sizes` (the inverse of Flatten): [N, 784] -> [N, 1, 28, 28] with Unflatten(1, {1, 28, 28}).
class Unflatten : public Module {
 public:
  Unflatten(int64_t dim, Shape sizes) : dim(dim), sizes(std::move(sizes)) {}
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Unflatten"; }
  std::string extra_repr() const override;
  int64_t dim;
  Shape sizes;
};

}  // namespace tessera::nn
