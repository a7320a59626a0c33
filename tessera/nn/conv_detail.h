#pragma once
// Shared by the convolution layers (conv.cpp, conv_transpose.cpp): argument checks, PyTorch's default
// initialization and explicit padding for padding_mode. Not part of the public API.
#include <array>
#include <span>
#include <string>
#include <vector>

#include "tessera/core/tensor.h"

namespace tessera::nn::detail {

/// ValueError naming `layer` unless both channel counts are positive and divisible by groups.
void check_conv_channels(const char* layer, int64_t in, int64_t out, int64_t groups);
/// PyTorch's _ConvNd.reset_parameters: kaiming_uniform(a = sqrt(5)) for the weight, U(-1/sqrt(fan_in),
/// 1/sqrt(fan_in)) for the bias (fan_in from the weight's shape).
void conv_default_init(Tensor& weight, Tensor& bias);
/// ShapeError "Conv2d(3, 16): expected input [N, 3, H, W], got [8, 1, 28, 28]" unless x is [N, in, *spatial] or
/// [in, *spatial] with `spatial` trailing dims.
void check_conv_input(const char* layer, int64_t in, int64_t out, const Tensor& x, int64_t spatial);
/// ValueError naming `layer` unless padding_mode is zeros, reflect, replicate or circular.
void check_padding_mode(const char* layer, const std::string& padding_mode);
/// PyTorch's _reversed_padding_repeated_twice: the tessera::pad sizes (last dim first) for per-dim padding, or
/// for the padding string `preset` ("same": dilation (k - 1) in total, the odd one at the end; "valid": none).
std::vector<int64_t> explicit_pads(std::span<const int64_t> padding, std::span<const int64_t> kernel,
                                   std::span<const int64_t> dilation, const std::string& preset);
/// "(1, 2)".
std::string tuple_str(std::span<const int64_t> v);

}  // namespace tessera::nn::detail
