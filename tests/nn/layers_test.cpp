// Linear, Conv1d/Conv2d, pooling, Flatten/Unflatten and dropout layers vs PyTorch 1.13: output, input gradient
// and parameter gradients for the same float64 weights and inputs (reference_values.h, written by
// tests/nn/make_reference.py), dropout statistics, and the layers' error messages.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "nn_testing.h"
#include "reference_values.h"
#include "tessera/nn/container.h"
#include "tessera/nn/conv.h"
#include "tessera/nn/dropout.h"
#include "tessera/nn/functional.h"
#include "tessera/nn/linear.h"
#include "tessera/nn/pooling.h"

namespace tessera {
namespace {

using testing::error_of;
using testing::expect_error;
using testing::expect_layer;
using testing::input_wave;
using testing::NnReference;

const NnReference& ref(const std::string& name) {
  return testing::find_reference(testing::nn_reference::layers(), name);
}

// ---- Linear ------------------------------------------------------------------------------------------------

TEST(Linear, MatchesPyTorch) {
  nn::Linear m(4, 3, true, kFloat64);
  expect_layer(m, input_wave({1, 4}), ref("linear_batch1"));
  expect_layer(m, input_wave({2, 3, 4}), ref("linear_3d"));
  nn::Linear no_bias(4, 3, false, kFloat64);
  EXPECT_FALSE(no_bias.bias.defined());
  EXPECT_EQ(no_bias.parameters().size(), 1u);
  expect_layer(no_bias, input_wave({2, 4}), ref("linear_no_bias"));
}

TEST(Linear, Float32) {
  nn::Linear m(4, 3);
  EXPECT_EQ(m.weight.dtype(), kFloat32);
  testing::fill_parameters(m);
  const Tensor y = m(input_wave({1, 4}).to(kFloat32));
  EXPECT_EQ(y.dtype(), kFloat32);
  testing::expect_near(y, ref("linear_batch1").values[0], 1e-6, 1e-6);
}

TEST(Linear, Errors) {
  nn::Linear m(4, 3);
  expect_error<ShapeError>([&] { m(zeros({2, 5})); }, "Linear(4, 3): expected input [*, 4], got [2, 5]");
  expect_error<ShapeError>([&] { m(zeros({})); }, "Linear(4, 3): expected input [*, 4], got []");
  expect_error<ValueError>([] { nn::Linear(-1, 3); }, "Linear");
  expect_error<ShapeError>(
      [] {
        nn::functional::linear(zeros({2, 5}), zeros({3, 4}));
      },
      {"linear", "[2, 5]", "[3, 4]"});
}

// ---- Convolutions ------------------------------------------------------------------------------------------

TEST(Conv2d, MatchesPyTorch) {
  nn::Conv2d strided(2, 3, 3, {.stride = {2, 2}, .padding = {1, 1}, .dtype = kFloat64});
  expect_layer(strided, input_wave({2, 2, 5, 5}), ref("conv2d_stride2_pad1"));
  nn::Conv2d dilated(2, 2, 3, {.padding = {1, 1}, .dilation = {2, 2}, .dtype = kFloat64});
  expect_layer(dilated, input_wave({1, 2, 6, 7}), ref("conv2d_dilation"));
  nn::Conv2d grouped(4, 6, {2, 3}, {.groups = 2, .dtype = kFloat64});
  EXPECT_EQ(grouped.weight.shape(), (Shape{6, 2, 2, 3}));
  expect_layer(grouped, input_wave({2, 4, 4, 5}), ref("conv2d_groups"));
}

TEST(Conv2d, ConvertedToFloat64) {
  // Built in float32, converted in place: the layer's members are float64 tensors afterwards.
  nn::Conv2d m(2, 3, 3, {.stride = {2, 2}, .padding = {1, 1}});
  m.to(kFloat64);
  EXPECT_EQ(m.weight.dtype(), kFloat64);
  EXPECT_EQ(m.bias.dtype(), kFloat64);
  expect_layer(m, input_wave({2, 2, 5, 5}), ref("conv2d_stride2_pad1"));
}

TEST(Conv2d, SamePadding) {
  // An even kernel width pads asymmetrically (the extra column at the end, as PyTorch).
  nn::Conv2d same(2, 3, {3, 4}, {.padding_preset = "same", .dtype = kFloat64});
  expect_layer(same, input_wave({1, 2, 5, 6}), ref("conv2d_same"));
  nn::Conv2d dilated(1, 2, 3, {.padding_preset = "same", .dilation = {2, 2}, .bias = false, .dtype = kFloat64});
  expect_layer(dilated, input_wave({1, 1, 5, 5}), ref("conv2d_same_dilation"));
  // "valid" is no padding.
  nn::Conv2d valid(2, 3, 3, {.padding_preset = "valid"});
  EXPECT_EQ(valid(zeros({1, 2, 5, 6})).shape(), (Shape{1, 3, 3, 4}));
}

TEST(Conv2d, UnbatchedInput) {
  nn::Conv2d m(2, 3, 3, {.stride = {2, 2}, .padding = {1, 1}, .dtype = kFloat64});
  testing::fill_parameters(m);
  const Tensor y = m(input_wave({2, 2, 5, 5})[0]);
  EXPECT_EQ(y.shape(), (Shape{3, 3, 3}));
  const std::vector<double>& full = ref("conv2d_stride2_pad1").values[0];
  testing::expect_near(y, std::vector<double>(full.begin(), full.begin() + 27), testing::kNnTol, testing::kNnTol);
}

TEST(Conv2d, Errors) {
  nn::Conv2d m(3, 16, 3);
  EXPECT_EQ(error_of([&] {
              m(zeros({8, 1, 28, 28}));
            }),
            "Conv2d(3, 16): expected input [N, 3, H, W], got [8, 1, 28, 28]");
  EXPECT_THROW(m(zeros({8, 1, 28, 28})), ShapeError);
  expect_error<ShapeError>([&] { m(zeros({3, 28})); }, "Conv2d(3, 16): expected input [N, 3, H, W], got [3, 28]");
  expect_error<ValueError>([] { nn::Conv2d(3, 16, 3, {.groups = 2}); }, "divisible by groups=2");
  expect_error<ValueError>([] { nn::Conv2d(0, 16, 3); }, "Conv2d");
  expect_error<ValueError>([] { nn::Conv2d(3, 16, 3, {.padding_preset = "full"}); }, "Conv2d");
  expect_error<ValueError>([] { nn::Conv2d(3, 16, 3, {.padding_mode = "reflex"}); }, "Conv2d: padding_mode must be");
  // "same" needs stride 1 (PyTorch's rule).
  nn::Conv2d strided_same(3, 4, 3, {.stride = {2, 2}, .padding_preset = "same"});
  EXPECT_THROW(strided_same(zeros({1, 3, 8, 8})), ValueError);
}

TEST(Conv1d, MatchesPyTorch) {
  nn::Conv1d m(2, 3, 3, {.stride = 2, .padding = 1, .dtype = kFloat64});
  expect_layer(m, input_wave({2, 2, 7}), ref("conv1d"));
  nn::Conv1d grouped(2, 4, 2, {.dilation = 2, .groups = 2, .dtype = kFloat64});
  EXPECT_EQ(grouped.weight.shape(), (Shape{4, 1, 2}));
  expect_layer(grouped, input_wave({2, 2, 6}), ref("conv1d_dilation_groups"));
  EXPECT_EQ(error_of([&] { m(zeros({4, 3, 7})); }), "Conv1d(2, 3): expected input [N, 2, L], got [4, 3, 7]");
}

// ---- Pooling -----------------------------------------------------------------------------------------------

TEST(MaxPool2d, MatchesPyTorch) {
  nn::MaxPool2d ceil(3, {.stride = std::array<int64_t, 2>{2, 2}, .ceil_mode = true});
  expect_layer(ceil, input_wave({1, 2, 6, 6}), ref("maxpool_ceil"));
  nn::MaxPool2d floor(3, {.stride = std::array<int64_t, 2>{2, 2}});
  EXPECT_EQ(floor(zeros({1, 2, 6, 6})).shape(), (Shape{1, 2, 2, 2}));
  nn::MaxPool2d padded(2, {.stride = std::array<int64_t, 2>{1, 1}, .padding = {1, 1}});
  expect_layer(padded, input_wave({2, 1, 3, 4}), ref("maxpool_pad"));
}

TEST(MaxPool2d, IndicesAndErrors) {
  nn::MaxPool2d m(2);
  const Tensor x = tensor({{{1.0, 5.0, 2.0, 0.0}, {3.0, 4.0, 8.0, 7.0}}});  // [1, 2, 4]
  auto [y, idx] = m.forward_with_indices(x.reshape({1, 1, 2, 4}));
  testing::expect_near(y, {5.0, 8.0});
  EXPECT_EQ(testing::ivalues(idx), (std::vector<int64_t>{1, 6}));
  expect_error<ShapeError>([&] { m(zeros({4, 4})); }, "MaxPool2d(2, 2): expected input [N, C, H, W]");
}

TEST(AvgPool2d, MatchesPyTorch) {
  nn::AvgPool2d m(3, {.stride = std::array<int64_t, 2>{2, 2}, .padding = {1, 1}, .count_include_pad = false});
  expect_layer(m, input_wave({1, 2, 5, 6}), ref("avgpool_exclude_pad"));
  nn::AvgPool2d ceil(
      3, {.stride = std::array<int64_t, 2>{2, 2}, .padding = {1, 1}, .ceil_mode = true, .count_include_pad = false});
  expect_layer(ceil, input_wave({1, 2, 6, 6}), ref("avgpool_exclude_pad_ceil"));
  expect_error<ShapeError>([&] { m(zeros({5})); }, "AvgPool2d(3, 3)");
}

TEST(AdaptiveAvgPool2d, MatchesPyTorch) {
  nn::AdaptiveAvgPool2d m(1);
  expect_layer(m, input_wave({2, 3, 4, 5}), ref("adaptive_avgpool_1"));
  // An evenly dividing size is a plain average pool.
  nn::AdaptiveAvgPool2d half({2, 2});
  testing::expect_near(half(arange(16, kFloat64).reshape({1, 1, 4, 4})), {2.5, 4.5, 10.5, 12.5});
}

// ---- Flatten / Unflatten -----------------------------------------------------------------------------------

TEST(Flatten, ShapesValuesAndGradient) {
  const Tensor x = arange(120, kFloat64).reshape({2, 3, 4, 5}).requires_grad_();
  nn::Flatten all;
  const Tensor y = all(x);
  EXPECT_EQ(y.shape(), (Shape{2, 60}));
  EXPECT_EQ(testing::doubles(y), testing::doubles(x));
  nn::Flatten middle(1, 2);
  EXPECT_EQ(middle(x).shape(), (Shape{2, 12, 5}));
  nn::Unflatten back(1, {3, 4});
  const Tensor z = back(middle(x));
  EXPECT_EQ(z.shape(), x.shape());
  nn::Unflatten last(-1, {4, 15});
  EXPECT_EQ(last(y).shape(), (Shape{2, 4, 15}));
  z.backward(testing::grad_wave(z.shape()));
  testing::expect_near(x.grad(), testing::doubles(testing::grad_wave(x.shape())));
  expect_error<ShapeError>([&] { nn::Unflatten(1, {5, 5})(y); }, "");
}

// ---- Dropout -----------------------------------------------------------------------------------------------

TEST(Dropout, EvalIsIdentity) {
  nn::Dropout m(0.4);
  m.eval();
  const Tensor x = input_wave({3, 7});
  EXPECT_EQ(testing::doubles(m(x)), testing::doubles(x));
}

TEST(Dropout, TrainZeroesAboutPAndScalesTheRest) {
  constexpr int64_t kN = 100000;
  for (double p : {0.2, 0.5, 0.9}) {
    SCOPED_TRACE(p);
    nn::Dropout m(p);
    Generator gen(1234);
    m.generator = &gen;
    const Tensor x = ones({kN}, kFloat64).requires_grad_();
    const Tensor y = m(x);
    y.sum().backward();
    const std::vector<double> v = testing::doubles(y), g = testing::doubles(x.grad());
    int64_t zeros_seen = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == 0.0) {
        ++zeros_seen;
        EXPECT_EQ(g[i], 0.0);
      } else {
        ASSERT_NEAR(v[i], 1.0 / (1.0 - p), 1e-12);
        ASSERT_NEAR(g[i], 1.0 / (1.0 - p), 1e-12);
      }
    }
    // Binomial: the standard deviation of the fraction is sqrt(p (1 - p) / n) <= 0.0016.
    EXPECT_NEAR(double(zeros_seen) / kN, p, 0.01);
  }
}

TEST(Dropout, SeededGeneratorReproduces) {
  nn::Dropout m(0.5);
  Generator a(7), b(7);
  m.generator = &a;
  const Tensor y1 = m(ones({64}));
  m.generator = &b;
  EXPECT_EQ(testing::doubles(y1), testing::doubles(m(ones({64}))));
}

TEST(Dropout, EdgeProbabilities) {
  const Tensor x = input_wave({4, 5}).requires_grad_();
  nn::Dropout keep(0.0);
  EXPECT_EQ(testing::doubles(keep(x)), testing::doubles(x));
  nn::Dropout drop(1.0);
  const Tensor y = drop(x);
  EXPECT_EQ(testing::doubles(y), std::vector<double>(20, 0.0));
  y.sum().backward();
  EXPECT_EQ(testing::doubles(x.grad()), std::vector<double>(20, 0.0));
  nn::Dropout2d drop2d(1.0);
  EXPECT_EQ(testing::doubles(drop2d(ones({2, 3, 2, 2}))), std::vector<double>(24, 0.0));
}

TEST(Dropout, BadProbability) {
  expect_error<ValueError>([] { nn::Dropout(-0.1); }, "Dropout: probability has to be between 0 and 1, but got -0.1");
  expect_error<ValueError>([] { nn::Dropout(1.5); }, "1.5");
  expect_error<ValueError>([] { nn::Dropout2d(2.0); }, "Dropout2d");
  expect_error<ValueError>([] { nn::functional::dropout(ones({3}), 1.1); }, "dropout");
  expect_error<ValueError>([] { nn::functional::dropout(ones({3}), -1.0, false); }, "dropout");
}

TEST(Dropout2d, ZeroesWholeChannels) {
  constexpr double kP = 0.5;
  nn::Dropout2d m(kP);
  Generator gen(99);
  m.generator = &gen;
  const Tensor x = ones({100, 100, 2, 3}, kFloat64);
  const std::vector<double> v = testing::doubles(m(x));
  int64_t dropped = 0;
  for (size_t c = 0; c < 10000; ++c) {
    const double first = v[c * 6];
    ASSERT_TRUE(first == 0.0 || std::abs(first - 1.0 / (1.0 - kP)) < 1e-12) << first;
    for (size_t k = 1; k < 6; ++k) ASSERT_EQ(v[c * 6 + k], first) << "channel " << c;
    dropped += first == 0.0;
  }
  EXPECT_NEAR(double(dropped) / 10000, kP, 0.03);
  // [C, H, W]: channels are dim 0.
  const std::vector<double> u = testing::doubles(m(ones({50, 2, 2}, kFloat64)));
  for (size_t c = 0; c < 50; ++c) {
    for (size_t k = 1; k < 4; ++k) ASSERT_EQ(u[c * 4 + k], u[c * 4]);
  }
  m.eval();
  EXPECT_EQ(testing::doubles(m(x)), testing::doubles(x));
  m.train();
  expect_error<ShapeError>([&] { m(ones({4, 5})); }, "dropout2d: expected input [N, C, H, W] or [C, H, W], got [4, 5]");
}

}  // namespace
}  // namespace tessera
