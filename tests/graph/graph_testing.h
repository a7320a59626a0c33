#pragma once
// Small models and comparisons shared by the graph-mode tests.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

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

/// Expects equal shapes and values within rtol of each element's magnitude, or 1e-12.
inline void expect_same(const Tensor& a, const Tensor& b, double rtol = 1e-6) {
  ASSERT_EQ(a.shape(), b.shape());
  expect_close(doubles(a), doubles(b), rtol, 1e-12);
}

/// Expects equal shapes and every element within tol x the largest magnitude of `b` (for float32 results summed
/// in another order, where cancellation leaves small elements with large relative differences).
inline void expect_same_to_scale(const Tensor& a, const Tensor& b, double tol) {
  ASSERT_EQ(a.shape(), b.shape());
  const std::vector<double> x = doubles(a), y = doubles(b);
  double scale = 0, worst = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    scale = std::max(scale, std::abs(y[i]));
    worst = std::max(worst, std::abs(x[i] - y[i]));
  }
  EXPECT_LE(worst, tol * scale) << "largest magnitude " << scale;
}

/// The op names of a graph's nodes, in order.
inline std::vector<std::string> ops_of(const graph::Graph& g) {
  std::vector<std::string> ops;
  for (const auto& n : g.nodes()) ops.push_back(n.def->name);
  return ops;
}

/// The gradient graph of the traced loss cross_entropy(m(x), t): inputs x (dims `x`, float64) and t (int64 [N]);
/// outputs the loss, then the gradients of the named parameters `wrt` (every parameter when empty).
inline Function cross_entropy_gradients(nn::Module& m, std::vector<Dim> x, std::vector<std::string> wrt = {}) {
  auto f = [&](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{nn::cross_entropy(m.forward(in[0]), in[1])};
  };
  Function fwd = graph::trace(f, {{"x", std::move(x), kFloat64}, {"t", {Dim("N")}, kInt64}},
                              {.capture_names = nn::capture_names(m), .output_names = {"loss"}});
  if (wrt.empty()) {
    for (const auto& [name, p] : m.named_parameters()) wrt.push_back(name);
  }
  return graph::gradients(fwd, "loss", wrt);
}

}  // namespace tessera::testing
