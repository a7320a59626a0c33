#pragma once
// 3-d max pooling (torch.nn.MaxPool3d), composed from max_pool2d over (H, W) and a maximum over the depth taps, so
// its gradient and tracing come from those ops.
#include <array>
#include <optional>
#include <utility>

#include "tessera/nn/module.h"

namespace tessera::nn {

struct MaxPool3dOptions {
  std::optional<std::array<int64_t, 3>> stride{};  ///< Defaults to the kernel size.
  std::array<int64_t, 3> padding{0, 0, 0};
  std::array<int64_t, 3> dilation{1, 1, 1};
  bool ceil_mode = false;
};

namespace functional {
/// [N, C, D, H, W] (or [C, D, H, W]) -> [N, C, D_out, H_out, W_out], each output the max of its window; sizes as
/// PyTorch's (floor, or ceil with ceil_mode; padding counts as -inf). Float32/float64. Errors: ShapeError naming
/// max_pool3d for another rank or a window larger than the padded input; ValueError for kernel, stride or
/// dilation < 1, or padding above half the kernel.
Tensor max_pool3d(const Tensor& input, std::array<int64_t, 3> kernel_size, const MaxPool3dOptions& options = {});
/// max_pool3d that also returns the argmax of each window, flattened over D * H * W of each plane (int64), as
/// PyTorch's return_indices=True (the first maximum in (d, h, w) order; a NaN wins).
std::pair<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, std::array<int64_t, 3> kernel_size,
                                                  const MaxPool3dOptions& options = {});
}  // namespace functional

class MaxPool3d : public Module {
 public:
  MaxPool3d(std::array<int64_t, 3> kernel_size, MaxPool3dOptions options = {})
      : kernel_size(kernel_size), options(options) {}
  explicit MaxPool3d(int64_t kernel_size, MaxPool3dOptions options = {})
      : MaxPool3d({kernel_size, kernel_size, kernel_size}, options) {}
  Tensor forward(const Tensor& input) override;
  /// forward and the indices, as return_indices=True.
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& input);
  std::string type_name() const override { return "MaxPool3d"; }
  std::string extra_repr() const override;
  std::array<int64_t, 3> kernel_size;
  MaxPool3dOptions options;
};

}  // namespace tessera::nn
