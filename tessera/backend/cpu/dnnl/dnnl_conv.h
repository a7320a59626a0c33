#pragma once
// conv2d, conv3d and their gradient ops through oneDNN's convolution primitives (float32, NCHW / NCDHW buffers). The
// CPU conv kernels (backend/cpu/conv_kernels.cpp, conv3d_kernels.cpp) decide when to come here.
#include <array>
#include <cstdint>

#include "tessera/backend/cpu/conv_algorithm.h"

namespace tessera::cpu::onednn {

/// The sizes of one 2-d convolution over all groups: x [n, c, h, w], weight [co, c / groups, kh, kw],
/// y [n, co, ho, wo].
struct ConvShape {
  int64_t n = 0, c = 0, h = 0, w = 0, co = 0, kh = 0, kw = 0, ho = 0, wo = 0, groups = 1;
  std::array<int64_t, 2> stride{1, 1}, padding{0, 0}, dilation{1, 1};
};

/// The sizes of one 3-d convolution over all groups: x [n, c, in...], weight [co, c / groups, kernel...],
/// y [n, co, out...], each spatial array in the order depth, height, width.
struct Conv3dShape {
  int64_t n = 0, c = 0, co = 0, groups = 1;
  std::array<int64_t, 3> in{}, kernel{}, out{}, stride{1, 1, 1}, padding{}, dilation{1, 1, 1};
};

/// Where the primitive's operands live. kPlain: it reads and writes the NCHW / OIHW (NCDHW / OIDHW) buffers
/// directly. kBlocked: oneDNN picks its layouts (format_tag::any, usually channel blocks of 8 or 16) and operands are
/// reordered from and to the plain layout around each call.
enum class ConvLayout { kPlain, kBlocked };

/// Runs one pass of the convolution s on contiguous float32 buffers (NCHW / OIHW for 2-d, NCDHW / OIDHW for 3-d):
/// forward (a = x, b = w) -> out = y, plus bias [co] broadcast over each output plane when not null (added inside the
/// kernel; forward only); input grad (gy, w) -> gx; weight grad (x, gy) -> gw. out is overwritten. Returns false,
/// having written nothing, when oneDNN has no implementation for the shape, so the caller runs its own kernel.
/// (oneDNN's ReLU post-op is not offered: it turns NaN into 0 where Tessera's relu passes it.)
bool conv(ConvPass pass, const ConvShape& s, ConvLayout layout, const float* a, const float* b, float* out,
          const float* bias = nullptr);
bool conv(ConvPass pass, const Conv3dShape& s, ConvLayout layout, const float* a, const float* b, float* out,
          const float* bias = nullptr);

}  // namespace tessera::cpu::onednn
