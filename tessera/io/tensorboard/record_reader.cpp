#include "tessera/io/tensorboard/record_reader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "tessera/core/error.h"
#include "tessera/io/tensorboard/crc32c.h"

namespace tessera::io {
namespace {

uint64_t get_le(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

template <class E, class... Args>
[[noreturn]] void throw_at(const std::string& path, uint64_t offset, const Args&... what) {
  throw E(cat("'", path, "': ", what..., " in the record at byte offset ", offset));
}

}  // namespace

RecordReader::RecordReader(std::string path) : path_(std::move(path)) {
  std::error_code ec;
  check<IOError>(!std::filesystem::is_directory(path_, ec), "cannot read '", path_, "': it is a directory");
  in_.open(path_, std::ios::binary);
  check<IOError>(in_.is_open(), "cannot open '", path_, "': ", std::strerror(errno));
  size_ = std::filesystem::file_size(path_, ec);
  check<IOError>(!ec, "cannot read '", path_, "': ", ec.message());
}

bool RecordReader::read(std::string& data) {
  if (offset_ == size_) return false;
  const uint64_t left = size_ - offset_;
  auto fail = [&](const auto&... what) { throw_at<IOError>(path_, offset_, what...); };
  auto truncated = [&](const auto&... what) { throw_at<TruncatedRecordError>(path_, offset_, what...); };
  char header[12];
  in_.clear();  // a failed read left failbit set; the offset is where we left off
  in_.seekg(static_cast<std::streamoff>(offset_));
  if (left < sizeof header || !in_.read(header, sizeof header)) {
    truncated("truncated length (", left, " of 12 header bytes)");
  }
  if (unmask_crc(static_cast<uint32_t>(get_le(header + 8, 4))) != crc32c(std::string_view(header, 8))) {
    fail("corrupt length (CRC mismatch)");
  }
  const uint64_t length = get_le(header, 8);
  if (left < 16 || length > left - 16) {
    truncated("truncated data (", length, " bytes announced, ", left < 16 ? 0 : left - 16, " available)");
  }
  data.resize(length);
  char footer[4];
  if (!in_.read(data.data(), static_cast<std::streamsize>(length)) || !in_.read(footer, sizeof footer)) {
    fail("read error");
  }
  if (unmask_crc(static_cast<uint32_t>(get_le(footer, 4))) != crc32c(data)) fail("corrupt data (CRC mismatch)");
  offset_ += 16 + length;
  return true;
}

}  // namespace tessera::io
