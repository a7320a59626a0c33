#pragma once
// Transposed convolutions (torch.nn.functional.conv_transpose1d/2d, "deconvolution"): the adjoint of conv2d
// with respect to its input (Note [Convolution adjoints] in conv.h), so they are conv2d_input_grad with the
// produced size spelled out, and differentiable to any order through its gradient rules.
#include <array>

#include "tessera/core/tensor.h"

namespace tessera {

/// The output length of a transposed convolution along one dim:
/// (in - 1) stride - 2 padding + dilation (kernel - 1) + output_padding + 1.
int64_t conv_transpose_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding, int64_t output_padding,
                                   int64_t dilation);

/// 2-d transposed convolution (torch.nn.functional.conv_transpose2d; note PyTorch's argument order, groups
/// before dilation): input [N, C_in, H, W] (or unbatched [C_in, H, W]), weight [C_in, C_out / groups, kH, kW],
/// optional bias [C_out] -> [N, C_out, H_out, W_out] with H_out = conv_transpose_output_size(H, kH, ...).
/// output_padding adds rows/columns at the end (it picks one of the input sizes that conv2d maps to H).
/// Float32/float64. Errors: ShapeError naming conv_transpose2d and the shapes for a wrong rank, a channel count
/// that is not weight's C_in, C_in not divisible by groups, a bias of the wrong size or an empty output;
/// ValueError for stride/dilation/groups < 1, padding or output_padding < 0, or an output_padding not smaller
/// than either stride or dilation (PyTorch's rule); DTypeError for other or mixed dtypes.
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        std::array<int64_t, 2> stride = {1, 1}, std::array<int64_t, 2> padding = {0, 0},
                        std::array<int64_t, 2> output_padding = {0, 0}, int64_t groups = 1,
                        std::array<int64_t, 2> dilation = {1, 1});
/// 1-d transposed convolution (torch.nn.functional.conv_transpose1d): input [N, C_in, L] (or [C_in, L]), weight
/// [C_in, C_out / groups, k], bias [C_out] -> [N, C_out, L_out]. A conv_transpose2d of height 1; errors as it,
/// naming conv_transpose1d for a wrong rank.
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, int64_t stride = 1,
                        int64_t padding = 0, int64_t output_padding = 0, int64_t groups = 1, int64_t dilation = 1);

}  // namespace tessera
