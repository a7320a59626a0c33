// conv3d as a sum of conv2d over the kernel's depth taps (conv3d.h).
#include "tessera/ops/conv3d.h"

#include "tessera/ops/binary.h"
#include "tessera/ops/conv.h"
#include "tessera/ops/pad.h"
#include "tessera/ops/shape.h"

namespace tessera {
namespace {

constexpr const char* kOp = "conv3d";

void check_arguments(const Tensor& x, const Tensor& w, std::array<int64_t, 3> stride, std::array<int64_t, 3> padding,
                     std::array<int64_t, 3> dilation, int64_t groups) {
  for (int i = 0; i < 3; ++i) {
    check<ValueError>(stride[i] >= 1 && dilation[i] >= 1, kOp,
                      ": stride and dilation must be >= 1, got stride=", stride[i], " dilation=", dilation[i]);
    check<ValueError>(padding[i] >= 0, kOp, ": padding must be >= 0, got ", padding[i]);
  }
  check<ValueError>(groups >= 1, kOp, ": groups must be >= 1, got ", groups);
  check<ShapeError>(x.dim() == 5, kOp, ": expected input [N, C_in, D, H, W] or [C_in, D, H, W], got ",
                    fmt_shape(x.shape()));
  check<ShapeError>(w.dim() == 5, kOp, ": expected weight [C_out, C_in / groups, kD, kH, kW], got ",
                    fmt_shape(w.shape()));
  check<DTypeError>(x.dtype() == w.dtype() && (x.dtype() == kFloat32 || x.dtype() == kFloat64), kOp,
                    ": expected float32 or float64 input and weight of the same dtype, got ", x.dtype(), " and ",
                    w.dtype());
  check<ShapeError>(x.size(1) == w.size(1) * groups, kOp, ": input ", fmt_shape(x.shape()), " has ", x.size(1),
                    " channels but weight ", fmt_shape(w.shape()), " with groups=", groups, " expects ",
                    w.size(1) * groups);
  check<ShapeError>(w.size(0) % groups == 0, kOp, ": weight ", fmt_shape(w.shape()), " has ", w.size(0),
                    " output channels, not divisible by groups=", groups);
  for (int i = 0; i < 3; ++i) {
    check<ShapeError>(x.size(2 + i) + 2 * padding[i] >= dilation[i] * (w.size(2 + i) - 1) + 1, kOp, ": input ",
                      fmt_shape(x.shape()), " padded by [", padding[0], ", ", padding[1], ", ", padding[2],
                      "] is smaller than the kernel ", fmt_shape(w.shape()), " dilated by [", dilation[0], ", ",
                      dilation[1], ", ", dilation[2], "]");
  }
}

}  // namespace

Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, std::array<int64_t, 3> stride,
              std::array<int64_t, 3> padding, std::array<int64_t, 3> dilation, int64_t groups) {
  const bool unbatched = input.dim() == 4;
  Tensor x = unbatched ? input.unsqueeze(0) : input;
  check_arguments(x, weight, stride, padding, dilation, groups);
  // Depth padding explicitly (H and W padding is conv2d's).
  if (padding[0] > 0) x = pad(x, {0, 0, 0, 0, padding[0], padding[0]}, PadMode::kConstant, 0.0);
  const int64_t n = x.size(0), c = x.size(1), h = x.size(3), w = x.size(4), kd = weight.size(2);
  const int64_t depth = conv_output_size(x.size(2), kd, stride[0], 0, dilation[0]);
  Tensor y;
  for (int64_t k = 0; k < kd; ++k) {
    // The depth slices tap k reads, [N, C, D_out, H, W], as a batch of N * D_out images.
    const int64_t first = k * dilation[0];
    const Tensor slices = slice(x, 2, first, first + (depth - 1) * stride[0] + 1, stride[0]);
    const Tensor images = slices.transpose(1, 2).reshape({n * depth, c, h, w});
    const Tensor yk = conv2d(images, weight.select(2, k), {}, {stride[1], stride[2]}, {padding[1], padding[2]},
                             {dilation[1], dilation[2]}, groups);
    y = y.defined() ? y + yk : yk;
  }
  y = y.reshape({n, depth, y.size(1), y.size(2), y.size(3)}).transpose(1, 2);
  if (bias.defined()) {
    check<ShapeError>(bias.dim() == 1 && bias.size(0) == weight.size(0), kOp, ": expected bias [", weight.size(0),
                      "], got ", fmt_shape(bias.shape()));
    check<DTypeError>(bias.dtype() == y.dtype(), kOp, ": expected a ", y.dtype(), " bias, got ", bias.dtype());
    y = y + bias.view({1, -1, 1, 1, 1});
  }
  return unbatched ? y.squeeze(0) : y;
}

}  // namespace tessera
