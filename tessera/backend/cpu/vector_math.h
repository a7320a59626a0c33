#pragma once
// Transcendental functions for float32 that GCC vectorizes: branch-free polynomial approximations (Cephes'
// coefficients, S. L. Moshier, "Methods and Programs for Mathematical Functions", 1989) built from +, *, selects
// and bit casts only, so a loop calling them inlines into AVX2/AVX-512 code. glibc's expf/logf/tanhf are
// scalar calls and were 1.7x slower than libtorch's vectorized (SLEEF) exp (docs/performance.md).
//
// Accuracy over the whole float range (tests/ops/vector_math_test.cpp checks it against double precision):
// exp, log: at most 2 ulp; tanh, sigmoid: at most 4 ulp. inf, -inf, nan, zeros and subnormal inputs and results
// behave as std::exp/log/tanh do. float64 keeps the C library (math_of<double> below).
#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>

namespace tessera::cpu {

namespace vmath_detail {
/// Round to nearest integer, as a float (valid for |v| < 2^22): adding 1.5 * 2^23 drops the fraction.
inline float round_small(float v) {
  constexpr float kMagic = 12582912.0f;
  return (v + kMagic) - kMagic;
}
/// 2^n for an integer n in [-126, 127], built from its exponent bits.
inline float pow2i(int32_t n) { return std::bit_cast<float>(static_cast<int32_t>((n + 127) << 23)); }
}  // namespace vmath_detail

/// e^x in float32 (at most 2 ulp). Overflows to inf above 88.72, underflows through subnormals to 0.
inline float exp_f32(float x) {
  using namespace vmath_detail;
  // x = n ln2 + r with |r| <= ln2 / 2; ln2 split in two so n * ln2_hi is exact.
  const float xc = x < -104.0f ? -104.0f : x > 89.0f ? 89.0f : x;
  const float n = round_small(xc * 1.44269504088896341f);
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  // 2^n in two factors so that n in [-150, 129] never leaves the normal exponent range of each.
  const int32_t ni = static_cast<int32_t>(n);
  const int32_t n1 = ni >> 1;
  const float y = p * pow2i(n1) * pow2i(ni - n1);
  return x != x ? x : y;
}

/// ln(x) in float32 (at most 2 ulp); log(0) = -inf, log(x < 0) = nan, log(inf) = inf.
inline float log_f32(float x) {
  using namespace vmath_detail;
  constexpr float kMinNormal = 1.17549435e-38f;
  const bool subnormal = x < kMinNormal;
  const float xs = subnormal ? x * 8388608.0f : x;  // 2^23 brings subnormals into the normal range
  const int32_t bits = std::bit_cast<int32_t>(xs);
  // x = m 2^e with m in [0.5, 1), then m moved into [sqrt(1/2), sqrt(2)) so the polynomial's argument is small.
  const int32_t e = ((bits >> 23) & 0xff) - 126 - (subnormal ? 23 : 0);
  const float m = std::bit_cast<float>(static_cast<int32_t>((bits & 0x007fffff) | 0x3f000000));
  const bool low = m < 0.707106781186547524f;
  const float ef = static_cast<float>(e) - (low ? 1.0f : 0.0f);
  const float z = low ? m + m - 1.0f : m - 1.0f;
  const float z2 = z * z;
  float p = 7.0376836292e-2f;
  p = p * z - 1.1514610310e-1f;
  p = p * z + 1.1676998740e-1f;
  p = p * z - 1.2420140846e-1f;
  p = p * z + 1.4249322787e-1f;
  p = p * z - 1.6668057665e-1f;
  p = p * z + 2.0000714765e-1f;
  p = p * z - 2.4999993993e-1f;
  p = p * z + 3.3333331174e-1f;
  float y = p * z * z2;
  y = y + ef * -2.12194440e-4f;
  y = y - 0.5f * z2;
  y = z + y + ef * 0.693359375f;
  constexpr float kInf = __builtin_inff();
  y = x == kInf ? kInf : y;
  y = x == 0.0f ? -kInf : y;
  return x < 0.0f || x != x ? __builtin_nanf("") : y;
}

/// tanh(x) in float32 (at most 4 ulp): an odd polynomial for |x| < 0.625, 1 - 2 / (e^{2|x|} + 1) beyond.
inline float tanh_f32(float x) {
  const float ax = std::fabs(x);
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * ax + ax;
  const float big = 1.0f - 2.0f / (exp_f32(ax + ax) + 1.0f);
  return std::copysign(ax < 0.625f ? small : big, x);  // odd, -0 included
}

/// The logistic function 1 / (1 + e^{-x}) in float32 (at most 4 ulp), from e = e^{-|x|} so that nothing
/// overflows: 1 / (1 + e) for x >= 0, e / (1 + e) below.
inline float sigmoid_f32(float x) {
  const float e = exp_f32(-std::fabs(x));
  const float s = 1.0f / (1.0f + e);
  return x >= 0.0f ? s : e * s;
}

/// The math functions of compute type T: the vectorizable float32 versions above, the C library for double.
template <class T>
struct math_of {
  static T exp(T x) { return std::exp(x); }
  static T log(T x) { return std::log(x); }
  static T tanh(T x) { return std::tanh(x); }
  static T sigmoid(T x) { return T(1) / (T(1) + std::exp(-x)); }
};
template <>
struct math_of<float> {
  static float exp(float x) { return exp_f32(x); }
  static float log(float x) { return log_f32(x); }
  static float tanh(float x) { return tanh_f32(x); }
  static float sigmoid(float x) { return sigmoid_f32(x); }
};

}  // namespace tessera::cpu
