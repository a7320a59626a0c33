#pragma once
// Batched image transforms (torchvision.transforms on whole batches): conversion to float, per-channel
// normalisation, and per-sample random flips, crops and erasing. Each is a few tensor ops over the batch, no per-pixel
// loops; the random ones draw their choices from a Generator, so a seeded generator replays them exactly.
#include <array>
#include <cstdint>
#include <vector>

#include "tessera/core/rng.h"
#include "tessera/core/tensor.h"

namespace tessera::data {

/// uint8 images to float32 in [0, 1] (x / 255, torchvision's ToTensor): [N, H, W] -> [N, 1, H, W] (a channel
/// dim is added), [N, C, H, W] -> [N, C, H, W]. DTypeError unless uint8; ShapeError unless 3-d or 4-d.
Tensor to_float_image(const Tensor& u8);

/// (x - mean[c]) / std[c] for each channel c of x [N, C, H, W] (torchvision's Normalize); the result has x's
/// dtype. mean and std hold C values, or one value used for every channel. DTypeError unless x is floating;
/// ShapeError unless x is 4-d; ValueError for a wrong number of values or a std of 0.
Tensor normalize(const Tensor& x, std::vector<double> mean, std::vector<double> std);

/// Flips each sample of x [N, ..., W] (>= 2 dims) along its last dim with probability p, independently per
/// sample (torchvision's RandomHorizontalFlip on each image). Returns a new tensor of x's shape and dtype.
/// ValueError unless 0 <= p <= 1; ShapeError for fewer than 2 dims.
Tensor random_horizontal_flip(const Tensor& x, double p = 0.5, Generator& gen = default_generator());

/// Pads every side of each image of x [N, ..., H, W] (>= 3 dims) with `padding` zeros, then cuts a
/// size[0] x size[1] window at a random place per sample (torchvision's RandomCrop(size, padding)): returns
/// [N, ..., size[0], size[1]] of x's dtype. ValueError for a negative padding, a size < 1 or a window larger
/// than the padded image; ShapeError for fewer than 3 dims.
Tensor random_crop(const Tensor& x, std::array<int64_t, 2> size, int64_t padding = 0,
                   Generator& gen = default_generator());
/// A square size x size window.
Tensor random_crop(const Tensor& x, int64_t size, int64_t padding = 0, Generator& gen = default_generator());

/// Options of random_erasing, with torchvision's RandomErasing defaults.
struct RandomErasingOptions {
  double p = 0.5;                              ///< Probability that a sample gets a rectangle erased.
  std::array<double, 2> scale = {0.02, 0.33};  ///< Range of the rectangle's area, as a fraction of H * W.
  std::array<double, 2> ratio = {0.3, 3.3};    ///< Range of its aspect ratio h / w, drawn log-uniformly.
  /// The fill: one value for every channel, or one per channel (x must then be [N, C, H, W]).
  std::vector<double> value = {0.0};
  bool random = false;  ///< Fill with standard normal noise instead of `value` (torchvision's value="random").
};

/// Erases a random rectangle of each sample of x [N, ..., H, W] (>= 3 dims) with probability p, independently
/// per sample (torchvision's RandomErasing applied to each image; Zhong et al. 2017, "Random Erasing Data
/// Augmentation"). Per sample, up to 10 attempts draw an area fraction uniformly in `scale` and an aspect ratio
/// log-uniformly in `ratio`, giving h = round(sqrt(area * ratio)) and w = round(sqrt(area / ratio)); the first
/// with h < H and w < W is placed uniformly at random and its pixels set to the fill in every channel; when all
/// 10 fail the sample is kept (as torchvision does). Returns a new tensor of x's shape and dtype.
/// Every call draws the same amount from `gen` whatever the outcome, so a seeded generator replays it exactly.
/// Errors: ValueError unless 0 <= p <= 1, 0 <= scale[0] <= scale[1] <= 1, 0 < ratio[0] <= ratio[1], and
/// `value` holds 1 value or C; ShapeError for fewer than 3 dims (or not 4 with per-channel values);
/// DTypeError for `random` on an integer or bool x.
Tensor random_erasing(const Tensor& x, const RandomErasingOptions& options = {}, Generator& gen = default_generator());

}  // namespace tessera::data
