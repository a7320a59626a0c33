#pragma once
// 2-d pooling over [N, C, H, W]: max_pool2d (with the argmax indices) and avg_pool2d, PyTorch's semantics
// (output sizes with ceil_mode, implicit padding that never wins a max, count_include_pad).
//
// avg_pool2d is linear; its gradient op avg_pool2d_backward is its adjoint, and the adjoint of that is
// avg_pool2d again, so both are differentiable to any order. max_pool2d's gradient scatters into the argmax
// positions with scatter_add, which is differentiable in turn.
#include <array>
#include <optional>
#include <string>
#include <utility>

#include "tessera/ops/op.h"

namespace tessera {

/// Attributes of the pooling ops. `size` is the input shape for avg_pool2d_backward, empty otherwise.
struct Pool2dAttrs final : AttrsOf<Pool2dAttrs> {
  std::array<int64_t, 2> kernel{1, 1};
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> padding{0, 0};
  std::array<int64_t, 2> dilation{1, 1};  ///< max_pool2d only.
  bool ceil_mode = false;
  bool count_include_pad = true;  ///< avg_pool2d only.
  Shape size;
  std::string repr() const override;
};

/// PyTorch's pooling output length: floor (or ceil with ceil_mode) of (in + 2 pad - dilation (k - 1) - 1) /
/// stride, plus one; with ceil_mode a last window that would start inside the right padding is dropped.
int64_t pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation, bool ceil_mode);

/// Max pooling (torch.nn.functional.max_pool2d): [N, C, H, W] (or [C, H, W]) -> [N, C, H_out, W_out]. `stride`
/// defaults to the kernel size. Padding counts as -inf; a NaN in a window wins (as in PyTorch). Float32/float64.
/// Errors: ShapeError for another rank or a window larger than the padded input; ValueError for kernel, stride or
/// dilation < 1, or padding greater than half the (dilated) kernel.
Tensor max_pool2d(const Tensor& input, std::array<int64_t, 2> kernel_size,
                  std::optional<std::array<int64_t, 2>> stride = {}, std::array<int64_t, 2> padding = {0, 0},
                  std::array<int64_t, 2> dilation = {1, 1}, bool ceil_mode = false);
/// max_pool2d that also returns the indices of the maxima, flattened over H * W of each plane (int64), as
/// torch's return_indices=True.
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, std::array<int64_t, 2> kernel_size,
                                                  std::optional<std::array<int64_t, 2>> stride = {},
                                                  std::array<int64_t, 2> padding = {0, 0},
                                                  std::array<int64_t, 2> dilation = {1, 1}, bool ceil_mode = false);
/// Average pooling (torch.nn.functional.avg_pool2d): [N, C, H, W] (or [C, H, W]) -> [N, C, H_out, W_out].
/// With count_include_pad the divisor counts padding cells (but not the part of a ceil_mode window beyond the
/// padding); without it, only input cells. Errors as max_pool2d.
Tensor avg_pool2d(const Tensor& input, std::array<int64_t, 2> kernel_size,
                  std::optional<std::array<int64_t, 2>> stride = {}, std::array<int64_t, 2> padding = {0, 0},
                  bool ceil_mode = false, bool count_include_pad = true);
/// The gradient of max_pool2d (and adaptive_max_pool2d) for an input of shape `input_size` [N, C, H, W]: each
/// element of grad_output [N, C, H_out, W_out] is added at its int64 `indices` (flattened over the [H, W] plane).
/// IndexError for an index outside its plane.
Tensor max_pool2d_backward(const Tensor& grad_output, const Tensor& indices, Shape input_size);
/// The same, told the forward's windows (kernel, stride, padding, dilation; `size` is ignored): the result still
/// depends on the indices only, but 2x2 stride-2 windows take a one-pass loop (Note [2x2 max pooling]).
Tensor max_pool2d_backward(const Tensor& grad_output, const Tensor& indices, Shape input_size,
                           const Pool2dAttrs& windows);
/// The gradient of avg_pool2d for an input of shape `input_size`: [N, C, H_out, W_out] -> input_size.
Tensor avg_pool2d_backward(const Tensor& grad_output, Shape input_size, const Pool2dAttrs& attrs);
/// Adaptive average pooling (torch.nn.functional.adaptive_avg_pool2d) to [N, C, out_h, out_w] for any output
/// size: window i spans [floor(i H / out_h), ceil((i + 1) H / out_h)) (adaptive_pool.h). Computed as a mean when
/// the output is 1x1, as avg_pool2d when the input divides evenly, and otherwise as A_h x A_w^T with averaging
/// matrices. Float32/float64. Errors: ShapeError for another rank or an empty H or W; ValueError for an output
/// size < 1; DTypeError for other dtypes.
Tensor adaptive_avg_pool2d(const Tensor& input, std::array<int64_t, 2> output_size);

}  // namespace tessera
