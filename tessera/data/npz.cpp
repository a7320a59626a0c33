// load_npz: NPZ files are zip archives of NPY members. The zip structures are read here (no libzip): the
// end-of-central-directory record (and its zip64 form, which numpy writes for large archives), the central
// directory's entries, each member's local header, then the member's data, inflated with zlib when deflated.
// APPNOTE.TXT (PKWARE's zip specification) sections 4.3.7 (local header), 4.3.12 (central directory entry),
// 4.3.14-16 (zip64 end records) and 4.5.3 (zip64 extra field) give the layouts.
#include <zlib.h>

#include <cstring>
#include <limits>
#include <string_view>

#include "tessera/data/npy.h"
#include "tessera/data/npy_internal.h"
#include "tessera/io/atomic_file.h"

namespace tessera::data {
namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50, kZip64LocatorSig = 0x07064b50;
constexpr uint32_t kMax32 = 0xffffffff;

/// One member as the central directory describes it.
struct Member {
  std::string name;
  int method = 0, flags = 0;
  uint32_t crc = 0;
  uint64_t compressed = 0, size = 0, local_offset = 0;
};

/// The archive's bytes with bounds-checked little-endian reads; errors name the file and the offset.
class Archive {
 public:
  Archive(std::string path, std::string bytes) : path_(std::move(path)), bytes_(std::move(bytes)) {}

  const std::string& path() const { return path_; }
  int64_t size() const { return static_cast<int64_t>(bytes_.size()); }
  const char* at(uint64_t offset) const { return bytes_.data() + offset; }

  [[noreturn]] void fail(uint64_t offset, const std::string& what) const {
    throw IOError(cat("load_npz: '", path_, "': bad zip archive at offset ", offset, ": ", what));
  }
  /// Throws unless [offset, offset + n) lies in the file.
  void need(uint64_t offset, uint64_t n, const char* what) const {
    if (offset > bytes_.size() || n > bytes_.size() - offset) {
      fail(offset, cat(what, " of ", n, " bytes runs past the end of the file (", bytes_.size(), " bytes)"));
    }
  }
  uint64_t le(uint64_t offset, int n) const {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes_[offset + i]);
    return v;
  }
  void expect_sig(uint64_t offset, uint32_t sig, const char* what) const {
    need(offset, 4, what);
    if (le(offset, 4) != sig) fail(offset, cat("expected the signature of a ", what));
  }

 private:
  std::string path_, bytes_;
};

/// The central directory's offset and entry count, from the end records.
std::pair<uint64_t, uint64_t> find_directory(const Archive& a) {
  // The end record is 22 bytes plus a comment of up to 65535 bytes, so it starts in the last 65557 bytes.
  int64_t end = -1;
  for (int64_t p = a.size() - 22; p >= 0 && p >= a.size() - 22 - 65535; --p) {
    if (a.le(p, 4) == kEndSig) {
      end = p;
      break;
    }
  }
  if (end < 0) {
    throw IOError(cat("load_npz: '", a.path(), "': not a zip archive (no end-of-central-directory record in its last ",
                      std::min<int64_t>(a.size(), 22 + 65535), " bytes)"));
  }
  uint64_t count = a.le(end + 10, 2), offset = a.le(end + 16, 4);
  if (count == 0xffff || offset == kMax32) {
    const int64_t locator = end - 20;
    if (locator < 0) a.fail(end, "zip64 sizes without a zip64 locator");
    a.expect_sig(locator, kZip64LocatorSig, "zip64 end-of-central-directory locator");
    const uint64_t record = a.le(locator + 8, 8);
    a.expect_sig(record, kZip64EndSig, "zip64 end-of-central-directory record");
    a.need(record, 56, "zip64 end-of-central-directory record");
    count = a.le(record + 32, 8);
    offset = a.le(record + 48, 8);
  }
  return {offset, count};
}

/// Reads the central directory entry at `p` into `m`; returns the offset of the next entry.
uint64_t read_entry(const Archive& a, uint64_t p, Member& m) {
  a.expect_sig(p, kCentralSig, "central directory entry");
  a.need(p, 46, "central directory entry");
  m.flags = static_cast<int>(a.le(p + 8, 2));
  m.method = static_cast<int>(a.le(p + 10, 2));
  m.crc = static_cast<uint32_t>(a.le(p + 16, 4));
  m.compressed = a.le(p + 20, 4);
  m.size = a.le(p + 24, 4);
  const uint64_t name_len = a.le(p + 28, 2), extra_len = a.le(p + 30, 2), comment_len = a.le(p + 32, 2);
  m.local_offset = a.le(p + 42, 4);
  a.need(p + 46, name_len + extra_len + comment_len, "central directory entry's name, extra and comment");
  m.name.assign(a.at(p + 46), name_len);
  // The zip64 extra field (id 1) holds, in this order, whichever of the three values are 0xffffffff above.
  for (uint64_t e = p + 46 + name_len, stop = e + extra_len; e + 4 <= stop;) {
    const uint64_t id = a.le(e, 2), len = a.le(e + 2, 2);
    if (e + 4 + len > stop) a.fail(e, cat("extra field of member '", m.name, "' runs past its entry"));
    uint64_t q = e + 4;
    for (uint64_t* v : {&m.size, &m.compressed, &m.local_offset}) {
      if (id != 1 || *v != kMax32) continue;
      if (q + 8 > e + 4 + len) a.fail(e, cat("zip64 extra field of member '", m.name, "' is too short"));
      *v = a.le(q, 8);
      q += 8;
    }
    e += 4 + len;
  }
  return p + 46 + name_len + extra_len + comment_len;
}

/// The uncompressed bytes of member `m`, checked against its size and CRC-32.
std::string extract(const Archive& a, const Member& m) {
  const auto fail = [&](uint64_t offset, const std::string& what) {
    throw IOError(cat("load_npz: '", a.path(), "' member '", m.name, "' at offset ", offset, ": ", what));
  };
  if (m.flags & 1) fail(m.local_offset, "encrypted members are not supported");
  if (m.method != 0 && m.method != 8) {
    fail(m.local_offset, cat("compression method ", m.method, " is not supported (only 0 stored and 8 deflate)"));
  }
  a.expect_sig(m.local_offset, kLocalSig, "local file header");
  a.need(m.local_offset, 30, "local file header");
  const uint64_t data = m.local_offset + 30 + a.le(m.local_offset + 26, 2) + a.le(m.local_offset + 28, 2);
  a.need(data, m.compressed, cat("data of member '", m.name, "'").c_str());
  // Sizes beyond what deflate can expand the data to (1032:1) are corrupt; refuse before allocating them.
  if (m.size > (m.method == 0 ? m.compressed : m.compressed * 1032 + 64)) {
    fail(data, cat("size ", m.size, " cannot come from ", m.compressed, " compressed bytes"));
  }
  std::string out(m.size, '\0');
  if (m.method == 0) {
    if (m.size != m.compressed) fail(data, cat("stored member of ", m.compressed, " bytes claims size ", m.size));
    std::memcpy(out.data(), a.at(data), m.size);
  } else {
    z_stream z{};
    check<IOError>(inflateInit2(&z, -15) == Z_OK, "load_npz: zlib inflateInit2 failed");  // -15: raw deflate
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(a.at(data)));
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    // zlib counts in uInt; feed and drain in chunks so members above 4 GiB inflate too.
    int rc = Z_OK;
    uint64_t in_left = m.compressed, out_left = m.size;
    while (rc == Z_OK) {
      if (z.avail_in == 0 && in_left > 0) {
        z.avail_in = static_cast<uInt>(std::min<uint64_t>(in_left, std::numeric_limits<uInt>::max()));
        in_left -= z.avail_in;
      }
      if (z.avail_out == 0 && out_left > 0) {
        z.avail_out = static_cast<uInt>(std::min<uint64_t>(out_left, std::numeric_limits<uInt>::max()));
        out_left -= z.avail_out;
      }
      rc = inflate(&z, Z_NO_FLUSH);
    }
    const uint64_t produced = z.total_out;
    const std::string msg = z.msg ? z.msg : "";
    inflateEnd(&z);
    if (rc != Z_STREAM_END || produced != m.size) {
      fail(data, rc == Z_DATA_ERROR  ? cat("corrupt deflate data: ", msg)
                 : rc == Z_BUF_ERROR ? cat("deflate data ends early or inflates past ", m.size, " bytes")
                                     : cat("deflate data inflates to ", produced, " bytes, expected ", m.size));
    }
  }
  uLong crc = crc32(0, nullptr, 0);
  for (uint64_t done = 0; done < m.size;) {
    const auto n = static_cast<uInt>(std::min<uint64_t>(m.size - done, std::numeric_limits<uInt>::max()));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(out.data() + done), n);
    done += n;
  }
  if (crc != m.crc) fail(data, cat("CRC-32 mismatch: the directory says ", m.crc, ", the data has ", crc));
  return out;
}

}  // namespace

std::map<std::string, Tensor> load_npz(const std::string& path) {
  const Archive a(path, io::read_file(path));
  auto [p, count] = find_directory(a);
  std::map<std::string, Tensor> out;
  for (uint64_t i = 0; i < count; ++i) {
    Member m;
    p = read_entry(a, p, m);
    if (!m.name.empty() && m.name.back() == '/') continue;  // a directory entry
    const std::string bytes = extract(a, m);
    const Tensor t =
        parse_npy({.who = cat("load_npz: '", path, "' member '", m.name, "'"),
                   .size = static_cast<int64_t>(bytes.size()),
                   .read = [&](int64_t offset, void* dst, int64_t n) { std::memcpy(dst, bytes.data() + offset, n); }});
    std::string key = m.name;
    if (key.size() > 4 && key.ends_with(".npy")) key.resize(key.size() - 4);
    out.insert_or_assign(std::move(key), t);
  }
  return out;
}

}  // namespace tessera::data
