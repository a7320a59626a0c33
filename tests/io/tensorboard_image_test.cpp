// Images for TensorBoard: PyTorch's tensor-to-uint8 conversion (scale, clip, truncate; gray to RGB), every
// dataformats, torchvision's make_grid layout, PNG round trips, and the errors naming add_image and the shape.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tessera/io/tensorboard/image.h"
#include "tessera/io/tensorboard/png.h"
#include "testing.h"

namespace tessera::io {
namespace {

using testing::expect_error;
using testing::make;

std::vector<uint8_t> rgb_of_gray(const std::vector<uint8_t>& gray) {
  std::vector<uint8_t> out;
  for (uint8_t g : gray) out.insert(out.end(), 3, g);
  return out;
}

TEST(ToImageU8, FloatIsScaledClippedAndTruncatedLikePyTorch) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // [1, 2, 3] CHW gray: 0.5 * 255 = 127.5 -> 127; 1/255 * 255 rounds to 1 in float32; out of range clips.
  const Tensor img = make<float>({0.0f, 0.5f, 1.0f, 2.0f, -0.1f, nan}, {1, 2, 3});
  const ImageU8 out = to_image_u8(img);
  EXPECT_EQ(out.height, 2);
  EXPECT_EQ(out.width, 3);
  EXPECT_EQ(out.channels, 3);  // gray is repeated into RGB, as PyTorch does
  EXPECT_EQ(out.pixels, rgb_of_gray({0, 127, 255, 255, 0, 0}));
  // float64 goes through float32 first, as in PyTorch: 0.2 * 255 = 51.000004f -> 51.
  EXPECT_EQ(to_image_u8(make<double>({0.2, 0.999}, {1, 1, 2})).pixels, rgb_of_gray({51, 254}));
}

TEST(ToImageU8, Uint8IsKeptAndEveryFormatGivesTheSamePixels) {
  // An RGB image 2x2 as CHW: channel c, row y, column x holds 100c + 10y + x.
  std::vector<uint8_t> chw;
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 2; ++y) {
      for (int x = 0; x < 2; ++x) chw.push_back(static_cast<uint8_t>(100 * c + 10 * y + x));
    }
  }
  const Tensor img = make<uint8_t>(chw, {3, 2, 2});
  const std::vector<uint8_t> hwc = {0, 100, 200, 1, 101, 201, 10, 110, 210, 11, 111, 211};
  EXPECT_EQ(to_image_u8(img, "CHW").pixels, hwc);
  EXPECT_EQ(to_image_u8(img.permute({1, 2, 0}), "HWC").pixels, hwc);  // a non-contiguous view
  EXPECT_EQ(to_image_u8(img.permute({2, 1, 0}), "WHC").pixels, hwc);
  const ImageU8 hw = to_image_u8(img[1], "HW");
  EXPECT_EQ(hw.pixels, rgb_of_gray({100, 101, 110, 111}));
}

TEST(ToImageU8, RgbaKeepsFourChannels) {
  const ImageU8 out = to_image_u8(make<uint8_t>({1, 2, 3, 4}, {1, 1, 4}), "HWC");
  EXPECT_EQ(out.channels, 4);
  EXPECT_EQ(out.pixels, (std::vector<uint8_t>{1, 2, 3, 4}));
}

TEST(ToImageU8, ErrorsNameTheOpTheShapeAndTheFormat) {
  const Tensor img = make<float>(std::vector<float>(12, 0.f), {3, 2, 2});
  expect_error<ValueError>([&] { to_image_u8(img, "CHX"); }, {"add_image", "'CHX'"});
  expect_error<ValueError>([&] { to_image_u8(img, "CCW"); }, "add_image");
  expect_error<ShapeError>(
      [&] {
        to_image_u8(make<float>({0, 0, 0, 0, 0, 0}, {2, 3}));
      },
      {"add_image", "3-d", "[2, 3]", "'CHW'"});
  expect_error<ShapeError>(
      [&] {
        to_image_u8(make<float>(std::vector<float>(8, 0.f), {2, 2, 2}));
      },
      {"add_image", "channels, got 2", "[2, 2, 2]"});
  expect_error<ShapeError>([&] { to_image_u8(empty({3, 0, 2})); }, {"add_image", "empty", "[3, 0, 2]"});
  expect_error<DTypeError>(
      [&] {
        to_image_u8(make<int64_t>({1, 2, 3}, {3, 1, 1}));
      },
      {"add_image", "int64", "[3, 1, 1]"});
  expect_error<DTypeError>(
      [&] {
        check_image(make<int32_t>({1, 2, 3, 4}, {1, 1, 2, 2}), "NCHW", "add_images");
      },
      {"add_images", "int32", "[1, 1, 2, 2]"});
  expect_error<ValueError>(
      [&] {
        to_image_u8(make<float>(std::vector<float>(3, 0.f), {1, 3, 1, 1}), "NCHW");
      },
      {"add_image", "one image"});
  expect_error<ValueError>([&] { check_image(img, "CHNW", "add_images"); }, {"add_images", "'CHNW'"});
}

TEST(MakeGrid, TorchvisionLayout) {
  // Three 1x2x2 images, 2 per row, 1 pixel of padding: [3, 2 * 3 + 1, 2 * 3 + 1], gray repeated into RGB.
  std::vector<float> v;
  for (int i = 0; i < 12; ++i) v.push_back(float(i + 1));
  const Tensor grid = make_grid(make<float>(v, {3, 1, 2, 2}), 2, 1, -1.0);
  ASSERT_EQ(grid.shape(), (Shape{3, 7, 7}));
  const std::vector<double> g = testing::doubles(grid[2]);           // any channel: all three are equal
  const std::vector<double> expected = {-1, -1, -1, -1, -1, -1, -1,  //
                                        -1, 1,  2,  -1, 5,  6,  -1,  //
                                        -1, 3,  4,  -1, 7,  8,  -1,  //
                                        -1, -1, -1, -1, -1, -1, -1,  //
                                        -1, 9,  10, -1, -1, -1, -1,  //
                                        -1, 11, 12, -1, -1, -1, -1,  //
                                        -1, -1, -1, -1, -1, -1, -1};
  EXPECT_EQ(g, expected);
  EXPECT_EQ(testing::doubles(grid[0]), expected);
  EXPECT_EQ(grid.dtype(), kFloat32);
}

TEST(MakeGrid, DefaultsAndOneImage) {
  const Tensor ten = make<uint8_t>(std::vector<uint8_t>(10 * 3 * 4 * 5, 7), {10, 3, 4, 5});
  const Tensor grid = make_grid(ten);  // nrow 8, padding 2: rows 2
  EXPECT_EQ(grid.shape(), (Shape{3, 2 * (4 + 2) + 2, 8 * (5 + 2) + 2}));
  EXPECT_EQ(grid.dtype(), kUInt8);
  EXPECT_EQ(make_grid(ten.narrow(0, 0, 1)).shape(), (Shape{3, 4, 5}));  // one image: no padding
  EXPECT_EQ(make_grid(ten.narrow(0, 0, 3)).shape(), (Shape{3, 4 + 4, 3 * (5 + 2) + 2}));
}

TEST(MakeGrid, Errors) {
  expect_error<ShapeError>([] { make_grid(make<float>({1, 2}, {1, 2})); }, {"make_grid", "[1, 2]"});
  expect_error<ShapeError>([] { make_grid(empty({0, 3, 2, 2})); }, {"make_grid", "[0, 3, 2, 2]"});
  expect_error<ValueError>([] { make_grid(empty({2, 3, 2, 2}), 0); }, "nrow");
}

TEST(Png, RoundTripsEveryChannelCount) {
  for (int64_t c = 1; c <= 4; ++c) {
    ImageU8 img{3, 5, c, {}};
    for (int64_t i = 0; i < 3 * 5 * c; ++i) img.pixels.push_back(static_cast<uint8_t>(i * 17));
    const std::string png = encode_png(img);
    ASSERT_EQ(png.substr(1, 3), "PNG");
    const ImageU8 back = decode_png(png);
    EXPECT_EQ(back.height, 3);
    EXPECT_EQ(back.width, 5);
    EXPECT_EQ(back.channels, c);
    EXPECT_EQ(back.pixels, img.pixels);
  }
}

TEST(Png, Errors) {
  expect_error<ValueError>([] { decode_png("not a png"); }, "decode_png");
  expect_error<ValueError>([] { encode_png(ImageU8{2, 2, 5, std::vector<uint8_t>(20)}); }, "channels");
  expect_error<ValueError>([] { encode_png(ImageU8{2, 2, 3, std::vector<uint8_t>(11)}); }, "12 pixel bytes");
  expect_error<ValueError>([] { encode_png(ImageU8{0, 2, 3, {}}); }, "size");
}

}  // namespace
}  // namespace tessera::io
