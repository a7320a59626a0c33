#pragma once
// 1-d pooling layers (torch.nn.MaxPool1d, AvgPool1d) over [N, C, L] or [C, L]; see tessera/ops/pool1d.h for the
// sizes. The functional forms are re-exported in nn::functional.
#include <optional>
#include <utility>

#include "tessera/nn/module.h"
#include "tessera/ops/pool1d.h"

namespace tessera::nn {

namespace functional {
using tessera::avg_pool1d;
using tessera::max_pool1d;
using tessera::max_pool1d_with_indices;
}  // namespace functional

struct MaxPool1dOptions {
  std::optional<int64_t> stride{};  ///< Defaults to the kernel size.
  int64_t padding = 0;
  int64_t dilation = 1;
  bool ceil_mode = false;
};

/// [N, C, L] -> [N, C, L_out], the max of each window; `forward_with_indices` also returns the argmax along L.
/// ShapeError naming the layer for another rank: `MaxPool1d(3): expected input [N, C, L] or [C, L], got [5]`.
class MaxPool1d : public Module {
 public:
  explicit MaxPool1d(int64_t kernel_size, MaxPool1dOptions options = {}) : kernel_size(kernel_size), options(options) {}
  Tensor forward(const Tensor& input) override;
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& input);
  std::string type_name() const override { return "MaxPool1d"; }
  std::string extra_repr() const override;
  int64_t kernel_size;
  MaxPool1dOptions options;
};

struct AvgPool1dOptions {
  std::optional<int64_t> stride{};
  int64_t padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;
};

/// [N, C, L] -> [N, C, L_out], the mean of each window (count_include_pad as avg_pool2d).
class AvgPool1d : public Module {
 public:
  explicit AvgPool1d(int64_t kernel_size, AvgPool1dOptions options = {}) : kernel_size(kernel_size), options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "AvgPool1d"; }
  std::string extra_repr() const override;
  int64_t kernel_size;
  AvgPool1dOptions options;
};

}  // namespace tessera::nn
