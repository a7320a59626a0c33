// `tessera predict`: the CSV's classes and probabilities equal the checkpoint's model run in this process, for
// all three inputs (Fashion-MNIST IDX directory, NPY array, PNG class folders); top-k columns; the summary;
// and usage errors (exit 2) and library errors (exit 1) naming what is wrong.
#include <fstream>
#include <sstream>

#include "data/data_testing.h"
#include "tessera/data/fashion_mnist.h"
#include "tessera/data/npy.h"
#include "tessera/data/transforms.h"
#include "tessera/io/checkpoint.h"
#include "tessera/io/tensorboard/png.h"
#include "tessera/models/zoo.h"
#include "tessera/ops/softmax.h"
#include "testing.h"
#include "tools/cli_testing.h"

namespace tessera {
namespace {

using namespace tessera::testing;
namespace fs = std::filesystem;

constexpr int64_t kImages = 12;

/// The rows of a CSV file, split at commas (the test's cells hold no quotes).
std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

class CliPredictTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (cli_path().empty()) return;
    dir_ = new TempDir;
    write_tiny_fashion_mnist(dir_->path() / "data", 200, kImages, 3);
    const CliResult r = run_cli({"train", "--model", "mlp", "--data", data_dir(), "--epochs", "1", "--threads", "1",
                                 "--verbose", "0", "--checkpoint-dir", dir_->file("run")});
    ASSERT_EQ(r.code, 0) << r.output;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (cli_path().empty()) GTEST_SKIP() << "the tessera tool is not built (TESSERA_BUILD_TOOLS=OFF)";
  }

  static std::string data_dir() { return (dir_->path() / "data").string(); }
  static std::string checkpoint() { return dir_->file("run/last.safetensors"); }
  /// softmax of the checkpoint's mlp on the test images, computed here: float64 [kImages, 10].
  static Tensor reference_probabilities() {
    nn::ModulePtr model = models::mlp();
    model->load_state_dict(io::load_checkpoint(checkpoint()).model);
    model->eval();
    const Tensor images = data::load_fashion_mnist(data_dir(), false).images;
    const Tensor x = data::normalize(data::to_float_image(images), {0.2860}, {0.3530});
    return softmax((*model)(x).to(kFloat64), 1);
  }
  /// Runs predict with `args` after the checkpoint, writing `csv`; expects exit 0.
  static std::vector<std::vector<std::string>> predict(const std::string& csv, std::vector<std::string> args) {
    args.insert(args.begin(), {"predict", checkpoint(), "--output", dir_->file(csv), "--threads", "1"});
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("predictions: " + dir_->file(csv)), std::string::npos) << r.output;
    return read_csv(dir_->file(csv));
  }

  static TempDir* dir_;
};
TempDir* CliPredictTest::dir_ = nullptr;

TEST_F(CliPredictTest, TopKClassesAndProbabilitiesMatchTheModel) {
  const CliResult r = run_cli({"predict", checkpoint(), "--data", data_dir(), "--top-k", "3", "--output",
                               dir_->file("top3.csv"), "--threads", "1"});
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("12 images from " + data_dir()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("model mlp (checkpoint after epoch 1)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("top-3 accuracy"), std::string::npos) << r.output;
  const auto rows = read_csv(dir_->file("top3.csv"));
  ASSERT_EQ(rows.size(), kImages + 1);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"index", "label", "top1", "top1_class", "top1_prob", "top2",
                                               "top2_class", "top2_prob", "top3", "top3_class", "top3_prob"}));
  const std::vector<double> p = doubles(reference_probabilities());
  const std::vector<int64_t> labels = ivalues(data::load_fashion_mnist(data_dir(), false).labels);
  int64_t correct = 0;
  for (int64_t i = 0; i < kImages; ++i) {
    const auto& row = rows[i + 1];
    ASSERT_EQ(row.size(), 11u);
    EXPECT_EQ(row[0], std::to_string(i));
    EXPECT_EQ(row[1], std::to_string(labels[i]));
    // Each listed class has the reference probability, in decreasing order, the first being the largest.
    double previous = 2;
    for (int j = 0; j < 3; ++j) {
      const int64_t c = std::stoll(row[2 + 3 * j]);
      EXPECT_EQ(row[3 + 3 * j], std::string(data::fashion_mnist_classes()[c]));
      const double prob = std::stod(row[4 + 3 * j]);
      EXPECT_NEAR(prob, p[i * 10 + c], 1e-6) << "image " << i << " class " << c;
      EXPECT_LE(prob, previous);
      previous = prob;
    }
    const int64_t top = std::stoll(row[2]);
    for (int64_t c = 0; c < 10; ++c) EXPECT_LE(p[i * 10 + c], p[i * 10 + top] + 1e-12);
    correct += top == labels[i];
  }
  char accuracy[64];
  std::snprintf(accuracy, sizeof accuracy, "accuracy %.4f (%lld of 12)", correct / 12.0,
                static_cast<long long>(correct));
  EXPECT_NE(r.output.find(accuracy), std::string::npos) << r.output;
}

TEST_F(CliPredictTest, NpyAndImageFoldersGiveTheSamePredictions) {
  // The default input is the directory given by --data; a limit keeps the first images.
  const auto from_idx = predict("idx.csv", {"--data", data_dir()});
  const Tensor images = data::load_fashion_mnist(data_dir(), false).images;
  const std::vector<int64_t> labels = ivalues(data::load_fashion_mnist(data_dir(), false).labels);

  // NPY: uint8 [N, 28, 28], and float [N, 1, 28, 28] in [0, 1].
  data::save_npy(dir_->file("x.npy"), images);
  const auto from_npy = predict("npy.csv", {"--npy", dir_->file("x.npy")});
  data::save_npy(dir_->file("f.npy"), data::to_float_image(images));
  const auto from_float = predict("float.csv", {"--npy", dir_->file("f.npy"), "--limit", "5"});
  ASSERT_EQ(from_npy.size(), kImages + 1);
  ASSERT_EQ(from_float.size(), 6u);
  EXPECT_EQ(from_npy[0], (std::vector<std::string>{"index", "top1", "top1_class", "top1_prob"}));
  for (int64_t i = 1; i <= kImages; ++i) {
    EXPECT_EQ(from_npy[i][1], from_idx[i][2]);  // no label column without labels
    EXPECT_EQ(from_npy[i][3], from_idx[i][4]);
    if (i <= 5) {
      EXPECT_EQ(from_float[i], from_npy[i]);
    }
  }

  // PNG folders named by label ("T-shirt/top" is written "T-shirt_top"): the label is known.
  for (int64_t i = 0; i < kImages; ++i) {
    std::string folder(data::fashion_mnist_classes()[labels[i]]);
    std::replace(folder.begin(), folder.end(), '/', '_');
    const Tensor img = images[i].contiguous();
    const auto* px = static_cast<const uint8_t*>(img.raw_data());
    const std::string png = io::encode_png({.height = 28, .width = 28, .channels = 1, .pixels = {px, px + 784}});
    const fs::path file = dir_->path() / "png" / folder / ("img" + std::to_string(100 + i) + ".png");
    fs::create_directories(file.parent_path());
    write_bytes(file.string(), Bytes(png.begin(), png.end()));
  }
  const auto from_png = predict("png.csv", {"--images", dir_->file("png")});
  ASSERT_EQ(from_png.size(), kImages + 1);
  EXPECT_EQ(from_png[0][1], "file");
  EXPECT_EQ(from_png[0][2], "label");
  for (int64_t i = 1; i <= kImages; ++i) {
    // Images come in folder order; find each one's index from its file name.
    const std::string name = fs::path(from_png[i][1]).stem().string();
    const int64_t k = std::stoll(name.substr(3)) - 100;
    EXPECT_EQ(from_png[i][2], std::to_string(labels[k]));
    EXPECT_EQ(from_png[i][3], from_idx[k + 1][2]) << name;
    EXPECT_EQ(from_png[i][5], from_idx[k + 1][4]) << name;
  }
}

TEST_F(CliPredictTest, UsageErrorsExitTwoAndOtherErrorsExitOne) {
  const CliResult help = run_cli({"predict", "--help"});
  EXPECT_EQ(help.code, 0);
  for (const char* option : {"--data", "--npy", "--images", "--output", "--top-k", "--model"}) {
    EXPECT_NE(help.output.find(option), std::string::npos) << option;
  }
  const auto usage = [&](std::vector<std::string> args, const std::string& part) {
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find(part), std::string::npos) << r.output;
  };
  usage({"predict"}, "checkpoint is required");
  usage({"predict", dir_->file("nope.safetensors")}, "nope.safetensors");
  usage({"predict", checkpoint(), "--top-k", "0"}, "--top-k");
  usage({"predict", checkpoint(), "--data", data_dir(), "--npy", checkpoint()}, "excludes");
  usage({"predict", checkpoint(), "--model", "vgg"}, "--model");

  const auto fails = [&](std::vector<std::string> args, std::initializer_list<std::string> parts) {
    args.insert(args.begin(), "predict");
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.code, 1) << r.output;
    for (const std::string& p : parts) EXPECT_NE(r.output.find(p), std::string::npos) << r.output;
  };
  fails({checkpoint(), "--data", data_dir(), "--model", "cnn", "--output", dir_->file("no.csv")},
        {"does not fit model cnn", "size mismatch"});
  write_bytes(dir_->file("junk.safetensors"), {1, 2, 3});
  fails({dir_->file("junk.safetensors"), "--data", data_dir()}, {"junk.safetensors"});
  data::save_npy(dir_->file("bad.npy"), zeros({2, 3, 28, 28}, kUInt8));
  fails({checkpoint(), "--npy", dir_->file("bad.npy")}, {"bad.npy", "expected images", "[2, 3, 28, 28]"});
  fails({checkpoint(), "--data", dir_->file("run")}, {"dataset-fashion-mnist"});
  fails({checkpoint(), "--data", data_dir(), "--output", dir_->file("missing/p.csv")}, {"missing/p.csv"});
  EXPECT_FALSE(fs::exists(dir_->file("no.csv")));
  EXPECT_FALSE(fs::exists(dir_->file("missing")));
}

}  // namespace
}  // namespace tessera
