#pragma once
// Whole-file reads and crash-safe whole-file writes.
//
// Note [Atomic writes]: a checkpoint must never be half-written, even if the process dies or the disk fills up
// mid-save: the reader sees either the old file or the new one. write_file_atomically writes a temporary file in
// the same directory (rename is atomic only within one file system), fsync()s it so its data is on disk before
// the name points to it, rename()s it over the target, and fsync()s the directory so the rename itself is
// durable. Any failure removes the temporary file and leaves the old file untouched.
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace tessera::io {

/// Replaces the file at `path` with what `write` puts into the stream it is given (Note [Atomic writes]).
/// The data goes to `<path>.tmp.<pid>.<n>` in the same directory first; a replaced file keeps its permission
/// bits, a new one gets 0666 minus the umask.
/// Errors: IOError naming `path` and the reason (strerror) when the directory does not exist or is not
/// writable, the disk is full, or the rename fails. An exception thrown by `write` propagates unchanged. In
/// every failure the temporary file is removed and the previous file is left byte-identical.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);
/// write_file_atomically with the whole content given as bytes.
void write_file_atomically(const std::string& path, std::string_view bytes);

/// The whole content of the file at `path`. IOError naming the file and the reason when it cannot be opened or
/// read (missing, a directory, no permission).
std::string read_file(const std::string& path);

/// A file opened for reading by offset (pread), for formats that read a header first and then only the parts it
/// describes, straight into their destination. Not copyable.
class InputFile {
 public:
  /// Opens `path`; IOError naming it and the reason when it cannot (missing, a directory, no permission).
  /// `who` prefixes the messages ("load_safetensors").
  InputFile(const std::string& path, std::string who);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  const std::string& path() const { return path_; }
  /// Size in bytes when opened.
  int64_t size() const { return size_; }
  /// Reads exactly `n` bytes at `offset` into `dst`; IOError naming the file and the offset when the file ends
  /// first (truncated) or the read fails.
  void read_at(int64_t offset, void* dst, int64_t n) const;

 private:
  std::string path_, who_;
  int fd_ = -1;
  int64_t size_ = 0;
};

}  // namespace tessera::io
