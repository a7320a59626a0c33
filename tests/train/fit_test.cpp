// fit / evaluate / predict and the callbacks: training on real Fashion-MNIST images makes the loss fall and the
// accuracy rise; early stopping, the CSV log and the NaN guard behave as documented.
#include "tessera/train/fit.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "tessera/autograd/grad_mode.h"
#include "tessera/data/dataset.h"
#include "tessera/data/fashion_mnist.h"
#include "tessera/data/transforms.h"
#include "tessera/models/zoo.h"
#include "tessera/nn/activation.h"
#include "tessera/nn/container.h"
#include "tessera/nn/linear.h"
#include "tessera/nn/loss.h"
#include "tessera/ops/binary.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/random.h"
#include "tessera/ops/reduce.h"
#include "tessera/optim/adam.h"
#include "tessera/optim/sgd.h"
#include "tessera/train/mode_chooser.h"
#include "testing.h"

namespace tessera::train {
namespace {

const LossFn kCrossEntropy = [](const Tensor& out, const Tensor& y) { return nn::cross_entropy(out, y); };

// Records every batch loss.
class LossRecorder : public Callback {
 public:
  void on_batch_end(TrainState&, int64_t, double loss) override { losses.push_back(loss); }
  std::vector<double> losses;
};

double mean_of(const std::vector<double>& v, size_t first, size_t last) {
  double s = 0;
  for (size_t i = first; i < last; ++i) s += v[i];
  return s / double(last - first);
}

TEST(Fit, CnnLearnsRealFashionMnistInAFractionOfAnEpoch) {
  if (!std::filesystem::exists(data::default_fashion_mnist_dir())) GTEST_SKIP() << "dataset-fashion-mnist missing";
  manual_seed(1);
  const data::MnistSplit train_split = data::load_fashion_mnist();
  const data::MnistSplit test_split = data::load_fashion_mnist(data::default_fashion_mnist_dir(), false);
  const int64_t n = 1920;  // 30 batches of 64: 3% of an epoch
  auto prep = [](const Tensor& u8) { return data::normalize(data::to_float_image(u8), {0.286}, {0.353}); };
  data::DataLoader loader(
      data::TensorDataset({prep(train_split.images.narrow(0, 0, n)), train_split.labels.narrow(0, 0, n)}),
      {.batch_size = 64, .shuffle = true, .seed = 3});
  data::DataLoader test(
      data::TensorDataset({prep(test_split.images.narrow(0, 0, 1000)), test_split.labels.narrow(0, 0, 1000)}),
      {.batch_size = 500});

  nn::ModulePtr model = models::fashion_cnn();
  optim::Adam opt(model->parameters(), {.lr = 1e-3});
  auto rec = std::make_shared<LossRecorder>();
  std::ostringstream log;
  const History h = fit(*model, kCrossEntropy, opt, loader, {.epochs = 1, .callbacks = {rec}, .out = &log});

  ASSERT_EQ(rec->losses.size(), 30u);
  // Untrained logits give about ln(10) = 2.30; after 30 steps the loss is far lower.
  EXPECT_GT(rec->losses[0], 1.9);
  EXPECT_LT(mean_of(rec->losses, 25, 30), 0.5 * rec->losses[0]);
  const Logs result = evaluate(*model, kCrossEntropy, test);
  EXPECT_GT(result.at("accuracy"), 0.5);  // chance is 0.1
  EXPECT_TRUE(model->is_training());      // evaluate restores the mode
  ASSERT_EQ(h.epochs.size(), 1u);
  EXPECT_NEAR(h.epochs[0].at("loss"), mean_of(rec->losses, 0, 30), 1e-9);  // equal batches: mean of means
  EXPECT_NE(log.str().find("Epoch 1/1"), std::string::npos);
}

// Two Gaussian blobs in 2-d, labels 0/1.
data::TensorDataset blobs(int64_t n, uint64_t seed) {
  Generator g(seed);
  const Tensor y = randint(0, 2, {n}, kInt64, &g);
  const Tensor centers = y.to(kFloat32).unsqueeze(1) * 4.0 - 2.0;
  return data::TensorDataset({randn({n, 2}, kFloat32, &g) + centers, y});
}

nn::ModulePtr small_mlp() {
  return nn::make<nn::Sequential>(
      std::vector<nn::ModulePtr>{nn::make<nn::Linear>(2, 8), nn::make<nn::ReLU>(), nn::make<nn::Linear>(8, 2)});
}

TEST(Fit, ValidationLogsAndPredict) {
  manual_seed(0);
  data::DataLoader train(blobs(256, 1), {.batch_size = 32, .shuffle = true});
  data::DataLoader val(blobs(128, 2), {.batch_size = 64});
  auto model = small_mlp();
  optim::SGD opt(model->parameters(), {.lr = 0.1, .momentum = 0.9});
  std::ostringstream log;
  const History h = fit(*model, kCrossEntropy, opt, train, {.epochs = 3, .validation = &val, .out = &log});
  ASSERT_EQ(h.epochs.size(), 3u);
  for (const char* k : {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds", "samples_per_sec"}) {
    EXPECT_TRUE(h.epochs[2].count(k)) << k;
  }
  EXPECT_GT(h.epochs[2].at("val_accuracy"), 0.9);  // the blobs are 4 standard deviations apart
  EXPECT_DOUBLE_EQ(h.epochs[2].at("lr"), 0.1);
  const Tensor p = predict(*model, val);
  EXPECT_EQ(p.shape(), (Shape{128, 2}));
}

// Graph mode runs the same step as a traced, fused graph: the same batch losses and weights as the eager tape
// (also for the smaller last batch of 250 % 32, which gets a graph of its own).
TEST(Fit, GraphModeTrainsExactlyLikeEager) {
  std::vector<std::vector<double>> losses;
  std::vector<std::vector<double>> weights;
  for (bool graph : {false, true}) {
    manual_seed(0);
    data::DataLoader train(blobs(250, 1), {.batch_size = 32, .shuffle = true});
    auto model = small_mlp();
    optim::Adam opt(model->parameters(), {.lr = 0.01});
    auto rec = std::make_shared<LossRecorder>();
    std::ostringstream log;
    fit(*model, kCrossEntropy, opt, train, {.epochs = 2, .callbacks = {rec}, .out = &log, .graph = graph});
    losses.push_back(rec->losses);
    weights.push_back(testing::doubles(model->parameters()[0]));
  }
  ASSERT_EQ(losses[0].size(), 16u);
  testing::expect_close(losses[1], losses[0], 1e-5, 1e-6);
  testing::expect_close(weights[1], weights[0], 1e-5, 1e-6);
}

// choose_graph: the first 12 steps time both modes, the faster trains on; the losses are those of either mode.
TEST(Fit, ChooseGraphTimesBothModesAndKeepsTheFaster) {
  manual_seed(0);
  data::DataLoader train(blobs(512, 1), {.batch_size = 16, .shuffle = true});
  auto model = small_mlp();
  optim::Adam opt(model->parameters(), {.lr = 0.01});
  auto rec = std::make_shared<LossRecorder>();
  std::ostringstream log;
  const History h =
      fit(*model, kCrossEntropy, opt, train, {.epochs = 1, .callbacks = {rec}, .out = &log, .choose_graph = true});
  ASSERT_EQ(rec->losses.size(), 32u);
  ASSERT_TRUE(h.epochs[0].count("graph"));
  const bool graph = h.epochs[0].at("graph") == 1.0;
  EXPECT_NE(log.str().find(graph ? "graph mode: median step" : "eager mode: median step"), std::string::npos)
      << log.str();
  EXPECT_LT(rec->losses.back(), rec->losses.front());
}

TEST(ModeChooser, EagerWarmUpAndTrialsThenTraceAndGraphTrials) {
  ModeChooser c;
  std::vector<bool> modes;
  for (double t : {9.0, 3.0, 3.1, 2.9, 3.0, 3.2, 50.0, 2.0, 2.1, 1.9, 2.2, 2.0}) {
    modes.push_back(c.graph_next());
    c.record(t);
  }
  EXPECT_EQ(modes, (std::vector<bool>{false, false, false, false, false, false, true, true, true, true, true, true}));
  ASSERT_TRUE(c.choice().has_value());
  EXPECT_TRUE(*c.choice());  // median 2.0 < 3.0; the warm-up (9) and the trace (50) are not counted
  EXPECT_TRUE(c.graph_next());
  EXPECT_EQ(c.summary(), "graph mode: median step 2000.00 ms graph vs 3000.00 ms eager");
  ModeChooser slow_graph;
  for (double t : {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 5.0, 1.5, 1.5, 1.5, 1.5, 1.5}) slow_graph.record(t);
  EXPECT_FALSE(*slow_graph.choice());
  EXPECT_FALSE(slow_graph.graph_next());
}

TEST(Fit, NonFiniteLossStopsTrainingNamingTheStep) {
  data::DataLoader train(blobs(64, 1), {.batch_size = 16});
  auto model = small_mlp();
  optim::SGD opt(model->parameters(), {.lr = 0.1});
  int calls = 0;
  const LossFn exploding = [&](const Tensor& out, const Tensor& y) {
    const Tensor l = nn::cross_entropy(out, y);
    return ++calls == 3 ? l * std::numeric_limits<double>::quiet_NaN() : l;
  };
  std::ostringstream log;
  const History h = fit(*model, exploding, opt, train, {.epochs = 2, .out = &log});
  EXPECT_EQ(h.stop_reason, "training stopped: the loss is nan at epoch 1, step 3 (global step 3)");
  EXPECT_NE(log.str().find(h.stop_reason), std::string::npos);
  EXPECT_TRUE(h.epochs.size() <= 1u);
}

TEST(Fit, EarlyStoppingRestoresTheBestWeights) {
  data::DataLoader train(blobs(64, 1), {.batch_size = 16});
  data::DataLoader val(blobs(64, 2), {.batch_size = 64});
  auto model = small_mlp();
  // A learning rate of zero: val_loss never improves after the first epoch, so patience 1 stops at epoch 3.
  optim::SGD opt(model->parameters(), {.lr = 0.0});
  auto stop = std::make_shared<EarlyStopping>("val_loss", 1, 0.0, "auto", true);
  std::ostringstream log;
  const History h =
      fit(*model, kCrossEntropy, opt, train, {.epochs = 10, .validation = &val, .callbacks = {stop}, .out = &log});
  EXPECT_EQ(h.epochs.size(), 3u);
  EXPECT_EQ(stop->best_epoch(), 0);
  EXPECT_NE(h.stop_reason.find("early stopping: val_loss has not improved for 2 epochs"), std::string::npos);
}

TEST(Fit, CsvLoggerWritesOneRowPerEpoch) {
  const std::string path = (std::filesystem::temp_directory_path() / "tessera_fit_test.csv").string();
  data::DataLoader train(blobs(32, 1), {.batch_size = 16});
  auto model = small_mlp();
  optim::SGD opt(model->parameters(), {.lr = 0.05});
  std::ostringstream log;
  fit(*model, kCrossEntropy, opt, train,
      {.epochs = 2, .callbacks = {std::make_shared<CSVLogger>(path)}, .verbose = 0, .out = &log});
  std::ifstream in(path);
  std::string header, row1, row2, extra;
  std::getline(in, header), std::getline(in, row1), std::getline(in, row2);
  EXPECT_EQ(header, "epoch,accuracy,loss,lr,samples_per_sec,seconds");
  EXPECT_EQ(row1.substr(0, 2), "1,");
  EXPECT_EQ(row2.substr(0, 2), "2,");
  EXPECT_FALSE(std::getline(in, extra));
  EXPECT_TRUE(log.str().empty());  // verbose 0 prints nothing
  std::filesystem::remove(path);
  testing::expect_error<IOError>(
      [&] {
        CSVLogger bad("/nonexistent-dir/x.csv");
        TrainState s(*model, opt);
        bad.on_train_begin(s);
      },
      "CSVLogger: cannot open '/nonexistent-dir/x.csv'");
}

}  // namespace
}  // namespace tessera::train
