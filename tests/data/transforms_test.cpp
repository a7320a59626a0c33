#include "tessera/data/transforms.h"

#include <set>

#include "testing.h"

namespace tessera {
namespace {

using namespace tessera::testing;

TEST(TransformsTest, ToFloatImage) {
  const Tensor u8 = make<uint8_t>({0, 255, 51, 102, 1, 2, 3, 4}, {2, 2, 2});
  const Tensor f = data::to_float_image(u8);
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_EQ(f.shape(), (Shape{2, 1, 2, 2}));
  expect_near(f, {0, 1, 0.2, 0.4, 1 / 255.0, 2 / 255.0, 3 / 255.0, 4 / 255.0});
  const Tensor f4 = data::to_float_image(u8.view({1, 2, 2, 2}));
  EXPECT_EQ(f4.shape(), (Shape{1, 2, 2, 2}));
  EXPECT_EQ(doubles(f4), doubles(f));
  EXPECT_EQ(data::to_float_image(transposed(u8, 1, 2)).shape(), (Shape{2, 1, 2, 2}));
  expect_error<DTypeError>([&] { data::to_float_image(u8.to(kFloat32)); }, {"to_float_image", "float32"});
  expect_error<ShapeError>([&] { data::to_float_image(u8.view({8})); }, {"to_float_image", "[8]"});
}

TEST(TransformsTest, Normalize) {
  // [1, 2, 1, 2]: channel 0 = {1, 2}, channel 1 = {3, 4}.
  const Tensor x = make({1, 2, 3, 4}, kFloat32, {1, 2, 1, 2});
  expect_near(data::normalize(x, {1, 2}, {0.5, 2}), {0, 2, 0.5, 1});
  expect_near(data::normalize(x, {1}, {2}), {0, 0.5, 1, 1.5});
  EXPECT_EQ(data::normalize(x.to(kFloat64), {0}, {1}).dtype(), kFloat64);
  expect_error<ValueError>([&] { data::normalize(x, {1, 2, 3}, {1}); }, {"mean has 3 values", "2 channels"});
  expect_error<ValueError>([&] { data::normalize(x, {1}, {1, 0}); }, "std of 0");
  expect_error<DTypeError>([&] { data::normalize(x.to(kUInt8), {1}, {1}); }, "uint8");
  expect_error<ShapeError>([&] { data::normalize(x.view({2, 2}), {1}, {1}); }, "[2, 2]");
}

TEST(TransformsTest, RandomHorizontalFlipFlipsWholeSamples) {
  const int64_t n = 64;
  const Tensor x = arange(n * 2 * 3, kFloat32).view({n, 2, 3});
  Generator gen(5);
  EXPECT_EQ(doubles(data::random_horizontal_flip(x, 1.0, gen)), doubles(flip(x, {-1})));
  EXPECT_EQ(doubles(data::random_horizontal_flip(x, 0.0, gen)), doubles(x));

  Generator g1(11), g2(11);
  const Tensor y = data::random_horizontal_flip(x, 0.5, g1);
  EXPECT_EQ(doubles(data::random_horizontal_flip(x, 0.5, g2)), doubles(y));  // replayable
  const Tensor flipped = flip(x, {-1});
  int n_flipped = 0;
  for (int64_t i = 0; i < n; ++i) {
    const bool same = doubles(y[i]) == doubles(x[i]);
    const bool flip_i = doubles(y[i]) == doubles(flipped[i]);
    EXPECT_TRUE(same != flip_i) << "sample " << i;
    n_flipped += flip_i;
  }
  EXPECT_GT(n_flipped, 16);  // ~32 expected
  EXPECT_LT(n_flipped, 48);
  EXPECT_EQ(data::random_horizontal_flip(x.to(kUInt8), 0.5, gen).dtype(), kUInt8);
  expect_error<ValueError>([&] { data::random_horizontal_flip(x, 1.5, gen); }, "p must be in [0, 1]");
  expect_error<ShapeError>([&] { data::random_horizontal_flip(arange(3), 0.5, gen); }, "[3]");
}

TEST(TransformsTest, RandomCropCutsAWindowOfThePaddedImage) {
  const int64_t n = 40, c = 2, h = 4, w = 5, pad = 2;
  // Distinct positive values, so a window identifies its offset (0 only in the padding).
  const Tensor x = (arange(n * c * h * w, kInt32) + 1).view({n, c, h, w});
  Generator gen(3);
  const Tensor y = data::random_crop(x, {4, 4}, pad, gen);
  EXPECT_EQ(y.shape(), (Shape{n, c, 4, 4}));
  EXPECT_EQ(y.dtype(), kInt32);

  const auto xv = ivalues(x.to(kInt64)), yv = ivalues(y.to(kInt64));
  // value of the padded image of sample i, channel ch, at padded coordinates (r, q)
  const auto padded = [&](int64_t i, int64_t ch, int64_t r, int64_t q) -> int64_t {
    r -= pad;
    q -= pad;
    return r < 0 || r >= h || q < 0 || q >= w ? 0 : xv[((i * c + ch) * h + r) * w + q];
  };
  std::set<std::pair<int64_t, int64_t>> offsets;
  for (int64_t i = 0; i < n; ++i) {
    int matches = 0;
    for (int64_t top = 0; top <= h + 2 * pad - 4; ++top) {
      for (int64_t left = 0; left <= w + 2 * pad - 4; ++left) {
        bool ok = true;
        for (int64_t ch = 0; ch < c && ok; ++ch) {
          for (int64_t r = 0; r < 4 && ok; ++r) {
            for (int64_t q = 0; q < 4 && ok; ++q) {
              ok = yv[((i * c + ch) * 4 + r) * 4 + q] == padded(i, ch, top + r, left + q);
            }
          }
        }
        if (ok) {
          ++matches;
          offsets.insert({top, left});
        }
      }
    }
    EXPECT_EQ(matches, 1) << "sample " << i;  // both channels cut at one offset
  }
  EXPECT_GT(offsets.size(), 10u);  // per-sample offsets (5 x 6 possible)

  Generator g1(9), g2(9);
  EXPECT_EQ(doubles(data::random_crop(x, 3, 1, g1)), doubles(data::random_crop(x, 3, 1, g2)));
}

TEST(TransformsTest, RandomCropShapesAndErrors) {
  Generator gen(1);
  const Tensor x = arange(2 * 6 * 6, kUInt8).view({2, 6, 6});
  EXPECT_EQ(doubles(data::random_crop(x, 6, 0, gen)), doubles(x));  // the only window is the image
  EXPECT_EQ(data::random_crop(x, {3, 2}, 0, gen).shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(data::random_crop(x, 8, 1, gen).dtype(), kUInt8);
  EXPECT_EQ(data::random_crop(zeros({0, 3, 6, 6}), 4, 0, gen).shape(), (Shape{0, 3, 4, 4}));
  EXPECT_EQ(data::random_crop(zeros({2, 1, 3, 6, 6}), 4, 0, gen).shape(), (Shape{2, 1, 3, 4, 4}));
  expect_error<ValueError>([&] { data::random_crop(x, 9, 1, gen); }, {"9x9", "6x6", "padded by 1"});
  expect_error<ValueError>([&] { data::random_crop(x, 0, 0, gen); }, "0x0");
  expect_error<ValueError>([&] { data::random_crop(x, 2, -1, gen); }, "padding must be >= 0");
  expect_error<ShapeError>([&] { data::random_crop(x[0], 2, 0, gen); }, "[6, 6]");
}

}  // namespace
}  // namespace tessera
