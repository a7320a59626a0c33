#pragma once
// Pooling layers (torch.nn.MaxPool2d, AvgPool2d, AdaptiveAvgPool2d); see tessera/ops/pool.h for the sizes.
#include <array>
#include <optional>

#include "tessera/nn/module.h"

namespace tessera::nn {

struct MaxPool2dOptions {
  std::optional<std::array<int64_t, 2>> stride{};  ///< Defaults to the kernel size.
  std::array<int64_t, 2> padding{0, 0};
  std::array<int64_t, 2> dilation{1, 1};
  bool ceil_mode = false;
};

/// [N, C, H, W] -> [N, C, H_out, W_out], the max of each window. `forward_with_indices` also returns the argmax
/// (flattened over H * W), as return_indices=True.
class MaxPool2d : public Module {
 public:
  MaxPool2d(std::array<int64_t, 2> kernel_size, MaxPool2dOptions options = {})
      : kernel_size(kernel_size), options(options) {}
  explicit MaxPool2d(int64_t kernel_size, MaxPool2dOptions options = {})
      : MaxPool2d({kernel_size, kernel_size}, options) {}
  Tensor forward(const Tensor& input) override;
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& input);
  std::string type_name() const override { return "MaxPool2d"; }
  std::string extra_repr() const override;
  std::array<int64_t, 2> kernel_size;
  MaxPool2dOptions options;
};

struct AvgPool2dOptions {
  std::optional<std::array<int64_t, 2>> stride{};
  std::array<int64_t, 2> padding{0, 0};
  bool ceil_mode = false;
  bool count_include_pad = true;
};

/// [N, C, H, W] -> [N, C, H_out, W_out], the mean of each window.
class AvgPool2d : public Module {
 public:
  AvgPool2d(std::array<int64_t, 2> kernel_size, AvgPool2dOptions options = {})
      : kernel_size(kernel_size), options(options) {}
  explicit AvgPool2d(int64_t kernel_size, AvgPool2dOptions options = {})
      : AvgPool2d({kernel_size, kernel_size}, options) {}
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "AvgPool2d"; }
  std::string extra_repr() const override;
  std::array<int64_t, 2> kernel_size;
  AvgPool2dOptions options;
};

/// [N, C, H, W] -> [N, C, out_h, out_w] whatever H and W (see tessera::adaptive_avg_pool2d).
class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(std::array<int64_t, 2> output_size) : output_size(output_size) {}
  explicit AdaptiveAvgPool2d(int64_t output_size) : output_size{output_size, output_size} {}
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "AdaptiveAvgPool2d"; }
  std::string extra_repr() const override;
  std::array<int64_t, 2> output_size;
};

}  // namespace tessera::nn
