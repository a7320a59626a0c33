// The vectorizable float32 exp/log/tanh/sigmoid (backend/cpu/vector_math.h) against double-precision references
// over a sweep of every 4099th float bit pattern (all signs, exponents and subnormals), their special values,
// and the ops that use them.
#include "tessera/backend/cpu/vector_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "tessera/ops/softmax.h"
#include "tessera/ops/unary.h"
#include "testing.h"

namespace tessera::cpu {
namespace {
using testing::expect_near;

constexpr float kInf = std::numeric_limits<float>::infinity();

// |got - ref| in units of the last place of ref rounded to float; exact matches of inf/nan/0 count as 0.
double ulp_error(float got, double ref) {
  if (std::isnan(ref)) return std::isnan(got) ? 0 : 1e9;
  const float r = static_cast<float>(ref);
  if (std::isinf(r)) return got == r ? 0 : 1e9;
  const float a = std::fabs(r);
  const double ulp = static_cast<double>(std::nextafter(a, kInf)) - a;
  return std::fabs(static_cast<double>(got) - ref) / ulp;
}

template <class F, class R>
double max_ulp_error(const F& f, const R& ref) {
  double worst = 0;
  for (uint64_t bits = 0; bits < (uint64_t{1} << 32); bits += 4099) {
    const auto u = static_cast<uint32_t>(bits);
    float x;
    std::memcpy(&x, &u, sizeof x);
    worst = std::max(worst, ulp_error(f(x), ref(static_cast<double>(x))));
  }
  return worst;
}

TEST(VectorMath, ExpWithinTwoUlp) {
  EXPECT_LE(max_ulp_error(exp_f32, [](double x) { return std::exp(x); }), 2.0);
  EXPECT_EQ(exp_f32(0.0f), 1.0f);
  EXPECT_EQ(exp_f32(kInf), kInf);
  EXPECT_EQ(exp_f32(-kInf), 0.0f);
  EXPECT_EQ(exp_f32(89.0f), kInf);  // e^89 > FLT_MAX
  EXPECT_TRUE(std::isnan(exp_f32(std::nanf(""))));
  EXPECT_GT(exp_f32(-100.0f), 0.0f);  // a subnormal (3.7e-44), not flushed to zero
  EXPECT_NEAR(exp_f32(-100.0f), 3.72e-44f, 1.5e-45f);
}

TEST(VectorMath, LogWithinTwoUlp) {
  EXPECT_LE(max_ulp_error(log_f32, [](double x) { return std::log(x); }), 2.0);
  EXPECT_EQ(log_f32(1.0f), 0.0f);
  EXPECT_EQ(log_f32(0.0f), -kInf);
  EXPECT_EQ(log_f32(-0.0f), -kInf);
  EXPECT_EQ(log_f32(kInf), kInf);
  EXPECT_TRUE(std::isnan(log_f32(-1.0f)));
  EXPECT_TRUE(std::isnan(log_f32(-kInf)));
  EXPECT_TRUE(std::isnan(log_f32(std::nanf(""))));
  EXPECT_NEAR(log_f32(1e-45f), -103.27893f, 1e-4f);  // the smallest subnormal
}

TEST(VectorMath, TanhAndSigmoidWithinFourUlp) {
  EXPECT_LE(max_ulp_error(tanh_f32, [](double x) { return std::tanh(x); }), 4.0);
  EXPECT_LE(max_ulp_error(sigmoid_f32, [](double x) { return 1 / (1 + std::exp(-x)); }), 4.0);
  EXPECT_EQ(tanh_f32(kInf), 1.0f);
  EXPECT_EQ(tanh_f32(-kInf), -1.0f);
  EXPECT_TRUE(std::signbit(tanh_f32(-0.0f)));
  EXPECT_TRUE(std::isnan(tanh_f32(std::nanf(""))));
  EXPECT_EQ(sigmoid_f32(kInf), 1.0f);
  EXPECT_EQ(sigmoid_f32(-kInf), 0.0f);
  EXPECT_GT(sigmoid_f32(-100.0f), 0.0f);  // e^-100 / (1 + e^-100): no overflow to 1 / inf
  EXPECT_TRUE(std::isnan(sigmoid_f32(std::nanf(""))));
}

// The ops run the same functions through the vectorized loops: spot values from torch 1.13 (float32).
TEST(VectorMath, OpsUseThem) {
  const Tensor x = tensor({-20.0f, -3.5f, -0.25f, 0.0f, 0.5f, 2.0f, 15.0f, 88.0f});
  expect_near(exp(x), {2.06115369216775e-09, 0.03019738383591175, 0.7788007855415344, 1.0, 1.6487212181091309,
                       7.389056205749512, 3269017.5, 1.6516362661361307e+38});
  expect_near(tanh(x), {-1.0, -0.9981778860092163, -0.24491865932941437, 0.0, 0.46211716532707214, 0.9640275835990906,
                        1.0, 1.0});
  expect_near(sigmoid(x), {2.06115369216775e-09, 0.02931223064661026, 0.43782350420951843, 0.5, 0.622459352016449,
                           0.8807970285415649, 0.9999996423721313, 1.0});
  expect_near(log(tensor({1e-30f, 0.1f, 1.0f, 2.0f, 1e30f})),
              {-69.07755279541016, -2.3025851249694824, 0.0, 0.6931471824645996, 69.07755279541016});
  expect_near(log_softmax(tensor({{1.0f, 2.0f, 3.0f}}), 1),
              {-2.4076058864593506, -1.4076058864593506, -0.40760594606399536});
}

}  // namespace
}  // namespace tessera::cpu
