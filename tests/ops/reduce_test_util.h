#pragma once
// Helpers shared by the reduction and scan/sort tests. They build inputs with core only (empty + memcpy,
// make_view), so these tests do not depend on the creation or shape ops.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tessera/backend/cpu/copy.h"
#include "tessera/core/tensor.h"

namespace tessera::test {

/// A contiguous tensor of `shape` holding `v` (numel(shape) values).
template <class T>
Tensor make(const std::vector<T>& v, Shape shape) {
  EXPECT_EQ(static_cast<int64_t>(v.size()), numel(shape));
  Tensor t = empty(std::move(shape), dtype_of_v<T>);
  for (size_t i = 0; i < v.size(); ++i) t.data_ptr<T>()[i] = v[i];  // (std::vector<bool> has no data())
  return t;
}
inline Tensor make_bools(const std::vector<bool>& v) { return make(v, {static_cast<int64_t>(v.size())}); }
/// A 1-d tensor of n copies of `value`.
template <class T>
Tensor filled(int64_t n, T value) {
  return make(std::vector<T>(n, value), {n});
}

/// `t` with dims d0 and d1 swapped (a non-contiguous view).
inline Tensor transposed(const Tensor& t, int64_t d0, int64_t d1) {
  Shape s = t.shape();
  Strides st = t.strides();
  std::swap(s[d0], s[d1]);
  std::swap(st[d0], st[d1]);
  return make_view(t, s, st, t.storage_offset());
}

/// The values of `t` in row-major order (any layout).
template <class T>
std::vector<T> values(const Tensor& t) {
  Tensor c = cpu::as_contiguous(t);
  const T* p = c.data_ptr<const T>();
  return std::vector<T>(p, p + c.numel());
}
template <>
inline std::vector<bool> values<bool>(const Tensor& t) {
  Tensor c = cpu::as_contiguous(t);
  const bool* p = c.data_ptr<const bool>();
  return std::vector<bool>(p, p + c.numel());
}

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

/// Expects `f` to throw E with a message containing `part`.
template <class E, class F>
void expect_error(F&& f, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "expected an exception containing \"" << part << "\"";
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

}  // namespace tessera::test
