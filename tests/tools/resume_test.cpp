// Resuming `tessera train` in a new process continues bit-identically: two epochs in one process give exactly the
// weights (and optimizer state) of one epoch, then `--resume` in a second process for the second epoch; and a
// cosine-scheduled run killed after its first epoch's checkpoint resumes to the same weights as an uninterrupted
// one. (tests/train/resume_test.cpp checks the same inside one process.)
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "tessera/io/checkpoint.h"
#include "tools/cli_testing.h"

extern char** environ;

namespace tessera {
namespace {

using namespace tessera::testing;
namespace fs = std::filesystem;

class CliResumeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cli_path().empty()) GTEST_SKIP() << "the tessera tool is not built (TESSERA_BUILD_TOOLS=OFF)";
    dir_ = fs::temp_directory_path() / ("tessera_cli_resume_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    write_tiny_fashion_mnist(dir_ / "data", 2000, 16);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  /// `tessera train` arguments for a run writing its checkpoints into dir_/<run>.
  std::vector<std::string> train_args(const std::string& run, const std::string& schedule, int64_t epochs) const {
    return {"train",
            "--model",
            "mlp",
            "--data",
            (dir_ / "data").string(),
            "--epochs",
            std::to_string(epochs),
            "--batch-size",
            "32",
            "--schedule",
            schedule,
            "--seed",
            "5",
            "--threads",
            "1",
            "--verbose",
            "0",
            "--checkpoint-dir",
            (dir_ / run).string()};
  }
  std::string last(const std::string& run) const { return (dir_ / run / "last.safetensors").string(); }

  fs::path dir_;
};

/// Expects two state dicts with the same keys and bit-identical tensors.
void expect_bit_identical(const StateDict& a, const StateDict& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (const auto& [name, t] : a) {
    ASSERT_TRUE(b.contains(name)) << what << " " << name;
    const Tensor x = t.contiguous(), y = b.at(name).contiguous();
    ASSERT_EQ(x.shape(), y.shape()) << what << " " << name;
    ASSERT_EQ(x.dtype(), y.dtype()) << what << " " << name;
    EXPECT_EQ(std::memcmp(x.raw_data(), y.raw_data(), x.numel() * x.element_size()), 0) << what << " " << name;
  }
}

void expect_same_training_state(const std::string& a_path, const std::string& b_path) {
  const io::Checkpoint a = io::load_checkpoint(a_path), b = io::load_checkpoint(b_path);
  EXPECT_EQ(a.epoch, 2);
  EXPECT_EQ(b.epoch, 2);
  EXPECT_EQ(a.step, b.step);
  expect_bit_identical(a.model, b.model, "model");
  expect_bit_identical(a.optimizer, b.optimizer, "optimizer");
  expect_bit_identical(a.scheduler, b.scheduler, "scheduler");
}

TEST_F(CliResumeTest, TwoEpochsEqualOneEpochThenResumeInANewProcess) {
  const CliResult straight = run_cli(train_args("straight", "none", 2));
  ASSERT_EQ(straight.code, 0) << straight.output;
  const CliResult first = run_cli(train_args("first", "none", 1));
  ASSERT_EQ(first.code, 0) << first.output;
  std::vector<std::string> resume = train_args("resumed", "none", 2);
  resume.insert(resume.end(), {"--resume", last("first")});
  const CliResult second = run_cli(resume);
  ASSERT_EQ(second.code, 0) << second.output;
  EXPECT_NE(second.output.find("resumed from " + last("first") + " after epoch 1"), std::string::npos) << second.output;
  expect_same_training_state(last("straight"), last("resumed"));
}

TEST_F(CliResumeTest, KilledCosineRunResumesToTheUninterruptedWeights) {
  const CliResult straight = run_cli(train_args("straight", "cosine", 2));
  ASSERT_EQ(straight.code, 0) << straight.output;

  // The same run, killed (SIGKILL: no cleanup) as soon as its first epoch's checkpoint is complete; the JSON
  // sidecar is written after the checkpoint, each atomically.
  std::vector<std::string> args = train_args("killed", "cosine", 2);
  args.insert(args.begin(), cli_path());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  const fs::path sidecar = last("killed") + ".json";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int status = 0;
  bool exited = false;
  while (!fs::exists(sidecar) && std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  ASSERT_TRUE(fs::exists(sidecar)) << "no checkpoint after epoch 1";
  const int64_t epoch = io::load_checkpoint(last("killed")).epoch;
  if (epoch != 1) GTEST_SKIP() << "the run finished epoch " << epoch << " before it could be killed";

  std::vector<std::string> resume = train_args("killed", "cosine", 2);
  resume.insert(resume.end(), {"--resume", last("killed")});
  const CliResult resumed = run_cli(resume);
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  expect_same_training_state(last("straight"), last("killed"));
}

}  // namespace
}  // namespace tessera
