// Transposed convolutions as conv2d_input_grad (conv_transpose.h).
#include "tessera/ops/conv_transpose.h"

#include "tessera/ops/binary.h"
#include "tessera/ops/conv.h"
#include "tessera/ops/pad.h"
#include "tessera/ops/shape.h"

namespace tessera {

int64_t conv_transpose_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding, int64_t output_padding,
                                   int64_t dilation) {
  return (in - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1;
}

namespace {

constexpr const char* kOp = "conv_transpose2d";

void check_attrs(std::array<int64_t, 2> stride, std::array<int64_t, 2> padding, std::array<int64_t, 2> output_padding,
                 int64_t groups, std::array<int64_t, 2> dilation) {
  for (int i = 0; i < 2; ++i) {
    check<ValueError>(stride[i] >= 1 && dilation[i] >= 1, kOp,
                      ": stride and dilation must be >= 1, got stride=", stride[i], " dilation=", dilation[i]);
    check<ValueError>(padding[i] >= 0 && output_padding[i] >= 0, kOp,
                      ": padding and output_padding must be >= 0, got padding=", padding[i],
                      " output_padding=", output_padding[i]);
    check<ValueError>(output_padding[i] < stride[i] || output_padding[i] < dilation[i], kOp,
                      ": output_padding must be smaller than either stride or dilation, got output_padding=",
                      output_padding[i], " stride=", stride[i], " dilation=", dilation[i]);
  }
  check<ValueError>(groups >= 1, kOp, ": groups must be >= 1, got ", groups);
}

}  // namespace

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias, std::array<int64_t, 2> stride,
                        std::array<int64_t, 2> padding, std::array<int64_t, 2> output_padding, int64_t groups,
                        std::array<int64_t, 2> dilation) {
  check_attrs(stride, padding, output_padding, groups, dilation);
  check<ShapeError>(input.dim() == 3 || input.dim() == 4, kOp, ": expected input [N, C_in, H, W] or [C_in, H, W], got ",
                    fmt_shape(input.shape()));
  check<ShapeError>(weight.dim() == 4, kOp, ": expected weight [C_in, C_out / groups, kH, kW], got ",
                    fmt_shape(weight.shape()));
  check<DTypeError>(input.dtype() == weight.dtype() && (input.dtype() == kFloat32 || input.dtype() == kFloat64), kOp,
                    ": expected float32 or float64 input and weight of the same dtype, got ", input.dtype(), " and ",
                    weight.dtype());
  const bool unbatched = input.dim() == 3;
  Tensor x = unbatched ? input.unsqueeze(0) : input;
  const Shape& w = weight.shape();
  check<ShapeError>(x.size(1) == w[0], kOp, ": input ", fmt_shape(input.shape()), " has ", x.size(1),
                    " channels but weight ", fmt_shape(w), " expects ", w[0]);
  check<ShapeError>(w[0] % groups == 0, kOp, ": weight ", fmt_shape(w), " has ", w[0],
                    " input channels, not divisible by groups=", groups);
  Shape out{x.size(0), w[1] * groups, 0, 0};
  std::vector<int64_t> extra(4, 0);  // zero rows/columns appended to x (pad order: W first)
  for (int i = 0; i < 2; ++i) {
    out[2 + i] =
        conv_transpose_output_size(x.size(2 + i), w[2 + i], stride[i], padding[i], output_padding[i], dilation[i]);
    check<ShapeError>(out[2 + i] >= 1, kOp, ": input ", fmt_shape(input.shape()), " with weight ", fmt_shape(w),
                      " and padding [", padding[0], ", ", padding[1], "] gives an empty output");
    // conv2d maps the output size back to H + output_padding / stride rows; with output_padding >= stride
    // (allowed when dilation is larger), the rows past H are zero rows of the adjoint's grad_output.
    extra[3 - 2 * i] = output_padding[i] / stride[i];
  }
  if (extra[1] > 0 || extra[3] > 0) x = pad(x, extra, PadMode::kConstant, 0.0);
  Tensor y = conv2d_input_grad(x, weight, out, stride, padding, dilation, groups);
  if (bias.defined()) {
    check<ShapeError>(bias.dim() == 1 && bias.size(0) == out[1], kOp, ": expected bias [", out[1], "], got ",
                      fmt_shape(bias.shape()));
    check<DTypeError>(bias.dtype() == y.dtype(), kOp, ": expected a ", y.dtype(), " bias, got ", bias.dtype());
    y = y + bias.view({1, -1, 1, 1});
  }
  return unbatched ? y.squeeze(0) : y;
}

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias, int64_t stride, int64_t padding,
                        int64_t output_padding, int64_t groups, int64_t dilation) {
  check<ShapeError>(input.dim() == 2 || input.dim() == 3,
                    "conv_transpose1d: expected input [N, C_in, L] or [C_in, L], got ", fmt_shape(input.shape()));
  check<ShapeError>(weight.dim() == 3, "conv_transpose1d: expected weight [C_in, C_out / groups, k], got ",
                    fmt_shape(weight.shape()));
  using Pair = std::array<int64_t, 2>;
  const Tensor y = conv_transpose2d(input.unsqueeze(-2), weight.unsqueeze(2), bias, Pair{1, stride}, Pair{0, padding},
                                    Pair{0, output_padding}, groups, Pair{1, dilation});
  return y.squeeze(-2);
}

}  // namespace tessera
