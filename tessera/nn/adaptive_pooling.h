#pragma once
// Adaptive pooling layers (torch.nn.AdaptiveAvgPool1d, AdaptiveMaxPool1d, AdaptiveMaxPool2d): any output size,
// PyTorch's windows (tessera/ops/adaptive_pool.h). AdaptiveAvgPool2d is in pooling.h.
#include <array>
#include <utility>

#include "tessera/nn/module.h"
#include "tessera/ops/adaptive_pool.h"
#include "tessera/ops/pool1d.h"

namespace tessera::nn {

namespace functional {
using tessera::adaptive_avg_pool1d;
using tessera::adaptive_max_pool1d;
using tessera::adaptive_max_pool1d_with_indices;
using tessera::adaptive_max_pool2d;
using tessera::adaptive_max_pool2d_with_indices;
}  // namespace functional

/// [N, C, L] (or [C, L]) -> [N, C, output_size]. ShapeError naming the layer for another rank.
class AdaptiveAvgPool1d : public Module {
 public:
  explicit AdaptiveAvgPool1d(int64_t output_size) : output_size(output_size) {}
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "AdaptiveAvgPool1d"; }
  std::string extra_repr() const override { return cat("output_size=", output_size); }
  int64_t output_size;
};

/// [N, C, L] (or [C, L]) -> [N, C, output_size], the max of each window; `forward_with_indices` also returns the
/// argmax along L (return_indices=True).
class AdaptiveMaxPool1d : public Module {
 public:
  explicit AdaptiveMaxPool1d(int64_t output_size) : output_size(output_size) {}
  Tensor forward(const Tensor& input) override;
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& input);
  std::string type_name() const override { return "AdaptiveMaxPool1d"; }
  std::string extra_repr() const override { return cat("output_size=", output_size); }
  int64_t output_size;
};

/// [N, C, H, W] (or [C, H, W]) -> [N, C, out_h, out_w], the max of each window; `forward_with_indices` also
/// returns the argmax flattened over H * W (return_indices=True).
class AdaptiveMaxPool2d : public Module {
 public:
  explicit AdaptiveMaxPool2d(std::array<int64_t, 2> output_size) : output_size(output_size) {}
  explicit AdaptiveMaxPool2d(int64_t output_size) : output_size{output_size, output_size} {}
  Tensor forward(const Tensor& input) override;
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& input);
  std::string type_name() const override { return "AdaptiveMaxPool2d"; }
  std::string extra_repr() const override;
  std::array<int64_t, 2> output_size;
};

}  // namespace tessera::nn
