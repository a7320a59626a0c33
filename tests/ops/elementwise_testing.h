#pragma once
// Helpers shared by the elementwise op tests (unary, binary, compare).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tessera/backend/cpu/copy.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/core/tensor.h"
#include "tessera/ops/creation.h"

namespace tessera::testing {

/// The values of `t` in row-major order (any layout), in its own element type.
template <class T>
std::vector<T> values(const Tensor& t) {
  Tensor c = cpu::as_contiguous(t);
  const T* p = c.data_ptr<const T>();
  return std::vector<T>(p, p + c.numel());
}

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

/// Expects every value of `t` within `rtol` (relative) or `atol` of `expected`; NaNs must match NaNs.
inline void expect_near(const Tensor& t, const std::vector<double>& expected, double rtol = 1e-6, double atol = 1e-7) {
  std::vector<double> got = doubles(t);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "at " << i << ": " << got[i];
    } else if (std::isinf(expected[i])) {
      EXPECT_EQ(got[i], expected[i]) << "at " << i;
    } else {
      EXPECT_NEAR(got[i], expected[i], atol + rtol * std::abs(expected[i])) << "at " << i;
    }
  }
}

/// A tensor of `dtype` holding `v` (converted), 1-d or with the given `shape`.
inline Tensor make(const std::vector<double>& v, DType dtype = kFloat32, const Shape& shape = {}) {
  return from_vector(v, shape.empty() ? Shape{static_cast<int64_t>(v.size())} : shape, dtype);
}

/// A view of `t` with the given shape and element strides (transposes, slices, broadcasts without shape ops).
inline Tensor strided_view(const Tensor& t, Shape shape, Strides strides, int64_t offset = 0) {
  return make_view(t, std::move(shape), std::move(strides), t.storage_offset() + offset);
}

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

}  // namespace tessera::testing
