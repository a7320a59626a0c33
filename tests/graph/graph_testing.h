#pragma once
// Small models and comparisons shared by the graph-mode tests.
#include "testing.h"

namespace tessera::testing {

using graph::Dim;
using graph::Function;
using graph::InputSpec;

/// Deterministic float64 values: t.flat[i] = scale * sin(0.37 i + phase).
inline Tensor wave(Shape shape, double phase = 0.1, double scale = 1.0, DType dtype = kFloat64) {
  const int64_t n = numel(shape);
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = scale * std::sin(0.37 * double(i) + phase);
  return make(v, dtype, shape);
}

/// A 784-32-10 MLP on [N, 1, 28, 28] images (flattened inside), float64, eval mode.
inline nn::ModulePtr small_mlp() {
  manual_seed(7);
  auto m = nn::make<nn::Sequential>(std::vector<nn::ModulePtr>{nn::make<nn::Flatten>(), nn::make<nn::Linear>(784, 32),
                                                               nn::make<nn::ReLU>(), nn::make<nn::Linear>(32, 10)});
  m->to(kFloat64);
  m->eval();
  return m;
}

/// conv(1->4, 3x3, pad 1) - relu - maxpool 2 - conv(4->6, 3x3) - relu - flatten - linear(6*5*5 -> 10) on
/// [N, 1, 14, 14], float64, eval mode.
inline nn::ModulePtr small_cnn() {
  manual_seed(11);
  nn::Conv2dOptions pad1;
  pad1.padding = {1, 1};
  auto m = nn::make<nn::Sequential>(
      std::vector<nn::ModulePtr>{nn::make<nn::Conv2d>(1, 4, 3, pad1), nn::make<nn::ReLU>(), nn::make<nn::MaxPool2d>(2),
                                 nn::make<nn::Conv2d>(4, 6, 3), nn::make<nn::ReLU>(), nn::make<nn::Flatten>(),
                                 nn::make<nn::Linear>(6 * 5 * 5, 10)});
  m->to(kFloat64);
  m->eval();
  return m;
}

/// Expects equal shapes and values within rtol (relative to the largest magnitude) or 1e-12.
inline void expect_same(const Tensor& a, const Tensor& b, double rtol = 1e-6) {
  ASSERT_EQ(a.shape(), b.shape());
  expect_close(doubles(a), doubles(b), rtol, 1e-12);
}

}  // namespace tessera::testing
