// Conv3d and conv3d vs PyTorch 1.13 (output, input gradient, parameter gradients; spatial_reference_values.h):
// stride, padding, dilation, groups, "same" padding and padding modes, plus second-order gradients, tracing and
// the error messages.
#include "tessera/nn/conv3d.h"

#include <gtest/gtest.h>

#include <cmath>

#include "nn_testing.h"
#include "spatial_reference_values.h"
#include "spatial_testing.h"
#include "tessera/autograd/gradcheck.h"
#include "tessera/ops/creation.h"

namespace tessera {
namespace {

using testing::error_of;
using testing::expect_error;
using testing::expect_layer;
using testing::input_wave;

const testing::NnReference& ref(const std::string& name) {
  return testing::find_reference(testing::spatial_reference::conv3d(), name);
}

TEST(Conv3d, MatchesPyTorch) {
  nn::Conv3d strided(2, 3, 3, {.stride = {2, 1, 2}, .padding = {1, 1, 1}, .dtype = kFloat64});
  EXPECT_EQ(strided.weight.shape(), (Shape{3, 2, 3, 3, 3}));
  expect_layer(strided, input_wave({1, 2, 4, 5, 5}), ref("conv3d_stride_pad"));
  nn::Conv3d grouped(4, 2, {2, 3, 2}, {.dilation = {2, 1, 1}, .groups = 2, .bias = false, .dtype = kFloat64});
  expect_layer(grouped, input_wave({2, 4, 5, 4, 3}), ref("conv3d_dilation_groups"));
  nn::Conv3d unbatched(2, 2, 2, {.dtype = kFloat64});
  expect_layer(unbatched, input_wave({2, 3, 3, 3}), ref("conv3d_unbatched"));
}

TEST(Conv3d, PaddingModesMatchPyTorch) {
  nn::Conv3d same(2, 2, {2, 3, 3}, {.padding_preset = "same", .padding_mode = "replicate", .dtype = kFloat64});
  expect_layer(same, input_wave({1, 2, 3, 4, 4}), ref("conv3d_same_replicate"));
  nn::Conv3d circular(1, 2, 3, {.padding = {1, 2, 1}, .padding_mode = "circular", .dtype = kFloat64});
  expect_layer(circular, input_wave({1, 1, 3, 4, 3}), ref("conv3d_circular"));
  nn::Conv3d zeros_same(1, 2, {2, 2, 3}, {.padding_preset = "same", .dilation = {1, 2, 1}, .dtype = kFloat64});
  expect_layer(zeros_same, input_wave({2, 1, 3, 4, 4}), ref("conv3d_same_zeros"));
}

TEST(Conv3d, SecondOrderGradientsAndFloat32) {
  // Small on purpose: the checks run the op once per Jacobian entry.
  const Tensor x = input_wave({1, 2, 3, 3, 1}).requires_grad_();
  const Tensor w = testing::param_wave({2, 1, 2, 2, 1}, 0).requires_grad_();
  const Tensor b = testing::param_wave({2}, 1).requires_grad_();
  auto f = [](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{conv3d(in[0], in[1], in[2], {2, 1, 1}, {1, 0, 0}, {1, 2, 1}, 2)};
  };
  EXPECT_NO_THROW(gradcheck(f, {x, w, b}));
  EXPECT_NO_THROW(gradgradcheck(f, {x, w, b.detach()}));
  nn::Conv3d m(2, 3, 3, {.stride = {2, 1, 2}, .padding = {1, 1, 1}});
  testing::fill_parameters(m);
  const Tensor y = m(input_wave({1, 2, 4, 5, 5}).to(kFloat32));
  EXPECT_EQ(y.dtype(), kFloat32);
  testing::expect_near(y, ref("conv3d_stride_pad").values[0], 1e-5, 1e-5);
  // PyTorch's default bound 1 / sqrt(fan_in), fan_in = 2 * 27.
  for (double v : testing::doubles(m.bias)) EXPECT_LE(std::abs(v), 1.0);
  nn::Conv3d fresh(2, 3, 3);
  for (double v : testing::doubles(fresh.bias)) EXPECT_LE(std::abs(v), 1.0 / std::sqrt(54.0) + 1e-7);
}

TEST(Conv3d, TracedMatchesEager) {
  nn::Conv3d m(2, 2, 3, {.padding = {1, 0, 1}, .padding_mode = "reflect", .dtype = kFloat64});
  testing::fill_parameters(m);
  testing::expect_traced_matches_eager(m, {2, 3, 4, 3});
}

TEST(Conv3d, PrintoutAndErrors) {
  EXPECT_EQ(nn::Conv3d(2, 4, 3, {.stride = {2, 2, 2}, .padding = {1, 1, 1}}).repr(),
            "Conv3d(2, 4, kernel_size=(3, 3, 3), stride=(2, 2, 2), padding=(1, 1, 1))");
  nn::Conv3d m(2, 4, 3);
  EXPECT_EQ(error_of([&] {
              m(zeros({1, 3, 4, 4, 4}));
            }),
            "Conv3d(2, 4): expected input [N, 2, D, H, W], got [1, 3, 4, 4, 4]");
  EXPECT_THROW(m(zeros({1, 3, 4, 4, 4})), ShapeError);
  expect_error<ValueError>([] { nn::Conv3d(3, 4, 3, {.groups = 2}); }, "divisible by groups=2");
  expect_error<ValueError>([] { nn::Conv3d(2, 4, 3, {.padding_mode = "wrap"}); }, "Conv3d: padding_mode must be");
  const Tensor x = zeros({1, 2, 4, 4, 4}, kFloat64), w = zeros({4, 2, 3, 3, 3}, kFloat64);
  expect_error<ShapeError>(
      [&] {
        conv3d(zeros({1, 3, 4, 4, 4}, kFloat64), w);
      },
      "conv3d: input [1, 3, 4, 4, 4] has 3 channels but weight [4, 2, 3, 3, 3] with groups=1 "
      "expects 2");
  expect_error<ShapeError>([&] { conv3d(zeros({2, 4, 4}, kFloat64), w); }, "conv3d: expected input [N, C_in, D, H, W]");
  expect_error<ShapeError>([&] { conv3d(x, zeros({4, 2, 3, 3}, kFloat64)); }, "conv3d: expected weight");
  expect_error<ShapeError>(
      [&] {
        conv3d(zeros({1, 2, 2, 4, 4}, kFloat64), w);
      },
      "conv3d: input [1, 2, 2, 4, 4] padded by [0, 0, 0] is smaller than the kernel [4, 2, 3, 3, 3] "
      "dilated by [1, 1, 1]");
  expect_error<ShapeError>([&] { conv3d(x, w, zeros({3}, kFloat64)); }, "conv3d: expected bias [4], got [3]");
  expect_error<ShapeError>(
      [&] {
        conv3d(x, zeros({3, 1, 3, 3, 3}, kFloat64), {}, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}, 2);
      },
      "not divisible by groups=2");
  expect_error<ValueError>([&] { conv3d(x, w, {}, {0, 1, 1}); }, "conv3d: stride must be >= 1, got 0");
  expect_error<ValueError>([&] { conv3d(x, w, {}, {1, 1, 1}, {0, 0, 0}, {1, 1, 0}); }, "dilation must be >= 1, got 0");
  expect_error<ValueError>([&] { conv3d(x, w, {}, {1, 1, 1}, {0, -1, 0}); }, "padding must be >= 0");
  expect_error<ValueError>([&] { conv3d(x, w, {}, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}, 0); }, "groups must be >= 1");
  expect_error<DTypeError>(
      [&] {
        conv3d(x, zeros({4, 2, 3, 3, 3}));
      },
      "conv3d: expected operands of the same dtype, got float64 and float32");
  expect_error<DTypeError>(
      [&] {
        conv3d(zeros({1, 2, 4, 4, 4}, kInt64), zeros({4, 2, 3, 3, 3}, kInt64));
      },
      "conv3d: expected float32 or float64 operands, got int64");
  nn::Conv3d strided_same(2, 2, 3, {.stride = {1, 2, 1}, .padding_preset = "same"});
  expect_error<ValueError>([&] { strided_same(zeros({1, 2, 4, 4, 4})); }, "Conv3d: padding=\"same\" needs stride 1");
}

}  // namespace
}  // namespace tessera
