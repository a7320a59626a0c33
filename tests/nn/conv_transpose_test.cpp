// ConvTranspose1d/2d and conv_transpose1d/2d vs PyTorch 1.13 (output, input gradient, parameter gradients for the
// same float64 weights and inputs, spatial_reference_values.h), output_size, initialization, float32, tracing and
// the error messages.
#include "tessera/nn/conv_transpose.h"

#include <gtest/gtest.h>

#include <cmath>

#include "nn_testing.h"
#include "spatial_reference_values.h"
#include "spatial_testing.h"
#include "tessera/autograd/gradcheck.h"
#include "tessera/nn/conv.h"
#include "tessera/ops/conv.h"
#include "tessera/ops/creation.h"

namespace tessera {
namespace {

using testing::error_of;
using testing::expect_error;
using testing::expect_layer;
using testing::input_wave;
using testing::Lambda;

const testing::NnReference& ref(const std::string& name) {
  return testing::find_reference(testing::spatial_reference::conv_transpose(), name);
}

TEST(ConvTranspose2d, MatchesPyTorch) {
  nn::ConvTranspose2d m(2, 3, 3, {.stride = {2, 2}, .padding = {1, 1}, .output_padding = {1, 1}, .dtype = kFloat64});
  EXPECT_EQ(m.weight.shape(), (Shape{2, 3, 3, 3}));
  expect_layer(m, input_wave({2, 2, 4, 3}), ref("ct2d_stride2_pad1_outpad1"));
  nn::ConvTranspose2d grouped(
      4, 6, {2, 3}, {.stride = {1, 2}, .padding = {1, 0}, .groups = 2, .dilation = {2, 1}, .dtype = kFloat64});
  EXPECT_EQ(grouped.weight.shape(), (Shape{4, 3, 2, 3}));
  expect_layer(grouped, input_wave({1, 4, 3, 4}), ref("ct2d_groups_dilation"));
  nn::ConvTranspose2d no_bias(3, 2, {3, 2}, {.stride = {3, 2}, .bias = false, .dtype = kFloat64});
  EXPECT_EQ(no_bias.parameters().size(), 1u);
  expect_layer(no_bias, input_wave({1, 3, 2, 3}), ref("ct2d_no_bias_batch1"));
}

TEST(ConvTranspose2d, OutputPaddingNotSmallerThanStride) {
  // Allowed when smaller than the dilation: the extra row and column get only the bias.
  nn::ConvTranspose2d m(2, 2, 3, {.output_padding = {1, 1}, .dilation = {2, 2}, .dtype = kFloat64});
  expect_layer(m, input_wave({1, 2, 3, 3}), ref("ct2d_outpad_ge_stride"));
}

TEST(ConvTranspose2d, UnbatchedInputAndOutputSize) {
  nn::ConvTranspose2d m(2, 3, 3, {.stride = {2, 2}, .padding = {1, 1}, .output_padding = {1, 1}, .dtype = kFloat64});
  expect_layer(m, input_wave({2, 4, 3}), ref("ct2d_unbatched"));
  auto sized = nn::make<nn::ConvTranspose2d>(
      2, 2, 3, nn::ConvTranspose2dOptions{.stride = {2, 3}, .padding = {1, 1}, .dtype = kFloat64});
  Lambda wrapper([&](const Tensor& x) { return sized->forward(x, {8, 7}); }, sized);
  expect_layer(wrapper, input_wave({1, 2, 4, 3}), ref("ct2d_output_size"));
  // A full shape works too; sizes out of [minimum, minimum + stride - 1] do not.
  EXPECT_EQ(sized->forward(zeros({1, 2, 4, 3}, kFloat64), {1, 2, 7, 9}).shape(), (Shape{1, 2, 7, 9}));
  expect_error<ValueError>(
      [&] {
        sized->forward(zeros({1, 2, 4, 3}, kFloat64), {9, 7});
      },
      "ConvTranspose2d: requested an output size of [9, 7], but valid sizes of dim 0 range from 7 "
      "to 8 (for an input of [1, 2, 4, 3])");
  expect_error<ValueError>([&] { sized->forward(zeros({1, 2, 4, 3}, kFloat64), {7}); }, "must have 2 or 4 elements");
}

TEST(ConvTranspose1d, MatchesPyTorch) {
  nn::ConvTranspose1d m(2, 4, 3, {.stride = 2, .padding = 1, .output_padding = 1, .dtype = kFloat64});
  EXPECT_EQ(m.weight.shape(), (Shape{2, 4, 3}));
  expect_layer(m, input_wave({2, 2, 5}), ref("ct1d_stride2_outpad1"));
  nn::ConvTranspose1d grouped(4, 2, 2, {.groups = 2, .dilation = 3, .dtype = kFloat64});
  expect_layer(grouped, input_wave({1, 4, 4}), ref("ct1d_groups_dilation"));
  auto sized = nn::make<nn::ConvTranspose1d>(2, 3, 4, nn::ConvTranspose1dOptions{.stride = 3, .dtype = kFloat64});
  Lambda wrapper([&](const Tensor& x) { return sized->forward(x, {12}); }, sized);
  expect_layer(wrapper, input_wave({2, 2, 3}), ref("ct1d_output_size"));
}

// conv_transpose2d is the adjoint of conv2d: <conv2d(x, w), y> = <x, conv_transpose2d(y, w)>.
TEST(ConvTranspose2d, IsTheAdjointOfConv2d) {
  const Tensor x = input_wave({2, 4, 7, 6}), w = testing::param_wave({6, 2, 3, 2}, 0);
  const Tensor y = conv2d(x, w, {}, {2, 2}, {1, 0}, {1, 2}, 2);
  const Tensor g = testing::grad_wave(y.shape());
  const Tensor back = conv_transpose2d(g, w, {}, {2, 2}, {1, 0}, {0, 1}, 2, {1, 2});
  ASSERT_EQ(back.shape(), x.shape());
  EXPECT_NEAR((y * g).sum().item<double>(), (x * back).sum().item<double>(), 1e-10);
}

TEST(ConvTranspose2d, SecondOrderGradients) {
  const Tensor x = input_wave({1, 2, 3, 3}).requires_grad_(), w = testing::param_wave({2, 2, 3, 3}, 0);
  const Tensor wl = w.detach().requires_grad_(), b = testing::param_wave({2}, 1).requires_grad_();
  auto f = [](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{conv_transpose2d(in[0], in[1], in[2], {2, 1}, {1, 1}, {1, 0}, 1, {1, 2})};
  };
  EXPECT_NO_THROW(gradcheck(f, {x, wl, b}));
  EXPECT_NO_THROW(gradgradcheck(f, {x, wl, b}));
}

TEST(ConvTranspose2d, DefaultInitAndFloat32) {
  // PyTorch's bound: 1 / sqrt(fan_in) with fan_in = C_out / groups * kH * kW = 3 * 9 (weight's dim 1).
  nn::ConvTranspose2d m(4, 6, 3, {.groups = 2});
  const double bound = 1.0 / std::sqrt(27.0);
  for (double v : testing::doubles(m.weight)) EXPECT_LE(std::abs(v), bound + 1e-7);
  for (double v : testing::doubles(m.bias)) EXPECT_LE(std::abs(v), bound + 1e-7);
  EXPECT_EQ(m.repr(), "ConvTranspose2d(4, 6, kernel_size=(3, 3), stride=(1, 1), groups=2)");
  nn::ConvTranspose2d f32(2, 3, 3, {.stride = {2, 2}, .padding = {1, 1}, .output_padding = {1, 1}});
  testing::fill_parameters(f32);
  const Tensor y = f32(input_wave({2, 2, 4, 3}).to(kFloat32));
  EXPECT_EQ(y.dtype(), kFloat32);
  testing::expect_near(y, ref("ct2d_stride2_pad1_outpad1").values[0], 1e-5, 1e-5);
  EXPECT_EQ(nn::ConvTranspose2d(2, 3, 3, {.stride = {2, 2}, .output_padding = {1, 1}}).repr(),
            "ConvTranspose2d(2, 3, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))");
  EXPECT_EQ(nn::ConvTranspose1d(2, 4, 3).repr(), "ConvTranspose1d(2, 4, kernel_size=(3,), stride=(1,))");
}

TEST(ConvTranspose2d, TracedMatchesEager) {
  nn::ConvTranspose2d m(2, 3, 3, {.stride = {2, 2}, .padding = {1, 1}, .output_padding = {1, 1}, .dtype = kFloat64});
  testing::fill_parameters(m);
  testing::expect_traced_matches_eager(m, {2, 4, 3});
}

TEST(ConvTranspose2d, Errors) {
  nn::ConvTranspose2d m(4, 2, 3);
  EXPECT_EQ(error_of([&] {
              m(zeros({1, 3, 5, 5}));
            }),
            "ConvTranspose2d(4, 2): expected input [N, 4, H, W], got [1, 3, 5, 5]");
  EXPECT_THROW(m(zeros({1, 3, 5, 5})), ShapeError);
  expect_error<ShapeError>([&] { m(zeros({4, 5})); }, "ConvTranspose2d(4, 2): expected input [N, 4, H, W], got [4, 5]");
  nn::ConvTranspose1d m1(2, 3, 3);
  EXPECT_EQ(error_of([&] { m1(zeros({2, 5, 5})); }), "ConvTranspose1d(2, 3): expected input [N, 2, L], got [2, 5, 5]");
  expect_error<ValueError>([] { nn::ConvTranspose2d(3, 4, 3, {.groups = 2}); }, "divisible by groups=2");
  expect_error<ValueError>([] { nn::ConvTranspose2d(2, 4, 3, {.padding_mode = "reflect"}); },
                           "ConvTranspose2d: only padding_mode 'zeros' is supported, got 'reflect'");
  const Tensor x = zeros({1, 2, 3, 3}, kFloat64), w = zeros({2, 2, 3, 3}, kFloat64);
  expect_error<ValueError>(
      [&] {
        conv_transpose2d(x, w, {}, {2, 2}, {0, 0}, {2, 0});
      },
      "conv_transpose2d: output_padding must be smaller than either stride or dilation, got "
      "output_padding=2 stride=2 dilation=1");
  expect_error<ValueError>([&] { conv_transpose2d(x, w, {}, {0, 1}); }, "stride and dilation must be >= 1");
  expect_error<ValueError>([&] { conv_transpose2d(x, w, {}, {1, 1}, {-1, 0}); }, "padding and output_padding");
  expect_error<ValueError>([&] { conv_transpose2d(x, w, {}, {1, 1}, {0, 0}, {0, 0}, 0); }, "groups must be >= 1");
  expect_error<ShapeError>(
      [&] {
        conv_transpose2d(zeros({1, 3, 3, 3}, kFloat64), w);
      },
      "conv_transpose2d: input [1, 3, 3, 3] has 3 channels but weight [2, 2, 3, 3] expects 2");
  expect_error<ShapeError>([&] { conv_transpose2d(x, w, {}, {1, 1}, {0, 0}, {0, 0}, 4); }, "not divisible by groups=4");
  expect_error<ShapeError>([&] { conv_transpose2d(x, zeros({2, 2, 3}, kFloat64)); }, "expected weight [C_in");
  expect_error<ShapeError>([&] { conv_transpose2d(zeros({3, 3}, kFloat64), w); }, "expected input [N, C_in, H, W]");
  expect_error<ShapeError>([&] { conv_transpose2d(x, w, zeros({3}, kFloat64)); }, "expected bias [2], got [3]");
  expect_error<DTypeError>([&] { conv_transpose2d(x, w, zeros({2})); }, "bias");
  expect_error<DTypeError>([&] { conv_transpose2d(x, zeros({2, 2, 3, 3})); }, "conv_transpose2d: expected float32");
  expect_error<ShapeError>(
      [&] {
        conv_transpose2d(zeros({1, 2, 1, 1}, kFloat64), w, {}, {1, 1}, {2, 2});
      },
      "gives an empty output");
  expect_error<ShapeError>(
      [&] {
        conv_transpose1d(x, zeros({2, 2, 3}, kFloat64));
      },
      "conv_transpose1d: expected input [N, C_in, L] or [C_in, L], got [1, 2, 3, 3]");
}

}  // namespace
}  // namespace tessera
