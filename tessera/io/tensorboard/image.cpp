#include "tessera/io/tensorboard/image.h"

#include <algorithm>
#include <cmath>

#include "tessera/autograd/grad_mode.h"
#include "tessera/backend/cpu/copy.h"
#include "tessera/ops/creation.h"

namespace tessera::io {
namespace {

// The image as [H, W, C] (C 1 for "HW"), after check_image.
Tensor to_hwc(const Tensor& image, const std::string& fmt) {
  if (fmt.size() == 2) return to_hwc(image.unsqueeze(-1), fmt + "C");
  const auto pos = [&](char c) { return static_cast<int64_t>(fmt.find(c)); };
  return image.permute({pos('H'), pos('W'), pos('C')});
}

uint8_t float_to_u8(float x) {
  const float v = x * 255.0f;
  if (!(v > 0.0f)) return 0;  // also NaN
  return v >= 255.0f ? 255 : static_cast<uint8_t>(v);
}

}  // namespace

void check_image(const Tensor& image, const std::string& fmt, const char* op) {
  check<ValueError>(image.defined() && !image.is_symbolic(), op, ": expected a concrete tensor");
  std::string letters = fmt;
  std::sort(letters.begin(), letters.end());
  check<ValueError>((letters == "CHW" || letters == "HW" || (letters == "CHNW" && fmt[0] == 'N')), op,
                    ": dataformats must order C, H and W ('CHW', 'HWC', ...), or H and W ('HW'), after an N for a "
                    "batch ('NCHW', 'NHWC'), got '",
                    fmt, "'");
  const Shape& s = image.shape();
  check<ShapeError>(image.dim() == static_cast<int64_t>(fmt.size()), op, ": expected a ", fmt.size(),
                    "-d tensor for dataformats '", fmt, "', got shape ", fmt_shape(s));
  const size_t c = fmt.find('C');
  check<ShapeError>(c == std::string::npos || s[c] == 1 || s[c] == 3 || s[c] == 4, op,
                    ": expected 1, 3 or 4 channels, got ", c == std::string::npos ? 0 : s[c], " (shape ", fmt_shape(s),
                    ", dataformats '", fmt, "')");
  check<ShapeError>(image.numel() > 0, op, ": the image is empty (shape ", fmt_shape(s), ", dataformats '", fmt, "')");
  check<DTypeError>(image.dtype() == kUInt8 || image.is_floating_point(), op,
                    ": expected a uint8 or floating-point image, got ", image.dtype(), " (shape ", fmt_shape(s), ")");
}

ImageU8 to_image_u8(const Tensor& image, const std::string& dataformats, const char* op) {
  check_image(image, dataformats, op);
  check<ValueError>(dataformats[0] != 'N', op, ": expected one image, got dataformats '", dataformats, "'");
  const Tensor hwc = to_hwc(image, dataformats);
  const int64_t h = hwc.size(0), w = hwc.size(1), c = hwc.size(2);
  ImageU8 out{h, w, c == 1 ? 3 : c, {}};
  std::vector<uint8_t> px(static_cast<size_t>(h * w * c));
  if (image.dtype() == kUInt8) {
    const Tensor u8 = cpu::as_contiguous(hwc);
    std::copy_n(u8.data_ptr<const uint8_t>(), px.size(), px.begin());
  } else {
    const Tensor f = cpu::as_contiguous(hwc, kFloat32);  // PyTorch converts to float32 before scaling
    std::transform(f.data_ptr<const float>(), f.data_ptr<const float>() + px.size(), px.begin(), float_to_u8);
  }
  if (c == 1) {
    out.pixels.reserve(px.size() * 3);
    for (uint8_t v : px) out.pixels.insert(out.pixels.end(), 3, v);
  } else {
    out.pixels = std::move(px);
  }
  return out;
}

Tensor make_grid(const Tensor& images, int64_t nrow, int64_t padding, double pad_value) {
  check<ShapeError>(images.defined() && images.dim() == 4 && images.size(0) >= 1,
                    "make_grid: expected images [N, C, H, W] with N >= 1, got shape ",
                    fmt_shape(images.defined() ? images.shape() : Shape{}));
  check<ValueError>(nrow >= 1 && padding >= 0, "make_grid: expected nrow >= 1 and padding >= 0, got nrow ", nrow,
                    ", padding ", padding);
  NoGradGuard no_grad;
  Tensor x = images.detach();
  if (x.size(1) == 1) x = x.expand({x.size(0), 3, x.size(2), x.size(3)});
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  if (n == 1) return x[0].contiguous();
  const int64_t cols = std::min(n, nrow), rows = (n + cols - 1) / cols;
  Tensor grid = full({c, rows * (h + padding) + padding, cols * (w + padding) + padding}, pad_value, x.dtype());
  for (int64_t k = 0; k < n; ++k) {
    const int64_t y = k / cols, col = k % cols;
    grid.narrow(1, y * (h + padding) + padding, h).narrow(2, col * (w + padding) + padding, w).copy_(x[k]);
  }
  return grid;
}

}  // namespace tessera::io
