#pragma once
// fused_conv2d: conv2d followed by a per-channel bias and optionally ReLU, as one op (made by graph mode's pass
// graph/passes/fuse_conv.cpp from conv2d -> add(bias viewed [1, C_out, 1, 1]) -> relu and conv2d(x, w, bias) -> relu;
// not differentiable: the pass runs after differentiation). On the CPU, float32 runs oneDNN's convolution with the bias
// added inside the kernel (a post-op) and ReLU in one pass after it, instead of three passes over the output.
#include "tessera/ops/conv.h"

namespace tessera {

struct FusedConv2dAttrs final : AttrsOf<FusedConv2dAttrs> {
  Conv2dAttrs conv;                   ///< stride, padding, dilation, groups, as conv2d's
  bool relu = false;                  ///< apply ReLU after the bias
  std::string repr() const override;  ///< conv2d's attributes, then ", relu" when set
};

/// relu?(conv2d(input, weight) + bias[None, :, None, None]): input [N, C_in, H, W], weight
/// [C_out, C_in / groups, kH, kW], bias [C_out] or undefined (none) -> [N, C_out, H_out, W_out]. Float32/float64,
/// all operands of one dtype. Errors: conv2d's for the input and weight (ShapeError / DTypeError / ValueError
/// naming fused_conv2d), ShapeError for a bias that is not [C_out], DTypeError for a bias of another dtype.
Tensor fused_conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const FusedConv2dAttrs& attrs);

}  // namespace tessera
