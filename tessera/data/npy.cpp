#include "tessera/data/npy.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <string_view>
#include <vector>

#include "tessera/data/npy_internal.h"
#include "tessera/io/atomic_file.h"

namespace tessera::data {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr char kNativeOrder = std::endian::native == std::endian::little ? '<' : '>';

/// A NumPy element type Tessera reads: kind ('f', 'i', 'u', 'b') and size in the file, and the dtype it is
/// read into (wider than the file's for the narrow integer types, which Tessera has no dtype for).
struct NpyType {
  char kind;
  int bytes;
  DType dtype;
};
constexpr NpyType kTypes[] = {{'f', 4, kFloat32}, {'f', 8, kFloat64}, {'f', 2, kFloat16}, {'i', 4, kInt32},
                              {'i', 8, kInt64},   {'u', 1, kUInt8},   {'b', 1, kBool},    {'i', 1, kInt32},
                              {'i', 2, kInt32},   {'u', 2, kInt32},   {'u', 4, kInt64}};

/// What an NPY header says.
struct Header {
  std::string descr;
  bool fortran_order = false;
  Shape shape;
  int64_t data_offset = 0;  ///< Where the elements start.
};

/// A parser for the header's Python dict literal; errors name the byte offset in the file.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, int64_t base, const std::string& who) : s_(text), base_(base), who_(who) {}

  Header parse() {
    Header h;
    bool seen[3] = {false, false, false};
    expect('{');
    while (!consume('}')) {
      const size_t key_at = skip_ws();
      const std::string key = parse_string();
      expect(':');
      if (key == "descr") {
        if (skip_ws() < s_.size() && s_[pos_] == '[') {
          throw DTypeError(cat(who_, ": unsupported structured dtype at offset ", base_ + pos_,
                               " (Tessera reads arrays of one numeric type)"));
        }
        h.descr = parse_string();
        seen[0] = true;
      } else if (key == "fortran_order") {
        h.fortran_order = parse_bool();
        seen[1] = true;
      } else if (key == "shape") {
        h.shape = parse_shape();
        seen[2] = true;
      } else {
        fail(key_at, cat("unexpected key '", key, "'"));
      }
      if (!consume(',')) {
        expect('}');
        break;
      }
    }
    constexpr const char* kKeys[] = {"descr", "fortran_order", "shape"};
    for (int i = 0; i < 3; ++i) {
      if (!seen[i]) fail(pos_, cat("missing key '", kKeys[i], "'"));
    }
    return h;
  }

 private:
  [[noreturn]] void fail(size_t at, const std::string& what) const {
    throw IOError(cat(who_, ": bad header at offset ", base_ + static_cast<int64_t>(at), ": ", what));
  }
  size_t skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n')) ++pos_;
    return pos_;
  }
  bool consume(char c) {
    if (skip_ws() < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!consume(c))
      fail(pos_, pos_ < s_.size() ? cat("expected '", c, "', found '", s_[pos_], "'")
                                  : cat("expected '", c, "', found the end of the header"));
  }
  std::string parse_string() {
    const size_t start = skip_ws();
    if (start >= s_.size() || (s_[start] != '\'' && s_[start] != '"')) fail(start, "expected a quoted string");
    const size_t end = s_.find(s_[start], start + 1);
    if (end == std::string_view::npos) fail(start, "unterminated string");
    pos_ = end + 1;
    return std::string(s_.substr(start + 1, end - start - 1));
  }
  bool parse_bool() {
    const size_t start = skip_ws();
    for (const bool value : {true, false}) {
      const std::string_view word = value ? "True" : "False";
      if (s_.substr(start, word.size()) == word) {
        pos_ += word.size();
        return value;
      }
    }
    fail(start, "expected True or False");
  }
  Shape parse_shape() {
    Shape shape;
    expect('(');
    while (!consume(')')) {
      const size_t start = skip_ws();
      int64_t v = 0;
      for (; pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9'; ++pos_) {
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s_[pos_] - '0', &v)) {
          fail(start, "size does not fit int64");
        }
      }
      if (pos_ == start) fail(start, "expected a non-negative integer size");
      consume('L');  // Python 2's long literals, in files written by old numpy versions
      shape.push_back(v);
      if (!consume(',')) {
        expect(')');
        break;
      }
    }
    return shape;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int64_t base_;
  const std::string& who_;
};

/// The type of `descr` ("<f4"), or DTypeError naming it.
const NpyType& find_type(const std::string& descr, const std::string& who, bool* swap) {
  const char order = descr.empty() ? '?' : descr[0];
  if (descr.size() >= 3 && std::string_view("<>|=").find(order) != std::string_view::npos) {
    const std::string_view size = std::string_view(descr).substr(2);
    for (const NpyType& t : kTypes) {
      if (t.kind == descr[1] && size == std::to_string(t.bytes)) {
        *swap = t.bytes > 1 && order != '|' && order != '=' && order != kNativeOrder;
        return t;
      }
    }
  }
  throw DTypeError(cat(who, ": unsupported dtype '", descr,
                       "' (Tessera reads <f2 <f4 <f8 <i4 <i8 |u1 |b1, and |i1 <i2 <u2 <u4 widened to int32/int64)"));
}

/// Reverses the bytes of each of `n` elements of `width` bytes in place.
void swap_bytes(void* data, int64_t n, int width) {
  auto* p = static_cast<unsigned char*>(data);
  for (int64_t i = 0; i < n; ++i, p += width) std::reverse(p, p + width);
}

/// Copies `n` elements of integer type From (native byte order) into `out` of the wider type To.
template <class From, class To>
void widen(const unsigned char* raw, int64_t n, To* out) {
  for (int64_t i = 0; i < n; ++i) {
    From v;
    std::memcpy(&v, raw + i * sizeof(From), sizeof(From));
    out[i] = static_cast<To>(v);
  }
}

void widen_into(const NpyType& t, const unsigned char* raw, int64_t n, Tensor& out) {
  if (t.kind == 'u' && t.bytes == 4) return widen<uint32_t>(raw, n, out.data_ptr<int64_t>());
  auto* o = out.data_ptr<int32_t>();
  if (t.kind == 'i' && t.bytes == 1) return widen<int8_t>(raw, n, o);
  if (t.kind == 'i' && t.bytes == 2) return widen<int16_t>(raw, n, o);
  widen<uint16_t>(raw, n, o);
}

uint64_t read_le(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

/// Reads the NPY preamble and header of `src` (Note [NPY layout]).
Header read_header(const ByteSource& src) {
  unsigned char pre[12];
  const auto need = [&](int64_t end, const char* what) {
    if (src.size < end) {
      throw IOError(cat(src.who, ": truncated header at offset ", src.size, ": the ", what, " needs ", end, " bytes"));
    }
  };
  need(8, "magic and version");
  src.read(0, pre, 8);
  check<IOError>(std::memcmp(pre, kMagic.data(), kMagic.size()) == 0, src.who,
                 ": bad magic at offset 0: expected \\x93NUMPY (not an NPY file)");
  const int major = pre[6];
  check<IOError>(major >= 1 && major <= 3, src.who, ": unsupported NPY version ", major, ".", int{pre[7]},
                 " at offset 6 (expected 1.0, 2.0 or 3.0)");
  const int len_bytes = major == 1 ? 2 : 4;
  need(8 + len_bytes, "header length");
  src.read(8, pre + 8, len_bytes);
  const auto header_len = static_cast<int64_t>(read_le(pre + 8, len_bytes));
  const int64_t start = 8 + len_bytes;
  need(start + header_len, "header");
  std::string text(header_len, '\0');
  src.read(start, text.data(), header_len);
  Header h = HeaderParser(text, start, src.who).parse();
  h.data_offset = start + header_len;
  return h;
}

}  // namespace

Tensor parse_npy(const ByteSource& src) {
  const Header h = read_header(src);
  bool swap = false;
  const NpyType& type = find_type(h.descr, src.who, &swap);

  int64_t count = 1, data_bytes = 0;  // saturated so that corrupt sizes cannot overflow
  for (int64_t s : h.shape) {
    if (__builtin_mul_overflow(count, s, &count)) count = std::numeric_limits<int64_t>::max();
  }
  if (__builtin_mul_overflow(count, int64_t{type.bytes}, &data_bytes)) data_bytes = std::numeric_limits<int64_t>::max();
  const int64_t available = src.size - h.data_offset;
  check<IOError>(available >= data_bytes, src.who, ": truncated at offset ", src.size, ": shape ", fmt_shape(h.shape),
                 " of ", h.descr, " needs ", data_bytes, " data bytes from offset ", h.data_offset, ", the file has ",
                 available);
  check<IOError>(available == data_bytes, src.who, ": trailing data at offset ", h.data_offset + data_bytes, ": ",
                 available - data_bytes, " bytes after the ", data_bytes, " data bytes of shape ", fmt_shape(h.shape));

  // Fortran order is C order of the reversed shape; permuting the dims back gives the array.
  Shape file_shape = h.shape;
  if (h.fortran_order) std::reverse(file_shape.begin(), file_shape.end());
  Tensor out = empty(file_shape, type.dtype);
  if (itemsize(type.dtype) == static_cast<size_t>(type.bytes)) {
    src.read(h.data_offset, out.raw_data(), data_bytes);
    if (swap) swap_bytes(out.raw_data(), count, type.bytes);
    if (type.dtype == kBool) {  // numpy writes 0 and 1; anything else is true, as numpy reads it
      auto* b = static_cast<unsigned char*>(out.raw_data());
      for (int64_t i = 0; i < count; ++i) b[i] = b[i] != 0;
    }
  } else {
    std::vector<unsigned char> raw(data_bytes);
    src.read(h.data_offset, raw.data(), data_bytes);
    if (swap) swap_bytes(raw.data(), count, type.bytes);
    widen_into(type, raw.data(), count, out);
  }
  if (!h.fortran_order || out.dim() < 2) return out;
  std::vector<int64_t> reversed(out.dim());
  for (int64_t d = 0; d < out.dim(); ++d) reversed[d] = out.dim() - 1 - d;
  return out.permute(reversed).contiguous();
}

Tensor load_npy(const std::string& path) {
  const io::InputFile file(path, "load_npy");
  return parse_npy({.who = cat("load_npy: '", path, "'"),
                    .size = file.size(),
                    .read = [&](int64_t offset, void* dst, int64_t n) { file.read_at(offset, dst, n); }});
}

void save_npy(const std::string& path, const Tensor& t) {
  std::string descr;
  for (const NpyType& type : kTypes) {
    if (type.dtype == t.dtype() && itemsize(type.dtype) == static_cast<size_t>(type.bytes)) {
      descr = cat(type.bytes == 1 ? '|' : kNativeOrder, type.kind, type.bytes);
      break;
    }
  }
  check<DTypeError>(!descr.empty(), "save_npy: NPY has no type for ", t.dtype(), "; convert to float32 first");
  std::string shape = "(";
  for (size_t d = 0; d < t.shape().size(); ++d) shape += cat(d ? ", " : "", t.shape()[d]);
  shape += t.dim() == 1 ? ",)" : ")";
  std::string header = cat("{'descr': '", descr, "', 'fortran_order': False, 'shape': ", shape, ", }");
  // As numpy.save: room for dim 0 to grow to 21 digits (appending in place), then spaces and a newline that
  // pad the preamble and header to a multiple of 64 bytes.
  if (t.dim() > 0) header.append(21 - std::to_string(t.size(0)).size(), ' ');
  const size_t preamble = header.size() + 1 + 63 <= 65535 ? 10 : 12;
  header.append((64 - (preamble + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  const uint64_t len = header.size();
  std::string bytes(kMagic);
  bytes += {static_cast<char>(preamble == 10 ? 1 : 2), 0};
  for (size_t i = 0; i < preamble - 8; ++i) bytes += static_cast<char>((len >> (8 * i)) & 0xff);
  bytes += header;
  const Tensor c = t.contiguous();
  io::write_file_atomically(path, [&](std::ostream& out) {
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.write(static_cast<const char*>(c.raw_data()), static_cast<std::streamsize>(c.numel() * c.element_size()));
  });
}

}  // namespace tessera::data
