// `tessera sample CKPT`: text from a char-lstm checkpoint written by `tessera train --model char-lstm`, with the
// vocabulary saved beside it (vocab.txt). The model's sizes are read from the checkpoint's tensors, so any
// --hidden/--layers/--embedding it was trained with loads without repeating them.
#include <cstdio>
#include <filesystem>
#include <string>

#include "commands.h"
#include "tessera/core/parallel.h"
#include "tessera/data/text.h"
#include "tessera/io/checkpoint.h"
#include "tessera/models/char_lstm.h"

namespace tessera::cli {
namespace {

struct SampleArgs {
  std::string checkpoint;
  std::string vocab;  // empty: vocab.txt beside the checkpoint
  models::SampleOptions sample{.length = 500, .temperature = 0.8};
  int threads = 1;
};

// The CharLSTM whose parameters `state` holds ("embedding.weight" [V, E] unless one-hot, "lstm.weight_hh_l{k}"
// [4H, H] per layer, "head.weight" [V, H]).
models::CharLSTM model_for(const StateDict& state, const std::string& path) {
  check<ValueError>(state.contains("lstm.weight_hh_l0") && state.contains("head.weight"), path,
                    " is not a char-lstm checkpoint: it has no lstm.weight_hh_l0 or head.weight");
  const Tensor& w_hh = state.at("lstm.weight_hh_l0");
  int64_t layers = 0;
  while (state.contains(cat("lstm.weight_hh_l", layers))) ++layers;
  const Tensor* emb = state.find("embedding.weight");
  return models::CharLSTM(state.at("head.weight").size(0), {.embedding_dim = emb ? emb->size(1) : 0,
                                                            .hidden_size = w_hh.size(1),
                                                            .num_layers = layers,
                                                            .dtype = w_hh.dtype()});
}

void run_sample(const SampleArgs& a) {
  set_num_threads(a.threads);
  namespace fs = std::filesystem;
  const std::string ckpt =
      fs::is_directory(a.checkpoint) ? (fs::path(a.checkpoint) / "last.safetensors").string() : a.checkpoint;
  const std::string vocab_path = a.vocab.empty() ? (fs::path(ckpt).parent_path() / "vocab.txt").string() : a.vocab;
  check<IOError>(fs::is_regular_file(vocab_path), "sample: cannot read the vocabulary ", vocab_path,
                 " (tessera train --model char-lstm writes vocab.txt beside its checkpoints; or pass --vocab)");
  const data::Vocabulary vocab = data::Vocabulary::from_symbols(data::read_utf8_file(vocab_path));

  const StateDict state = io::load_checkpoint(ckpt).model;
  models::CharLSTM model = model_for(state, ckpt);
  check<ValueError>(model.vocab_size == vocab.size(), "sample: ", ckpt, " predicts ", model.vocab_size, " symbols but ",
                    vocab_path, " holds ", vocab.size());
  model.load_state_dict(state);
  std::printf("%s\n", models::sample(model, vocab, a.sample).c_str());
}

}  // namespace

void add_sample_command(CLI::App& app) {
  auto args = std::make_shared<SampleArgs>();
  CLI::App* s = app.add_subcommand("sample",
                                   "Generate text from a char-lstm checkpoint (tessera train --model "
                                   "char-lstm)");
  s->add_option("checkpoint", args->checkpoint, "Checkpoint file, or a run directory (its last.safetensors)")
      ->required()
      ->check(CLI::ExistingPath);
  s->add_option("--vocab", args->vocab, "Vocabulary file (default: vocab.txt beside the checkpoint)");
  s->add_option("--length", args->sample.length, "Characters to generate")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  s->add_option("--temperature", args->sample.temperature, "Sampling temperature (lower: more conservative)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  s->add_option("--seed-text", args->sample.seed_text, "Text the sample continues");
  s->add_option("--seed", args->sample.seed, "Random seed (the same seed gives the same text)")->capture_default_str();
  s->add_option("--threads", args->threads, "Threads")->capture_default_str()->check(CLI::PositiveNumber);
  s->callback([args] { run_sample(*args); });
}

}  // namespace tessera::cli
