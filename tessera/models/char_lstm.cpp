#include "tessera/models/char_lstm.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tessera/autograd/grad_mode.h"
#include "tessera/data/dataloader.h"
#include "tessera/nn/loss.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/index.h"
#include "tessera/ops/random.h"
#include "tessera/ops/softmax.h"
#include "tessera/train/fit.h"

namespace tessera::models {
namespace {

const double kLn2 = std::log(2.0);

// Puts a module in eval mode for a scope and restores its mode afterwards.
class EvalScope {
 public:
  explicit EvalScope(nn::Module& m) : m_(m), was_training_(m.is_training()) { m.eval(); }
  ~EvalScope() { m_.train(was_training_); }
  EvalScope(const EvalScope&) = delete;
  EvalScope& operator=(const EvalScope&) = delete;

 private:
  nn::Module& m_;
  bool was_training_;
};

}  // namespace

CharLSTM::CharLSTM(int64_t vocab_size, CharLSTMOptions opts) : vocab_size(vocab_size), options(opts) {
  check<ValueError>(vocab_size >= 1 && options.embedding_dim >= 0, "CharLSTM: vocab_size must be >= 1 and ",
                    "embedding_dim >= 0, got ", vocab_size, ", ", options.embedding_dim);
  const int64_t in = options.embedding_dim > 0 ? options.embedding_dim : vocab_size;
  if (options.embedding_dim > 0) {
    embedding = register_module("embedding", nn::make<nn::Embedding>(vocab_size, options.embedding_dim,
                                                                     nn::EmbeddingOptions{.dtype = options.dtype}));
  }
  lstm = register_module("lstm", nn::make<nn::LSTM>(in, options.hidden_size,
                                                    nn::RNNOptions{.num_layers = options.num_layers,
                                                                   .batch_first = true,
                                                                   .dropout = options.dropout,
                                                                   .dtype = options.dtype}));
  head = register_module("head", nn::make<nn::Linear>(options.hidden_size, vocab_size, true, options.dtype));
}

std::pair<Tensor, nn::LSTMState> CharLSTM::forward(const Tensor& ids, const nn::LSTMState& state) {
  check<ShapeError>(ids.dim() == 2, "CharLSTM: expected ids [N, L], got ", nn::shape_of(ids));
  const Tensor x = embedding ? embedding->forward(ids) : one_hot(ids, vocab_size).to(options.dtype);
  auto [h, next] = lstm->forward(x, state);
  return {head->forward(h), next};
}

Tensor CharLSTM::forward(const Tensor& ids) { return forward(ids, nn::LSTMState()).first; }

std::string CharLSTM::extra_repr() const {
  return cat("vocab_size=", vocab_size, ", embedding_dim=", options.embedding_dim,
             ", hidden_size=", options.hidden_size, ", num_layers=", options.num_layers);
}

Tensor char_lm_loss(const Tensor& logits, const Tensor& targets) {
  return nn::cross_entropy(logits.reshape({-1, logits.size(-1)}), targets.reshape({-1}));
}

double bits_per_char(CharLSTM& model, const Tensor& ids, int64_t seq_len, int64_t streams) {
  check<ValueError>(ids.dim() == 1 && ids.size(0) >= 2 && seq_len >= 1 && streams >= 1,
                    "bits_per_char: expected at least 2 ids and seq_len, streams >= 1, got ids ", nn::shape_of(ids),
                    ", seq_len ", seq_len, ", streams ", streams);
  streams = std::min(streams, ids.size(0) - 1);
  const int64_t per = (ids.size(0) - 1) / streams;  // predictions per stream
  const Tensor inputs = ids.narrow(0, 0, streams * per).view({streams, per});
  const Tensor targets = ids.narrow(0, 1, streams * per).view({streams, per});
  EvalScope eval(model);
  NoGradGuard no_grad;
  nn::LSTMState state;
  double nats = 0;
  for (int64_t t = 0; t < per; t += seq_len) {
    const int64_t len = std::min(seq_len, per - t);
    auto [logits, next] = model.forward(inputs.narrow(1, t, len), state);
    state = next;
    nats += char_lm_loss(logits, targets.narrow(1, t, len)).item<double>() * double(streams * len);
  }
  return nats / double(streams * per) / kLn2;
}

std::string sample(CharLSTM& model, const data::Vocabulary& vocab, const SampleOptions& o) {
  check<ValueError>(o.temperature > 0.0, "sample: temperature must be > 0, got ", o.temperature);
  check<ValueError>(o.length >= 0, "sample: length must be >= 0, got ", o.length);
  std::u32string seed = data::decode_utf8(o.seed_text, "sample: seed text");
  if (seed.empty()) seed = vocab.contains(U'\n') ? U"\n" : std::u32string(1, vocab.symbol(0));
  const Tensor seed_ids = vocab.encode(seed);
  EvalScope eval(model);
  NoGradGuard no_grad;
  Generator gen(o.seed);
  auto [logits, state] = model.forward(seed_ids.view({1, -1}), nn::LSTMState());
  Tensor last = logits.select(1, logits.size(1) - 1);  // [1, V]
  std::u32string out;
  for (int64_t i = 0; i < o.length; ++i) {
    const Tensor p = softmax(last.to(kFloat64) / o.temperature, -1).contiguous();
    const double* probs = p.data_ptr<const double>();
    double u = rand({}, kFloat64, &gen).item<double>();
    int64_t id = 0;
    while (id + 1 < vocab.size() && u >= probs[id]) u -= probs[id++];
    out.push_back(vocab.symbol(id));
    auto [next_logits, next_state] = model.forward(full({1, 1}, Scalar(id), kInt64), state);
    state = next_state;
    last = next_logits.select(1, 0);
  }
  return o.seed_text + data::encode_utf8(out);
}

train::History train_char_lstm(CharLSTM& model, const data::TextCorpus& corpus, optim::Optimizer& optimizer,
                               const CharLSTMTrainOptions& o) {
  data::DataLoader loader(data::TextWindows(corpus.train, o.seq_len),
                          {.batch_size = o.batch_size, .shuffle = true, .seed = o.seed});
  std::vector<double> val_bpc;
  train::FitOptions fo;
  fo.epochs = o.epochs;
  fo.callbacks = o.callbacks;
  if (o.clip_grad_norm > 0) fo.clip_grad_norm = o.clip_grad_norm;
  fo.verbose = o.verbose;
  fo.out = o.out;
  fo.classification = false;
  fo.callbacks.push_back(std::make_shared<train::LambdaCallback>([&](train::TrainState& s, const train::Logs& logs) {
    const double v = corpus.val.numel() >= 2 ? bits_per_char(model, corpus.val, o.seq_len, o.eval_streams) : NAN;
    val_bpc.push_back(v);
    if (o.verbose == 0) return;
    char line[160];
    std::snprintf(line, sizeof line, "epoch %lld/%lld: train %.4f bits/char, val %.4f bits/char (%.1f s)\n",
                  static_cast<long long>(s.epoch + 1), static_cast<long long>(s.epochs), logs.at("loss") / kLn2, v,
                  logs.at("seconds"));
    *o.out << line << std::flush;
  }));
  train::History h = train::fit(model, char_lm_loss, optimizer, loader, fo);
  for (size_t i = 0; i < h.epochs.size(); ++i) {
    h.epochs[i]["bpc"] = h.epochs[i].at("loss") / kLn2;
    if (i < val_bpc.size()) h.epochs[i]["val_bpc"] = val_bpc[i];
  }
  return h;
}

}  // namespace tessera::models
