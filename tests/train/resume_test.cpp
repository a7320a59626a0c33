// Resuming from a checkpoint continues bit-identically: two epochs straight give exactly the weights of one
// epoch, a save, a load into freshly built objects, and one more epoch (shuffling, dropout, Adam state and the
// cosine schedule included).
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "tessera/data/dataset.h"
#include "tessera/nn/nn.h"
#include "tessera/ops/random.h"
#include "tessera/optim/adam.h"
#include "tessera/optim/cosine_lr.h"
#include "tessera/train/fit.h"
#include "tessera/train/model_checkpoint.h"
#include "testing.h"

namespace tessera::train {
namespace {

struct TrainingRun {
  nn::ModulePtr model;
  std::unique_ptr<optim::Adam> opt;
  std::shared_ptr<optim::CosineAnnealingLR> sched;
  std::unique_ptr<data::DataLoader> loader;
};

TrainingRun make_run() {
  manual_seed(7);  // the same initial weights in every run
  TrainingRun r;
  r.model = nn::make<nn::Sequential>(std::vector<nn::ModulePtr>{
      nn::make<nn::Linear>(4, 16), nn::make<nn::ReLU>(), nn::make<nn::Dropout>(0.3), nn::make<nn::Linear>(16, 3)});
  r.opt = std::make_unique<optim::Adam>(r.model->parameters(), optim::AdamOptions{.lr = 1e-2});
  r.sched = std::make_shared<optim::CosineAnnealingLR>(*r.opt, 2);
  Generator g(11);
  const Tensor x = randn({96, 4}, kFloat32, &g), y = randint(0, 3, {96}, kInt64, &g);
  r.loader = std::make_unique<data::DataLoader>(data::TensorDataset({x, y}),
                                                data::DataLoaderOptions{.batch_size = 16, .shuffle = true, .seed = 5});
  return r;
}

History train_epochs(TrainingRun& r, int64_t initial, int64_t epochs, std::vector<CallbackPtr> extra = {}) {
  std::ostringstream quiet;
  // The scheduler steps before the checkpoint is taken (callbacks run in order).
  extra.insert(extra.begin(), std::make_shared<LRSchedulerCallback>(r.sched));
  const LossFn ce = [](const Tensor& o, const Tensor& y) { return nn::cross_entropy(o, y); };
  return fit(*r.model, ce, *r.opt, *r.loader,
             {.epochs = epochs, .initial_epoch = initial, .callbacks = extra, .verbose = 0, .out = &quiet});
}

TEST(Resume, TwoEpochsEqualOnePlusResumedOne) {
  TrainingRun straight = make_run();
  train_epochs(straight, 0, 2);

  const std::string dir = (std::filesystem::temp_directory_path() / "tessera_resume_test").string();
  std::filesystem::remove_all(dir);
  {
    TrainingRun first = make_run();
    train_epochs(first, 0, 1, {std::make_shared<ModelCheckpoint>(dir, "", "auto", first.sched)});
  }
  // Disturb the default generator: the checkpoint must bring back its state.
  randn({10});
  TrainingRun resumed = make_run();
  const int64_t epoch = resume_from(dir + "/last.safetensors", *resumed.model, *resumed.opt, resumed.sched.get());
  EXPECT_EQ(epoch, 1);
  train_epochs(resumed, epoch, 2);

  const StateDict a = straight.model->state_dict(), b = resumed.model->state_dict();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [k, t] : a) {
    EXPECT_EQ(testing::values<float>(t), testing::values<float>(b.at(k))) << k;  // bit equality
  }
  std::filesystem::remove_all(dir);
}

TEST(Resume, CheckpointOfAnotherArchitectureListsTheMismatches) {
  const std::string dir = (std::filesystem::temp_directory_path() / "tessera_resume_mismatch").string();
  std::filesystem::remove_all(dir);
  {
    TrainingRun r = make_run();
    train_epochs(r, 0, 1, {std::make_shared<ModelCheckpoint>(dir, "")});
  }
  auto other = nn::make<nn::Sequential>(std::vector<nn::ModulePtr>{nn::make<nn::Linear>(4, 8)});
  optim::Adam opt(other->parameters());
  testing::expect_error<KeyError>([&] { resume_from(dir + "/last.safetensors", *other, opt); },
                                  {"does not fit this model", "0.weight (checkpoint [16, 4], model [8, 4])"});
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tessera::train
