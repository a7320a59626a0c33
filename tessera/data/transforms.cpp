#include "tessera/data/transforms.h"

#include <cmath>

#include "tessera/ops/compare.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/index.h"
#include "tessera/ops/random.h"
#include "tessera/ops/shape.h"

namespace tessera::data {

Tensor to_float_image(const Tensor& u8) {
  check<DTypeError>(u8.dtype() == kUInt8, "to_float_image: expected uint8 images, got ", u8.dtype());
  check<ShapeError>(u8.dim() == 3 || u8.dim() == 4, "to_float_image: expected [N, H, W] or [N, C, H, W], got ",
                    fmt_shape(u8.shape()));
  const Tensor f = u8.to(kFloat32) / 255.0;
  return u8.dim() == 3 ? f.unsqueeze(1) : f;
}

Tensor normalize(const Tensor& x, std::vector<double> mean, std::vector<double> std) {
  check<DTypeError>(x.is_floating_point(), "normalize: expected floating-point images, got ", x.dtype());
  check<ShapeError>(x.dim() == 4, "normalize: expected [N, C, H, W], got ", fmt_shape(x.shape()));
  const int64_t c = x.size(1);
  for (const auto* v : {&mean, &std}) {
    const auto n = static_cast<int64_t>(v->size());
    check<ValueError>(n == c || n == 1, "normalize: ", v == &mean ? "mean" : "std", " has ", n,
                      " values for images with ", c, " channels");
  }
  for (double s : std) check<ValueError>(s != 0, "normalize: std of 0 would divide by zero");
  const auto per_channel = [&](const std::vector<double>& v) {
    return from_vector(v, Shape{1, static_cast<int64_t>(v.size()), 1, 1}, x.dtype());
  };
  return (x - per_channel(mean)) / per_channel(std);
}

Tensor random_horizontal_flip(const Tensor& x, double p, Generator& gen) {
  check<ValueError>(p >= 0 && p <= 1, "random_horizontal_flip: p must be in [0, 1], got ", p);
  check<ShapeError>(x.dim() >= 2, "random_horizontal_flip: expected [N, ..., W], got ", fmt_shape(x.shape()));
  Shape mask_shape(x.dim(), 1);
  mask_shape[0] = x.size(0);
  const Tensor flip_it = (rand({x.size(0)}, kFloat32, &gen) < p).view(mask_shape);
  return where(flip_it, flip(x, {-1}), x);
}

Tensor random_crop(const Tensor& x, std::array<int64_t, 2> size, int64_t padding, Generator& gen) {
  check<ShapeError>(x.dim() >= 3, "random_crop: expected [N, ..., H, W], got ", fmt_shape(x.shape()));
  check<ValueError>(padding >= 0, "random_crop: padding must be >= 0, got ", padding);
  const auto [h, w] = size;
  const int64_t n = x.size(0), height = x.size(-2), width = x.size(-1);
  const int64_t padded_h = height + 2 * padding, padded_w = width + 2 * padding;
  check<ValueError>(h >= 1 && w >= 1 && h <= padded_h && w <= padded_w, "random_crop: cannot cut a ", h, "x", w,
                    " window from ", height, "x", width, " images padded by ", padding);

  // Every dim between N and H counts as channels: work on [N, M, H, W].
  const int64_t m = numel(IntList(x.shape()).subspan(1, x.dim() - 3));
  Tensor padded = x.reshape({n, m, height, width});
  if (padding > 0) {
    Tensor canvas = zeros({n, m, padded_h, padded_w}, x.dtype());
    canvas.narrow(2, padding, height).narrow(3, padding, width).copy_(padded);
    padded = canvas;
  }
  // The window of sample i starts at (top[i], left[i]); two gathers pick its rows, then its columns.
  const Tensor top = randint(0, padded_h - h + 1, {n, 1}, kInt64, &gen);
  const Tensor left = randint(0, padded_w - w + 1, {n, 1}, kInt64, &gen);
  const Tensor rows = (top + arange(h)).view({n, 1, h, 1}).expand({n, m, h, padded_w});
  const Tensor cols = (left + arange(w)).view({n, 1, 1, w}).expand({n, m, h, w});
  const Tensor out = gather(gather(padded, 2, rows), 3, cols);

  Shape out_shape = x.shape();
  out_shape[x.dim() - 2] = h;
  out_shape[x.dim() - 1] = w;
  return out.reshape(out_shape);
}

Tensor random_crop(const Tensor& x, int64_t size, int64_t padding, Generator& gen) {
  return random_crop(x, {size, size}, padding, gen);
}

Tensor random_erasing(const Tensor& x, const RandomErasingOptions& o, Generator& gen) {
  constexpr int kAttempts = 10;  // torchvision's
  check<ValueError>(o.p >= 0 && o.p <= 1, "random_erasing: p must be in [0, 1], got ", o.p);
  check<ValueError>(o.scale[0] >= 0 && o.scale[0] <= o.scale[1] && o.scale[1] <= 1,
                    "random_erasing: scale must be a range (min, max) within [0, 1], got (", o.scale[0], ", ",
                    o.scale[1], ")");
  check<ValueError>(o.ratio[0] > 0 && o.ratio[0] <= o.ratio[1], "random_erasing: ratio must be a range (min, max) ",
                    "of positive values, got (", o.ratio[0], ", ", o.ratio[1], ")");
  check<ShapeError>(x.dim() >= 3, "random_erasing: expected [N, ..., H, W], got ", fmt_shape(x.shape()));
  check<DTypeError>(!o.random || x.is_floating_point(), "random_erasing: random (normal noise) fill needs ",
                    "floating-point images, got ", x.dtype());
  const auto n_values = static_cast<int64_t>(o.value.size());
  if (!o.random && n_values != 1) {
    check<ShapeError>(x.dim() == 4, "random_erasing: ", n_values, " per-channel values need [N, C, H, W], got ",
                      fmt_shape(x.shape()));
    check<ValueError>(n_values == x.size(1), "random_erasing: value has ", n_values, " values for images with ",
                      x.size(1), " channels");
  }
  const int64_t n = x.size(0), height = x.size(-2), width = x.size(-1);

  // Every draw happens up front, the same amount whatever the outcome, so a seeded generator replays the call.
  const Tensor u = rand({n, 3 + 2 * kAttempts}, kFloat64, &gen).contiguous();
  const double* draws = u.data_ptr<double>();
  const double log_lo = std::log(o.ratio[0]), log_hi = std::log(o.ratio[1]);
  const double area = static_cast<double>(height * width);
  Tensor mask = zeros({n, height, width}, kBool);
  auto* m = static_cast<uint8_t*>(mask.raw_data());
  for (int64_t i = 0; i < n; ++i) {
    const double* d = draws + i * (3 + 2 * kAttempts);  // p, top, left, then (scale, ratio) per attempt
    if (!(d[0] < o.p)) continue;
    for (int a = 0; a < kAttempts; ++a) {
      const double erase_area = area * (o.scale[0] + (o.scale[1] - o.scale[0]) * d[3 + 2 * a]);
      const double aspect = std::exp(log_lo + (log_hi - log_lo) * d[4 + 2 * a]);
      // nearbyint rounds halves to even, as Python's round() in torchvision.
      const auto h = static_cast<int64_t>(std::nearbyint(std::sqrt(erase_area * aspect)));
      const auto w = static_cast<int64_t>(std::nearbyint(std::sqrt(erase_area / aspect)));
      if (!(h < height && w < width)) continue;
      const auto top = static_cast<int64_t>(d[1] * static_cast<double>(height - h + 1));
      const auto left = static_cast<int64_t>(d[2] * static_cast<double>(width - w + 1));
      for (int64_t r = top; r < top + h; ++r) std::fill_n(m + (i * height + r) * width + left, w, uint8_t{1});
      break;
    }
  }
  Shape mask_shape(x.dim(), 1);
  mask_shape[0] = n;
  mask_shape[x.dim() - 2] = height;
  mask_shape[x.dim() - 1] = width;
  mask = mask.view(mask_shape);
  if (o.random) return where(mask, randn_like(x, &gen), x);
  if (n_values == 1) return where(mask, full_like(x, o.value[0]), x);
  return where(mask, from_vector(o.value, Shape{1, n_values, 1, 1}, x.dtype()), x);
}

}  // namespace tessera::data
