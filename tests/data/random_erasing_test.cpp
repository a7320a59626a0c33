// random_erasing: one h x w rectangle per erased sample, in every channel, with torchvision's size rule; fills
// (scalar, per channel, noise); probability; replay from a seed; and the errors.
#include <set>

#include "tessera/data/transforms.h"
#include "testing.h"

namespace tessera {
namespace {

using namespace tessera::testing;
using data::random_erasing;
using data::RandomErasingOptions;

/// The rectangle of pixels of image `i` ([N, C, H, W] values) equal to `fill` in channel 0, as
/// {top, left, h, w}; checks it is a full rectangle and the same in every channel. {0, 0, 0, 0} for none.
std::array<int64_t, 4> erased_box(const std::vector<double>& v, int64_t i, int64_t c, int64_t h, int64_t w,
                                  double fill) {
  int64_t top = h, left = w, bottom = -1, right = -1, count = 0;
  for (int64_t r = 0; r < h; ++r) {
    for (int64_t q = 0; q < w; ++q) {
      if (v[((i * c) * h + r) * w + q] != fill) continue;
      top = std::min(top, r), left = std::min(left, q), bottom = std::max(bottom, r), right = std::max(right, q);
      ++count;
      for (int64_t ch = 1; ch < c; ++ch) EXPECT_EQ(v[((i * c + ch) * h + r) * w + q], fill) << i << " " << ch;
    }
  }
  if (count == 0) return {0, 0, 0, 0};
  EXPECT_EQ(count, (bottom - top + 1) * (right - left + 1)) << "sample " << i << " is not a rectangle";
  return {top, left, bottom - top + 1, right - left + 1};
}

TEST(RandomErasingTest, ErasesOneRectangleOfTheDrawnSizeInEveryChannel) {
  const int64_t n = 50, c = 3, h = 8, w = 8;
  const Tensor x = arange(n * c * h * w, kFloat32).view({n, c, h, w}) + 1;  // no zeros
  Generator gen(4);
  // area = 0.25 * 64 = 16 and ratio 1: h = w = round(sqrt(16)) = 4 for every sample.
  const Tensor y = random_erasing(x, {.p = 1, .scale = {0.25, 0.25}, .ratio = {1, 1}}, gen);
  EXPECT_EQ(y.shape(), x.shape());
  EXPECT_EQ(y.dtype(), kFloat32);
  const std::vector<double> yv = doubles(y), xv = doubles(x);
  std::set<std::pair<int64_t, int64_t>> corners;
  for (int64_t i = 0; i < n; ++i) {
    const auto [top, left, bh, bw] = erased_box(yv, i, c, h, w, 0.0);
    EXPECT_EQ(bh, 4);
    EXPECT_EQ(bw, 4);
    corners.insert({top, left});
    for (int64_t k = 0; k < c * h * w; ++k) {  // pixels outside the box are kept
      const int64_t r = (k / w) % h, q = k % w;
      if (r < top || r >= top + 4 || q < left || q >= left + 4) {
        EXPECT_EQ(yv[i * c * h * w + k], xv[i * c * h * w + k]);
      }
    }
  }
  EXPECT_GT(corners.size(), 10u);  // 25 possible corners, uniformly drawn
}

TEST(RandomErasingTest, ProbabilityReplayAndImpossibleSizes) {
  const Tensor x = ones({200, 1, 6, 6});
  Generator g1(7), g2(7), g3(8);
  const Tensor a = random_erasing(x, {}, g1);
  EXPECT_EQ(doubles(random_erasing(x, {}, g2)), doubles(a));  // the same seed replays
  EXPECT_NE(doubles(random_erasing(x, {}, g3)), doubles(a));
  int64_t erased = 0;
  const std::vector<double> av = doubles(a);
  for (int64_t i = 0; i < 200; ++i) {
    const auto box = erased_box(av, i, 1, 6, 6, 0.0);
    erased += box[2] > 0;
    // torchvision keeps only boxes with h < H and w < W.
    EXPECT_LT(box[2], 6);
    EXPECT_LT(box[3], 6);
  }
  EXPECT_GT(erased, 60);  // ~100 of 200 with p = 0.5 (a few draws give 0-sized boxes)
  EXPECT_LT(erased, 125);
  EXPECT_EQ(doubles(random_erasing(x, {.p = 0}, g1)), doubles(x));
  // A box as large as the image never fits: after 10 attempts the sample is kept, as in torchvision.
  EXPECT_EQ(doubles(random_erasing(x, {.p = 1, .scale = {1, 1}, .ratio = {1, 1}}, g1)), doubles(x));
}

TEST(RandomErasingTest, FillsDtypesAndLayouts) {
  Generator gen(2);
  const RandomErasingOptions box{.p = 1, .scale = {0.25, 0.25}, .ratio = {1, 1}};
  // Per-channel values.
  RandomErasingOptions per_channel = box;
  per_channel.value = {-1, -2};
  const std::vector<double> v = doubles(random_erasing(ones({4, 2, 4, 4}), per_channel, gen));
  for (int64_t i = 0; i < 4; ++i) {
    int64_t minus1 = 0, minus2 = 0;
    for (int64_t k = 0; k < 16; ++k) {
      minus1 += v[i * 32 + k] == -1;
      minus2 += v[i * 32 + 16 + k] == -2;
    }
    EXPECT_EQ(minus1, 4);  // a 2x2 box: round(sqrt(0.25 * 16)) = 2
    EXPECT_EQ(minus2, 4);
  }
  // Integer images keep their dtype; the value is converted.
  RandomErasingOptions seven = box;
  seven.value = {7};
  const Tensor u8 = random_erasing(zeros({3, 4, 4}, kUInt8), seven, gen);  // [N, H, W]
  EXPECT_EQ(u8.dtype(), kUInt8);
  EXPECT_EQ(u8.shape(), (Shape{3, 4, 4}));
  EXPECT_DOUBLE_EQ(doubles(u8.to(kFloat64).sum({1, 2}))[0], 4 * 7.0);
  // Noise: the box holds values drawn from N(0, 1), not the image's.
  RandomErasingOptions noise = box;
  noise.random = true;
  const std::vector<double> r = doubles(random_erasing(full({2, 1, 4, 4}, 100.0), noise, gen));
  EXPECT_EQ(std::count_if(r.begin(), r.end(), [](double z) { return std::abs(z) < 10; }), 8);
  // Non-contiguous input: a transposed view gives the same result as its contiguous copy.
  const Tensor t = transposed(arange(2 * 5 * 5, kFloat32).view({2, 1, 5, 5}) + 1, 2, 3);
  Generator ga(3), gb(3);
  EXPECT_EQ(doubles(random_erasing(t, box, ga)), doubles(random_erasing(t.contiguous(), box, gb)));
  EXPECT_EQ(random_erasing(zeros({0, 1, 4, 4}), box, gen).shape(), (Shape{0, 1, 4, 4}));
}

TEST(RandomErasingTest, Errors) {
  Generator gen(1);
  const Tensor x = zeros({2, 3, 4, 4});
  expect_error<ValueError>([&] { random_erasing(x, {.p = 2}, gen); }, {"random_erasing", "p must be in [0, 1]"});
  expect_error<ValueError>([&] { random_erasing(x, {.scale = {0.5, 0.1}}, gen); }, "scale must be a range");
  expect_error<ValueError>([&] { random_erasing(x, {.scale = {0.5, 1.5}}, gen); }, "(0.5, 1.5)");
  expect_error<ValueError>([&] { random_erasing(x, {.ratio = {0, 1}}, gen); }, "ratio must be a range");
  expect_error<ValueError>([&] { random_erasing(x, {.ratio = {2, 1}}, gen); }, "ratio");
  expect_error<ValueError>([&] { random_erasing(x, {.value = {1, 2}}, gen); }, {"2 values", "3 channels"});
  expect_error<ShapeError>([&] { random_erasing(zeros({2, 3, 4, 4, 1}), {.value = {1, 2, 3}}, gen); }, "per-channel");
  expect_error<ShapeError>([&] { random_erasing(zeros({4, 4}), {}, gen); }, {"random_erasing", "[4, 4]"});
  expect_error<DTypeError>([&] { random_erasing(x.to(kUInt8), {.random = true}, gen); }, {"noise", "uint8"});
}

}  // namespace
}  // namespace tessera
