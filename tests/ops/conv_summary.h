#pragma once
// Shared by the conv2d and conv3d algorithm tests (conv_dnnl_test.cpp, conv3d_dnnl_test.cpp): the inputs of
// make_conv_dnnl_reference.py, the summaries it prints of outputs too large to paste whole, and the algorithms a test
// forces in turn.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ops/reference_testing.h"
#include "tessera/backend/cpu/conv_algorithm.h"
#include "testing.h"

namespace tessera::testing::conv {

using cpu::ConvAlgorithm;
using AlgorithmScope = cpu::ConvAlgorithmScope;

/// x.flat[i] = sin(0.37 i + 0.1)
inline Tensor input(const Shape& s, DType dt) {
  return reference::wave(s, dt, [](double i) { return std::sin(0.37 * i + 0.1); });
}
/// w.flat[i] = 0.5 cos(0.53 i)
inline Tensor weight(const Shape& s, DType dt) {
  return reference::wave(s, dt, [](double i) { return 0.5 * std::cos(0.53 * i); });
}

/// 12 samples at flat indices k (n - 1) / 11 and the probe sum(t.flat[i] cos(0.71 i)).
struct Summary {
  std::vector<double> samples;
  double probe;
};

/// Float32 sums over up to a few thousand products: relative 1e-5 of the largest terms.
constexpr double kTol = 2e-5;

/// A float32 tensor of the given shape whose summary matches s.
inline void expect_summary(const Tensor& t, const Shape& shape, const Summary& s) {
  ASSERT_EQ(t.shape(), shape);
  ASSERT_EQ(t.dtype(), kFloat32);
  const std::vector<double> v = doubles(t.contiguous());
  const size_t n = v.size();
  double probe = 0, scale = 0;
  for (size_t i = 0; i < n; ++i) {
    probe += v[i] * std::cos(0.71 * static_cast<double>(i));
    scale += std::abs(v[i]);
  }
  for (size_t k = 0; k < 12; ++k) EXPECT_NEAR(v[k * (n - 1) / 11], s.samples[k], kTol * (1 + std::abs(s.samples[k])));
  EXPECT_NEAR(probe, s.probe, kTol * (1 + scale));
}

inline const char* name(ConvAlgorithm a) {
  switch (a) {
    case ConvAlgorithm::kAuto:
      return "auto";
    case ConvAlgorithm::kIm2col:
      return "im2col";
    case ConvAlgorithm::kDnnlPlain:
      return "dnnl plain";
    case ConvAlgorithm::kDnnlBlocked:
      return "dnnl blocked";
    case ConvAlgorithm::kWinograd:
      return "winograd";
  }
  return "";
}

/// Every algorithm. Where one has no implementation for a shape (Winograd: only 3x3 and 5x5 with stride 1), the
/// im2col path runs instead.
constexpr ConvAlgorithm kAlgorithms[] = {ConvAlgorithm::kAuto, ConvAlgorithm::kIm2col, ConvAlgorithm::kDnnlPlain,
                                         ConvAlgorithm::kDnnlBlocked, ConvAlgorithm::kWinograd};

}  // namespace tessera::testing::conv
