#pragma once
// Reading TFRecord files (Note [TFRecord framing] in record_writer.h), with every check a reader can make.
#include <cstdint>
#include <fstream>
#include <string>

#include "tessera/core/error.h"

namespace tessera::io {

/// The IOError of a record cut short by the end of the file, as a file still being written (or a crashed
/// writer) leaves it: readers that follow a live run can wait and retry.
class TruncatedRecordError : public IOError {
 public:
  using IOError::IOError;
};

/// Reads framed records one by one from a file.
class RecordReader {
 public:
  /// Opens `path`; IOError naming the path and the reason when it cannot be read.
  explicit RecordReader(std::string path);

  /// Reads the next record's data into `data`. Returns false at a clean end of file (no byte left).
  /// Errors naming the file and the byte offset where the record starts: TruncatedRecordError (an IOError) when
  /// the file ends inside the record; IOError for a length or data whose CRC does not match. After an error
  /// the reader stays at that record: reading again throws again.
  bool read(std::string& data);

  /// The byte offset of the next record (the file's size after the last one).
  uint64_t offset() const { return offset_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ifstream in_;
  uint64_t offset_ = 0;
  uint64_t size_ = 0;
};

}  // namespace tessera::io
