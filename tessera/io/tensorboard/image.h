#pragma once
// Tensors to 8-bit images for Image summaries (torch.utils.tensorboard's add_image/add_images conversion), and
// torchvision's make_grid.
#include <cstdint>
#include <string>

#include "tessera/core/tensor.h"
#include "tessera/io/tensorboard/png.h"

namespace tessera::io {

/// Checks that `image` can be shown: ValueError for a bad `dataformats` (an order of "CHW", "HW", or "NCHW"
/// with N first) or a symbolic tensor; ShapeError when the dims do not match it, a size is 0, or the channel
/// count is not 1, 3 or 4; DTypeError for dtypes other than uint8 and floating point. Messages name `op`, the
/// shape and the dataformats.
void check_image(const Tensor& image, const std::string& dataformats, const char* op = "add_image");

/// `image` as 8-bit HWC pixels, as PyTorch's add_image converts it. `dataformats` orders the dims: any
/// arrangement of "CHW" (default) or "HW". uint8 values are kept; floating values are taken as [0, 1], scaled
/// by 255 in float32, clipped to [0, 255] and truncated (0.5 -> 127; NaN -> 0). One channel is repeated into
/// RGB (as PyTorch does); 3 (RGB) and 4 (RGBA) channels are kept.
/// Errors: those of check_image, and ValueError for a batch format (N).
ImageU8 to_image_u8(const Tensor& image, const std::string& dataformats = "CHW", const char* op = "add_image");

/// A grid of images (torchvision.utils.make_grid): `images` [N, C, H, W] (C 1 is repeated into 3) laid out
/// `nrow` per row, in a canvas of pad_value with `padding` pixels around and between them:
/// [C, rows * (H + padding) + padding, min(N, nrow) * (W + padding) + padding], rows = ceil(N / min(N, nrow)).
/// One image is returned as [C, H, W] without padding, as torchvision does. Keeps the dtype.
/// Errors: ShapeError naming make_grid and the shape unless `images` is 4-d with N >= 1; ValueError for
/// nrow < 1 or padding < 0.
Tensor make_grid(const Tensor& images, int64_t nrow = 8, int64_t padding = 2, double pad_value = 0.0);

}  // namespace tessera::io
