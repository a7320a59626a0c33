#pragma once
// 1-d pooling over [N, C, L] (or unbatched [C, L]): max, average and adaptive pooling, PyTorch's semantics.
// Each is the 2-d op on a height-1 input ([N, C, 1, L]), so sizes, ceil_mode, padding rules, indices and
// gradients are those of pool.h and adaptive_pool.h.
#include <optional>
#include <utility>

#include "tessera/core/tensor.h"

namespace tessera {

/// Max pooling (torch.nn.functional.max_pool1d): [N, C, L] -> [N, C, L_out] with L_out = floor (ceil with
/// ceil_mode) of (L + 2 padding - dilation (k - 1) - 1) / stride, plus one; `stride` defaults to the kernel size.
/// Errors: ShapeError naming max_pool1d for another rank; the others as max_pool2d.
Tensor max_pool1d(const Tensor& input, int64_t kernel_size, std::optional<int64_t> stride = {}, int64_t padding = 0,
                  int64_t dilation = 1, bool ceil_mode = false);
/// max_pool1d with the int64 indices of the maxima along L (torch's return_indices=True).
std::pair<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, int64_t kernel_size,
                                                  std::optional<int64_t> stride = {}, int64_t padding = 0,
                                                  int64_t dilation = 1, bool ceil_mode = false);
/// Average pooling (torch.nn.functional.avg_pool1d), count_include_pad and ceil_mode as avg_pool2d.
Tensor avg_pool1d(const Tensor& input, int64_t kernel_size, std::optional<int64_t> stride = {}, int64_t padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true);
/// Adaptive average pooling (torch.nn.functional.adaptive_avg_pool1d) to [N, C, output_size], any size.
Tensor adaptive_avg_pool1d(const Tensor& input, int64_t output_size);
/// Adaptive max pooling (torch.nn.functional.adaptive_max_pool1d) with the indices of the maxima along L.
std::pair<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& input, int64_t output_size);
/// adaptive_max_pool1d_with_indices without the indices.
Tensor adaptive_max_pool1d(const Tensor& input, int64_t output_size);

}  // namespace tessera
