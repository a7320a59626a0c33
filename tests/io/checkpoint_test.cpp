// save_checkpoint / load_checkpoint: round trips of every part (random stream included), the JSON sidecar, a
// real model + optimizer + scheduler resumed from disk, and the files that are not Tessera checkpoints.
#include "tessera/io/checkpoint.h"

#include <nlohmann/json.hpp>

#include "io/io_testing.h"
#include "tessera/io/safetensors.h"
#include "tessera/nn/linear.h"
#include "tessera/optim/lr_scheduler.h"
#include "tessera/optim/sgd.h"

namespace tessera::io {
namespace {

using testing::expect_bit_equal;
using testing::expect_error;
using testing::TempDir;

Checkpoint sample_checkpoint() {
  Checkpoint c;
  c.model.set("fc.weight", from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, Shape{2, 3}, kFloat32));
  c.model.set("fc.bias", from_vector(std::vector<double>{-1, 1}, Shape{2}, kFloat64));
  c.model.set("bn.num_batches_tracked", from_vector(std::vector<double>{7}, Shape{}, kInt64));
  c.optimizer.set("state.0.momentum_buffer", from_vector(std::vector<double>{0.5, 0.25}, Shape{2}, kBFloat16));
  c.optimizer.set("param_groups.0.params", from_vector(std::vector<double>{0, 1}, Shape{2}, kInt64));
  c.scheduler.set("last_epoch", from_vector(std::vector<double>{3}, Shape{}, kInt64));
  c.rng_state = capture_rng_state(Generator(1234));
  c.epoch = 3;
  c.step = -1234567890123;
  c.extra = {{"run", "baseline"}, {"git", "abc123"}};
  return c;
}

class CheckpointTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string path_ = dir_.file("ckpt.safetensors");
};

TEST_F(CheckpointTest, RoundTripsEveryPart) {
  const Checkpoint c = sample_checkpoint();
  save_checkpoint(path_, c);
  const Checkpoint l = load_checkpoint(path_);
  expect_bit_equal(l.model, c.model);
  expect_bit_equal(l.optimizer, c.optimizer);
  expect_bit_equal(l.scheduler, c.scheduler);
  expect_bit_equal(l.rng_state, c.rng_state);
  EXPECT_EQ(l.epoch, 3);
  EXPECT_EQ(l.step, -1234567890123);
  EXPECT_EQ(l.extra, c.extra);

  // One plain safetensors file underneath (Note [Checkpoint layout]).
  const SafetensorsFile f = load_safetensors(path_);
  EXPECT_EQ(f.tensors.items().front().first, "model.fc.weight");
  EXPECT_EQ(f.tensors.items().back().first, "rng.state");
  EXPECT_EQ(f.metadata.at("format"), "tessera-checkpoint");
  EXPECT_EQ(f.metadata.at("version"), "1");
  EXPECT_EQ(f.metadata.at("extra.run"), "baseline");
}

TEST_F(CheckpointTest, WritesAReadableSidecar) {
  save_checkpoint(path_, sample_checkpoint());
  const auto j = nlohmann::json::parse(testing::read_string(path_ + ".json"));
  EXPECT_EQ(j["format"], "tessera-checkpoint");
  EXPECT_EQ(j["file"], "ckpt.safetensors");
  EXPECT_EQ(j["epoch"], 3);
  EXPECT_EQ(j["step"], -1234567890123);
  EXPECT_EQ(j["tensors"]["model.fc.weight"]["dtype"], "float32");
  EXPECT_EQ(j["tensors"]["model.fc.weight"]["shape"], nlohmann::json::parse("[2, 3]"));
  EXPECT_EQ(j["tensors"]["rng.state"]["dtype"], "int64");
  EXPECT_EQ(j["extra"]["git"], "abc123");
}

TEST_F(CheckpointTest, ResumesTheDefaultRandomStream) {
  const GeneratorState saved = default_generator().get_state();
  manual_seed(2024);
  (void)rand({5});
  Checkpoint c;  // rng_state left undefined: save captures the default generator now
  save_checkpoint(path_, c);
  const Tensor expected = rand({7});
  (void)randn({3});  // move the stream further on
  restore_rng_state(load_checkpoint(path_).rng_state);
  expect_bit_equal(rand({7}), expected);
  default_generator().set_state(saved);
}

TEST_F(CheckpointTest, CapturesAndRestoresAnyGenerator) {
  Generator g(~uint64_t{0});  // a seed above INT64_MAX survives the int64 bit-cast
  g.set_offset(uint64_t{1} << 63);
  const Tensor s = capture_rng_state(g);
  EXPECT_EQ(testing::ivalues(s), (std::vector<int64_t>{-1, std::numeric_limits<int64_t>::min()}));
  Generator h;
  restore_rng_state(s, h);
  EXPECT_EQ(h.get_state(), g.get_state());
  expect_error<ValueError>([&] { restore_rng_state(Tensor(), h); }, {"restore_rng_state", "undefined"});
  expect_error<ValueError>([&] { restore_rng_state(empty({2}, kFloat32), h); }, {"int64 tensor of shape [2]"});
  Checkpoint bad;
  bad.rng_state = empty({3}, kInt64);
  expect_error<ValueError>([&] { save_checkpoint(path_, bad); }, {"save_checkpoint", "[3]"});
}

TEST_F(CheckpointTest, ResumesAModelOptimizerAndScheduler) {
  manual_seed(7);
  const Tensor x = rand({4, 3});
  auto train_step = [&](nn::Linear& m, optim::SGD& opt, optim::StepLR& sched) {
    opt.zero_grad();
    m.forward(x).pow(2.0).sum().backward();
    opt.step();
    sched.step();
  };
  nn::Linear m(3, 2);
  optim::SGD opt(m.parameters(), {.lr = 0.1, .momentum = 0.9});
  optim::StepLR sched(opt, 1, 0.5);
  train_step(m, opt, sched);
  Checkpoint saved;
  saved.model = m.state_dict();
  saved.optimizer = opt.state_dict();
  saved.scheduler = sched.state_dict();
  save_checkpoint(path_, saved);
  train_step(m, opt, sched);  // the reference: one more step without a restart

  nn::Linear m2(3, 2);
  optim::SGD opt2(m2.parameters(), {.lr = 0.1, .momentum = 0.9});
  optim::StepLR sched2(opt2, 1, 0.5);
  const Checkpoint c = load_checkpoint(path_);
  m2.load_state_dict(c.model);
  opt2.load_state_dict(c.optimizer);
  sched2.load_state_dict(c.scheduler);
  train_step(m2, opt2, sched2);
  expect_bit_equal(m2.state_dict(), m.state_dict());
  EXPECT_EQ(sched2.get_last_lr(), sched.get_last_lr());
}

TEST_F(CheckpointTest, RejectsFilesThatAreNotTesseraCheckpoints) {
  save_safetensors(path_, {}, {{"format", "pt"}});
  expect_error<IOError>([&] { load_checkpoint(path_); }, {path_, "not a Tessera checkpoint"});

  auto with_meta = [&](std::map<std::string, std::string> meta, StateDict tensors = {}) {
    if (!tensors.contains("rng.state")) tensors.set("rng.state", capture_rng_state(Generator(1)));
    meta.merge(std::map<std::string, std::string>{
        {"format", "tessera-checkpoint"}, {"version", "1"}, {"epoch", "0"}, {"step", "0"}});
    save_safetensors(path_, tensors, meta);
  };
  with_meta({{"version", "2"}});
  expect_error<IOError>([&] { load_checkpoint(path_); }, {path_, "version '2' is not supported"});
  with_meta({{"epoch", "3x"}});
  expect_error<IOError>([&] { load_checkpoint(path_); }, {path_, "metadata 'epoch' is '3x', not an integer"});
  StateDict stray;
  stray.set("weights.w", empty({1}));
  with_meta({}, stray);
  expect_error<IOError>([&] { load_checkpoint(path_); }, {path_, "unexpected tensor 'weights.w'"});
  StateDict bad_rng;
  bad_rng.set("rng.state", empty({2}, kFloat64));
  with_meta({}, bad_rng);
  expect_error<IOError>([&] { load_checkpoint(path_); }, {path_, "rng.state", "int64 tensor of shape [2]"});
  save_safetensors(path_, {}, {{"format", "tessera-checkpoint"}, {"version", "1"}, {"epoch", "0"}, {"step", "0"}});
  expect_error<IOError>([&] { load_checkpoint(path_); }, {path_, "no 'rng.state'"});
}

TEST_F(CheckpointTest, RejectsACorruptCheckpointNamingTheFile) {
  save_checkpoint(path_, sample_checkpoint());
  const std::string bytes = testing::read_string(path_);
  testing::write_string(path_, bytes.substr(0, bytes.size() - 3));
  expect_error<IOError>([&] { load_checkpoint(path_); }, {path_, "truncated"});
  expect_error<IOError>([&] { load_checkpoint(dir_.file("none")); }, {dir_.file("none")});
}

}  // namespace
}  // namespace tessera::io
