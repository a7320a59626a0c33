#include "tessera/nn/pixel_shuffle.h"

#include <numeric>

#include "tessera/ops/shape.h"

namespace tessera::nn::functional {
namespace {

// The leading (batch) dims of [*, C, H, W] followed by `tail`.
Shape with_lead(const Tensor& x, std::initializer_list<int64_t> tail) {
  Shape s(x.shape().begin(), x.shape().end() - 3);
  s.insert(s.end(), tail);
  return s;
}

// The permutation that keeps the `lead` batch dims and then orders the trailing ones as `tail` (0-based).
std::vector<int64_t> lead_permutation(int64_t lead, std::initializer_list<int64_t> tail) {
  std::vector<int64_t> p(static_cast<size_t>(lead));
  std::iota(p.begin(), p.end(), 0);
  for (int64_t t : tail) p.push_back(lead + t);
  return p;
}

void check_factor(const char* op, const Tensor& x, int64_t r) {
  check<ValueError>(r >= 1, op, ": the factor must be >= 1, got ", r);
  check<ShapeError>(x.dim() >= 3, op, ": expected input [*, C, H, W], got ", fmt_shape(x.shape()));
}

}  // namespace

Tensor pixel_shuffle(const Tensor& input, int64_t upscale_factor) {
  const int64_t r = upscale_factor;
  check_factor("pixel_shuffle", input, r);
  const int64_t c = input.size(-3), h = input.size(-2), w = input.size(-1);
  check<ShapeError>(c % (r * r) == 0, "pixel_shuffle: channels must be divisible by upscale_factor^2 = ", r * r,
                    ", got input ", fmt_shape(input.shape()));
  const int64_t lead = input.dim() - 3;
  // [*, C, r, r, H, W] -> [*, C, H, r, W, r]
  const Tensor x = input.reshape(with_lead(input, {c / (r * r), r, r, h, w}));
  return permute(x, lead_permutation(lead, {0, 3, 1, 4, 2})).reshape(with_lead(input, {c / (r * r), h * r, w * r}));
}

Tensor pixel_unshuffle(const Tensor& input, int64_t downscale_factor) {
  const int64_t r = downscale_factor;
  check_factor("pixel_unshuffle", input, r);
  const int64_t c = input.size(-3), h = input.size(-2), w = input.size(-1);
  check<ShapeError>(h % r == 0 && w % r == 0,
                    "pixel_unshuffle: height and width must be divisible by downscale_factor ", r, ", got input ",
                    fmt_shape(input.shape()));
  const int64_t lead = input.dim() - 3;
  // [*, C, H, r, W, r] -> [*, C, r, r, H, W]
  const Tensor x = input.reshape(with_lead(input, {c, h / r, r, w / r, r}));
  return permute(x, lead_permutation(lead, {0, 2, 4, 1, 3})).reshape(with_lead(input, {c * r * r, h / r, w / r}));
}

}  // namespace tessera::nn::functional
