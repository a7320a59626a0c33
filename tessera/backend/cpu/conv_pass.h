#pragma once
// One pass of a 2-d convolution on contiguous buffers, under Note [Convolution dispatch] (conv_kernels.cpp): what the
// conv2d kernels run, and what conv3d's depth-tap kernels (conv3d_kernels.cpp) run for each tap. And the operands of
// one call of either op family's kernels.
#include <span>

#include "tessera/backend/cpu/conv_algorithm.h"
#include "tessera/backend/cpu/dnnl/dnnl_conv.h"
#include "tessera/ops/op.h"  // TensorType

namespace tessera::cpu {

/// The operands of one convolution kernel call (conv2d, conv3d, their gradient ops): the output, allocated of `type`;
/// when it is not empty, the two operands and the forward's optional bias (third of `in`), contiguous in its dtype,
/// and the shapes of x and w (a gradient op carries the one it produces in its attributes' `size`).
struct ConvOperands {
  Tensor out, a, b, bias;
  Shape x, w;
  ConvOperands(ConvPass pass, std::span<const Tensor> in, const Shape& size, const TensorType& type);
  template <class T>
  const T* bias_data() const {
    return bias.defined() ? bias.data_ptr<const T>() : nullptr;
  }
};

/// out = the pass over (a, b) of the convolution s: forward (x, w) -> y, input grad (gy, w) -> gx, weight grad
/// (x, gy) -> gw, with NCHW / OIHW buffers, all contiguous; out is overwritten. Float32 runs `algo`, or for kAuto the
/// algorithm the setting or the dispatch picks (im2col where the one picked has no implementation for the shape);
/// float64 runs im2col + BLAS. The forward adds `bias` [co] when not null (inside oneDNN's and Winograd's kernels) and
/// then applies ReLU when `relu` (NaN passes, as relu's kernel).
template <class T>
void conv2d_pass(ConvPass pass, const onednn::ConvShape& s, const T* a, const T* b, T* out,
                 ConvAlgorithm algo = ConvAlgorithm::kAuto, const T* bias = nullptr, bool relu = false);

}  // namespace tessera::cpu
