#include "tessera/data/idx.h"

#include "data/data_testing.h"
#include "testing.h"

namespace tessera {
namespace {

using namespace tessera::testing;
using data::read_idx;
using data::write_idx;

// ---- Round trips ----------------------------------------------------------------------------------------------

TEST(IdxTest, RoundTripsEveryWritableDtype) {
  TempDir dir;
  const std::vector<double> v = {0, 1, -2.5, 3.25, 100, -7, 0.125, 42, 1e6, -1e-3, 5, 6};
  for (DType dtype : {kUInt8, kInt32, kFloat32, kFloat64}) {
    // uint8 cannot hold the negative or fractional values: use 0..11 for it.
    const Tensor t = dtype == kUInt8 ? arange(12, kUInt8).reshape({2, 3, 2}) : make(v, dtype, {2, 3, 2});
    const std::string path = dir.file("t.idx");
    write_idx(path, t);
    const Tensor r = read_idx(path);
    EXPECT_EQ(r.dtype(), dtype);
    EXPECT_EQ(r.shape(), (Shape{2, 3, 2}));
    EXPECT_EQ(doubles(r), doubles(t)) << dtype;
  }
}

TEST(IdxTest, RoundTripsScalarsEmptyAndNonContiguous) {
  TempDir dir;
  const std::string path = dir.file("t.idx");
  write_idx(path, scalar_tensor(2.5).to(kFloat64));
  Tensor r = read_idx(path);
  EXPECT_EQ(r.shape(), Shape{});
  EXPECT_EQ(r.item<double>(), 2.5);

  write_idx(path, zeros({3, 0, 2}, kInt32));
  r = read_idx(path);
  EXPECT_EQ(r.shape(), (Shape{3, 0, 2}));
  EXPECT_EQ(r.dtype(), kInt32);

  const Tensor base = make({1, 2, 3, 4, 5, 6}, kFloat32, {2, 3});
  write_idx(path, base.t());  // written in the view's row-major order
  r = read_idx(path);
  EXPECT_EQ(r.shape(), (Shape{3, 2}));
  EXPECT_EQ(doubles(r), (std::vector<double>{1, 4, 2, 5, 3, 6}));
}

TEST(IdxTest, WritesBigEndianSizesAndValues) {
  TempDir dir;
  const std::string path = dir.file("t.idx");
  write_idx(path, make<int32_t>({0x01020304, -2}, {2}));
  EXPECT_EQ(read_bytes(path), (Bytes{0, 0, 0x0C, 1, 0, 0, 0, 2, 1, 2, 3, 4, 0xFF, 0xFF, 0xFF, 0xFE}));
  write_idx(path, make<float>({1.0f}, {1, 1}));  // 1.0f = 0x3F800000
  EXPECT_EQ(read_bytes(path), (Bytes{0, 0, 0x0D, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0x3F, 0x80, 0, 0}));
}

TEST(IdxTest, WriteReplacesAtomicallyAndLeavesNoTemporaryFile) {
  TempDir dir;
  const std::string path = dir.file("t.idx");
  write_idx(path, arange(5, kInt32));
  write_idx(path, arange(3, kUInt8));
  EXPECT_EQ(doubles(read_idx(path)), (std::vector<double>{0, 1, 2}));
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
}

// ---- Types without a Tessera dtype, and gzip ---------------------------------------------------------------------

TEST(IdxTest, WidensInt8AndInt16ToInt32) {
  TempDir dir;
  const std::string path = dir.file("t.idx");
  write_bytes(path, concat(idx_header(0x09, {3}), {0xFF, 0x7F, 0x80}));
  Tensor r = read_idx(path);
  EXPECT_EQ(r.dtype(), kInt32);
  EXPECT_EQ(doubles(r), (std::vector<double>{-1, 127, -128}));
  write_bytes(path, concat(idx_header(0x0B, {2}), {0xFF, 0xFE, 0x01, 0x00}));
  r = read_idx(path);
  EXPECT_EQ(r.dtype(), kInt32);
  EXPECT_EQ(doubles(r), (std::vector<double>{-2, 256}));
}

TEST(IdxTest, ReadsGzipCompressedFiles) {
  TempDir dir;
  const std::string raw = dir.file("t.idx"), gz = dir.file("t.idx.gz");
  const Tensor t = make({-1.5, 2, 3.75, 1e-8, 0, 9}, kFloat64, {3, 2});
  write_idx(raw, t);
  write_gzip(gz, read_bytes(raw));
  const Bytes packed = read_bytes(gz);
  ASSERT_GE(packed.size(), 2u);
  EXPECT_EQ(packed[0], 0x1F);  // really compressed
  EXPECT_EQ(packed[1], 0x8B);
  const Tensor r = read_idx(gz);
  EXPECT_EQ(r.dtype(), kFloat64);
  EXPECT_EQ(r.shape(), (Shape{3, 2}));
  EXPECT_EQ(doubles(r), doubles(t));
}

// ---- Errors: each names the file, and the offset when the content is wrong ----------------------------------------

/// Expects read_idx(path) to throw IOError naming the file and containing `parts`.
void expect_read_error(const std::string& path, std::initializer_list<std::string> parts) {
  expect_error<IOError>([&] { read_idx(path); }, {path});
  expect_error<IOError>([&] { read_idx(path); }, parts);
}

TEST(IdxTest, MissingFileOrDirectoryIsAnIOError) {
  TempDir dir;
  expect_read_error(dir.file("nope.idx"), {"cannot open", "No such file"});
  expect_read_error(dir.path().string(), {"directory"});
}

TEST(IdxTest, WrongMagicOrTypeCodeNamesTheOffset) {
  TempDir dir;
  const std::string path = dir.file("t.idx");
  write_bytes(path, {0x01, 0x00, 0x08, 0x01, 0, 0, 0, 0});
  expect_read_error(path, {"bad magic at offset 0", "found 0x01 0x00"});
  write_bytes(path, concat(idx_header(0x07, {1}), {0}));
  expect_read_error(path, {"unknown type code 0x07 at offset 2"});
  write_bytes(path, {0x00, 0x00, 0x08, 0x01, 0xFF, 0xFF, 0xFF, 0xFF});
  expect_read_error(path, {"negative size -1 of dim 0 at offset 4"});
}

TEST(IdxTest, TruncatedFilesNameTheOffsetAndExpectedLength) {
  TempDir dir;
  const std::string path = dir.file("t.idx");
  write_bytes(path, {0x00, 0x00, 0x08});
  expect_read_error(path, {"truncated at offset 3, expected 4 bytes"});
  write_bytes(path, {0x00, 0x00, 0x08, 0x02, 0, 0, 0, 3});
  expect_read_error(path, {"truncated at offset 8, expected 12 bytes"});
  write_bytes(path, concat(idx_header(0x08, {3}), {1, 2}));
  expect_read_error(path, {"truncated at offset 10, expected 11 bytes"});
  write_bytes(path, concat(idx_header(0x0D, {2}), {1, 2, 3, 4, 5}));
  expect_read_error(path, {"truncated at offset 13, expected 16 bytes"});
  // Sizes no file could hold are caught before anything is allocated.
  write_bytes(path, concat(idx_header(0x0E, {0x7FFFFFFF, 0x7FFFFFFF}), {1, 2, 3}));
  expect_read_error(path, {"truncated at offset 15, expected"});
}

TEST(IdxTest, TrailingDataIsAnError) {
  TempDir dir;
  const std::string path = dir.file("t.idx");
  write_bytes(path, concat(idx_header(0x08, {3}), {1, 2, 3, 9, 9}));
  expect_read_error(path, {"trailing data at offset 11", "2 bytes"});
}

TEST(IdxTest, CorruptOrTruncatedGzipIsAnError) {
  TempDir dir;
  const std::string path = dir.file("t.idx.gz");
  Bytes content = idx_header(0x08, {4000});
  for (int i = 0; i < 4000; ++i) content.push_back(static_cast<uint8_t>(i * 7919 % 251));
  write_gzip(path, content);
  Bytes packed = read_bytes(path);
  write_bytes(path, Bytes(packed.begin(), packed.begin() + static_cast<std::ptrdiff_t>(packed.size() / 2)));
  expect_read_error(path, {"truncated at offset"});
  write_gzip(path, idx_header(0x08, {2}));  // a valid stream that stops after the header
  expect_read_error(path, {"truncated at offset 8, expected 10 bytes"});
  packed[12] ^= 0xFF;  // damage the deflate data
  packed[13] ^= 0xFF;
  write_bytes(path, packed);
  EXPECT_THROW(read_idx(path), IOError);
}

TEST(IdxTest, WriteErrors) {
  TempDir dir;
  expect_error<DTypeError>([&] { write_idx(dir.file("t.idx"), arange(3)); }, {"write_idx", "int64"});
  expect_error<DTypeError>([&] { write_idx(dir.file("t.idx"), ones({2}, kBool)); }, {"write_idx", "bool"});
  const std::string bad = dir.file("missing_dir/t.idx");
  expect_error<IOError>([&] { write_idx(bad, arange(3, kInt32)); }, {"write_idx", bad});
}

}  // namespace
}  // namespace tessera
