// Parameter initialization: the layers' defaults (PyTorch's kaiming_uniform(a = sqrt(5)) bounds and spread) and
// every torch.nn.init function: bounds, standard deviations, orthogonality, truncation, gains and errors.
#include "tessera/nn/init.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "nn_testing.h"
#include "tessera/nn/conv.h"
#include "tessera/nn/linear.h"

namespace tessera {
namespace {

using testing::expect_error;

struct Stats {
  double mean = 0, std = 0, min = 0, max = 0;
};

Stats stats(const Tensor& t) {
  const std::vector<double> v = testing::doubles(t);
  Stats s;
  for (double x : v) s.mean += x;
  s.mean /= double(v.size());
  for (double x : v) s.std += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(s.std / double(v.size() - 1));
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  return s;
}

// Values within +-bound that fill it (a uniform sample of this size comes within 1% of both ends) with the
// standard deviation of U(-bound, bound), bound / sqrt(3), within 3%.
void expect_uniform(const Tensor& t, double bound) {
  const Stats s = stats(t);
  EXPECT_GE(s.min, -bound);
  EXPECT_LE(s.max, bound);
  EXPECT_LT(s.min, -0.99 * bound);
  EXPECT_GT(s.max, 0.99 * bound);
  EXPECT_NEAR(s.std, bound / std::sqrt(3.0), 0.03 * bound / std::sqrt(3.0));
  EXPECT_NEAR(s.mean, 0.0, 0.05 * bound);
}

void expect_normal(const Tensor& t, double std) {
  const Stats s = stats(t);
  EXPECT_NEAR(s.std, std, 0.03 * std);
  EXPECT_NEAR(s.mean, 0.0, 0.05 * std);
}

TEST(DefaultInit, Linear) {
  nn::Linear m(400, 300);
  // kaiming_uniform(a = sqrt(5)) gives U(-1/sqrt(in), 1/sqrt(in)), std 1/sqrt(3 in).
  expect_uniform(m.weight, 1.0 / std::sqrt(400.0));
  EXPECT_NEAR(stats(m.weight).std, 1.0 / std::sqrt(3.0 * 400), 0.03 / std::sqrt(3.0 * 400));
  const Stats b = stats(m.bias);
  EXPECT_GE(b.min, -0.05);
  EXPECT_LE(b.max, 0.05);
  EXPECT_GT(b.max - b.min, 0.09);  // 300 draws spread over the range
}

TEST(DefaultInit, Conv2d) {
  nn::Conv2d m(16, 32, 3);  // fan_in = 16 * 3 * 3 = 144
  expect_uniform(m.weight, 1.0 / 12.0);
  const Stats b = stats(m.bias);
  EXPECT_GE(b.min, -1.0 / 12.0);
  EXPECT_LE(b.max, 1.0 / 12.0);
  nn::Conv2d grouped(16, 32, 3, {.groups = 4});  // fan_in = 4 * 3 * 3 = 36
  expect_uniform(grouped.weight, 1.0 / 6.0);
}

TEST(DefaultInit, LayersDrawDifferentValuesAndReset) {
  nn::Linear a(20, 20), b(20, 20);
  EXPECT_NE(testing::doubles(a.weight), testing::doubles(b.weight));
  const std::vector<double> before = testing::doubles(a.weight);
  a.reset_parameters();
  EXPECT_NE(testing::doubles(a.weight), before);
  EXPECT_TRUE(a.weight.requires_grad());
  EXPECT_TRUE(a.weight.is_leaf());
}

TEST(Init, FanInAndFanOut) {
  EXPECT_EQ(nn::init::fan_in_and_fan_out(empty({300, 400})), (std::pair<int64_t, int64_t>{400, 300}));
  EXPECT_EQ(nn::init::fan_in_and_fan_out(empty({32, 16, 3, 5})), (std::pair<int64_t, int64_t>{240, 480}));
  expect_error<ValueError>([] { nn::init::fan_in_and_fan_out(empty({5})); }, "at least 2 dims, got [5]");
}

TEST(Init, CalculateGain) {
  using nn::init::calculate_gain;
  EXPECT_EQ(calculate_gain("linear"), 1.0);
  EXPECT_EQ(calculate_gain("conv2d"), 1.0);
  EXPECT_EQ(calculate_gain("conv_transpose2d"), 1.0);
  EXPECT_EQ(calculate_gain("sigmoid"), 1.0);
  EXPECT_DOUBLE_EQ(calculate_gain("tanh"), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(calculate_gain("relu"), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(calculate_gain("leaky_relu"), std::sqrt(2.0 / (1.0 + 0.01 * 0.01)));  // torch's default slope
  EXPECT_DOUBLE_EQ(calculate_gain("leaky_relu", 0.2), std::sqrt(2.0 / 1.04));
  EXPECT_DOUBLE_EQ(calculate_gain("leaky_relu", std::sqrt(5.0)), std::sqrt(1.0 / 3.0));
  EXPECT_DOUBLE_EQ(calculate_gain("selu"), 0.75);
  expect_error<ValueError>([] { calculate_gain("swish"); }, "calculate_gain: unsupported nonlinearity 'swish'");
}

TEST(Init, Constants) {
  Tensor t = empty({2, 3}, kFloat64);
  testing::expect_near(nn::init::constant_(t, 0.3), std::vector<double>(6, 0.3));
  testing::expect_near(nn::init::zeros_(t), std::vector<double>(6, 0.0));
  testing::expect_near(nn::init::ones_(t), std::vector<double>(6, 1.0));
}

TEST(Init, UniformAndNormal) {
  Tensor t = empty({100000}, kFloat64);
  nn::init::uniform_(t, -0.5, 1.5);
  const Stats u = stats(t);
  EXPECT_GE(u.min, -0.5);
  EXPECT_LE(u.max, 1.5);
  EXPECT_NEAR(u.mean, 0.5, 0.01);
  nn::init::normal_(t, 2.0, 0.5);
  EXPECT_NEAR(stats(t).mean, 2.0, 0.01);
  EXPECT_NEAR(stats(t).std, 0.5, 0.01);
}

TEST(Init, InitOfAParameterRecordsNoGradient) {
  nn::Linear m(4, 3);
  nn::init::xavier_uniform_(m.weight);
  EXPECT_TRUE(m.weight.is_leaf());
  EXPECT_EQ(m.weight.grad_fn_name(), "");
}

TEST(Init, XavierUniformBounds) {
  Tensor t = empty({200, 300});
  expect_uniform(nn::init::xavier_uniform_(t), std::sqrt(6.0 / 500.0));
  expect_uniform(nn::init::xavier_uniform_(t, 2.0), 2.0 * std::sqrt(6.0 / 500.0));
  Tensor conv = empty({64, 32, 3, 3});  // fans 288 and 576
  expect_uniform(nn::init::xavier_uniform_(conv), std::sqrt(6.0 / 864.0));
}

TEST(Init, XavierNormalStd) {
  Tensor t = empty({200, 300});
  expect_normal(nn::init::xavier_normal_(t), std::sqrt(2.0 / 500.0));
}

TEST(Init, KaimingNormalStd) {
  Tensor t = empty({500, 200}, kFloat64);  // fan_in 200, fan_out 500
  expect_normal(nn::init::kaiming_normal_(t, 0.0, "fan_in", "relu"), std::sqrt(2.0 / 200.0));
  expect_normal(nn::init::kaiming_normal_(t, 0.0, "fan_out", "relu"), std::sqrt(2.0 / 500.0));
  expect_normal(nn::init::kaiming_normal_(t, 0.2, "fan_in"), std::sqrt(2.0 / 1.04 / 200.0));
  expect_error<ValueError>([&] { nn::init::kaiming_normal_(t, 0.0, "fan_avg"); },
                           "kaiming init: mode must be fan_in or fan_out, got 'fan_avg'");
  Tensor empty_fan = empty({3, 0});
  expect_error<ValueError>([&] { nn::init::kaiming_normal_(empty_fan); }, "zero fan");
}

TEST(Init, KaimingUniformBound) {
  Tensor t = empty({256, 500}, kFloat64);
  expect_uniform(nn::init::kaiming_uniform_(t, 0.0, "fan_in", "relu"), std::sqrt(6.0 / 500.0));
  expect_uniform(nn::init::kaiming_uniform_(t, 0.0, "fan_out", "relu"), std::sqrt(6.0 / 256.0));
}

// W W^T (rows <= cols) or W^T W (otherwise) of t viewed as [size(0), -1] equals gain^2 I.
void expect_orthogonal(const Tensor& t, double gain) {
  const Tensor w = t.reshape({t.size(0), -1}).to(kFloat64);
  const bool wide = w.size(0) <= w.size(1);
  const Tensor gram = wide ? matmul(w, w.t()) : matmul(w.t(), w);
  const int64_t n = gram.size(0);
  testing::expect_near(gram, testing::doubles(eye(n, n, kFloat64) * (gain * gain)), 1e-10, 1e-10);
}

TEST(Init, OrthogonalRowsOrColumns) {
  Tensor wide = empty({3, 5}, kFloat64), tall = empty({5, 3}, kFloat64), square = empty({4, 4}, kFloat64);
  expect_orthogonal(nn::init::orthogonal_(wide), 1.0);
  expect_orthogonal(nn::init::orthogonal_(tall), 1.0);
  expect_orthogonal(nn::init::orthogonal_(square), 1.0);
  // Both products are the identity for a square matrix.
  testing::expect_near(matmul(square.t(), square), testing::doubles(eye(4, 4, kFloat64)), 1e-10, 1e-10);
  Tensor conv = empty({4, 2, 3, 3}, kFloat64);  // rows of [4, 18]
  expect_orthogonal(nn::init::orthogonal_(conv), 1.0);
  Tensor f32 = empty({6, 2});
  nn::init::orthogonal_(f32);
  const Tensor w = f32.to(kFloat64);
  testing::expect_near(matmul(w.t(), w), testing::doubles(eye(2, 2, kFloat64)), 1e-6, 1e-6);
  Tensor vec = empty({4});
  expect_error<ValueError>([&] { nn::init::orthogonal_(vec); }, "orthogonal_");
}

TEST(Init, OrthogonalGainScalesOrthonormalVectors) {
  Tensor wide = empty({3, 5}, kFloat64), tall = empty({5, 3}, kFloat64);
  expect_orthogonal(nn::init::orthogonal_(wide, 2.0), 2.0);
  expect_orthogonal(nn::init::orthogonal_(tall, 0.5), 0.5);
}

TEST(Init, TruncNormalStaysInBounds) {
  Tensor t = empty({20000}, kFloat64);
  nn::init::trunc_normal_(t, 0.0, 1.0, -0.5, 1.0);
  const Stats s = stats(t);
  EXPECT_GE(s.min, -0.5);
  EXPECT_LE(s.max, 1.0);
  EXPECT_LT(s.min, -0.49);
  EXPECT_GT(s.max, 0.99);
  // The mean of N(0, 1) truncated to [a, b] is (phi(a) - phi(b)) / (Phi(b) - Phi(a)).
  auto phi = [](double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI); };
  auto cdf = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  EXPECT_NEAR(s.mean, (phi(-0.5) - phi(1.0)) / (cdf(1.0) - cdf(-0.5)), 0.01);
  // The default [-2, 2] with a wider distribution, in float32.
  Tensor f = empty({5000});
  nn::init::trunc_normal_(f, 0.5, 3.0);
  EXPECT_GE(stats(f).min, -2.0);
  EXPECT_LE(stats(f).max, 2.0);
  expect_error<ValueError>([&] { nn::init::trunc_normal_(f, 0.0, 1.0, 1.0, -1.0); }, "trunc_normal_: expected a < b");
}

TEST(Init, GeneratorMakesItReproducible) {
  Generator g1(42), g2(42);
  Tensor a = empty({10, 10}), b = empty({10, 10});
  nn::init::kaiming_uniform_(a, 0.0, "fan_in", "relu", &g1);
  nn::init::kaiming_uniform_(b, 0.0, "fan_in", "relu", &g2);
  EXPECT_EQ(testing::doubles(a), testing::doubles(b));
  nn::init::orthogonal_(a, 1.0, &g1);
  nn::init::orthogonal_(b, 1.0, &g2);
  EXPECT_EQ(testing::doubles(a), testing::doubles(b));
}

}  // namespace
}  // namespace tessera
