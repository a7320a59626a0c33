#pragma once
// Convolutions (cross-correlation, as in every deep learning framework): conv1d/conv2d (conv3d: ops/conv3d.h) with
// stride, padding, dilation and groups, and the two gradient ops that make them differentiable to any order.
//
// Note [Convolution adjoints]
// y = conv2d(x, w) is bilinear in (x, w). Its gradients are two more bilinear ops:
//   gx = conv2d_input_grad(gy, w)   (the adjoint of x -> conv2d(x, w): a transposed convolution)
//   gw = conv2d_weight_grad(x, gy)  (the adjoint of w -> conv2d(x, w))
// and the three ops are each other's adjoints, so the gradient rules of the gradient ops are again these three
// ops (second order, double backward, gradient penalties all work). The gradient ops carry the exact shape of
// the tensor they produce, because several input sizes give the same output size when stride > 1.
// conv2d's optional bias operand makes it affine: the bias's gradient is gy summed over all dims but C_out.
// conv3d (ops/conv3d.h) and its gradient ops are the same three ops over three spatial dims, with the same rules.
#include <array>
#include <optional>
#include <string>

#include "tessera/ops/op.h"

namespace tessera {

/// Attributes of conv2d (R = 2 spatial dims: height, width) and conv3d (R = 3: depth, height, width) and their
/// gradient ops. `size` is the produced tensor's shape for the gradient ops (the input's for conv*_input_grad, the
/// weight's for conv*_weight_grad) and empty for the convolution itself.
template <size_t R>
struct ConvAttrs final : AttrsOf<ConvAttrs<R>> {
  static constexpr std::array<int64_t, R> ones() {
    std::array<int64_t, R> a{};
    a.fill(1);
    return a;
  }
  std::array<int64_t, R> stride = ones();
  std::array<int64_t, R> padding{};
  std::array<int64_t, R> dilation = ones();
  int64_t groups = 1;
  Shape size;
  std::string repr() const override;  ///< "stride=[1, 1], padding=[0, 0], dilation=[1, 1], groups=1[, size=[...]]"
};
using Conv2dAttrs = ConvAttrs<2>;
using Conv3dAttrs = ConvAttrs<3>;
extern template struct ConvAttrs<2>;
extern template struct ConvAttrs<3>;

/// The output length of a convolution along one dim: floor((in + 2 pad - dilation (k - 1) - 1) / stride) + 1.
int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation);

/// conv2d's shape rule, for conv2d and the ops built on it (fused_conv2d): checks the attributes, the dtypes
/// (float32/float64, equal) and the shapes of input x [N, C_in, H, W] and weight w [C_out, C_in / groups, kH, kW],
/// and returns the output's type [N, C_out, H_out, W_out]. ValueError / DTypeError / ShapeError name `op`.
TensorType conv2d_output_type(const char* op, const TensorType& x, const TensorType& w, const Conv2dAttrs& a);

/// 2-d convolution (torch.nn.functional.conv2d): input [N, C_in, H, W] (or unbatched [C_in, H, W]), weight
/// [C_out, C_in / groups, kH, kW], optional bias [C_out] -> [N, C_out, H_out, W_out] with
/// H_out = floor((H + 2 padding - dilation (kH - 1) - 1) / stride) + 1 (likewise W_out).
/// Float32/float64 (input and weight of the same dtype). Errors: ShapeError naming conv2d and both shapes for a
/// wrong rank, channel count (C_in != weight's C_in * groups), C_out not divisible by groups, a bias of the
/// wrong size or an input smaller than the dilated kernel; ValueError for stride/dilation < 1, padding < 0 or
/// groups < 1; DTypeError for other dtypes or mixed dtypes. The bias is the conv2d op's optional third operand,
/// added inside the convolution kernel (as aten::convolution), not by a separate add over the output.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
              std::array<int64_t, 2> stride = {1, 1}, std::array<int64_t, 2> padding = {0, 0},
              std::array<int64_t, 2> dilation = {1, 1}, int64_t groups = 1);
/// PyTorch's padding strings: "same" (output size = input size) and "valid" (no padding).
enum class PaddingMode { kSame, kValid };
/// Parses "same" / "valid" (ValueError naming `op` otherwise).
PaddingMode padding_mode(const std::string& s, const char* op);
/// conv2d with padding "same" (stride must be 1, as in PyTorch) or "valid". Asymmetric "same" padding (even
/// kernels) pads the extra row/column at the end, like PyTorch. ValueError for "same" with stride > 1.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, std::array<int64_t, 2> stride,
              PaddingMode padding, std::array<int64_t, 2> dilation = {1, 1}, int64_t groups = 1);
/// 1-d convolution (torch.nn.functional.conv1d): input [N, C_in, L] (or [C_in, L]), weight [C_out, C_in / groups,
/// k], bias [C_out] -> [N, C_out, L_out]. Computed as a conv2d of height 1; errors as conv2d, naming conv2d.
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, int64_t stride = 1,
              int64_t padding = 0, int64_t dilation = 1, int64_t groups = 1);

/// Gradient of conv2d with respect to its input, for an input of shape `input_size` (Note [Convolution
/// adjoints]): grad_output [N, C_out, H_out, W_out], weight [C_out, C_in / groups, kH, kW] -> [N, C_in, H, W].
Tensor conv2d_input_grad(const Tensor& grad_output, const Tensor& weight, Shape input_size,
                         std::array<int64_t, 2> stride, std::array<int64_t, 2> padding, std::array<int64_t, 2> dilation,
                         int64_t groups);
/// Gradient of conv2d with respect to its weight, of shape `weight_size`: input [N, C_in, H, W], grad_output
/// [N, C_out, H_out, W_out] -> [C_out, C_in / groups, kH, kW].
Tensor conv2d_weight_grad(const Tensor& input, const Tensor& grad_output, Shape weight_size,
                          std::array<int64_t, 2> stride, std::array<int64_t, 2> padding,
                          std::array<int64_t, 2> dilation, int64_t groups);

}  // namespace tessera
