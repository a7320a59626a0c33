#pragma once
// Resizing (torch.nn.functional.interpolate and torch.nn.Upsample, UpsamplingNearest2d, UpsamplingBilinear2d):
// nearest and (bi/tri)linear interpolation of [N, C, *spatial] with PyTorch 1.13's index math.
//
// Note [Separable interpolation]
// Both modes resample one spatial dim at a time. Nearest reads src = min(floor(dst * scale), in - 1), computed
// in float32 as PyTorch does, with scale = 1 / scale_factor when a scale factor is given (and not recomputed),
// else in / out; it is an index_select. Linear reads src = scale * dst (align_corners, scale = (in - 1) /
// (out - 1)) or max(scale (dst + 0.5) - 0.5, 0), and mixes the neighbours floor(src) and floor(src) + 1 (clamped)
// with weights 1 - frac and frac, computed in the input's precision; a dim whose size does not change is left
// as it is. Bilinear and trilinear interpolation are products of these 1-d maps, so the composition of
// index_selects and multiplies gives PyTorch's values, and gradients (any order) and tracing come for free.
#include <optional>
#include <string>
#include <vector>

#include "tessera/nn/module.h"

namespace tessera::nn {

namespace functional {
/// Resizes the spatial dims of [N, C, L], [N, C, H, W] or [N, C, D, H, W] to `size`, or by `scale_factor` (output
/// size floor(in * scale_factor)); each is one value for every spatial dim or one per dim (exactly one of them is
/// given). `mode`: "nearest" (any rank, any dtype), "linear" (3-d), "bilinear" (4-d) or "trilinear" (5-d; floating
/// inputs). `align_corners` (linear modes only, default false) maps the corner pixels' centres onto each other.
/// With recompute_scale_factor the scale is in / out even when a scale factor was given. Errors: ValueError for
/// both or neither of size and scale_factor, a list of the wrong length, an unknown mode or align_corners with
/// nearest; ShapeError naming interpolate for another rank, a mode that does not fit the rank, or an empty input
/// or output dim.
Tensor interpolate(const Tensor& input, std::optional<std::vector<int64_t>> size = {},
                   std::optional<std::vector<double>> scale_factor = {}, const std::string& mode = "nearest",
                   std::optional<bool> align_corners = {}, bool recompute_scale_factor = false);
}  // namespace functional

struct UpsampleOptions {
  std::optional<std::vector<int64_t>> size{};
  std::optional<std::vector<double>> scale_factor{};
  std::string mode = "nearest";
  std::optional<bool> align_corners{};
  bool recompute_scale_factor = false;
};

/// functional::interpolate as a layer: `nn::Upsample({.scale_factor = {{2.0}}, .mode = "bilinear"})`. The
/// arguments are checked when the layer is built (ValueError naming Upsample).
class Upsample : public Module {
 public:
  explicit Upsample(UpsampleOptions options);
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Upsample"; }
  std::string extra_repr() const override;
  UpsampleOptions options;
};

/// Upsample with mode "nearest".
class UpsamplingNearest2d : public Upsample {
 public:
  UpsamplingNearest2d(std::optional<std::vector<int64_t>> size, std::optional<std::vector<double>> scale_factor)
      : Upsample({.size = std::move(size), .scale_factor = std::move(scale_factor), .mode = "nearest"}) {}
  std::string type_name() const override { return "UpsamplingNearest2d"; }
};
/// Upsample with mode "bilinear" and align_corners.
class UpsamplingBilinear2d : public Upsample {
 public:
  UpsamplingBilinear2d(std::optional<std::vector<int64_t>> size, std::optional<std::vector<double>> scale_factor)
      : Upsample({.size = std::move(size),
                  .scale_factor = std::move(scale_factor),
                  .mode = "bilinear",
                  .align_corners = true}) {}
  std::string type_name() const override { return "UpsamplingBilinear2d"; }
};

}  // namespace tessera::nn
