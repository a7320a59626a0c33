#pragma once
// One pass of a 2-d convolution on contiguous buffers, under Note [Convolution dispatch] (conv_kernels.cpp): what the
// conv2d kernels run, and what conv3d's depth-tap kernels (conv3d_kernels.cpp) run for each tap.
#include "tessera/backend/cpu/conv_algorithm.h"
#include "tessera/backend/cpu/dnnl/dnnl_conv.h"

namespace tessera::cpu {

/// out = the pass over (a, b) of the convolution s: forward (x, w) -> y, input grad (gy, w) -> gx, weight grad
/// (x, gy) -> gw, with NCHW / OIHW buffers, all contiguous; out is overwritten. Float32 runs `algo`, or for kAuto the
/// algorithm the setting or the dispatch picks (im2col where the one picked has no implementation for the shape);
/// float64 runs im2col + BLAS. The forward adds `bias` [co] when not null (inside oneDNN's and Winograd's kernels) and
/// then applies ReLU when `relu` (NaN passes, as relu's kernel).
template <class T>
void conv2d_pass(ConvPass pass, const onednn::ConvShape& s, const T* a, const T* b, T* out,
                 ConvAlgorithm algo = ConvAlgorithm::kAuto, const T* bias = nullptr, bool relu = false);

}  // namespace tessera::cpu
