#pragma once
// Sub-pixel rearrangement (Shi et al. 2016): torch.nn.PixelShuffle / PixelUnshuffle and their functional forms,
// reshapes and a permute (so gradients and tracing come with them).
#include "tessera/nn/module.h"

namespace tessera::nn {

namespace functional {
/// [*, C r^2, H, W] -> [*, C, H r, W r] (torch.nn.functional.pixel_shuffle): out[c, h r + i, w r + j] =
/// in[c r^2 + i r + j, h, w]. Errors: ValueError for r < 1; ShapeError naming pixel_shuffle for fewer than 3 dims
/// or channels not divisible by r^2.
Tensor pixel_shuffle(const Tensor& input, int64_t upscale_factor);
/// The inverse, [*, C, H r, W r] -> [*, C r^2, H, W] (torch.nn.functional.pixel_unshuffle). ShapeError naming
/// pixel_unshuffle for fewer than 3 dims or H, W not divisible by r.
Tensor pixel_unshuffle(const Tensor& input, int64_t downscale_factor);
}  // namespace functional

class PixelShuffle : public Module {
 public:
  explicit PixelShuffle(int64_t upscale_factor) : upscale_factor(upscale_factor) {}
  Tensor forward(const Tensor& input) override { return functional::pixel_shuffle(input, upscale_factor); }
  std::string type_name() const override { return "PixelShuffle"; }
  std::string extra_repr() const override { return cat("upscale_factor=", upscale_factor); }
  int64_t upscale_factor;
};

class PixelUnshuffle : public Module {
 public:
  explicit PixelUnshuffle(int64_t downscale_factor) : downscale_factor(downscale_factor) {}
  Tensor forward(const Tensor& input) override { return functional::pixel_unshuffle(input, downscale_factor); }
  std::string type_name() const override { return "PixelUnshuffle"; }
  std::string extra_repr() const override { return cat("downscale_factor=", downscale_factor); }
  int64_t downscale_factor;
};

}  // namespace tessera::nn
