#include "tessera/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <streambuf>
#include <utility>
#include <vector>

#include "tessera/core/error.h"

namespace tessera::io {
namespace {

namespace fs = std::filesystem;

std::string errno_text(int err) { return std::strerror(err); }

/// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }
  /// Closes now; returns close()'s errno (0 on success).
  int reset() {
    int err = 0;
    if (fd_ >= 0 && ::close(fd_) != 0) err = errno;
    fd_ = -1;
    return err;
  }

 private:
  int fd_;
};

/// Writes all `n` bytes, retrying short writes and EINTR; returns 0 or the errno of the failure.
int write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return 0;
}

/// A buffered output streambuf over a file descriptor that remembers the errno of the first failed write, so
/// the IOError can say why (an ostream only sets badbit).
class FdStreambuf : public std::streambuf {
 public:
  explicit FdStreambuf(int fd) : fd_(fd), buf_(1 << 16) { setp(buf_.data(), buf_.data() + buf_.size()); }
  int error() const { return error_; }

 protected:
  int_type overflow(int_type ch) override {
    if (flush_buffer() != 0) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (n < epptr() - pptr()) {  // small writes go through the buffer
      std::memcpy(pptr(), s, static_cast<size_t>(n));
      pbump(static_cast<int>(n));
      return n;
    }
    if (flush_buffer() != 0) return 0;
    error_ = write_all(fd_, s, static_cast<size_t>(n));
    return error_ == 0 ? n : 0;
  }
  int sync() override { return flush_buffer() == 0 ? 0 : -1; }

 private:
  int flush_buffer() {
    if (error_ == 0) error_ = write_all(fd_, pbase(), static_cast<size_t>(pptr() - pbase()));
    setp(buf_.data(), buf_.data() + buf_.size());
    return error_;
  }

  int fd_;
  std::vector<char> buf_;
  int error_ = 0;
};

/// `<path>.tmp.<pid>.<n>`: the pid keeps processes apart, the counter threads of one process.
std::string temp_path_for(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  return cat(path, ".tmp.", ::getpid(), ".", counter.fetch_add(1));
}

/// fsyncs the directory holding `path` so a rename into it survives a crash; returns 0 or the errno.
int sync_parent_dir(const std::string& path) {
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.ok()) return errno;
  if (::fsync(fd.get()) != 0 && errno != EINVAL) return errno;  // some file systems cannot sync directories
  return fd.reset();
}

[[noreturn]] void throw_write_error(const std::string& path, const std::string& what, int err) {
  throw IOError(cat("write_file_atomically: cannot write '", path, "': ", what, ": ", errno_text(err)));
}

}  // namespace

void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  const std::string tmp = temp_path_for(path);
  // A replaced file keeps its permissions; a new one gets the default (0666 minus the umask).
  struct stat old_stat {};
  const bool replacing = ::stat(path.c_str(), &old_stat) == 0;
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
  if (!fd.ok()) throw_write_error(path, cat("cannot create '", tmp, "'"), errno);

  // From here on every way out that does not reach the rename removes the temporary file.
  bool renamed = false;
  struct RemoveTemp {
    const std::string& tmp;
    const bool& renamed;
    ~RemoveTemp() {
      if (!renamed) ::unlink(tmp.c_str());
    }
  } remove_temp{tmp, renamed};

  FdStreambuf buf(fd.get());
  std::ostream os(&buf);
  write(os);
  os.flush();
  if (buf.error() != 0) throw_write_error(path, "write failed", buf.error());
  if (!os) throw IOError(cat("write_file_atomically: cannot write '", path, "': the stream went bad"));
  if (replacing && ::fchmod(fd.get(), old_stat.st_mode & 07777) != 0) {
    throw_write_error(path, "cannot copy the permissions", errno);
  }
  if (::fsync(fd.get()) != 0) throw_write_error(path, "fsync failed", errno);
  if (const int err = fd.reset(); err != 0) throw_write_error(path, "close failed", err);
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw_write_error(path, cat("cannot rename '", tmp, "'"), errno);
  renamed = true;
  if (const int err = sync_parent_dir(path); err != 0) throw_write_error(path, "cannot sync its directory", err);
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  write_file_atomically(path,
                        [&](std::ostream& os) { os.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); });
}

std::string read_file(const std::string& path) {
  InputFile f(path, "read_file");
  std::string out(static_cast<size_t>(f.size()), '\0');
  f.read_at(0, out.data(), f.size());
  return out;
}

InputFile::InputFile(const std::string& path, std::string who) : path_(path), who_(std::move(who)) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  check<IOError>(fd_ >= 0, who_, ": cannot open '", path, "': ", errno_text(errno));
  struct stat st {};
  std::string problem;
  if (::fstat(fd_, &st) != 0) {
    problem = errno_text(errno);
  } else if (S_ISDIR(st.st_mode)) {
    problem = "it is a directory";
  } else if (!S_ISREG(st.st_mode)) {
    problem = "not a regular file";
  }
  if (!problem.empty()) {
    ::close(fd_);
    throw IOError(cat(who_, ": cannot read '", path, "': ", problem));
  }
  size_ = st.st_size;
}

InputFile::~InputFile() { ::close(fd_); }

void InputFile::read_at(int64_t offset, void* dst, int64_t n) const {
  auto* p = static_cast<char*>(dst);
  for (int64_t done = 0; done < n;) {
    const ssize_t r = ::pread(fd_, p + done, static_cast<size_t>(n - done), offset + done);
    if (r < 0 && errno == EINTR) continue;
    check<IOError>(r >= 0, who_, ": cannot read '", path_, "' at offset ", offset + done, ": ", errno_text(errno));
    check<IOError>(r > 0, who_, ": '", path_, "' truncated at offset ", offset + done, ", expected ", offset + n,
                   " bytes");
    done += r;
  }
}

}  // namespace tessera::io
