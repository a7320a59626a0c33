#pragma once
// Helpers shared by the test executables: reading a tensor's values, building inputs and views, comparing
// values with tolerances, checking error messages, and float64 leaves for the gradient tests.
#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tessera/autograd/engine.h"
#include "tessera/backend/cpu/copy.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/tessera.h"

namespace tessera::testing {

// ---- Reading values --------------------------------------------------------------------------------------------

/// The values of `t` in row-major order (any layout), in its own element type T.
template <class T>
std::vector<T> values(const Tensor& t) {
  Tensor c = cpu::as_contiguous(t);
  const T* p = c.data_ptr<const T>();
  return std::vector<T>(p, p + c.numel());
}
inline std::vector<int64_t> ivalues(const Tensor& t) { return values<int64_t>(t); }

/// The values of `t` (any dtype, any layout) as doubles.
inline std::vector<double> doubles(const Tensor& t) {
  Tensor c = cpu::as_contiguous(t);
  return visit_dtype(c.dtype(), [&]<class T>() {
    const T* p = c.data_ptr<const T>();
    std::vector<double> v;
    for (int64_t i = 0; i < c.numel(); ++i) {
      if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
        v.push_back(static_cast<float>(p[i]));
      } else {
        v.push_back(static_cast<double>(p[i]));
      }
    }
    return v;
  });
}

// ---- Building inputs -------------------------------------------------------------------------------------------

/// A tensor of `dtype` holding `v` (converted), 1-d or with the given `shape`.
inline Tensor make(const std::vector<double>& v, DType dtype = kFloat32, const Shape& shape = {}) {
  return from_vector(v, shape.empty() ? Shape{static_cast<int64_t>(v.size())} : shape, dtype);
}

/// A contiguous tensor of `shape` holding `v` (numel(shape) values), built with core only (empty + stores), so
/// tests using it do not depend on the creation ops.
template <class T>
Tensor make(const std::vector<T>& v, Shape shape) {
  EXPECT_EQ(static_cast<int64_t>(v.size()), numel(shape));
  Tensor t = empty(std::move(shape), dtype_of_v<T>);
  for (size_t i = 0; i < v.size(); ++i) t.data_ptr<T>()[i] = v[i];  // (std::vector<bool> has no data())
  return t;
}

/// A view of `t` with the given shape and element strides (transposes, slices, broadcasts without shape ops).
inline Tensor strided_view(const Tensor& t, Shape shape, Strides strides, int64_t offset = 0) {
  return make_view(t, std::move(shape), std::move(strides), t.storage_offset() + offset);
}

/// `t` with dims d0 and d1 swapped (a non-contiguous view built without the shape ops).
inline Tensor transposed(const Tensor& t, int64_t d0 = 0, int64_t d1 = 1) {
  Shape s = t.shape();
  Strides st = t.strides();
  std::swap(s[d0], s[d1]);
  std::swap(st[d0], st[d1]);
  return make_view(t, s, st, t.storage_offset());
}

// ---- Comparing values ------------------------------------------------------------------------------------------

/// Elementwise |a - b| <= atol + rtol * |b|, with NaN matching NaN and infinities matching exactly.
template <class A, class B>
void expect_close(const std::vector<A>& a, const std::vector<B>& b, double rtol = 1e-6, double atol = 1e-5) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    double x = static_cast<double>(a[i]), y = static_cast<double>(b[i]);
    if (std::isnan(y)) {
      EXPECT_TRUE(std::isnan(x)) << "at " << i << ": " << x << " vs NaN";
    } else if (std::isinf(y)) {
      EXPECT_EQ(x, y) << "at " << i;
    } else {
      EXPECT_NEAR(x, y, atol + rtol * std::abs(y)) << "at " << i;
    }
  }
}
template <class A>
void expect_close(const std::vector<A>& a, std::initializer_list<double> b, double rtol = 1e-6, double atol = 1e-5) {
  expect_close(a, std::vector<double>(b), rtol, atol);
}

/// Expects every value of `t` within `rtol` (relative) or `atol` of `expected`; NaNs must match NaNs.
inline void expect_near(const Tensor& t, const std::vector<double>& expected, double rtol = 1e-6, double atol = 1e-7) {
  expect_close(doubles(t), expected, rtol, atol);
}

// ---- Errors ----------------------------------------------------------------------------------------------------

/// Expects `f` to throw E whose message contains every one of `parts`.
template <class E, class F>
void expect_error(F&& f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "expected an exception";
  } catch (const E& e) {
    for (const std::string& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}
/// Expects `f` to throw E whose message contains `part`.
template <class E, class F>
void expect_error(F&& f, const std::string& part) {
  expect_error<E>(std::forward<F>(f), {part});
}

/// The message of the Error `f` throws ("" if it throws none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// ---- Gradients -------------------------------------------------------------------------------------------------

/// A float64 leaf holding `v` that requires grad.
inline Tensor leaf(std::initializer_list<double> v) { return tensor(v, kFloat64).requires_grad_(); }
/// A float64 leaf of `shape` holding `v` that requires grad.
inline Tensor leaf(const std::vector<double>& v, Shape shape) {
  return from_vector(v, std::move(shape)).requires_grad_();
}
/// A float64 leaf 0, 1, ..., n-1 of `shape` that requires grad.
inline Tensor arange_leaf(Shape shape) {
  return arange(numel(shape), kFloat64).reshape(std::move(shape)).detach().requires_grad_();
}

/// d/dx sum(y * w): the vector-Jacobian product with weights w (ones if omitted).
inline Tensor vjp(const Tensor& y, const Tensor& x, const Tensor& w) { return grad({y}, {x}, {w})[0]; }
inline Tensor vjp(const Tensor& y, const Tensor& x) { return vjp(y, x, ones_like(y)); }

}  // namespace tessera::testing
