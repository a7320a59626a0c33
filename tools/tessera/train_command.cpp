// `tessera train`: trains a zoo model on Fashion-MNIST (Debian's dataset-fashion-mnist by default) and reports
// per-epoch train/validation loss and accuracy and the final test accuracy.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "char_lstm_command.h"
#include "checkpoint_model.h"
#include "commands.h"
#include "tessera/core/parallel.h"
#include "tessera/core/rng.h"
#include "tessera/data/dataloader.h"
#include "tessera/data/dataset.h"
#include "tessera/data/fashion_mnist.h"
#include "tessera/data/transforms.h"
#include "tessera/models/zoo.h"
#include "tessera/nn/loss.h"
#include "tessera/ops/shape.h"
#include "tessera/optim/adam.h"
#include "tessera/optim/cosine_lr.h"
#include "tessera/optim/sgd.h"
#include "tessera/train/fit.h"
#include "tessera/train/metrics.h"
#include "tessera/train/model_checkpoint.h"
#include "tessera/train/tensorboard_callback.h"

namespace tessera::cli {
namespace {

struct TrainArgs {
  std::string model = "cnn";
  std::string data = data::default_fashion_mnist_dir();
  int64_t epochs = 8;
  int64_t batch_size = 64;
  double lr = 1e-3;
  std::string optimizer = "adam";
  std::string schedule = "cosine";
  uint64_t seed = 0;
  int threads = 0;
  double val_split = 0.1;
  int64_t limit = 0;
  std::string log_dir;
  std::string checkpoint_dir;
  std::string resume;
  std::string tensorboard;
  int verbose = 1;
  bool graph = false, choose_graph = false;
};

// uint8 [N, 28, 28] -> normalized float32 [N, 1, 28, 28], all at once (the whole set is 188 MB as floats).
Tensor prepare_images(const Tensor& u8) {
  return data::normalize(data::to_float_image(u8), {data::kFashionMnistMean}, {data::kFashionMnistStd});
}

std::unique_ptr<optim::Optimizer> make_optimizer(const std::string& name, std::vector<Tensor> params, double lr) {
  if (name == "sgd")
    return std::make_unique<optim::SGD>(std::move(params), optim::SGDOptions{.lr = lr, .momentum = 0.9});
  if (name == "adam") return std::make_unique<optim::Adam>(std::move(params), optim::AdamOptions{.lr = lr});
  if (name == "adamw") return std::make_unique<optim::AdamW>(std::move(params), optim::AdamWOptions{.lr = lr});
  throw KeyError(cat("unknown optimizer '", name, "'; choose one of: sgd, adam, adamw"));
}

void run_train(const TrainArgs& a) {
  if (a.threads > 0) set_num_threads(a.threads);
  manual_seed(a.seed);
  const auto start = std::chrono::steady_clock::now();

  data::MnistSplit train_split = data::load_fashion_mnist(a.data, true);
  const data::MnistSplit test_split = data::load_fashion_mnist(a.data, false);
  int64_t n = train_split.images.size(0);
  if (a.limit > 0 && a.limit < n) n = a.limit;
  const auto n_val = static_cast<int64_t>(static_cast<double>(n) * a.val_split);
  const int64_t n_train = n - n_val;
  const Tensor images = prepare_images(train_split.images.narrow(0, 0, n));
  const Tensor labels = train_split.labels.narrow(0, 0, n);
  // Keras' validation_split: the last fraction of the (unshuffled) training data.
  data::DataLoader train(data::TensorDataset({images.narrow(0, 0, n_train), labels.narrow(0, 0, n_train)}),
                         {.batch_size = a.batch_size, .shuffle = true, .seed = a.seed, .num_workers = 1});
  data::DataLoader val(data::TensorDataset({images.narrow(0, n_train, n_val), labels.narrow(0, n_train, n_val)}),
                       {.batch_size = 1000});
  data::DataLoader test(data::TensorDataset({prepare_images(test_split.images), test_split.labels}),
                        {.batch_size = 1000});

  nn::ModulePtr model = models::make_model(a.model);
  auto optimizer = make_optimizer(a.optimizer, model->parameters(), a.lr);
  std::cout << "tessera train: model " << a.model << " (" << model->num_parameters() << " parameters), " << n_train
            << " training / " << n_val << " validation / " << test_split.images.size(0) << " test images, batch "
            << a.batch_size << ", " << a.optimizer << " lr " << a.lr << " (" << a.schedule << "), " << num_threads()
            << " threads\n";

  train::FitOptions fo;
  fo.epochs = a.epochs;
  fo.validation = n_val > 0 ? &val : nullptr;
  fo.verbose = a.verbose;
  fo.graph = a.graph;
  fo.choose_graph = a.choose_graph;
  std::shared_ptr<optim::LRScheduler> scheduler;
  if (a.schedule == "cosine") {
    // Cosine annealing to zero over the run, stepped per epoch (Loshchilov & Hutter 2017, without restarts).
    scheduler = std::make_shared<optim::CosineAnnealingLR>(*optimizer, std::max<int64_t>(a.epochs, 1));
    fo.callbacks.push_back(std::make_shared<train::LRSchedulerCallback>(scheduler));
  }
  const std::string run_dir = a.checkpoint_dir.empty() ? "runs/" + a.model : a.checkpoint_dir;
  const std::string log_dir = a.log_dir.empty() ? run_dir : a.log_dir;
  std::filesystem::create_directories(log_dir);
  fo.callbacks.push_back(std::make_shared<train::CSVLogger>(log_dir + "/metrics.csv", !a.resume.empty()));
  auto checkpoints =
      std::make_shared<train::ModelCheckpoint>(run_dir, n_val > 0 ? "val_accuracy" : "", "auto", scheduler);
  fo.callbacks.push_back(checkpoints);
  if (!a.tensorboard.empty()) {
    // Up to 8 validation images (training ones without validation) as the samples to watch.
    const int64_t first = n_val > 0 ? n_train : 0, count = std::min<int64_t>(8, n - first);
    std::vector<std::string> names(data::fashion_mnist_classes().begin(), data::fashion_mnist_classes().end());
    fo.callbacks.push_back(std::make_shared<train::TensorBoardCallback>(
        a.tensorboard, train::TensorBoardCallbackOptions{.sample_images = images.narrow(0, first, count),
                                                         .sample_labels = labels.narrow(0, first, count),
                                                         .class_names = std::move(names)}));
  }
  if (!a.resume.empty()) {
    fo.initial_epoch = train::resume_from(a.resume, *model, *optimizer, scheduler.get());
    std::cout << "resumed from " << a.resume << " after epoch " << fo.initial_epoch << "\n";
  }
  const train::LossFn loss = [](const Tensor& out, const Tensor& y) { return nn::cross_entropy(out, y); };
  const train::History history = train::fit(*model, loss, *optimizer, train, fo);
  const train::Logs result = train::evaluate(*model, loss, test);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double train_seconds = 0;
  for (const auto& e : history.epochs) train_seconds += e.at("seconds");
  std::printf("checkpoints: %s (last), %s (best); metrics: %s/metrics.csv\n", checkpoints->last_path().c_str(),
              checkpoints->best_path().c_str(), log_dir.c_str());
  std::printf("test loss %.4f - test accuracy %.4f - total %.1fs (training %.1fs, %.0f images/s)\n", result.at("loss"),
              result.at("accuracy"), seconds, train_seconds,
              train_seconds > 0 ? double(n_train * static_cast<int64_t>(history.epochs.size())) / train_seconds : 0.0);
}

struct EvalArgs {
  std::string model = "auto";
  std::string data = data::default_fashion_mnist_dir();
  std::string checkpoint;
};

// Test-set loss, accuracy and confusion matrix of a checkpoint.
void run_eval(const EvalArgs& a) {
  const io::Checkpoint c = io::load_checkpoint(a.checkpoint);
  const nn::ModulePtr model = zoo_model_for(a.model, c, a.checkpoint).second;
  const data::MnistSplit test_split = data::load_fashion_mnist(a.data, false);
  const Tensor images = prepare_images(test_split.images);
  data::DataLoader test(data::TensorDataset({images, test_split.labels}), {.batch_size = 1000});
  const train::LossFn loss = [](const Tensor& out, const Tensor& y) { return nn::cross_entropy(out, y); };
  const train::Logs r = train::evaluate(*model, loss, test);
  const Tensor logits = train::predict(*model, test);
  train::ConfusionMatrix cm(10);
  cm.update(logits, test_split.labels);
  std::vector<std::string> names;
  for (auto n : data::fashion_mnist_classes()) names.emplace_back(n);
  std::printf("%s after epoch %lld: test loss %.4f - test accuracy %.4f\n%s", a.checkpoint.c_str(),
              static_cast<long long>(c.epoch), r.at("loss"), r.at("accuracy"), cm.to_string(names).c_str());
}

}  // namespace

void add_train_commands(CLI::App& app) {
  auto eval_args = std::make_shared<EvalArgs>();
  CLI::App* e = app.add_subcommand("eval", "Test-set loss, accuracy and confusion matrix of a checkpoint");
  e->add_option("checkpoint", eval_args->checkpoint, "A checkpoint written by tessera train")
      ->required()
      ->check(CLI::ExistingFile);
  e->add_option("--model", eval_args->model, "The zoo model of the checkpoint (auto: the one its weights fit)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "mlp", "lenet5", "cnn", "resnet"}));
  e->add_option("--data", eval_args->data, "Directory of the Fashion-MNIST IDX files")->capture_default_str();
  e->callback([eval_args] { run_eval(*eval_args); });

  auto args = std::make_shared<TrainArgs>();
  CLI::App* t = app.add_subcommand("train", "Train a model of the zoo on Fashion-MNIST");
  t->add_option("--model", args->model, "mlp, lenet5, cnn, resnet, or char-lstm (with --text)")
      ->capture_default_str()
      ->check(CLI::IsMember({"mlp", "lenet5", "cnn", "resnet", "char-lstm"}));
  t->add_option("--data", args->data, "Directory of the Fashion-MNIST IDX files")->capture_default_str();
  t->add_option("--epochs", args->epochs, "Epochs to train")->capture_default_str()->check(CLI::NonNegativeNumber);
  t->add_option("--batch-size", args->batch_size, "Images per batch")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  t->add_option("--lr", args->lr, "Learning rate")->capture_default_str()->check(CLI::PositiveNumber);
  t->add_option("--optimizer", args->optimizer, "sgd (momentum 0.9), adam or adamw")
      ->capture_default_str()
      ->check(CLI::IsMember({"sgd", "adam", "adamw"}));
  t->add_option("--schedule", args->schedule, "Learning-rate schedule over the epochs: cosine or none")
      ->capture_default_str()
      ->check(CLI::IsMember({"cosine", "none"}));
  t->add_option("--seed", args->seed, "Seed of initialization and shuffling")->capture_default_str();
  t->add_option("--threads", args->threads, "Compute threads (0: one per core)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  t->add_option("--val-split", args->val_split, "Fraction of the training set held out for validation")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.9));
  t->add_option("--limit", args->limit, "Use only the first N training images (0: all)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  t->add_option("--log-dir", args->log_dir, "Directory for metrics.csv (default: the checkpoint directory)");
  t->add_option("--checkpoint-dir", args->checkpoint_dir,
                "Directory for last/best checkpoints (default: runs/<model>)");
  t->add_option("--resume", args->resume, "Continue from a checkpoint written by an earlier run")
      ->check(CLI::ExistingFile);
  t->add_option("--tensorboard", args->tensorboard,
                "Also log the run for TensorBoard into this directory (tensorboard --logdir DIR)");
  t->add_flag("--graph", args->graph, "Run each training step as a traced, optimized graph instead of the eager tape");
  t->add_flag("--choose-graph", args->choose_graph,
              "Time eager and graph steps on the first batches and train on in the faster mode");
  t->add_option("--verbose", args->verbose, "0 quiet, 1 progress bar, 2 one line per epoch")
      ->capture_default_str()
      ->check(CLI::Range(0, 2));
  const auto run_char_lstm = add_char_lstm_options(*t);
  t->callback([args, run_char_lstm] {
    if (args->model != "char-lstm") return run_train(*args);
    const TrainArgs a = *args;
    run_char_lstm({.epochs = a.epochs,
                   .batch_size = a.batch_size,
                   .limit = a.limit,
                   .val_split = a.val_split,
                   .seed = a.seed,
                   .threads = a.threads,
                   .verbose = a.verbose,
                   .schedule = a.schedule,
                   .checkpoint_dir = a.checkpoint_dir,
                   .make_optimizer = [a](std::vector<Tensor> p) { return make_optimizer(a.optimizer, p, a.lr); }});
  });
}

}  // namespace tessera::cli
