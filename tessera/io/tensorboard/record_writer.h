#pragma once
// Writing TFRecord files, the container of TensorBoard event files.
//
// Note [TFRecord framing]: a TFRecord file is a sequence of records, each
//   uint64 length              little-endian, the number of data bytes
//   uint32 masked_crc(length)  mask_crc(crc32c()) of the 8 length bytes
//   data[length]
//   uint32 masked_crc(data)
// with no file header. The length's own CRC lets a reader reject a corrupt length before trusting it to skip
// or allocate; the data CRC catches corrupt payloads.
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace tessera::io {

/// The bytes of one framed record holding `data` (Note [TFRecord framing]).
std::string frame_record(std::string_view data);

/// Appends framed records to a new file. Not thread-safe (EventFileWriter serializes its use).
class RecordWriter {
 public:
  /// Creates (or truncates) `path`. IOError naming the path and the reason when it cannot be opened.
  explicit RecordWriter(std::string path);
  ~RecordWriter();
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  /// Buffers one record; IOError naming the file when the write fails (disk full, closed writer).
  void write(std::string_view data);
  /// Hands buffered records to the operating system; IOError naming the file on failure.
  void flush();
  /// Flushes and closes; later writes throw. IOError naming the file when the final flush fails.
  void close();

  const std::string& path() const { return path_; }
  /// Bytes written so far, buffered ones included.
  uint64_t bytes_written() const { return bytes_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t bytes_ = 0;
};

}  // namespace tessera::io
