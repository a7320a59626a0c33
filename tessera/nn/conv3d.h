#pragma once
// Conv3d (torch.nn.Conv3d): arguments, defaults, initialization and padding modes as Conv2d; the functional form
// is tessera::conv3d (ops/conv3d.h), re-exported in nn::functional.
#include <array>
#include <string>

#include "tessera/nn/module.h"
#include "tessera/ops/conv3d.h"

namespace tessera::nn {

namespace functional {
using tessera::conv3d;
}  // namespace functional

/// Options of Conv3d after the channel counts and kernel size, as Conv2dOptions for three dims.
struct Conv3dOptions {
  std::array<int64_t, 3> stride{1, 1, 1};
  std::array<int64_t, 3> padding{0, 0, 0};
  std::string padding_preset{};  ///< "same" or "valid" replaces `padding`.
  std::array<int64_t, 3> dilation{1, 1, 1};
  int64_t groups = 1;
  bool bias = true;
  std::string padding_mode = "zeros";  ///< "zeros", "reflect", "replicate" or "circular".
  DType dtype = kFloat32;
};

/// 3-d convolution: [N, C_in, D, H, W] (or [C_in, D, H, W]) -> [N, C_out, D_out, H_out, W_out]; weight [C_out,
/// C_in / groups, kD, kH, kW] and bias [C_out] start as PyTorch's (kaiming_uniform(a = sqrt(5)), U(-1/sqrt(fan_in),
/// 1/sqrt(fan_in))). Errors as Conv2d: `Conv3d(2, 4): expected input [N, 2, D, H, W], got [1, 3, 4, 4, 4]`.
class Conv3d : public Module {
 public:
  Conv3d(int64_t in_channels, int64_t out_channels, std::array<int64_t, 3> kernel_size, Conv3dOptions options = {});
  Conv3d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Conv3dOptions options = {})
      : Conv3d(in_channels, out_channels, {kernel_size, kernel_size, kernel_size}, std::move(options)) {}
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Conv3d"; }
  std::string extra_repr() const override;

  int64_t in_channels, out_channels;
  std::array<int64_t, 3> kernel_size;
  Conv3dOptions options;
  Tensor weight, bias;
};

}  // namespace tessera::nn
