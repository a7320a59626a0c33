#pragma once
// Normalization layers: BatchNorm1d/2d (Ioffe & Szegedy 2015), LayerNorm (Ba et al. 2016), GroupNorm (Wu & He
// 2018), with PyTorch's arguments, defaults and state_dict keys (weight, bias, running_mean, running_var,
// num_batches_tracked).
#include <optional>

#include "tessera/nn/module.h"

namespace tessera::nn {

struct BatchNormOptions {
  double eps = 1e-5;
  /// Weight of the new batch statistic in the running average; nullopt = cumulative average (1 / batches).
  std::optional<double> momentum = 0.1;
  bool affine = true;
  bool track_running_stats = true;
  DType dtype = kFloat32;
};

/// Normalizes each channel (dim 1) with batch statistics in training (updating the running ones, with the
/// unbiased variance) and with the running statistics in eval. BatchNorm1d takes [N, C] or [N, C, L];
/// BatchNorm2d takes [N, C, H, W]. ShapeError naming the layer for another rank or channel count.
class BatchNorm : public Module {
 public:
  BatchNorm(int64_t num_features, int64_t spatial_dims, BatchNormOptions options);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  void reset_running_stats();

  int64_t num_features;
  BatchNormOptions options;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 private:
  int64_t spatial_dims_;  // 1: BatchNorm1d ([N, C] or [N, C, L]); 2: BatchNorm2d
};

class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t num_features, BatchNormOptions options = {}) : BatchNorm(num_features, 1, options) {}
  std::string type_name() const override { return "BatchNorm1d"; }
};
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t num_features, BatchNormOptions options = {}) : BatchNorm(num_features, 2, options) {}
  std::string type_name() const override { return "BatchNorm2d"; }
};

/// Normalizes over the trailing `normalized_shape` dims; weight (ones) and bias (zeros) of that shape.
class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true, DType dtype = kFloat32);
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "LayerNorm"; }
  std::string extra_repr() const override;
  Shape normalized_shape;
  double eps;
  Tensor weight, bias;
};

/// Normalizes groups of channels of [N, C, *]; per-channel weight (ones) and bias (zeros).
class GroupNorm : public Module {
 public:
  GroupNorm(int64_t num_groups, int64_t num_channels, double eps = 1e-5, bool affine = true, DType dtype = kFloat32);
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "GroupNorm"; }
  std::string extra_repr() const override;
  int64_t num_groups, num_channels;
  double eps;
  Tensor weight, bias;
};

}  // namespace tessera::nn
