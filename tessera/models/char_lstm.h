#pragma once
// A character-level language model (Karpathy's char-rnn): ids -> embedding (or one-hot) -> multi-layer LSTM ->
// linear to the vocabulary, with training on windows of a text, bits-per-character evaluation and sampling with
// temperature. `tessera train --model char-lstm --text FILE` runs it (docs/rnn.md).
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tessera/data/text.h"
#include "tessera/nn/embedding.h"
#include "tessera/nn/linear.h"
#include "tessera/nn/rnn.h"
#include "tessera/optim/optimizer.h"
#include "tessera/train/callback.h"

namespace tessera::models {

struct CharLSTMOptions {
  int64_t embedding_dim = 64;  ///< 0: one-hot inputs (the LSTM then reads vocab_size features).
  int64_t hidden_size = 256;
  int64_t num_layers = 2;
  double dropout = 0.0;  ///< Between the LSTM's layers, in training.
  DType dtype = kFloat32;
};

/// ids int64 [N, L] -> logits [N, L, vocab_size]: Embedding(V, E) (or one-hot), LSTM(E, H, num_layers,
/// batch_first), Linear(H, V). Children "embedding", "lstm", "head".
class CharLSTM : public nn::Module {
 public:
  explicit CharLSTM(int64_t vocab_size, CharLSTMOptions options = {});
  Tensor forward(const Tensor& ids) override;
  /// (logits, state after the last step) from a state (undefined: zeros), to continue a text chunk by chunk.
  std::pair<Tensor, nn::LSTMState> forward(const Tensor& ids, const nn::LSTMState& state);
  std::string type_name() const override { return "CharLSTM"; }
  std::string extra_repr() const override;

  int64_t vocab_size;
  CharLSTMOptions options;
  std::shared_ptr<nn::Embedding> embedding;  ///< Null with one-hot inputs.
  std::shared_ptr<nn::LSTM> lstm;
  std::shared_ptr<nn::Linear> head;
};

/// Mean cross entropy in nats of logits [N, L, V] for target ids [N, L] (bits/char = nats / ln 2).
Tensor char_lm_loss(const Tensor& logits, const Tensor& targets);

/// Bits per character of `model` on ids int64 [n]: the text is cut into `streams` contiguous parts read side by
/// side, seq_len steps at a time, with the LSTM state carried from chunk to chunk, so each character is predicted
/// from all of its stream before it (the last (n - 1) % streams characters are left out). Eval mode without
/// gradients; the model's mode is restored. ValueError for fewer than 2 ids or seq_len, streams < 1.
double bits_per_char(CharLSTM& model, const Tensor& ids, int64_t seq_len = 100, int64_t streams = 16);

struct SampleOptions {
  int64_t length = 500;      ///< Characters to generate.
  double temperature = 1.0;  ///< Divides the logits: < 1 sharper and more repetitive, > 1 more random.
  std::string seed_text{};   ///< UTF-8 text the sample continues (empty: from a newline, or the first symbol).
  uint64_t seed = 0;         ///< Seeds the draws: the same seed gives the same sample.
};

/// seed_text followed by `length` characters drawn one by one from softmax(logits / temperature) (an empty seed
/// text starts the model on a newline, which the result does not include). Eval mode
/// without gradients. Errors: ValueError for temperature <= 0 or length < 0; KeyError naming a seed character
/// outside the vocabulary.
std::string sample(CharLSTM& model, const data::Vocabulary& vocab, const SampleOptions& options = {});

struct CharLSTMTrainOptions {
  int64_t seq_len = 100;  ///< Characters per training window (the model sees seq_len + 1 per window).
  int64_t batch_size = 64;
  int64_t epochs = 1;                           ///< One epoch visits each window of the training text once.
  double clip_grad_norm = 5.0;                  ///< Global gradient-norm clipping (0: none).
  uint64_t seed = 0;                            ///< Shuffles the windows.
  int64_t eval_streams = 16;                    ///< bits_per_char's streams for the validation text.
  int verbose = 1;                              ///< fit()'s progress display; 0 also silences the per-epoch line.
  std::ostream* out = &std::cout;               ///< Where the per-epoch line goes.
  std::vector<train::CallbackPtr> callbacks{};  ///< More fit() callbacks (scheduler, checkpoints).
};

/// Trains with train::fit on shuffled TextWindows of corpus.train, and after each epoch prints
/// `epoch 3/10: train 1.92 bits/char, val 1.85 bits/char (412.0 s)` (val: bits_per_char on corpus.val, skipped
/// when it has fewer than 2 ids). The returned history's epochs hold fit's logs plus "bpc" (the epoch's mean
/// training loss in bits) and "val_bpc".
train::History train_char_lstm(CharLSTM& model, const data::TextCorpus& corpus, optim::Optimizer& optimizer,
                               const CharLSTMTrainOptions& options = {});

}  // namespace tessera::models
