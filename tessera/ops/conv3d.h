#pragma once
// 3-d convolution (torch.nn.functional.conv3d) as a composite of conv2d: each of the kernel's kD depth taps is a
// conv2d over the depth slices it reads, with the output depths folded into the batch, and the taps' results
// are summed. So conv3d is differentiable to any order and traceable through conv2d's rules; a dedicated
// vol2col kernel can replace it when 3-d models need the speed.
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

}  // namespace tessera
