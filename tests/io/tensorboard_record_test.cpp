// CRC-32C and TFRecord framing: RFC 3720's test vectors, bytes that TensorBoard's own Python record writer
// produces, and a reader that names the file and byte offset of every truncated or corrupt record.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <type_traits>

#include "io/io_testing.h"
#include "tessera/io/tensorboard/crc32c.h"
#include "tessera/io/tensorboard/record_reader.h"
#include "tessera/io/tensorboard/record_writer.h"

namespace tessera::io {
namespace {

using testing::read_string;
using testing::TempDir;
using testing::write_string;

std::string hex_bytes(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// Expects reading `path` to end with an IOError whose message names the file, `offset` and `what`, after
// `good` records; E is the error expected.
template <class E = IOError>
void expect_stops_at(const std::string& path, int good, uint64_t offset, const std::string& what) {
  RecordReader r(path);
  std::string data;
  for (int i = 0; i < good; ++i) ASSERT_TRUE(r.read(data)) << i;
  try {
    r.read(data);
    FAIL() << "expected an IOError";
  } catch (const E& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("byte offset " + std::to_string(offset)), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
    if constexpr (std::is_same_v<E, IOError>) {
      EXPECT_EQ(dynamic_cast<const TruncatedRecordError*>(&e), nullptr) << "corruption is not truncation: " << msg;
    }
  }
  EXPECT_THROW(r.read(data), IOError);  // stays at the bad record
  EXPECT_EQ(r.offset(), offset);
}

TEST(Crc32c, Rfc3720Vectors) {
  std::string inc, dec;
  for (int i = 0; i < 32; ++i) inc.push_back(static_cast<char>(i)), dec.push_back(static_cast<char>(31 - i));
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  EXPECT_EQ(crc32c(inc), 0x46DD794Eu);
  EXPECT_EQ(crc32c(dec), 0x113FDB5Cu);
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);  // the CRC catalogue's check value
  EXPECT_EQ(crc32c(""), 0u);
}

TEST(Crc32c, ExtendsAcrossChunksOfEveryAlignment) {
  std::string s;
  for (int i = 0; i < 100; ++i) s.push_back(static_cast<char>(i * 37 + 11));
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    EXPECT_EQ(crc32c(s.substr(cut), crc32c(s.substr(0, cut))), crc32c(s)) << cut;
  }
}

TEST(Crc32c, MaskAndUnmask) {
  EXPECT_EQ(mask_crc(0), 0xA282EAD8u);
  EXPECT_EQ(mask_crc(crc32c("123456789")), 0xC78AB0E5u);  // TensorBoard's masked_crc32c(b"123456789")
  for (uint32_t c : {0u, 1u, 0x8A9136AAu, 0xFFFFFFFFu}) {
    EXPECT_EQ(unmask_crc(mask_crc(c)), c);
    EXPECT_NE(mask_crc(c), c);
  }
}

TEST(RecordFraming, MatchesTensorBoardsRecordWriter) {
  // tensorboard.summary.writer.record_writer.RecordWriter's bytes for b"hello" and b"".
  EXPECT_EQ(frame_record("hello"), hex_bytes("0500000000000000eab2043e68656c6c6fbb1f1c19"));
  EXPECT_EQ(frame_record(""), hex_bytes("000000000000000029039807d8ea82a2"));
}

TEST(RecordFraming, RoundTripsRecordsOfAnySize) {
  TempDir dir;
  const std::string path = dir.file("r.tfrecord");
  const std::vector<std::string> records = {"", "a", std::string(1000, 'x'), std::string("\0\1\2", 3),
                                            std::string(70000, '\xAB')};
  {
    RecordWriter w(path);
    for (const auto& r : records) w.write(r);
    w.close();
    EXPECT_EQ(w.bytes_written(), read_string(path).size());
    EXPECT_THROW(w.write("late"), IOError);
  }
  RecordReader r(path);
  std::string data;
  for (const auto& expected : records) {
    ASSERT_TRUE(r.read(data));
    EXPECT_EQ(data, expected);
  }
  EXPECT_FALSE(r.read(data));
  EXPECT_EQ(r.offset(), read_string(path).size());
}

TEST(RecordFraming, EmptyFileHasNoRecords) {
  TempDir dir;
  write_string(dir.file("e"), "");
  RecordReader r(dir.file("e"));
  std::string data;
  EXPECT_FALSE(r.read(data));
}

class CorruptRecords : public ::testing::Test {
 protected:
  // Two records: "first" at offset 0 (21 bytes), "second" at offset 21 (22 bytes).
  void SetUp() override { bytes_ = frame_record("first") + frame_record("second"); }
  std::string write(const std::string& bytes) {
    write_string(dir_.file("c.tfrecord"), bytes);
    return dir_.file("c.tfrecord");
  }
  TempDir dir_;
  std::string bytes_;
};

TEST_F(CorruptRecords, FlippedDataByteIsACrcMismatchAtItsRecord) {
  std::string b = bytes_;
  b[21 + 12 + 2] ^= 0x01;  // inside "second"
  expect_stops_at(write(b), 1, 21, "corrupt data");
}

TEST_F(CorruptRecords, FlippedLengthByteIsACorruptLength) {
  std::string b = bytes_;
  b[21] ^= 0x40;
  expect_stops_at(write(b), 1, 21, "corrupt length");
}

TEST_F(CorruptRecords, FlippedFooterByteIsACrcMismatch) {
  std::string b = bytes_;
  b[20] ^= 0x80;  // last byte of the first record's data CRC
  expect_stops_at(write(b), 0, 0, "corrupt data");
}

TEST_F(CorruptRecords, TruncatedHeaderDataAndFooter) {
  for (size_t cut : {size_t{25}, size_t{21 + 12 + 3}, bytes_.size() - 1}) {
    expect_stops_at<TruncatedRecordError>(write(bytes_.substr(0, cut)), 1, 21, "truncated");
  }
}

TEST(RecordWriter, DiskFullIsAnIOErrorNamingTheFile) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  RecordWriter w("/dev/full");
  w.write(std::string(100, 'x'));  // buffered
  testing::expect_error<IOError>([&] { w.flush(); }, {"/dev/full", "No space"});
}

TEST(RecordReader, MissingFileAndDirectoryAreIOErrors) {
  TempDir dir;
  testing::expect_error<IOError>([&] { RecordReader r(dir.file("none")); }, "none");
  testing::expect_error<IOError>([&] { RecordReader r(dir.path().string()); }, "directory");
  testing::expect_error<IOError>([&] { RecordWriter w(dir.file("no/such/dir/f")); }, "no/such/dir/f");
}

}  // namespace
}  // namespace tessera::io
