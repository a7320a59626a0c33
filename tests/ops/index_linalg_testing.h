#pragma once
// Helpers shared by the index and linalg op tests.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tessera/backend/cpu/copy.h"
#include "tessera/core/tensor.h"

namespace tessera::testing {

/// The values of `t` in row-major order (any layout).
template <class T>
std::vector<T> values(const Tensor& t) {
  Tensor c = cpu::as_contiguous(t);
  const T* p = c.data_ptr<const T>();
  return std::vector<T>(p, p + c.numel());
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
