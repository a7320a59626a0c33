// read_png and ImageFolder: pixel values and channel layouts of PNGs written by io::encode_png, class numbering
// by sorted folder names, recursive and case-insensitive file discovery, batching through a DataLoader, and
// errors naming the folder or the corrupt file.
#include "tessera/data/image_folder.h"

#include <filesystem>

#include "data/data_testing.h"
#include "tessera/data/dataloader.h"
#include "tessera/io/tensorboard/png.h"
#include "testing.h"

namespace tessera {
namespace {

using namespace tessera::testing;
using data::ImageFolder;
using data::read_png;

/// Writes a PNG of `channels` interleaved channels with these pixel bytes.
void write_png(const std::string& path, int64_t h, int64_t w, int64_t channels, std::vector<uint8_t> pixels) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  const std::string png = io::encode_png({.height = h, .width = w, .channels = channels, .pixels = std::move(pixels)});
  write_bytes(path, Bytes(png.begin(), png.end()));
}

std::vector<double> scaled(std::initializer_list<double> bytes) {
  std::vector<double> v;
  for (double b : bytes) v.push_back(static_cast<float>(b) / 255.0f);
  return v;
}

TEST(ReadPngTest, DecodesToPlanarFloatsInZeroOne) {
  TempDir dir;
  write_png(dir.file("g.png"), 2, 3, 1, {0, 51, 102, 153, 204, 255});
  const Tensor g = read_png(dir.file("g.png"));
  EXPECT_EQ(g.dtype(), kFloat32);
  EXPECT_EQ(g.shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(doubles(g), scaled({0, 51, 102, 153, 204, 255}));
  // RGB: interleaved in the file, one plane per channel in the tensor.
  write_png(dir.file("c.png"), 1, 2, 3, {10, 20, 30, 40, 50, 60});
  const Tensor c = read_png(dir.file("c.png"));
  EXPECT_EQ(c.shape(), (Shape{3, 1, 2}));
  EXPECT_EQ(doubles(c), scaled({10, 40, 20, 50, 30, 60}));
  // Conversions: grey to RGB repeats the value; a grey RGB pixel stays that grey; RGBA keeps the alpha plane.
  EXPECT_EQ(doubles(read_png(dir.file("g.png"), 3)),
            scaled({0, 51, 102, 153, 204, 255, 0, 51, 102, 153, 204, 255, 0, 51, 102, 153, 204, 255}));
  write_png(dir.file("grey_rgb.png"), 1, 2, 3, {0, 0, 0, 255, 255, 255});
  EXPECT_EQ(doubles(read_png(dir.file("grey_rgb.png"), 1)), scaled({0, 255}));
  write_png(dir.file("a.png"), 1, 1, 4, {1, 2, 3, 4});
  EXPECT_EQ(doubles(read_png(dir.file("a.png"))), scaled({1, 2, 3, 4}));
  write_png(dir.file("ga.png"), 1, 1, 2, {7, 9});
  EXPECT_EQ(read_png(dir.file("ga.png")).shape(), (Shape{2, 1, 1}));
}

TEST(ReadPngTest, ErrorsNameTheFile) {
  TempDir dir;
  expect_error<IOError>([&] { read_png(dir.file("none.png")); }, "none.png");
  write_bytes(dir.file("text.png"), {'h', 'e', 'l', 'l', 'o'});
  expect_error<IOError>([&] { read_png(dir.file("text.png")); }, {"read_png", "text.png", "not a valid PNG"});
  write_png(dir.file("ok.png"), 4, 4, 1, std::vector<uint8_t>(16, 7));
  Bytes png = read_bytes(dir.file("ok.png"));
  write_bytes(dir.file("cut.png"), Bytes(png.begin(), png.begin() + 40));
  expect_error<IOError>([&] { read_png(dir.file("cut.png")); }, {"cut.png", "not a valid PNG"});
  png[png.size() - 20] ^= 0xff;  // inside the image data: a CRC error
  write_bytes(dir.file("crc.png"), png);
  expect_error<IOError>([&] { read_png(dir.file("crc.png")); }, {"crc.png", "not a valid PNG"});
  expect_error<ValueError>([&] { read_png(dir.file("ok.png"), 2); }, "channels must be 0");
}

TEST(ImageFolderTest, NumbersSortedClassFoldersAndFindsPngsRecursively) {
  TempDir dir;
  const auto root = dir.path() / "root";
  write_png((root / "dog/sub/z.PNG").string(), 2, 2, 1, {1, 1, 1, 1});
  write_png((root / "cat/b.png").string(), 2, 2, 1, {2, 2, 2, 2});
  write_png((root / "cat/a.png").string(), 2, 2, 1, {3, 3, 3, 3});
  write_png((root / "ant/x.png").string(), 2, 2, 1, {4, 4, 4, 4});
  write_bytes((root / "cat/notes.txt").string(), {'h', 'i'});
  write_bytes((root / "README").string(), {'x'});  // files at the top are not classes

  const ImageFolder ds(root.string());
  EXPECT_EQ(ds.classes(), (std::vector<std::string>{"ant", "cat", "dog"}));
  EXPECT_EQ(ds.class_to_idx().at("dog"), 2);
  ASSERT_EQ(ds.size(), 4);
  EXPECT_EQ(std::filesystem::path(ds.samples()[1].first).filename(), "a.png");
  EXPECT_EQ(std::filesystem::path(ds.samples()[2].first).filename(), "b.png");
  EXPECT_EQ(ivalues(ds.targets()), (std::vector<int64_t>{0, 1, 1, 2}));
  const std::vector<Tensor> ex = ds.get(1);
  EXPECT_EQ(ex[0].shape(), (Shape{1, 2, 2}));
  EXPECT_EQ(doubles(ex[0]), scaled({3, 3, 3, 3}));
  EXPECT_EQ(ex[1].dtype(), kInt64);
  EXPECT_EQ(ex[1].shape(), Shape{});
  EXPECT_EQ(ex[1].item<int64_t>(), 1);

  // Batches through a loader with worker threads; channels = 3 gives RGB.
  data::DataLoader loader(ImageFolder(root.string(), {.channels = 3}), {.batch_size = 3, .num_workers = 2});
  std::vector<Shape> shapes;
  std::vector<int64_t> labels;
  for (const data::Batch& b : loader) {
    shapes.push_back(b[0].shape());
    for (int64_t l : ivalues(b[1])) labels.push_back(l);
  }
  EXPECT_EQ(shapes, (std::vector<Shape>{{3, 3, 2, 2}, {1, 3, 2, 2}}));
  EXPECT_EQ(labels, (std::vector<int64_t>{0, 1, 1, 2}));
}

TEST(ImageFolderTest, Errors) {
  TempDir dir;
  expect_error<IOError>([&] { ImageFolder(dir.file("nowhere")); }, {"ImageFolder", "nowhere", "does not exist"});
  write_bytes(dir.file("file"), {'x'});
  expect_error<IOError>([&] { ImageFolder(dir.file("file")); }, {"file", "is not a directory"});
  std::filesystem::create_directories(dir.path() / "flat");
  write_png(dir.file("flat/a.png"), 1, 1, 1, {0});
  expect_error<IOError>([&] { ImageFolder(dir.file("flat")); }, {"flat", "no class folders"});
  std::filesystem::create_directories(dir.path() / "r/empty");
  std::filesystem::create_directories(dir.path() / "r/also_empty");
  write_png(dir.file("r/full/a.png"), 1, 1, 1, {0});
  write_bytes(dir.file("r/empty/a.jpg"), {'x'});
  expect_error<IOError>([&] { ImageFolder(dir.file("r")); }, {"no .png file", "'also_empty', 'empty'"});
  expect_error<ValueError>([&] { ImageFolder(dir.file("r"), {.channels = 5}); }, "channels");

  std::filesystem::remove_all(dir.path() / "r/empty");
  std::filesystem::remove_all(dir.path() / "r/also_empty");
  write_bytes(dir.file("r/full/b.png"), {0x89, 'P', 'N', 'G'});
  const ImageFolder ds(dir.file("r"));
  expect_error<IOError>([&] { ds.get(1); }, {"read_png", "b.png"});
  expect_error<IndexError>([&] { ds.get(2); }, {"ImageFolder", "index 2", "2 images"});
}

}  // namespace
}  // namespace tessera
