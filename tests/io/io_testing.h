#pragma once
// Helpers for the io tests: bit-level tensor comparison and raw safetensors files. Temporary directories and
// byte files come from the data tests' helpers.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "data/data_testing.h"
#include "tessera/core/state_dict.h"
#include "testing.h"

namespace tessera::testing {

/// The bytes of `t`'s elements in row-major order (any layout).
inline std::string tensor_bytes(const Tensor& t) {
  const Tensor c = cpu::as_contiguous(t);
  return std::string(static_cast<const char*>(c.raw_data()), static_cast<size_t>(c.numel()) * c.element_size());
}

/// Expects `a` and `b` to have the same dtype, shape and bits (NaN payloads and -0.0 included).
inline void expect_bit_equal(const Tensor& a, const Tensor& b, const std::string& what = "") {
  ASSERT_TRUE(a.defined() && b.defined()) << what;
  EXPECT_EQ(a.dtype(), b.dtype()) << what;
  EXPECT_EQ(a.shape(), b.shape()) << what;
  EXPECT_EQ(tensor_bytes(a), tensor_bytes(b)) << what;
}

/// Expects two state dicts to hold the same names in the same order with bit-equal tensors.
inline void expect_bit_equal(const StateDict& a, const StateDict& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a.items()[i].first, b.items()[i].first);
    expect_bit_equal(a.items()[i].second, b.items()[i].second, a.items()[i].first);
  }
}

/// A safetensors file from its raw parts: the 8-byte little-endian length of `header`, `header`, then `data`.
inline std::string safetensors_bytes(const std::string& header, const std::string& data = "") {
  std::string out(8, '\0');
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(n >> (8 * i));
  return out + header + data;
}

inline void write_string(const std::string& path, const std::string& bytes) {
  write_bytes(path, Bytes(bytes.begin(), bytes.end()));
}
inline std::string read_string(const std::string& path) {
  const Bytes b = read_bytes(path);
  return std::string(b.begin(), b.end());
}

}  // namespace tessera::testing
