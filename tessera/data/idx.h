#pragma once
// IDX files: the array format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/).
//
// Layout: two zero bytes, a type code, the number of dims n; then n big-endian int32 sizes; then the elements
// in row-major order, big-endian. Type codes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
// 0x0E float64. The datasets ship gzip-compressed (`train-images-idx3-ubyte.gz`), so the reader accepts both.
#include <string>

#include "tessera/core/tensor.h"

namespace tessera::data {

/// Reads the IDX file at `path`, raw or gzip-compressed (recognised by its 1f 8b magic).
/// Returns a contiguous tensor with the file's shape (0 dims = one element, shape []) and the matching dtype:
/// uint8 -> uint8, int32 -> int32, float32 -> float32, float64 -> float64; int8 and int16, which Tessera has
/// no dtype for, widen to int32. Writes nothing.
/// Throws IOError naming the file when it is missing or unreadable, and naming the file and the byte offset
/// (into the decompressed stream) when it is corrupt: a magic other than 00 00 (offset 0), an unknown type code
/// (offset 2), a negative size, data that ends early ("truncated at offset N, expected M bytes", M = the whole
/// file's length by its header), bytes after the last element ("trailing data at offset M"), or a bad gzip
/// stream.
Tensor read_idx(const std::string& path);

/// Writes `t` to `path` as a raw (uncompressed) IDX file, atomically: the bytes go to a temporary file in the
/// same directory, which is renamed over `path` only once complete, so readers never see half a file.
/// Any layout (non-contiguous tensors are written in row-major order). Dtypes: uint8, int32, float32, float64
/// (DTypeError for others: IDX has no bool, int64 or 16-bit float type; convert first). ValueError for more
/// than 255 dims or a size above 2^31 - 1. IOError naming the file when it cannot be written.
void write_idx(const std::string& path, const Tensor& t);

}  // namespace tessera::data
