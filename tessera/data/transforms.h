#pragma once
// Batched image transforms (torchvision.transforms on whole batches): conversion to float, per-channel
// normalisation, and per-sample random flips and crops. Each is a few tensor ops over the batch, no per-pixel
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

}  // namespace tessera::data
