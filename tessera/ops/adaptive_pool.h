#pragma once
// Adaptive pooling: the window of output i along a dim of size `in` pooled to `out` is PyTorch's
// [floor(i in / out), ceil((i + 1) in / out)), so any output size works (windows may overlap or differ in size).
// adaptive_max_pool2d is an op (with the argmax indices; its gradient scatters into them, as max_pool2d's);
// adaptive_avg_pool2d (pool.h) is a composite.
#include <array>
#include <string>
#include <utility>

#include "tessera/ops/op.h"

namespace tessera {

/// Attributes of adaptive_max_pool2d: the output's spatial size.
struct AdaptivePool2dAttrs final : AttrsOf<AdaptivePool2dAttrs> {
  std::array<int64_t, 2> output_size{1, 1};
  std::string repr() const override;
};

/// The first input position of adaptive window i: floor(i in / out).
inline int64_t adaptive_start(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
/// One past the last input position of adaptive window i: ceil((i + 1) in / out).
inline int64_t adaptive_end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }

/// Adaptive max pooling (torch.nn.functional.adaptive_max_pool2d) to [N, C, out_h, out_w] from [N, C, H, W] (or
/// [C, H, W]), with the indices of the maxima flattened over H * W of each plane (int64, as torch's
/// return_indices=True). A NaN in a window wins. Float32/float64. Errors: ShapeError naming adaptive_max_pool2d
/// for another rank or an empty H or W; ValueError for an output size < 1; DTypeError for other dtypes.
std::pair<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input, std::array<int64_t, 2> output_size);
/// adaptive_max_pool2d_with_indices without the indices.
Tensor adaptive_max_pool2d(const Tensor& input, std::array<int64_t, 2> output_size);

}  // namespace tessera
