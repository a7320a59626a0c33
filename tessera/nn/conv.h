#pragma once
// Conv1d and Conv2d layers (torch.nn.Conv1d / Conv2d): arguments, defaults and initialization as PyTorch.
#include <array>
#include <string>

#include "tessera/nn/module.h"

namespace tessera::nn {

/// Options of Conv2d after the channel counts and kernel size: `Conv2d(1, 32, 3, {.padding = {1, 1}})`.
struct Conv2dOptions {
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> padding{0, 0};
  std::string padding_preset{};  ///< "same" or "valid" replaces `padding` (PyTorch's padding strings).
  std::array<int64_t, 2> dilation{1, 1};
  int64_t groups = 1;
  bool bias = true;
  /// "zeros", or "reflect", "replicate", "circular": the input is padded with that mode (tessera::pad) and
  /// convolved without padding, as PyTorch does.
  std::string padding_mode = "zeros";
  DType dtype = kFloat32;
};

/// 2-d convolution: [N, C_in, H, W] (or [C_in, H, W]) -> [N, C_out, H_out, W_out] (see tessera::conv2d for the
/// sizes). padding_mode other than "zeros" pads explicitly first (PyTorch's order: "same" puts an odd extra row or
/// column at the end); ValueError in the constructor for an unknown padding_mode. Weight [C_out, C_in / groups, kH, kW]
/// and bias [C_out] start as PyTorch's: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = C_in / groups * kH * kW.
/// Errors: ValueError for channels not divisible by groups; ShapeError naming the layer, the expected and the found
/// shape: `Conv2d(3, 16): expected input [N, 3, H, W], got [8, 1, 28, 28]`.
class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, std::array<int64_t, 2> kernel_size, Conv2dOptions options = {});
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Conv2dOptions options = {})
      : Conv2d(in_channels, out_channels, {kernel_size, kernel_size}, std::move(options)) {}
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Conv2d"; }
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in_channels, out_channels;
  std::array<int64_t, 2> kernel_size;
  Conv2dOptions options;
  Tensor weight, bias;
};

/// Options of Conv1d, as Conv2dOptions for one dim.
struct Conv1dOptions {
  int64_t stride = 1;
  int64_t padding = 0;
  std::string padding_preset{};  ///< "same" or "valid" replaces `padding`.
  int64_t dilation = 1;
  int64_t groups = 1;
  bool bias = true;
  std::string padding_mode = "zeros";  ///< As Conv2dOptions::padding_mode.
  DType dtype = kFloat32;
};

/// 1-d convolution: [N, C_in, L] (or [C_in, L]) -> [N, C_out, L_out]; weight [C_out, C_in / groups, k].
/// Initialization, padding strings and padding modes as Conv2d.
class Conv1d : public Module {
 public:
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Conv1dOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Conv1d"; }
  std::string extra_repr() const override;

  int64_t in_channels, out_channels, kernel_size;
  Conv1dOptions options;
  Tensor weight, bias;
};

}  // namespace tessera::nn
