#pragma once
// 3-d convolution (torch.nn.functional.conv3d) and its gradient ops: the conv3d op family, whose shape and gradient
// rules are conv2d's over three spatial dims (ops/conv.h, Note [Convolution adjoints]). The CPU kernels
// (backend/cpu/conv3d_kernels.cpp) run oneDNN's 3-d convolutions or, where those lose, a sum of conv2d passes over
// the kernel's depth taps.
#include <array>

#include "tessera/core/tensor.h"

namespace tessera {

/// 3-d convolution: input [N, C_in, D, H, W] (or unbatched [C_in, D, H, W]), weight [C_out, C_in / groups, kD, kH,
/// kW], optional bias [C_out] -> [N, C_out, D_out, H_out, W_out], each size floor((in + 2 padding - dilation
/// (k - 1) - 1) / stride) + 1. Float32/float64. Errors: ShapeError naming conv3d and the shapes for a wrong rank,
/// channel count, C_out not divisible by groups, a bias of the wrong size or an input smaller than the dilated
/// kernel; ValueError for stride/dilation/groups < 1 or padding < 0; DTypeError for other or mixed dtypes.
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
              std::array<int64_t, 3> stride = {1, 1, 1}, std::array<int64_t, 3> padding = {0, 0, 0},
              std::array<int64_t, 3> dilation = {1, 1, 1}, int64_t groups = 1);

/// Gradient of conv3d with respect to its input, for an input of shape `input_size`: grad_output
/// [N, C_out, D_out, H_out, W_out], weight [C_out, C_in / groups, kD, kH, kW] -> [N, C_in, D, H, W].
Tensor conv3d_input_grad(const Tensor& grad_output, const Tensor& weight, Shape input_size,
                         std::array<int64_t, 3> stride, std::array<int64_t, 3> padding, std::array<int64_t, 3> dilation,
                         int64_t groups);
/// Gradient of conv3d with respect to its weight, of shape `weight_size`: input [N, C_in, D, H, W], grad_output
/// [N, C_out, D_out, H_out, W_out] -> [C_out, C_in / groups, kD, kH, kW].
Tensor conv3d_weight_grad(const Tensor& input, const Tensor& grad_output, Shape weight_size,
                          std::array<int64_t, 3> stride, std::array<int64_t, 3> padding,
                          std::array<int64_t, 3> dilation, int64_t groups);

}  // namespace tessera
