#pragma once
// 3x3 and 5x5 convolutions with stride 1 by Winograd's minimal filtering F(2x2, 3x3) and F(2x2, 5x5) (A. Lavin and
// S. Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016): 16 multiplications per 2x2 output tile
// and channel pair instead of 36 (3x3), 36 instead of 100 (5x5), done as GEMMs over the tiles, one per transformed
// point, in all three passes (forward, input and weight gradients). Float32, NCHW. oneDNN has Winograd kernels only
// for AVX-512 machines; elsewhere its direct convolution does every multiplication (Note [Convolution dispatch] in
// conv_kernels.cpp says when this runs instead). The 5x5 transforms have larger coefficients: float32 errors of
// 2.5e-5 of the largest output magnitude against 2e-6 for 3x3 (tests/ops/winograd_test.cpp).
#include "tessera/backend/cpu/dnnl/dnnl_conv.h"

namespace tessera::cpu {

/// True for the convolutions these kernels take: a 3x3 or 5x5 kernel (r x r), stride 1, dilation 1, one group,
/// padding at most r - 1 (the input gradient pads by r - 1 - padding). The functions below require it (unchecked) and
/// non-empty operands; they throw NotImplementedError for sizes beyond BLAS's integers. Each returns false when an
/// output it wrote is Inf or NaN: the transforms turn an Inf operand into NaN, spread a NaN operand beyond the outputs
/// that read it, and can overflow where a direct convolution does not, so the caller then runs a direct algorithm
/// (Note [Winograd and non-finite values] in winograd.cpp).
bool winograd_applies(const onednn::ConvShape& s);

/// y [n, co, ho, wo] = conv2d(x [n, c, h, w], w [co, c, r, r]) with s.padding, plus bias [co] per output plane
/// when not null (added in the output transform). Overwrites y.
bool winograd_conv_forward(const onednn::ConvShape& s, const float* x, const float* w, float* y,
                           const float* bias = nullptr);

/// gx [n, c, h, w] = conv2d_input_grad(gy [n, co, ho, wo], w [co, c, r, r]): the same algorithm on gy with the
/// kernel flipped and its channel dims swapped, padded by r - 1 - padding. Overwrites gx.
bool winograd_conv_input_grad(const onednn::ConvShape& s, const float* gy, const float* w, float* gx);

/// gw [co, c, r, r] = conv2d_weight_grad(x [n, c, h, w], gy [n, co, ho, wo]): the adjoint transforms of the
/// forward, GEMMs summed over the tiles. Overwrites gw.
bool winograd_conv_weight_grad(const onednn::ConvShape& s, const float* x, const float* gy, float* gw);

}  // namespace tessera::cpu
