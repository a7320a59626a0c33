#include "tessera/io/tensorboard/record_writer.h"

#include <cerrno>
#include <cstring>

#include "tessera/core/error.h"
#include "tessera/io/tensorboard/crc32c.h"

namespace tessera::io {
namespace {

void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
}

}  // namespace

std::string frame_record(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 16);
  put_le(out, data.size(), 8);
  put_le(out, mask_crc(crc32c(std::string_view(out.data(), 8))), 4);
  out.append(data);
  put_le(out, mask_crc(crc32c(data)), 4);
  return out;
}

RecordWriter::RecordWriter(std::string path) : path_(std::move(path)) {
  file_ = std::fopen(path_.c_str(), "wb");
  check<IOError>(file_ != nullptr, "cannot create '", path_, "': ", std::strerror(errno));
}

RecordWriter::~RecordWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void RecordWriter::write(std::string_view data) {
  check<IOError>(file_ != nullptr, "cannot write to '", path_, "': the file is closed");
  const std::string framed = frame_record(data);
  errno = 0;
  const bool ok = std::fwrite(framed.data(), 1, framed.size(), file_) == framed.size();
  check<IOError>(ok, "cannot write to '", path_, "': ", std::strerror(errno != 0 ? errno : EIO));
  bytes_ += framed.size();
}

void RecordWriter::flush() {
  if (file_ == nullptr) return;
  errno = 0;
  const bool ok = std::fflush(file_) == 0;  // before reading errno (argument order is unspecified)
  check<IOError>(ok, "cannot write to '", path_, "': ", std::strerror(errno != 0 ? errno : EIO));
}

void RecordWriter::close() {
  if (file_ == nullptr) return;
  std::FILE* f = file_;
  file_ = nullptr;
  errno = 0;
  const bool ok = std::fflush(f) == 0;
  const int err = errno;
  const bool closed = std::fclose(f) == 0;
  check<IOError>(ok && closed, "cannot write to '", path_, "': ", std::strerror(err != 0 ? err : EIO));
}

}  // namespace tessera::io
