#pragma once
// `tessera train --model char-lstm`: the character-level LSTM language model on a UTF-8 text file. train_command.cpp
// adds these options to `tessera train` and calls the returned runner when --model is char-lstm.
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tessera/optim/optimizer.h"

namespace tessera::cli {

/// The settings of `tessera train` that the char-LSTM shares with the image models.
struct CommonTrainSettings {
  int64_t epochs = 1;
  int64_t batch_size = 64;
  int64_t limit = 0;  ///< Use only the first `limit` characters of the text (0: all).
  double val_split = 0.1;
  uint64_t seed = 0;
  int threads = 0;
  int verbose = 1;
  std::string schedule = "cosine";
  std::string checkpoint_dir;
  /// The optimizer `tessera train --optimizer --lr` asks for, over the given parameters.
  std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)> make_optimizer;
};

/// Adds the char-LSTM options (--text, --seq-len, --hidden, --layers, --embedding, --dropout, --clip,
/// --sample-length, --temperature, --seed-text) to `train`; returns the function that trains the model, printing
/// bits/char per epoch and a sample at the end.
std::function<void(const CommonTrainSettings&)> add_char_lstm_options(CLI::App& train);

}  // namespace tessera::cli
