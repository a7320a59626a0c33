// TensorBoardCallback: a short fit() leaves in the run every batch and epoch scalar at the documented steps
// (Note [TensorBoard tags]) with fit's own values, the parameter histograms, the sample grid and predictions.
#include "tessera/train/tensorboard_callback.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "io/io_testing.h"
#include "tessera/data/dataset.h"
#include "tessera/io/tensorboard/event_reader.h"
#include "tessera/io/tensorboard/graph_def.h"
#include "tessera/nn/container.h"
#include "tessera/nn/linear.h"
#include "tessera/nn/loss.h"
#include "tessera/ops/random.h"
#include "tessera/optim/sgd.h"
#include "tessera/train/fit.h"
#include "testing.h"

namespace tessera::train {
namespace {

using testing::TempDir;

const LossFn kCrossEntropy = [](const Tensor& out, const Tensor& y) { return nn::cross_entropy(out, y); };

// 1x2x2 "images" of three classes.
data::TensorDataset tiny_images(int64_t n, uint64_t seed) {
  Generator g(seed);
  return data::TensorDataset({randn({n, 1, 2, 2}, kFloat32, &g), randint(0, 3, {n}, kInt64, &g)});
}

nn::ModulePtr tiny_model() {
  return nn::make<nn::Sequential>(std::vector<nn::ModulePtr>{nn::make<nn::Flatten>(), nn::make<nn::Linear>(4, 3)});
}

class RecordLosses : public Callback {
 public:
  void on_batch_end(TrainState& s, int64_t, double loss) override { losses[s.global_step] = loss; }
  std::map<int64_t, double> losses;
};

TEST(TensorBoardCallback, LogsStepsEpochsHistogramsAndSamples) {
  manual_seed(0);
  TempDir dir;
  const data::TensorDataset samples = tiny_images(4, 9);
  data::DataLoader train(tiny_images(32, 1), {.batch_size = 8});  // 4 steps per epoch
  data::DataLoader val(tiny_images(16, 2), {.batch_size = 16});
  auto model = tiny_model();
  optim::SGD opt(model->parameters(), {.lr = 0.05});
  auto tb = std::make_shared<TensorBoardCallback>(dir.file("tb"),
                                                  TensorBoardCallbackOptions{.log_every_n_steps = 2,
                                                                             .histogram_every_n_steps = 4,
                                                                             .sample_images = samples.tensors()[0],
                                                                             .sample_labels = samples.tensors()[1],
                                                                             .class_names = {"a", "b", "c"}});
  auto rec = std::make_shared<RecordLosses>();
  std::ostringstream log;
  const History h =
      fit(*model, kCrossEntropy, opt, train, {.epochs = 2, .validation = &val, .callbacks = {tb, rec}, .out = &log});
  ASSERT_EQ(h.epochs.size(), 2u);

  const io::RunScalars s = io::read_scalars(dir.file("tb"));
  EXPECT_TRUE(s.errors.empty());
  // batch/loss at steps 2, 4, 6, 8 with fit's batch losses (as float32).
  const auto& loss = s.tags.at("batch/loss");
  ASSERT_EQ(loss.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(loss[i].step, int64_t(2 * (i + 1)));
    EXPECT_EQ(loss[i].value, double(float(rec->losses.at(loss[i].step))));
  }
  EXPECT_EQ(s.tags.at("batch/lr")[0].value, double(0.05f));
  // Every key of every epoch's logs, at the epoch's last global step.
  for (size_t e = 0; e < 2; ++e) {
    EXPECT_EQ(s.tags.at("epoch/epoch")[e].value, double(e + 1));
    for (const auto& [key, value] : h.epochs[e]) {
      ASSERT_EQ(s.tags.count("epoch/" + key), 1u) << key;
      EXPECT_EQ(s.tags.at("epoch/" + key)[e].step, int64_t(4 * (e + 1))) << key;
      EXPECT_EQ(s.tags.at("epoch/" + key)[e].value, double(float(value))) << key;
    }
  }
  EXPECT_EQ(s.tags.count("epoch/val_accuracy"), 1u);

  std::map<std::string, int> histograms, images, texts;
  std::string graph_def;
  for (const auto& e : io::read_events(io::event_files(dir.file("tb"))[0])) {
    if (!e.graph_def.empty()) graph_def = e.graph_def;
    for (const auto& v : e.values) {
      if (v.kind == io::SummaryValue::Kind::kHistogram) histograms[v.tag]++;
      if (v.kind == io::SummaryValue::Kind::kImage) images[v.tag]++;
      if (v.kind == io::SummaryValue::Kind::kTensor) texts[v.tag]++;
      if (v.tag == "samples/predictions/text_summary") {
        EXPECT_NE(v.tensor.strings[0].find("| sample | predicted | true |"), std::string::npos);
      }
    }
  }
  // Steps 4 and 8: weights and gradients of Linear(4, 3)'s weight and bias ("1." is its place in Sequential).
  EXPECT_EQ(histograms,
            (std::map<std::string, int>{
                {"gradients/1.bias", 2}, {"gradients/1.weight", 2}, {"weights/1.bias", 2}, {"weights/1.weight", 2}}));
  EXPECT_EQ(images, (std::map<std::string, int>{{"samples/inputs", 1}}));
  EXPECT_EQ(texts, (std::map<std::string, int>{{"samples/predictions/text_summary", 2}}));
  EXPECT_TRUE(model->is_training());  // the predictions ran in eval mode and restored it
  // The model's graph, traced once: its Linear layer's nodes and parameters by name.
  ASSERT_FALSE(graph_def.empty());
  std::vector<std::string> names;
  for (const auto& n : io::parse_graph_def(graph_def).nodes) names.push_back(n.name);
  for (const char* want : {"input", "1.weight", "1.bias", "output"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
}

TEST(TensorBoardCallback, Errors) {
  TempDir dir;
  testing::write_string(dir.file("file"), "x");
  testing::expect_error<IOError>([&] { TensorBoardCallback cb(dir.file("file/tb")); }, dir.file("file/tb"));
  testing::expect_error<ShapeError>(
      [&] {
        TensorBoardCallback cb(dir.file("tb"), {.sample_images = randn({2, 2})});
      },
      {"sample_images", "[2, 2]"});
  testing::expect_error<ShapeError>(
      [&] {
        TensorBoardCallback cb(dir.file("tb"), {.sample_images = randn({2, 1, 2, 2}), .sample_labels = randn({3})});
      },
      "sample_labels");
  testing::expect_error<ValueError>([&] { TensorBoardCallback cb(dir.file("tb"), {.log_every_n_steps = -1}); },
                                    "log_every_n_steps");
}

}  // namespace
}  // namespace tessera::train
