#pragma once
// Shared by the op tests that compare against PyTorch (conv, pool, softmax): inputs built from formulas that
// tests/ops/make_nn_op_reference.py uses too, so only the outputs are pasted into the tests.
#include <cmath>
#include <vector>

#include "testing.h"

namespace tessera::testing::reference {

// Tolerances (relative and absolute) against the float64 reference.
constexpr double kTol64 = 1e-10, kTol32 = 1e-5;
inline double tol(DType dt) { return dt == kFloat64 ? kTol64 : kTol32; }

/// t.flat[i] = f(i), computed in double and converted to `dtype`.
template <class F>
Tensor wave(const Shape& shape, DType dtype, F f) {
  std::vector<double> v(static_cast<size_t>(numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = f(static_cast<double>(i));
  return make(v, dtype, shape);
}

/// The upstream gradient g.flat[i] = sin(0.11 i).
inline Tensor upstream(const Shape& s) {
  return wave(s, kFloat64, [](double i) { return std::sin(0.11 * i); });
}

/// Shape, dtype and values (at the dtype's tolerance) of a result.
inline void expect_values(const Tensor& t, const Shape& shape, const std::vector<double>& expected, DType dt) {
  EXPECT_EQ(t.shape(), shape);
  EXPECT_EQ(t.dtype(), dt);
  expect_near(t, expected, tol(dt), tol(dt));
}

}  // namespace tessera::testing::reference
