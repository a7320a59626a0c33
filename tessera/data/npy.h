#pragma once
// NPY and NPZ files: NumPy's array formats (numpy.save, numpy.savez, numpy.savez_compressed).
//
// Note [NPY layout]: the magic "\x93NUMPY", a major and a minor version byte, the header length (uint16 little-
// endian for version 1, uint32 for versions 2 and 3), then the header: a Python dict literal such as
// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` padded with spaces to a multiple of 64 bytes and
// ended by '\n'; then the elements, C order (row-major) unless fortran_order is True. An NPZ file is a zip
// archive of NPY files (`<name>.npy`), stored (numpy.savez) or deflated (numpy.savez_compressed).
#include <map>
#include <string>

#include "tessera/core/tensor.h"

namespace tessera::data {

/// Reads the NPY file at `path` (Note [NPY layout]) into a contiguous tensor of the file's shape (shape () is a
/// 0-d tensor). Dtypes: '<f4' float32, '<f8' float64, '<f2' float16, '<i4' int32, '<i8' int64, '|u1' uint8,
/// '|b1' bool (nonzero bytes read as true); the narrow integers '|i1', '<i2', '<u2' widen to int32 and '<u4' to
/// int64, which hold every value (as read_idx widens). Big-endian ('>') elements are byte-swapped. Fortran-order
/// arrays are returned in C order with the same values (numpy.load's array, copied to C order). Writes nothing.
/// Errors name the file and, for corrupt files, the byte offset:
/// - IOError: missing or unreadable file; bad magic (offset 0); an unknown version (offset 6); a header that
///   ends early, is not a dict literal or lacks 'descr', 'fortran_order' or 'shape' (the offset of the problem);
///   data shorter than the shape promises ("truncated") or longer ("trailing data").
/// - DTypeError: a dtype Tessera cannot hold ('<u8', complex, strings, objects, structured), naming it.
Tensor load_npy(const std::string& path);

/// Reads every array of the NPZ file at `path` (a zip archive of NPY members, stored or deflated), keyed by
/// member name without the ".npy" suffix (numpy.load(path)[key]). Writes nothing.
/// Errors: those of load_npy, naming the file and the member; IOError naming the file (and the member and the
/// offset) for a file that is not a zip archive (no end-of-central-directory record), a truncated or corrupt
/// directory or member, an encrypted member, a compression method other than stored (0) or deflate (8), a
/// deflate stream that does not inflate to the member's size, or a CRC-32 mismatch.
std::map<std::string, Tensor> load_npz(const std::string& path);

/// Writes `t` to `path` as an NPY file (version 1.0, or 2.0 when the header needs more than 65535 bytes), C
/// order, little-endian, atomically (Note [Atomic writes], io/atomic_file.h). Any layout: non-contiguous
/// tensors are written in row-major order. Dtypes: float32, float64, float16, int32, int64, uint8, bool;
/// DTypeError for bfloat16 (NumPy has no such dtype: convert to float32 first). IOError naming the file when it
/// cannot be written. `numpy.load(path)` reads it back.
void save_npy(const std::string& path, const Tensor& t);

}  // namespace tessera::data
