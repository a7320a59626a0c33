#include "tessera/data/idx.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <vector>

namespace tessera::data {
namespace {

namespace fs = std::filesystem;

/// One IDX element type: its code, its size on disk and the dtype it is read into.
struct IdxType {
  uint8_t code;
  int bytes;
  DType dtype;
};
constexpr IdxType kInt8Type{0x09, 1, kInt32};
constexpr IdxType kInt16Type{0x0B, 2, kInt32};
constexpr IdxType kTypes[] = {{0x08, 1, kUInt8}, kInt8Type,           kInt16Type,
                              {0x0C, 4, kInt32}, {0x0D, 4, kFloat32}, {0x0E, 8, kFloat64}};

const IdxType* find_type(uint8_t code) {
  for (const IdxType& t : kTypes) {
    if (t.code == code) return &t;
  }
  return nullptr;
}

/// The code write_idx stores a dtype under (the types whose in-memory form is the on-disk form).
uint8_t code_of(DType dtype) {
  for (const IdxType& t : kTypes) {
    if (t.dtype == dtype && t.code != kInt8Type.code && t.code != kInt16Type.code) return t.code;
  }
  throw DTypeError(cat("write_idx: IDX has no type for ", dtype, "; convert to uint8, int32, float32 or float64"));
}

/// Reverses the bytes of each of `n` elements of `width` bytes in place (big-endian <-> little-endian).
void swap_bytes(void* data, int64_t n, int width) {
  if (width == 1 || std::endian::native == std::endian::big) return;
  auto* p = static_cast<unsigned char*>(data);
  for (int64_t i = 0; i < n; ++i, p += width) std::reverse(p, p + width);
}

/// "0x0b": a byte as the IDX documentation writes it.
std::string hex_byte(unsigned char b) {
  constexpr char kDigits[] = "0123456789abcdef";
  return {'0', 'x', kDigits[b >> 4], kDigits[b & 15]};
}

int64_t read_be32(const unsigned char* p) {
  return static_cast<int32_t>((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3]);
}

/// A file read through zlib, which inflates gzip data and passes other files through unchanged (it checks the
/// 1f 8b magic itself), counting the offset into the decompressed stream for error messages.
class Reader {
 public:
  explicit Reader(const std::string& path) : path_(path) {
    std::error_code ec;
    check<IOError>(!fs::is_directory(path, ec), "read_idx: cannot read '", path, "': it is a directory");
    file_ = gzopen(path.c_str(), "rb");
    check<IOError>(file_ != nullptr, "read_idx: cannot open '", path, "': ", std::strerror(errno));
    gzbuffer(file_, 1 << 18);  // zlib's 8 KiB default makes large files inflate in many small steps
  }
  ~Reader() { gzclose(file_); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  const std::string& path() const { return path_; }
  int64_t offset() const { return offset_; }

  /// Reads up to `n` bytes; fewer only at the end of the data.
  int64_t read(void* dst, int64_t n) {
    int64_t got = 0;
    while (got < n) {
      const auto chunk = static_cast<unsigned>(std::min<int64_t>(n - got, int64_t{1} << 30));
      const int r = gzread(file_, static_cast<char*>(dst) + got, chunk);
      if (r < 0) {
        int err = 0;
        const char* msg = gzerror(file_, &err);
        throw IOError(cat("read_idx: '", path_, "': cannot read at offset ", offset_ + got, ": ",
                          err == Z_ERRNO ? std::strerror(errno) : msg));
      }
      if (r == 0) break;
      got += r;
    }
    offset_ += got;
    return got;
  }
  /// Reads exactly `n` bytes; IOError "truncated" when the data ends first. `total` is the length the header
  /// promises, for the message.
  void read_exact(void* dst, int64_t n, int64_t total) {
    if (read(dst, n) < n) throw_truncated(total);
  }
  /// Reads to the end of the data, returning how many bytes were left.
  int64_t skip_rest() {
    std::vector<char> scratch(1 << 16);
    int64_t left = 0;
    for (int64_t r; (r = read(scratch.data(), static_cast<int64_t>(scratch.size()))) > 0;) left += r;
    return left;
  }
  [[noreturn]] void throw_truncated(int64_t total) const {
    throw IOError(cat("read_idx: '", path_, "' truncated at offset ", offset_, ", expected ", total, " bytes"));
  }
  /// The most bytes the data can hold: the file size, or what deflate's largest ratio (1032:1) expands it to.
  int64_t max_data_bytes() const {
    std::error_code ec;
    const auto size = static_cast<int64_t>(fs::file_size(path_, ec));
    if (ec) return std::numeric_limits<int64_t>::max();
    if (gzdirect(file_)) return size;
    int64_t bound = 0;
    return __builtin_mul_overflow(size, int64_t{1032}, &bound) ? std::numeric_limits<int64_t>::max() : bound + 64;
  }

 private:
  std::string path_;
  gzFile file_ = nullptr;
  int64_t offset_ = 0;
};

/// Widens int8 or int16 big-endian elements to int32.
void widen_to_int32(const std::vector<unsigned char>& raw, int width, int32_t* out) {
  const int64_t n = static_cast<int64_t>(raw.size()) / width;
  for (int64_t i = 0; i < n; ++i) {
    const unsigned char* p = raw.data() + i * width;
    out[i] = width == 1 ? static_cast<int8_t>(p[0]) : static_cast<int16_t>((p[0] << 8) | p[1]);
  }
}

}  // namespace

Tensor read_idx(const std::string& path) {
  Reader in(path);
  unsigned char magic[4];
  in.read_exact(magic, 4, 4);
  check<IOError>(magic[0] == 0 && magic[1] == 0, "read_idx: '", path, "': bad magic at offset 0: expected 0x00 0x00, ",
                 "found ", hex_byte(magic[0]), " ", hex_byte(magic[1]), " (not an IDX file)");
  const IdxType* type = find_type(magic[2]);
  check<IOError>(type != nullptr, "read_idx: '", path, "': unknown type code ", hex_byte(magic[2]),
                 " at offset 2 (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)");
  const int ndim = magic[3];
  const int64_t header = 4 + 4 * int64_t{ndim};

  std::vector<unsigned char> dims_raw(4 * ndim);
  in.read_exact(dims_raw.data(), 4 * ndim, header);
  Shape shape(ndim);
  int64_t count = 1;  // elements, saturated so corrupt sizes cannot overflow
  for (int d = 0; d < ndim; ++d) {
    shape[d] = read_be32(&dims_raw[4 * d]);
    check<IOError>(shape[d] >= 0, "read_idx: '", path, "': negative size ", shape[d], " of dim ", d, " at offset ",
                   4 + 4 * d);
    if (__builtin_mul_overflow(count, shape[d], &count)) count = std::numeric_limits<int64_t>::max();
  }
  int64_t total = 0;
  if (__builtin_mul_overflow(count, int64_t{type->bytes}, &total) || __builtin_add_overflow(total, header, &total)) {
    total = std::numeric_limits<int64_t>::max();
  }
  // A corrupt header must not allocate gigabytes: when the file cannot hold the data, find where it ends.
  if (total > in.max_data_bytes()) {
    in.skip_rest();
    in.throw_truncated(total);
  }

  Tensor out = empty(shape, type->dtype);
  const int64_t data_bytes = total - header;
  if (type->dtype == kInt32 && type->bytes < 4) {
    std::vector<unsigned char> raw(data_bytes);
    in.read_exact(raw.data(), data_bytes, total);
    widen_to_int32(raw, type->bytes, out.data_ptr<int32_t>());
  } else {
    in.read_exact(out.raw_data(), data_bytes, total);
    swap_bytes(out.raw_data(), count, type->bytes);
  }
  if (const int64_t extra = in.skip_rest(); extra > 0) {
    throw IOError(cat("read_idx: '", path, "': trailing data at offset ", total, ": ", extra,
                      " bytes after the elements its header describes"));
  }
  return out;
}

void write_idx(const std::string& path, const Tensor& t) {
  const uint8_t code = code_of(t.dtype());
  check<ValueError>(t.dim() <= 255, "write_idx: IDX holds at most 255 dims, got ", t.dim());
  std::vector<unsigned char> bytes = {0, 0, code, static_cast<unsigned char>(t.dim())};
  for (int64_t s : t.shape()) {
    check<ValueError>(s <= std::numeric_limits<int32_t>::max(), "write_idx: size ", s, " of shape ",
                      fmt_shape(t.shape()), " does not fit IDX's int32 sizes");
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<unsigned char>(s >> shift));
  }
  const Tensor c = t.contiguous();
  const auto* data = static_cast<const unsigned char*>(c.raw_data());
  const size_t header = bytes.size();
  bytes.insert(bytes.end(), data, data + c.numel() * c.element_size());
  swap_bytes(bytes.data() + header, c.numel(), static_cast<int>(c.element_size()));

  static std::atomic<uint64_t> counter{0};
  const std::string tmp = cat(path, ".tmp.", getpid(), ".", counter++);
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  check<IOError>(f != nullptr, "write_idx: cannot create '", tmp, "' (for '", path, "'): ", std::strerror(errno));
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const int saved_errno = errno;
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed || std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = written ? errno : saved_errno;
    std::remove(tmp.c_str());
    throw IOError(cat("write_idx: cannot write '", path, "': ", std::strerror(err)));
  }
}

}  // namespace tessera::data
