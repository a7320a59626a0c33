// `tessera train --model char-lstm --text FILE`: trains models::CharLSTM on any UTF-8 text (the King James Bible by
// default in docs/rnn.md: `bible gen1:1-rev22:21 > kjv.txt` from Debian's bible-kjv), reports training and
// held-out bits per character after each epoch and prints a sample at the end.
#include "char_lstm_command.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "tessera/core/parallel.h"
#include "tessera/core/rng.h"
#include "tessera/data/text.h"
#include "tessera/models/char_lstm.h"
#include "tessera/optim/cosine_lr.h"
#include "tessera/train/model_checkpoint.h"

namespace tessera::cli {
namespace {

struct CharLstmArgs {
  std::string text;
  int64_t seq_len = 100, hidden = 256, layers = 2, embedding = 64, sample_length = 500;
  int64_t val_block = 0;  // 0: validation is the text's tail; else held-out blocks of this many characters
  double dropout = 0.0, clip = 5.0, temperature = 0.8;
  std::string seed_text;
};

void run_char_lstm(const CharLstmArgs& a, const CommonTrainSettings& c) {
  if (a.text.empty()) {
    throw ValueError(
        "train --model char-lstm needs --text FILE, a UTF-8 text; for the King James Bible install Debian's "
        "bible-kjv and run: bible gen1:1-rev22:21 > kjv.txt");
  }
  if (c.threads > 0) set_num_threads(c.threads);
  manual_seed(c.seed);
  const auto start = std::chrono::steady_clock::now();
  std::u32string text = data::read_utf8_file(a.text);
  if (c.limit > 0 && c.limit < static_cast<int64_t>(text.size())) text.resize(static_cast<size_t>(c.limit));
  const data::TextCorpus corpus = data::make_text_corpus(text, c.val_split, a.val_block);
  for (const char32_t ch : data::decode_utf8(a.seed_text, "--seed-text")) corpus.vocab.id(ch);  // fail before training

  models::CharLSTM model(
      corpus.vocab.size(),
      {.embedding_dim = a.embedding, .hidden_size = a.hidden, .num_layers = a.layers, .dropout = a.dropout});
  auto optimizer = c.make_optimizer(model.parameters());
  std::printf(
      "tessera train: model char-lstm (%lld parameters: embedding %lld, LSTM %lld x %lld, vocabulary %lld), text %s: "
      "%lld characters (%lld training / %lld validation), seq_len %lld, batch %lld, %d threads\n",
      static_cast<long long>(model.num_parameters()), static_cast<long long>(a.embedding),
      static_cast<long long>(a.layers), static_cast<long long>(a.hidden), static_cast<long long>(corpus.vocab.size()),
      a.text.c_str(), static_cast<long long>(text.size()), static_cast<long long>(corpus.train.numel()),
      static_cast<long long>(corpus.val.numel()), static_cast<long long>(a.seq_len),
      static_cast<long long>(c.batch_size), num_threads());
  std::fflush(stdout);

  models::CharLSTMTrainOptions to{.seq_len = a.seq_len,
                                  .batch_size = c.batch_size,
                                  .epochs = c.epochs,
                                  .clip_grad_norm = a.clip,
                                  .seed = c.seed,
                                  .verbose = c.verbose};
  std::shared_ptr<optim::LRScheduler> scheduler;
  if (c.schedule == "cosine") {
    scheduler = std::make_shared<optim::CosineAnnealingLR>(*optimizer, std::max<int64_t>(c.epochs, 1));
    to.callbacks.push_back(std::make_shared<train::LRSchedulerCallback>(scheduler));
  }
  // The vocabulary is the sorted distinct characters of the text, so the same file rebuilds it; vocab.txt keeps
  // a copy beside the checkpoints.
  const std::string run_dir = c.checkpoint_dir.empty() ? "runs/char-lstm" : c.checkpoint_dir;
  std::filesystem::create_directories(run_dir);
  std::ofstream(run_dir + "/vocab.txt", std::ios::binary) << data::encode_utf8(corpus.vocab.symbols());
  auto checkpoints = std::make_shared<train::ModelCheckpoint>(run_dir, "", "auto", scheduler);
  to.callbacks.push_back(checkpoints);

  const train::History h = models::train_char_lstm(model, corpus, *optimizer, to);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!h.epochs.empty()) {
    std::printf("final: train %.4f bits/char, validation %.4f bits/char; checkpoint %s; total %.1f s\n",
                h.epochs.back().at("bpc"), h.epochs.back().count("val_bpc") ? h.epochs.back().at("val_bpc") : NAN,
                checkpoints->last_path().c_str(), seconds);
  }
  const std::string s = models::sample(
      model, corpus.vocab,
      {.length = a.sample_length, .temperature = a.temperature, .seed_text = a.seed_text, .seed = c.seed});
  std::printf("sample (temperature %g):\n%s\n", a.temperature, s.c_str());
}

}  // namespace

std::function<void(const CommonTrainSettings&)> add_char_lstm_options(CLI::App& train) {
  auto a = std::make_shared<CharLstmArgs>();
  CLI::Option_group* g = train.add_option_group("char-lstm", "Options of --model char-lstm");
  g->add_option("--text", a->text, "UTF-8 text file to train the char-lstm on")->check(CLI::ExistingFile);
  g->add_option("--val-block", a->val_block,
                "Hold out --val-split of the text as blocks of this many characters spread over it (0: the tail)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  g->add_option("--seq-len", a->seq_len, "Characters per training window")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  g->add_option("--hidden", a->hidden, "LSTM hidden size")->capture_default_str()->check(CLI::PositiveNumber);
  g->add_option("--layers", a->layers, "LSTM layers")->capture_default_str()->check(CLI::PositiveNumber);
  g->add_option("--embedding", a->embedding, "Character embedding size (0: one-hot)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  g->add_option("--dropout", a->dropout, "Dropout between LSTM layers")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  g->add_option("--clip", a->clip, "Clip the gradient norm to this (0: no clipping)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  g->add_option("--sample-length", a->sample_length, "Characters to sample after training")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  g->add_option("--temperature", a->temperature, "Sampling temperature (lower: more conservative)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  g->add_option("--seed-text", a->seed_text, "Text the sample continues")->capture_default_str();
  return [a](const CommonTrainSettings& c) { run_char_lstm(*a, c); };
}

}  // namespace tessera::cli
