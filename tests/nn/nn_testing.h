#pragma once
// Helpers for the nn tests: the input, parameter and upstream-gradient formulas that tests/nn/make_reference.py
// also uses, and running a layer against a PyTorch reference (output, input gradient, parameter gradients).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tessera/autograd/grad_mode.h"
#include "tessera/nn/module.h"
#include "testing.h"

namespace tessera::testing {

/// Tolerance (relative and absolute) against PyTorch's float64 values.
inline constexpr double kNnTol = 1e-9;

/// One reference case written by make_reference.py: the output's shape and the tensors it records (output,
/// input gradient, parameter gradients in named_parameters() order, unless the test says otherwise).
struct NnReference {
  const char* name;
  Shape out;
  std::vector<std::vector<double>> values;
};

/// The case named `name` in `table` (a test failure and an empty case when absent).
inline const NnReference& find_reference(const std::vector<NnReference>& table, const std::string& name) {
  for (const NnReference& r : table) {
    if (name == r.name) return r;
  }
  ADD_FAILURE() << "no reference case named " << name;
  static const NnReference none{"", {}, {}};
  return none;
}

/// A float64 tensor with t.flat[i] = scale * f(a i + b).
template <class F>
Tensor wave(const Shape& shape, double a, double b, double scale, F f) {
  std::vector<double> v(static_cast<size_t>(numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = scale * f(a * static_cast<double>(i) + b);
  return make(v, kFloat64, shape);
}
inline double sine(double t) { return std::sin(t); }
inline double cosine(double t) { return std::cos(t); }

/// The input x.flat[i] = scale sin(0.37 i + 0.1 + phase).
inline Tensor input_wave(const Shape& shape, double scale = 1.0, double phase = 0.0) {
  return wave(shape, 0.37, 0.1 + phase, scale, sine);
}
/// The k-th parameter p.flat[i] = 0.5 sin(0.3 i + 0.2 + k).
inline Tensor param_wave(const Shape& shape, int k) { return wave(shape, 0.3, 0.2 + k, 0.5, sine); }
/// The upstream gradient g.flat[i] = cos(0.11 i + 0.05).
inline Tensor grad_wave(const Shape& shape) { return wave(shape, 0.11, 0.05, 1.0, cosine); }
/// Loss targets t.flat[i] = cos(0.53 i + 0.3).
inline Tensor target_wave(const Shape& shape) { return wave(shape, 0.53, 0.3, 1.0, cosine); }

/// Sets the k-th parameter of `m` to param_wave (in place: the layer's members see the values).
inline void fill_parameters(nn::Module& m) {
  NoGradGuard no_grad;
  int k = 0;
  for (const auto& [name, p] : m.named_parameters()) p.detach().copy_(param_wave(p.shape(), k++));
}

/// The output, input gradient and parameter gradients of sum(m(x) * g), with the gradients cleared afterwards.
inline std::vector<Tensor> run_step(nn::Module& m, const Tensor& x_value) {
  const Tensor x = x_value.detach().clone().requires_grad_();
  const Tensor y = m(x);
  y.backward(grad_wave(y.shape()));
  std::vector<Tensor> out{y.detach(), x.grad()};
  for (const Tensor& p : m.parameters()) out.push_back(p.grad());
  m.zero_grad();
  return out;
}

/// Expects `got[i]` to hold `ref.values[first + i]` (the output's shape is checked when first is 0).
inline void expect_reference(const std::vector<Tensor>& got, const NnReference& ref, size_t first = 0) {
  ASSERT_LE(first + got.size(), ref.values.size()) << ref.name;
  if (first == 0 && !got.empty()) {
    EXPECT_EQ(got[0].shape(), ref.out) << ref.name;
  }
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(std::string(ref.name) + ", tensor " + std::to_string(first + i));
    ASSERT_TRUE(got[i].defined());
    expect_near(got[i], ref.values[first + i], kNnTol, kNnTol);
  }
}

/// Fills m's parameters, runs one step on x and compares everything with the reference.
inline void expect_layer(nn::Module& m, const Tensor& x, const NnReference& ref) {
  fill_parameters(m);
  const std::vector<Tensor> got = run_step(m, x);
  EXPECT_EQ(got.size(), ref.values.size()) << ref.name;
  expect_reference(got, ref);
}

}  // namespace tessera::testing
