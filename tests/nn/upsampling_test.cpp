// Upsample / interpolate (nearest with PyTorch's float32 index math, linear / bilinear / trilinear with
// align_corners both ways) and PixelShuffle / PixelUnshuffle vs PyTorch 1.13 (output and input gradient;
// spatial_reference_values.h), float32, second-order gradients, tracing and the error messages.
#include "tessera/nn/upsampling.h"

#include <gtest/gtest.h>

#include "nn_testing.h"
#include "spatial_reference_values.h"
#include "spatial_testing.h"
#include "tessera/autograd/gradcheck.h"
#include "tessera/nn/pixel_shuffle.h"
#include "tessera/ops/creation.h"

namespace tessera {
namespace {

using testing::error_of;
using testing::expect_error;
using testing::expect_layer;
using testing::input_wave;
using Sizes = std::vector<int64_t>;
using Scales = std::vector<double>;
namespace F = nn::functional;

const testing::NnReference& ref(const std::string& name) {
  return testing::find_reference(testing::spatial_reference::upsampling(), name);
}

struct Case {
  const char* name;
  Shape x;
  nn::UpsampleOptions options;
};

void expect_cases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    nn::Upsample m(c.options);
    expect_layer(m, input_wave(c.x), ref(c.name));
  }
}

TEST(Upsample, NearestMatchesPyTorch) {
  expect_cases({
      {"nearest_scale2", {1, 2, 3, 4}, {.scale_factor = Scales{2.0}}},
      {"nearest_size_nondivisible", {2, 1, 3, 4}, {.size = Sizes{5, 7}}},
      // 1 / 1.7 and 1 / 0.6 in float32 pick other rows than in / out would.
      {"nearest_fractional_scales", {1, 2, 5, 6}, {.scale_factor = Scales{1.7, 0.6}}},
      {"nearest_recompute", {1, 1, 5, 5}, {.scale_factor = Scales{1.7}, .recompute_scale_factor = true}},
      // Same size (floor(4 * 1.2) = 4), yet the scale 1 / 1.2 still moves rows, as in PyTorch's forward (its
      // backward copies instead; the reference holds the forward's adjoint, see make_spatial_reference.py).
      {"nearest_same_size_scale", {1, 1, 4}, {.scale_factor = Scales{1.2}}},
      {"nearest_1d", {2, 2, 3}, {.scale_factor = Scales{2.5}}},
      {"nearest_3d", {1, 1, 2, 3, 4}, {.size = Sizes{3, 2, 5}}},
  });
}

TEST(Upsample, LinearModesMatchPyTorch) {
  expect_cases({
      {"bilinear_scale2", {1, 2, 3, 4}, {.scale_factor = Scales{2.0}, .mode = "bilinear"}},
      {"bilinear_align_corners", {2, 1, 3, 4}, {.size = Sizes{5, 7}, .mode = "bilinear", .align_corners = true}},
      {"bilinear_downsample", {1, 2, 5, 7}, {.size = Sizes{2, 3}, .mode = "bilinear"}},
      {"bilinear_downsample_align", {1, 2, 5, 7}, {.size = Sizes{2, 3}, .mode = "bilinear", .align_corners = true}},
      {"bilinear_fractional_scales", {1, 1, 4, 3}, {.scale_factor = Scales{1.5, 2.3}, .mode = "bilinear"}},
      // floor(4 * 1.2) = 4 rows: a dim whose size does not change is copied.
      {"bilinear_same_height", {1, 1, 4, 3}, {.scale_factor = Scales{1.2, 2.0}, .mode = "bilinear"}},
      {"bilinear_size1_align", {1, 1, 3, 4}, {.size = Sizes{1, 3}, .mode = "bilinear", .align_corners = true}},
      {"linear_align", {1, 2, 4}, {.scale_factor = Scales{1.5}, .mode = "linear", .align_corners = true}},
      {"trilinear", {1, 1, 2, 3, 4}, {.size = Sizes{3, 4, 2}, .mode = "trilinear"}},
  });
  nn::UpsamplingBilinear2d up({}, Scales{2.0});
  expect_layer(up, input_wave({1, 1, 3, 3}), ref("upsampling_bilinear2d"));
}

TEST(Upsample, Float32AndSecondOrder) {
  const Tensor y = F::interpolate(input_wave({1, 2, 3, 4}).to(kFloat32), {}, Scales{2.0}, "bilinear");
  EXPECT_EQ(y.dtype(), kFloat32);
  testing::expect_near(y, ref("bilinear_scale2").values[0], 1e-6, 1e-6);
  const Tensor x = input_wave({1, 1, 3, 4}).requires_grad_();
  auto f = [](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{F::interpolate(in[0], Sizes{5, 3}, {}, "bilinear", true)};
  };
  EXPECT_NO_THROW(gradcheck(f, {x}));
  EXPECT_NO_THROW(gradgradcheck(f, {x}));
  // Nearest works for integer tensors too.
  const Tensor ints = F::interpolate(arange(3, kInt64).reshape({1, 1, 3}), Sizes{6});
  EXPECT_EQ(testing::ivalues(ints), (std::vector<int64_t>{0, 0, 1, 1, 2, 2}));
}

TEST(Upsample, TracedMatchesEager) {
  nn::Upsample bilinear({.scale_factor = Scales{1.5, 2.0}, .mode = "bilinear", .align_corners = true});
  testing::expect_traced_matches_eager(bilinear, {2, 3, 4});
  nn::Upsample nearest({.size = Sizes{5, 7}});
  testing::expect_traced_matches_eager(nearest, {2, 3, 4});
  nn::PixelShuffle shuffle(2);
  testing::expect_traced_matches_eager(shuffle, {8, 2, 3});
}

TEST(Upsample, PrintoutAndErrors) {
  EXPECT_EQ(nn::Upsample({.scale_factor = Scales{2.0}}).repr(), "Upsample(scale_factor=2.0, mode=nearest)");
  EXPECT_EQ(nn::Upsample({.size = Sizes{3, 4}, .mode = "bilinear"}).repr(), "Upsample(size=(3, 4), mode=bilinear)");
  EXPECT_EQ(nn::UpsamplingBilinear2d({}, Scales{2.0}).repr(), "UpsamplingBilinear2d(scale_factor=2.0, mode=bilinear)");
  expect_error<ValueError>([] { nn::Upsample({}); }, "Upsample: either size or scale_factor should be defined");
  expect_error<ValueError>([] { nn::Upsample({.size = Sizes{2}, .scale_factor = Scales{2.0}}); },
                           "Upsample: only one of size or scale_factor should be defined");
  expect_error<ValueError>([] { nn::Upsample({.size = Sizes{2}, .align_corners = true}); },
                           "Upsample: align_corners can only be set with the linear modes");
  expect_error<ValueError>([] { nn::Upsample({.size = Sizes{2}, .mode = "bicubic"}); },
                           "interpolate: unknown mode \"bicubic\"");
  const Tensor x = zeros({1, 1, 4});
  EXPECT_EQ(error_of([&] { F::interpolate(x, Sizes{7}, {}, "bilinear"); }),
            "interpolate: got 3-d input [1, 1, 4], but bilinear mode needs 4-d input");
  EXPECT_THROW(F::interpolate(x, Sizes{7}, {}, "bilinear"), ShapeError);
  expect_error<ShapeError>([] { F::interpolate(zeros({1, 4}), Sizes{3}); }, "interpolate: expected input [N, C, L]");
  expect_error<ShapeError>([&] { F::interpolate(x, {}, Scales{0.1}); },
                           "interpolate: input and output sizes should be greater than 0, got input [1, 1, 4] and "
                           "output size [0]");
  expect_error<ValueError>(
      [] {
        F::interpolate(zeros({1, 1, 4, 4}), Sizes{2, 3, 4});
      },
      "interpolate: size must have 1 or 2 values for 2 spatial dims, got 3");
}

TEST(PixelShuffle, MatchesPyTorch) {
  nn::PixelShuffle up(2);
  expect_layer(up, input_wave({2, 8, 2, 3}), ref("pixel_shuffle"));
  nn::PixelShuffle lead(3);
  expect_layer(lead, input_wave({2, 1, 9, 2, 1}), ref("pixel_shuffle_lead_dims"));
  nn::PixelUnshuffle down(2);
  expect_layer(down, input_wave({1, 2, 4, 6}), ref("pixel_unshuffle"));
  // The two are inverses.
  const Tensor x = input_wave({2, 8, 3, 2});
  EXPECT_EQ(testing::doubles(F::pixel_unshuffle(F::pixel_shuffle(x, 2), 2)), testing::doubles(x));
  EXPECT_EQ(up.repr(), "PixelShuffle(upscale_factor=2)");
  EXPECT_EQ(down.repr(), "PixelUnshuffle(downscale_factor=2)");
}

TEST(PixelShuffle, Errors) {
  expect_error<ShapeError>(
      [] {
        F::pixel_shuffle(zeros({1, 3, 2, 2}), 2);
      },
      "pixel_shuffle: channels must be divisible by upscale_factor^2 = 4, got input [1, 3, 2, 2]");
  expect_error<ShapeError>([] { F::pixel_shuffle(zeros({4, 2}), 2); }, "pixel_shuffle: expected input [*, C, H, W]");
  expect_error<ValueError>([] { F::pixel_shuffle(zeros({1, 4, 2, 2}), 0); }, "pixel_shuffle: the factor must be >= 1");
  expect_error<ShapeError>(
      [] {
        F::pixel_unshuffle(zeros({1, 3, 3, 2}), 2);
      },
      "pixel_unshuffle: height and width must be divisible by downscale_factor 2, got input "
      "[1, 3, 3, 2]");
}

}  // namespace
}  // namespace tessera
