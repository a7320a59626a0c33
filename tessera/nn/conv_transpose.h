#pragma once
// ConvTranspose1d and ConvTranspose2d layers (torch.nn.ConvTranspose1d / ConvTranspose2d): arguments, defaults and
// initialization as PyTorch. The functional forms are tessera::conv_transpose1d/2d (ops/conv_transpose.h),
// re-exported in nn::functional.
#include <array>
#include <string>

#include "tessera/nn/module.h"
#include "tessera/ops/conv_transpose.h"

namespace tessera::nn {

namespace functional {
using tessera::conv_transpose1d;
using tessera::conv_transpose2d;
}  // namespace functional

/// Options of ConvTranspose2d after the channel counts and kernel size (PyTorch's order).
struct ConvTranspose2dOptions {
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> padding{0, 0};
  std::array<int64_t, 2> output_padding{0, 0};
  int64_t groups = 1;
  bool bias = true;
  std::array<int64_t, 2> dilation{1, 1};
  std::string padding_mode = "zeros";  ///< Only "zeros", as in PyTorch (ValueError otherwise).
  DType dtype = kFloat32;
};

/// 2-d transposed convolution: [N, C_in, H, W] (or [C_in, H, W]) -> [N, C_out, H_out, W_out] with
/// H_out = (H - 1) stride - 2 padding + dilation (kH - 1) + output_padding + 1. Weight [C_in, C_out / groups, kH,
/// kW] and bias [C_out] start as PyTorch's: kaiming_uniform(a = sqrt(5)) and U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
/// fan_in = C_out / groups * kH * kW. `forward(input, output_size)` picks the output_padding that gives the
/// requested [H_out, W_out] (or a full shape ending in it). Errors: ValueError for channels not divisible by
/// groups, a padding_mode other than zeros or an output_size out of range; ShapeError naming the layer, the
/// expected and the found shape: `ConvTranspose2d(4, 2): expected input [N, 4, H, W], got [1, 3, 5, 5]`.
class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, std::array<int64_t, 2> kernel_size,
                  ConvTranspose2dOptions options = {});
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, ConvTranspose2dOptions options = {})
      : ConvTranspose2d(in_channels, out_channels, {kernel_size, kernel_size}, std::move(options)) {}
  Tensor forward(const Tensor& input) override;
  Tensor forward(const Tensor& input, const Shape& output_size);
  std::string type_name() const override { return "ConvTranspose2d"; }
  std::string extra_repr() const override;

  int64_t in_channels, out_channels;
  std::array<int64_t, 2> kernel_size;
  ConvTranspose2dOptions options;
  Tensor weight, bias;
};

/// Options of ConvTranspose1d, as ConvTranspose2dOptions for one dim.
struct ConvTranspose1dOptions {
  int64_t stride = 1;
  int64_t padding = 0;
  int64_t output_padding = 0;
  int64_t groups = 1;
  bool bias = true;
  int64_t dilation = 1;
  std::string padding_mode = "zeros";
  DType dtype = kFloat32;
};

/// 1-d transposed convolution: [N, C_in, L] (or [C_in, L]) -> [N, C_out, L_out]; weight [C_in, C_out / groups, k].
class ConvTranspose1d : public Module {
 public:
  ConvTranspose1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, ConvTranspose1dOptions options = {});
  Tensor forward(const Tensor& input) override;
  Tensor forward(const Tensor& input, const Shape& output_size);
  std::string type_name() const override { return "ConvTranspose1d"; }
  std::string extra_repr() const override;

  int64_t in_channels, out_channels, kernel_size;
  ConvTranspose1dOptions options;
  Tensor weight, bias;
};

}  // namespace tessera::nn
