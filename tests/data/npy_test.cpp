// NPY and NPZ: files written by NumPy 1.24 (make_npy_reference.py) read back with their values, save_npy's bytes
// equal to numpy.save's, every dtype, and every way a corrupt file is rejected.
#include "tessera/data/npy.h"

#include <algorithm>

#include "data/data_testing.h"
#include "testing.h"

namespace tessera {
namespace {

using namespace tessera::testing;
using data::load_npy;
using data::load_npz;
using data::save_npy;

// ---- Reference files from make_npy_reference.py ----------------------------------------------------------------

constexpr const char* kF32Hex =
    "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368"
    "617065273a2028322c2033292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020"
    "202020202020202020202020202020202020200a000080bf000000bf000000000000003f0000803f0000c03f";
constexpr const char* kFortranHex =
    "934e554d5059010076007b276465736372273a20273c6938272c2027666f727472616e5f6f72646572273a20547275652c2027736861"
    "7065273a2028322c2033292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020"
    "202020202020202020202020202020202020200a00000000000000000300000000000000010000000000000004000000000000000200"
    "0000000000000500000000000000";
constexpr const char* kNpzStoredHex =
    "504b0304140000000000000021000bf9aa2d880000008800000005001400612e6e707901001000880000000000000088000000000000"
    "00934e554d5059010076007b276465736372273a20273c6934272c2027666f727472616e5f6f72646572273a2046616c73652c202773"
    "68617065273a2028322c292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020"
    "20202020202020202020202020202020202020200a0100000002000000504b030414000000000000002100836d12e488000000880000"
    "0005001400622e6e70790100100088000000000000008800000000000000934e554d5059010076007b276465736372273a20273c6638"
    "272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028312c2031292c207d202020202020202020"
    "202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a00000000"
    "0000f83f504b01021403140000000000000021000bf9aa2d8800000088000000050000000000000000000000800100000000612e6e70"
    "79504b0102140314000000000000002100836d12e488000000880000000500000000000000000000008001bf000000622e6e7079504b"
    "05060000000002000200660000007e0100000000";
constexpr const char* kNpzDeflatedHex =
    "504b0304140000000800000021000bf9aa2d4b0000008800000005001400612e6e70790100100088000000000000004b000000000000"
    "009bec17ea1b10c9c850c650ad9e925a9c5ca46ea5a06e9369a2aea3a09e965f54529498179f5f94920a12774bcc294e058a17672416"
    "a402f91a463a9a3a0ab50a14002e4606060626200600504b030414000000080000002100836d12e44b0000008800000005001400622e"
    "6e70790100100088000000000000004b000000000000009bec17ea1b10c9c850c650ad9e925a9c5ca46ea5a06e9366a1aea3a09e965f"
    "54529498179f5f94920a12774bcc294e058a17672416a402f91a863a0a869a3a0ab50a64032e0630f8610f00504b0102140314000000"
    "0800000021000bf9aa2d4b00000088000000050000000000000000000000800100000000612e6e7079504b0102140314000000080000"
    "002100836d12e44b00000088000000050000000000000000000000800182000000622e6e7079504b0506000000000200020066000000"
    "040100000000";

Bytes from_hex(std::string_view hex) {
  Bytes b;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    b.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return b;
}

/// An NPY file as numpy.save lays it out (version 1.0, header padded to 64 bytes with room for dim 0 to grow),
/// with any descr, shape literal and data bytes.
Bytes npy_bytes(const std::string& descr, const std::string& shape, const Bytes& data, bool fortran = false,
                size_t dim0_digits = 1) {
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
  if (shape != "()") header.append(21 - dim0_digits, ' ');
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  Bytes b = {0x93,
             'N',
             'U',
             'M',
             'P',
             'Y',
             1,
             0,
             static_cast<uint8_t>(header.size()),
             static_cast<uint8_t>(header.size() >> 8)};
  b.insert(b.end(), header.begin(), header.end());
  return concat(b, data);
}

/// The tensor load_npy reads from `bytes` written to a file.
Tensor load_bytes(const TempDir& dir, const Bytes& bytes) {
  const std::string path = dir.file("t.npy");
  write_bytes(path, bytes);
  return load_npy(path);
}

// ---- Reading what NumPy writes ---------------------------------------------------------------------------------

TEST(NpyTest, ReadsNumpyFiles) {
  TempDir dir;
  const Tensor f = load_bytes(dir, from_hex(kF32Hex));
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_EQ(f.shape(), (Shape{2, 3}));
  EXPECT_EQ(doubles(f), (std::vector<double>{-1, -0.5, 0, 0.5, 1, 1.5}));
  // Fortran order: the file holds the columns; the tensor has the array's values in C order.
  const Tensor fo = load_bytes(dir, from_hex(kFortranHex));
  EXPECT_EQ(fo.dtype(), kInt64);
  EXPECT_EQ(fo.shape(), (Shape{2, 3}));
  EXPECT_TRUE(fo.is_contiguous());
  EXPECT_EQ(ivalues(fo), (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  // The fixture builder lays files out exactly as numpy.save does.
  const Bytes f32 = from_hex(kF32Hex);
  EXPECT_EQ(npy_bytes("<f4", "(2, 3)", Bytes(f32.end() - 24, f32.end())), f32);
}

TEST(NpyTest, ReadsEveryDtype) {
  TempDir dir;
  struct Case {
    std::string descr;
    Bytes data;
    DType dtype;
    std::vector<double> values;
  };
  const std::vector<Case> cases = {
      {"<f8", {0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0xc0}, kFloat64, {1.5, -2}},
      {"<f2", {0x00, 0x3c, 0x00, 0xb8}, kFloat16, {1, -0.5}},
      {"<i4", {0xff, 0xff, 0xff, 0xff, 7, 0, 0, 0}, kInt32, {-1, 7}},
      {"<i8", {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1, 0, 0, 0}, kInt64, {-2, 4294967296.0}},
      {"|u1", {0, 255}, kUInt8, {0, 255}},
      {"|b1", {0, 2}, kBool, {0, 1}},  // numpy reads any nonzero byte as True
      {"|i1", {0xff, 0x80}, kInt32, {-1, -128}},
      {"<i2", {0x00, 0x80, 0x05, 0x00}, kInt32, {-32768, 5}},
      {"<u2", {0xff, 0xff, 0x01, 0x00}, kInt32, {65535, 1}},
      {"<u4", {0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0}, kInt64, {4294967295.0, 2}},
      {">f4", {0x3f, 0xc0, 0, 0, 0xc0, 0, 0, 0}, kFloat32, {1.5, -2}},  // big-endian
      {">i2", {0xff, 0xfe, 0x01, 0x00}, kInt32, {-2, 256}},             // big-endian, widened
      {"=i4", {0x03, 0, 0, 0, 0x04, 0, 0, 0}, kInt32, {3, 4}},          // native order
  };
  for (const Case& c : cases) {
    const Tensor t = load_bytes(dir, npy_bytes(c.descr, "(2,)", c.data));
    EXPECT_EQ(t.dtype(), c.dtype) << c.descr;
    EXPECT_EQ(t.shape(), Shape{2}) << c.descr;
    EXPECT_EQ(doubles(t), c.values) << c.descr;
  }
}

TEST(NpyTest, ReadsScalarsEmptyArraysAndVersion2) {
  TempDir dir;
  const Tensor s = load_bytes(dir, npy_bytes("<f8", "()", {0, 0, 0, 0, 0, 0, 0x0c, 0x40}));
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(s.item<double>(), 3.5);
  EXPECT_EQ(load_bytes(dir, npy_bytes("|u1", "(0, 3)", {})).shape(), (Shape{0, 3}));
  EXPECT_EQ(load_bytes(dir, npy_bytes("<f4", "(3, 0)", {}, true)).shape(), (Shape{3, 0}));
  // Version 2.0: a 4-byte header length.
  Bytes v1 = npy_bytes("|u1", "(1,)", {9});
  Bytes v2 = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, v1[8], v1[9], 0, 0};
  v2.insert(v2.end(), v1.begin() + 10, v1.end());
  EXPECT_EQ(ivalues(load_bytes(dir, v2).to(kInt64)), std::vector<int64_t>{9});
  // A 3-d Fortran-order array: element (i, j, k) sits at i + 2 * j + 4 * k.
  Bytes data;
  for (uint8_t i = 0; i < 8; ++i) data.push_back(i);
  const Tensor f3 = load_bytes(dir, npy_bytes("|u1", "(2, 2, 2)", data, true));
  EXPECT_EQ(ivalues(f3.to(kInt64)), (std::vector<int64_t>{0, 4, 2, 6, 1, 5, 3, 7}));
}

// ---- Writing ---------------------------------------------------------------------------------------------------

TEST(NpyTest, SaveMatchesNumpyByteForByte) {
  TempDir dir;
  const std::string path = dir.file("x.npy");
  save_npy(path, (arange(6, kFloat32) * 0.5 - 1).view({2, 3}));
  EXPECT_EQ(read_bytes(path), from_hex(kF32Hex));
  // A transposed (non-contiguous) view is written in its own row-major order.
  save_npy(path, arange(6, kInt64).view({3, 2}).t());
  const Bytes fortran = from_hex(kFortranHex);  // the same values, as numpy.save writes [2, 3] int64 in C order
  const Tensor r = load_npy(path);
  EXPECT_EQ(r.shape(), (Shape{2, 3}));
  EXPECT_EQ(ivalues(r), (std::vector<int64_t>{0, 2, 4, 1, 3, 5}));
  EXPECT_EQ(read_bytes(path).size(), fortran.size());
}

TEST(NpyTest, RoundTripsEveryDtypeScalarsAndEmpty) {
  TempDir dir;
  const std::string path = dir.file("r.npy");
  for (DType dtype : {kFloat32, kFloat64, kFloat16, kInt32, kInt64, kUInt8, kBool}) {
    const Tensor t = make({0, 1, 2, 0, 5, 1}, dtype, {3, 2});
    save_npy(path, t);
    const Tensor r = load_npy(path);
    EXPECT_EQ(r.dtype(), dtype);
    EXPECT_EQ(r.shape(), (Shape{3, 2}));
    EXPECT_EQ(doubles(r), doubles(t)) << dtype;
  }
  save_npy(path, scalar_tensor(2.5).to(kFloat64));
  EXPECT_EQ(load_npy(path).shape(), Shape{});
  EXPECT_EQ(load_npy(path).item<double>(), 2.5);
  save_npy(path, zeros({2, 0, 4}, kInt32));
  EXPECT_EQ(load_npy(path).shape(), (Shape{2, 0, 4}));
  save_npy(path, arange(4, kFloat32).expand({3, 4}));  // stride-0 view
  EXPECT_EQ(doubles(load_npy(path)), doubles(arange(4, kFloat32).expand({3, 4}).contiguous()));
  // A long dim 0 takes fewer padding spaces, as in numpy.
  save_npy(path, zeros({123456}, kUInt8));
  EXPECT_EQ(read_bytes(path).size() % 64, 0u);
  EXPECT_EQ(load_npy(path).size(0), 123456);
}

TEST(NpyTest, SaveErrors) {
  TempDir dir;
  expect_error<DTypeError>([&] { save_npy(dir.file("b.npy"), zeros({2}, kBFloat16)); }, {"save_npy", "bfloat16"});
  expect_error<IOError>([&] { save_npy(dir.file("missing/x.npy"), zeros({2})); }, "missing/x.npy");
}

// ---- Corrupt NPY files -----------------------------------------------------------------------------------------

TEST(NpyTest, RejectsCorruptFiles) {
  TempDir dir;
  const std::string path = dir.file("t.npy");
  const auto fails = [&](const Bytes& bytes, std::initializer_list<std::string> parts) {
    write_bytes(path, bytes);
    expect_error<IOError>([&] { load_npy(path); }, parts);
  };
  expect_error<IOError>([&] { load_npy(dir.file("nope.npy")); }, {"load_npy", "nope.npy"});
  const Bytes good = npy_bytes("<f4", "(2,)", Bytes(8, 0));
  Bytes b = good;
  b[0] = 'X';
  fails(b, {"load_npy", "t.npy", "bad magic at offset 0"});
  b = good;
  b[6] = 9;
  fails(b, {"t.npy", "unsupported NPY version 9.0 at offset 6"});
  fails(Bytes(good.begin(), good.begin() + 5), {"t.npy", "truncated header"});
  fails(Bytes(good.begin(), good.begin() + 40), {"t.npy", "truncated header", "needs 128 bytes"});
  fails(Bytes(good.begin(), good.end() - 1), {"t.npy", "truncated at offset 135", "needs 8 data bytes", "has 7"});
  fails(concat(good, {1, 2}), {"t.npy", "trailing data at offset 136", "2 bytes"});
  // Headers that are not the dict numpy writes: the offset is where the problem is.
  fails(npy_bytes("<f4", "(2 3)", Bytes(24, 0)), {"bad header at offset 63", "expected ')', found '3'"});
  fails(npy_bytes("<f4", "(-2,)", {}), {"bad header at offset 61", "non-negative integer"});
  fails(npy_bytes("<f4", "(2,), 'extra': 1", Bytes(8, 0)), {"bad header", "unexpected key 'extra'"});
  b = good;
  std::replace(b.begin() + 10, b.end(), '{', '[');
  fails(b, {"bad header at offset 10", "expected '{'"});
  std::string no_shape = "{'descr': '<f4', 'fortran_order': False}";
  no_shape.resize(118, ' ');
  b = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 119, 0};
  b.insert(b.end(), no_shape.begin(), no_shape.end());
  b.push_back('\n');
  fails(b, {"missing key 'shape'"});
  // A shape whose size overflows cannot make the reader allocate.
  fails(npy_bytes("|u1", "(99999999999, 99999999999)", {}), {"truncated", "needs"});
}

TEST(NpyTest, RejectsUnsupportedDtypes) {
  TempDir dir;
  for (const std::string descr : {"<u8", "<c8", "<U3", "|O", "<f16", "|V4", "f4"}) {
    write_bytes(dir.file("d.npy"), npy_bytes(descr, "(1,)", Bytes(16, 0)));
    expect_error<DTypeError>([&] { load_npy(dir.file("d.npy")); }, {"load_npy", "d.npy", "'" + descr + "'"});
  }
  std::string header = "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }";
  header.resize(117, ' ');
  Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0};
  b.insert(b.end(), header.begin(), header.end());
  b.push_back('\n');
  write_bytes(dir.file("s.npy"), b);
  expect_error<DTypeError>([&] { load_npy(dir.file("s.npy")); }, {"s.npy", "structured dtype at offset 20"});
}

// ---- NPZ -------------------------------------------------------------------------------------------------------

TEST(NpzTest, ReadsStoredAndDeflatedArchives) {
  TempDir dir;
  for (const char* hex : {kNpzStoredHex, kNpzDeflatedHex}) {
    write_bytes(dir.file("a.npz"), from_hex(hex));
    const auto arrays = load_npz(dir.file("a.npz"));
    ASSERT_EQ(arrays.size(), 2u);
    EXPECT_EQ(arrays.at("a").dtype(), kInt32);
    EXPECT_EQ(arrays.at("a").shape(), Shape{2});
    EXPECT_EQ(doubles(arrays.at("a")), (std::vector<double>{1, 2}));
    EXPECT_EQ(arrays.at("b").dtype(), kFloat64);
    EXPECT_EQ(arrays.at("b").shape(), (Shape{1, 1}));
    EXPECT_EQ(arrays.at("b").item<double>(), 1.5);
  }
}

TEST(NpzTest, RejectsCorruptArchives) {
  TempDir dir;
  const std::string path = dir.file("c.npz");
  const auto fails = [&](const Bytes& bytes, std::initializer_list<std::string> parts) {
    write_bytes(path, bytes);
    expect_error<IOError>([&] { load_npz(path); }, parts);
  };
  const Bytes stored = from_hex(kNpzStoredHex), deflated = from_hex(kNpzDeflatedHex);
  expect_error<IOError>([&] { load_npz(dir.file("none.npz")); }, "none.npz");
  fails(from_hex(kF32Hex), {"load_npz", "c.npz", "not a zip archive"});
  fails(Bytes(stored.begin(), stored.end() - 30), {"c.npz", "not a zip archive"});
  // The directory's offset (0x17e = 382) points past the end.
  Bytes b = stored;
  b[stored.size() - 6] = 0xff;
  fails(b, {"c.npz", "bad zip archive at offset", "central directory entry"});
  // Member a.npy's data starts at 0x37 (30 + its name and extra field): a flipped element byte fails its CRC.
  b = stored;
  b[0x37 + 128] ^= 1;
  fails(b, {"member 'a.npy'", "CRC-32 mismatch"});
  // Flipped deflate bits: an inflate error or a CRC mismatch, at the member's data.
  b = deflated;
  b[0x37 + 9] ^= 0x5a;
  fails(b, {"member 'a.npy'", "at offset 55"});
  // Method 12 (bzip2) in the central directory entry of a.npy (at 0x17e + 10).
  b = stored;
  b[0x17e + 10] = 12;
  fails(b, {"member 'a.npy'", "compression method 12"});
  b = stored;
  b[0x17e + 8] |= 1;
  fails(b, {"member 'a.npy'", "encrypted"});
  // A member whose bytes are not an NPY file (its CRC matches: the corruption is in what was zipped).
  b = stored;
  b[0x37] = 'X';
  const uLong crc = crc32(0, b.data() + 0x37, 0x88);
  for (size_t at : {size_t{14}, size_t{0x17e + 16}}) {
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(crc >> (8 * i));
  }
  fails(b, {"load_npz", "c.npz", "member 'a.npy'", "bad magic at offset 0"});
}

TEST(NpzTest, AnyCorruptionIsAnErrorNotACrash) {
  // Every truncation and every single-byte change of the reference files either still reads or throws an Error
  // (run under the sanitizers, this also checks that no read goes out of bounds).
  TempDir dir;
  // Thousands of small files: in memory where the system has a RAM file system.
  const std::string path =
      access("/dev/shm", W_OK) == 0 ? "/dev/shm/tessera_npz_test_" + std::to_string(getpid()) : dir.file("f.npz");
  for (const char* hex : {kNpzStoredHex, kNpzDeflatedHex, kF32Hex}) {
    const Bytes good = from_hex(hex);
    const auto load = [&](const Bytes& b) {
      write_bytes(path, b);
      try {
        if (hex == kF32Hex) {
          load_npy(path);
        } else {
          load_npz(path);
        }
      } catch (const Error&) {
      }
    };
    for (size_t n = 0; n < good.size(); ++n) load(Bytes(good.begin(), good.begin() + n));
    for (size_t i = 0; i < good.size(); ++i) {
      Bytes b = good;
      b[i] ^= i % 2 ? 0xff : 0x01;
      load(b);
    }
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace tessera
