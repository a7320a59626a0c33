#include "tessera/data/fashion_mnist.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "data/data_testing.h"
#include "tessera/data/idx.h"
#include "testing.h"

namespace tessera {
namespace {

using namespace tessera::testing;
using data::load_fashion_mnist;

const std::string kDebianDir = "/usr/share/datasets/fashion-mnist";

/// How many labels of each class 0..9.
std::vector<int64_t> class_counts(const Tensor& labels) {
  std::vector<int64_t> counts(10, 0);
  for (int64_t l : ivalues(labels)) ++counts.at(l);
  return counts;
}

/// Sum of the pixels of image i.
int64_t pixel_sum(const Tensor& images, int64_t i) {
  int64_t s = 0;
  for (uint8_t v : values<uint8_t>(images[i])) s += v;
  return s;
}

// Reference values computed with /usr/bin/python3 and gzip from Debian's files:
//   d = gzip.open('train-labels-idx1-ubyte.gz').read(); d[8] -> 9
//   im = gzip.open('train-images-idx3-ubyte.gz').read(); sum(im[16:16 + 784]) -> 76247 (t10k: 33456)
TEST(FashionMnistTest, LoadsTheRealTrainingSplit) {
  if (!std::filesystem::exists(kDebianDir + "/train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }
  const auto start = std::chrono::steady_clock::now();
  const data::MnistSplit train = load_fashion_mnist(kDebianDir, true);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("load_seconds", std::to_string(seconds));
  EXPECT_LT(seconds, 3.0);  // ~0.2 s on an idle core; the bound only catches pathological slowness
  EXPECT_EQ(train.images.shape(), (Shape{60000, 28, 28}));
  EXPECT_EQ(train.images.dtype(), kUInt8);
  EXPECT_EQ(train.labels.shape(), (Shape{60000}));
  EXPECT_EQ(train.labels.dtype(), kInt64);
  EXPECT_EQ(class_counts(train.labels), std::vector<int64_t>(10, 6000));
  EXPECT_EQ(ivalues(train.labels.slice(0, 0, 10)), (std::vector<int64_t>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}));
  EXPECT_EQ(pixel_sum(train.images, 0), 76247);
  EXPECT_EQ(data::fashion_mnist_classes()[9], "Ankle boot");
}

TEST(FashionMnistTest, LoadsTheRealTestSplit) {
  if (!std::filesystem::exists(kDebianDir + "/t10k-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }
  const data::MnistSplit test = load_fashion_mnist(kDebianDir, false);
  EXPECT_EQ(test.images.shape(), (Shape{10000, 28, 28}));
  EXPECT_EQ(test.labels.shape(), (Shape{10000}));
  EXPECT_EQ(class_counts(test.labels), std::vector<int64_t>(10, 1000));
  EXPECT_EQ(ivalues(test.labels.slice(0, 0, 10)), (std::vector<int64_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}));
  EXPECT_EQ(pixel_sum(test.images, 0), 33456);
}

TEST(FashionMnistTest, DefaultDirectoryFollowsTheEnvironment) {
  const char* saved = std::getenv("TESSERA_FASHION_MNIST");
  const std::string saved_value = saved ? saved : "";
  setenv("TESSERA_FASHION_MNIST", "/some/where", 1);
  EXPECT_EQ(data::default_fashion_mnist_dir(), "/some/where");
  unsetenv("TESSERA_FASHION_MNIST");
  EXPECT_EQ(data::default_fashion_mnist_dir(), kDebianDir);
  if (saved) setenv("TESSERA_FASHION_MNIST", saved_value.c_str(), 1);
}

// ---- Small fixtures ------------------------------------------------------------------------------------------

/// Writes n images whose pixels all equal their index, and the given labels, unpacked, as the `prefix` split.
void write_split(const TempDir& dir, const std::string& prefix, int64_t n, const std::vector<uint8_t>& labels) {
  const Tensor images = arange(n, kUInt8).view({n, 1, 1}).expand({n, 28, 28});
  data::write_idx(dir.file(prefix + "-images-idx3-ubyte"), images);
  data::write_idx(dir.file(prefix + "-labels-idx1-ubyte"), make(labels, {static_cast<int64_t>(labels.size())}));
}

TEST(FashionMnistTest, ReadsUnpackedFilesAndPrefersGzip) {
  TempDir dir;
  write_split(dir, "t10k", 3, {4, 0, 9});
  data::MnistSplit s = load_fashion_mnist(dir.path().string(), false);
  EXPECT_EQ(s.images.shape(), (Shape{3, 28, 28}));
  EXPECT_EQ(pixel_sum(s.images, 2), 2 * 784);
  EXPECT_EQ(ivalues(s.labels), (std::vector<int64_t>{4, 0, 9}));

  // A .gz beside the unpacked file wins.
  write_gzip(dir.file("t10k-labels-idx1-ubyte.gz"), concat(idx_header(0x08, {3}), {1, 2, 3}));
  s = load_fashion_mnist(dir.path().string(), false);
  EXPECT_EQ(ivalues(s.labels), (std::vector<int64_t>{1, 2, 3}));
}

TEST(FashionMnistTest, MissingFilesNameThePathsAndThePackage) {
  TempDir dir;
  const std::string d = dir.file("nothing_here");
  expect_error<IOError>(
      [&] { load_fashion_mnist(d, true); },
      {d + "/train-images-idx3-ubyte.gz", d + "/train-images-idx3-ubyte", d + "/train-labels-idx1-ubyte.gz",
       "dataset-fashion-mnist", "apt-get install dataset-fashion-mnist", "pass the directory"});
  write_split(dir, "train", 2, {0, 1});
  std::filesystem::remove(dir.file("train-labels-idx1-ubyte"));
  const std::string msg = error_of([&] { load_fashion_mnist(dir.path().string(), true); });
  EXPECT_NE(msg.find("train-labels-idx1-ubyte"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("train-images"), std::string::npos) << msg;  // only the missing file is listed
}

TEST(FashionMnistTest, InconsistentFilesAreIOErrors) {
  TempDir dir;
  const std::string d = dir.path().string();
  write_split(dir, "train", 5, {0, 1, 2, 3});
  expect_error<IOError>([&] { load_fashion_mnist(d, true); },
                        {"train-labels-idx1-ubyte' holds 4 labels", "train-images-idx3-ubyte' holds 5 images"});
  write_split(dir, "train", 3, {1, 2, 10});
  expect_error<IOError>([&] { load_fashion_mnist(d, true); },
                        {"train-labels-idx1-ubyte", "label 10 at offset 10", "outside 0..9"});
  data::write_idx(dir.file("train-images-idx3-ubyte"), zeros({3, 28, 27}, kUInt8));
  expect_error<IOError>([&] { load_fashion_mnist(d, true); },
                        {"train-images-idx3-ubyte", "[3, 28, 27]", "expected uint8 [N, 28, 28]"});
  write_split(dir, "train", 2, {0, 1});
  data::write_idx(dir.file("train-labels-idx1-ubyte"), make<int32_t>({0, 1}, {2}));
  expect_error<IOError>([&] { load_fashion_mnist(d, true); }, {"train-labels-idx1-ubyte", "int32"});
  write_bytes(dir.file("train-labels-idx1-ubyte"), concat(idx_header(0x08, {2}), {0}));
  expect_error<IOError>([&] { load_fashion_mnist(d, true); }, {"truncated at offset 9, expected 10 bytes"});
}

}  // namespace
}  // namespace tessera
