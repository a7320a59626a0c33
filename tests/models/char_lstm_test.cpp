// The character-level LSTM language model: shapes, bits per character, sampling, and a short training run on
// 50 KB of text the test writes itself (deterministic, so the test never depends on an installed corpus) whose
// loss must fall well below log(vocabulary size), the loss of a uniform guess.
#include "tessera/models/char_lstm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>

#include "tessera/core/parallel.h"
#include "tessera/core/rng.h"
#include "tessera/optim/adam.h"
#include "testing.h"

namespace tessera::models {
namespace {

using testing::expect_error;

// Sentences "And Isaac kept the old field upon the river.\n" drawn from small word lists by a fixed LCG.
std::string synthetic_text(size_t bytes) {
  static const char* const kNames[] = {"Abram", "Sarah", "Isaac", "Rebekah", "Jacob", "Leah", "Joseph", "Moses"};
  static const char* const kVerbs[] = {"saw", "took", "blessed", "called", "gave", "found", "kept", "loved"};
  static const char* const kAdjectives[] = {"great", "little", "good", "old", "young", "holy", "strong", "fair"};
  static const char* const kNouns[] = {"land", "house", "city", "field", "flock", "river", "mountain", "servant"};
  static const char* const kPrepositions[] = {"in", "by", "near", "beyond", "upon", "under"};
  uint64_t state = 12345;
  auto pick = [&](const char* const* words, uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return words[(state >> 33) % n];
  };
  std::string text;
  while (text.size() < bytes) {
    text += cat("And ", pick(kNames, 8), " ", pick(kVerbs, 8), " the ", pick(kAdjectives, 8), " ", pick(kNouns, 8), " ",
                pick(kPrepositions, 6), " the ", pick(kNouns, 8), ".\n");
  }
  return text.substr(0, bytes);
}

TEST(CharLSTM, ShapesParametersAndOneHot) {
  CharLSTM m(30, {.embedding_dim = 8, .hidden_size = 16});
  const Tensor ids = testing::make<int64_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(m.forward(ids).shape(), (Shape{2, 3, 30}));
  auto [logits, state] = m.forward(ids, {});
  EXPECT_EQ(state.first.shape(), (Shape{2, 2, 16}));
  EXPECT_EQ(m.child("lstm")->named_parameters()[0].first, "weight_ih_l0");
  EXPECT_EQ(m.num_parameters(), 30 * 8 + (64 * 8 + 64 * 16 + 128) + (64 * 16 + 64 * 16 + 128) + 16 * 30 + 30);
  CharLSTM hot(5, {.embedding_dim = 0, .hidden_size = 4, .num_layers = 1});
  EXPECT_FALSE(hot.embedding);
  EXPECT_EQ(hot.lstm->input_size, 5);
  EXPECT_EQ(hot.forward(testing::make<int64_t>({0, 4}, {1, 2})).shape(), (Shape{1, 2, 5}));
  expect_error<ShapeError>([&] { m.forward(testing::make<int64_t>({1, 2}, {2})); }, "CharLSTM: expected ids [N, L]");
  expect_error<ValueError>([] { CharLSTM(0); }, "vocab_size must be >= 1");
}

TEST(CharLSTM, UntrainedModelIsNearUniformAndStateCarriesAcrossChunks) {
  manual_seed(1);
  const data::TextCorpus c = data::make_text_corpus(data::decode_utf8(synthetic_text(3000)), 0.5);
  CharLSTM m(c.vocab.size(), {.embedding_dim = 8, .hidden_size = 16});
  const double uniform = std::log2(static_cast<double>(c.vocab.size()));
  EXPECT_NEAR(bits_per_char(m, c.val, 50, 4), uniform, 0.15 * uniform);
  // One stream in chunks of 7 equals one stream in a single chunk: the state is carried.
  EXPECT_NEAR(bits_per_char(m, c.val.narrow(0, 0, 200), 7, 1), bits_per_char(m, c.val.narrow(0, 0, 200), 500, 1), 1e-5);
  EXPECT_TRUE(m.is_training());  // mode restored
  expect_error<ValueError>([&] { bits_per_char(m, c.val.narrow(0, 0, 1)); }, "at least 2 ids");
}

TEST(CharLSTM, SamplingIsSeededAndStartsWithTheSeedText) {
  manual_seed(2);
  const data::Vocabulary vocab(data::decode_utf8(synthetic_text(2000)));
  CharLSTM m(vocab.size(), {.embedding_dim = 8, .hidden_size = 16});
  const std::string a = sample(m, vocab, {.length = 40, .temperature = 0.8, .seed_text = "And ", .seed = 5});
  EXPECT_EQ(a.substr(0, 4), "And ");
  EXPECT_EQ(data::decode_utf8(a).size(), 44u);
  EXPECT_EQ(a, sample(m, vocab, {.length = 40, .temperature = 0.8, .seed_text = "And ", .seed = 5}));
  EXPECT_NE(a, sample(m, vocab, {.length = 40, .temperature = 0.8, .seed_text = "And ", .seed = 6}));
  EXPECT_EQ(data::decode_utf8(sample(m, vocab, {.length = 10})).size(), 10u);  // started on a newline
  expect_error<KeyError>([&] { sample(m, vocab, {.seed_text = "Q"}); }, "'Q' (U+0051) is not in the vocabulary");
  expect_error<ValueError>([&] { sample(m, vocab, {.temperature = 0.0}); }, "temperature must be > 0");
}

TEST(CharLSTM, TrainingOn50KBFallsWellBelowUniform) {
  // One thread: the results are the same for any thread count, and this many small ops run fastest on one core
  // (on a loaded machine, OpenMP's spinning barriers slow two threads down many times over).
  struct OneThread {
    int before = num_threads();
    OneThread() { set_num_threads(1); }
    ~OneThread() { set_num_threads(before); }
  } one_thread;
  manual_seed(0);
  const data::TextCorpus c = data::make_text_corpus(data::decode_utf8(synthetic_text(50000)), 0.05);
  CharLSTM m(c.vocab.size(), {.embedding_dim = 16, .hidden_size = 128, .num_layers = 2});
  optim::Adam adam(m.parameters(), {.lr = 5e-3});
  std::ostringstream log;
  const train::History h = train_char_lstm(
      m, c, adam, {.seq_len = 64, .batch_size = 32, .epochs = 2, .seed = 3, .eval_streams = 4, .out = &log});
  const double uniform = std::log2(static_cast<double>(c.vocab.size()));
  ASSERT_EQ(h.epochs.size(), 2u);
  const double train_bpc = h.epochs.back().at("bpc"), val_bpc = h.epochs.back().at("val_bpc");
  EXPECT_LT(train_bpc, 0.5 * uniform) << log.str();
  EXPECT_LT(val_bpc, 0.5 * uniform) << log.str();
  EXPECT_LT(h.epochs[1].at("bpc"), h.epochs[0].at("bpc"));
  EXPECT_NE(log.str().find("epoch 2/2: train "), std::string::npos) << log.str();
  EXPECT_NE(log.str().find(" bits/char, val "), std::string::npos) << log.str();
  RecordProperty("val_bpc", std::to_string(val_bpc));
  std::printf("vocabulary %lld (uniform %.2f bits/char): train %.3f, val %.3f bits/char\n",
              static_cast<long long>(c.vocab.size()), uniform, train_bpc, val_bpc);
}

}  // namespace
}  // namespace tessera::models
