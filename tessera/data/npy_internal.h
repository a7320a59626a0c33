#pragma once
// Shared by npy.cpp and npz.cpp (not a public header): NPY parsing from any byte source, so an NPZ member
// inflated into memory is read by the same code as an NPY file read by offset.
#include <cstdint>
#include <functional>
#include <string>

#include "tessera/core/tensor.h"

namespace tessera::data {

/// The bytes of one NPY array: `who` prefixes every message ("load_npy: 'a.npy'"), `size` is the length, and
/// `read(offset, dst, n)` copies n bytes at offset (always within size).
struct ByteSource {
  std::string who;
  int64_t size = 0;
  std::function<void(int64_t, void*, int64_t)> read;
};

/// The array in `src` (Note [NPY layout]); errors as load_npy's, prefixed with src.who.
Tensor parse_npy(const ByteSource& src);

}  // namespace tessera::data
