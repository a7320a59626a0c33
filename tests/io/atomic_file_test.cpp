// write_file_atomically / read_file / InputFile: content, replacement, and that every failure leaves the previous
// file byte-identical with no temporary file behind.
#include "tessera/io/atomic_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "io/io_testing.h"

namespace tessera::io {
namespace {

using testing::expect_error;
using testing::read_string;
using testing::TempDir;
using testing::write_string;

/// The names in `dir`, sorted.
std::vector<std::string> listing(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// 1 MiB of varied bytes: large enough to pass through the stream's buffer many times.
std::string big_content() {
  std::string s(1 << 20, '\0');
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>((i * 131) ^ (i >> 9));
  return s;
}

class AtomicFileTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string path_ = dir_.file("f.bin");
};

TEST_F(AtomicFileTest, WritesANewFileAndReplacesAnOldOne) {
  write_file_atomically(path_, [](std::ostream& os) { os << "hello " << 42; });
  EXPECT_EQ(read_string(path_), "hello 42");
  const std::string big = big_content();
  write_file_atomically(path_, [&](std::ostream& os) {
    os << 'x';                                                       // small writes go through the buffer,
    os.write(big.data(), static_cast<std::streamsize>(big.size()));  // large ones straight to the file
    os << 'y';
  });
  EXPECT_EQ(read_string(path_), "x" + big + "y");
  write_file_atomically(path_, std::string_view(""));
  EXPECT_EQ(read_string(path_), "");
  EXPECT_EQ(listing(dir_.path()), std::vector<std::string>{"f.bin"});
}

TEST_F(AtomicFileTest, AWriterThatThrowsLeavesTheOldFileIntact) {
  write_string(path_, "previous content");
  const std::string big = big_content();
  try {
    write_file_atomically(path_, [&](std::ostream& os) {
      os.write(big.data(), static_cast<std::streamsize>(big.size()));  // already on disk in the temp file
      throw std::runtime_error("writer failed");
    });
    ADD_FAILURE() << "expected the writer's exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "writer failed");  // propagated unchanged, not wrapped
  }
  EXPECT_EQ(read_string(path_), "previous content");
  EXPECT_EQ(listing(dir_.path()), std::vector<std::string>{"f.bin"});
}

TEST_F(AtomicFileTest, KeepsThePermissionsOfAReplacedFile) {
  write_string(path_, "old");
  ASSERT_EQ(::chmod(path_.c_str(), 0640), 0);
  write_file_atomically(path_, std::string_view("new"));
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST_F(AtomicFileTest, FailsWithIOErrorNamingThePathAndTheReason) {
  const std::string missing_dir = dir_.file("no/such/dir/f.bin");
  expect_error<IOError>([&] { write_file_atomically(missing_dir, std::string_view("x")); },
                        {missing_dir, "No such file or directory"});
  // Tests run as root, so a read-only directory would not stop them: use a regular file as the "directory".
  write_string(dir_.file("plain"), "a file");
  const std::string under_file = dir_.file("plain/f.bin");
  expect_error<IOError>([&] { write_file_atomically(under_file, std::string_view("x")); },
                        {under_file, "Not a directory"});
  // The target is a directory: the rename fails after the data was written; the temp file must go.
  std::filesystem::create_directory(dir_.file("sub"));
  expect_error<IOError>([&] { write_file_atomically(dir_.file("sub"), std::string_view("x")); },
                        {dir_.file("sub"), "cannot rename"});
  EXPECT_EQ(listing(dir_.path()), (std::vector<std::string>{"plain", "sub"}));
  EXPECT_EQ(read_string(dir_.file("plain")), "a file");
}

TEST_F(AtomicFileTest, ReadFileReturnsTheContentOrNamesTheFile) {
  const std::string big = big_content();
  write_string(path_, big);
  EXPECT_EQ(read_file(path_), big);
  write_string(path_, "");
  EXPECT_EQ(read_file(path_), "");
  expect_error<IOError>([&] { read_file(dir_.file("missing")); }, {"read_file", dir_.file("missing"), "No such file"});
  expect_error<IOError>([&] { read_file(dir_.path().string()); }, {dir_.path().string(), "is a directory"});
}

TEST_F(AtomicFileTest, InputFileReadsByOffsetAndReportsTruncation) {
  write_string(path_, "0123456789");
  InputFile f(path_, "reader");
  EXPECT_EQ(f.size(), 10);
  char buf[4] = {};
  f.read_at(3, buf, 4);
  EXPECT_EQ(std::string(buf, 4), "3456");
  expect_error<IOError>([&] { f.read_at(8, buf, 4); }, {"reader", path_, "truncated at offset 10", "expected 12"});
}

}  // namespace
}  // namespace tessera::io
