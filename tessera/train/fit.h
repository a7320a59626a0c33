#pragma once
// fit / evaluate / predict: the training loop of Keras (model.fit) for Tessera modules, with callbacks, a
// progress display and a NaN/Inf guard.
#include <functional>
#include <iostream>
#include <optional>
#include <vector>

#include "tessera/data/dataloader.h"
#include "tessera/nn/module.h"
#include "tessera/optim/optimizer.h"
#include "tessera/train/callback.h"

namespace tessera::train {

/// loss(model_output, target) -> a 0-d tensor (e.g. nn::cross_entropy).
using LossFn = std::function<Tensor(const Tensor& output, const Tensor& target)>;

struct FitOptions {
  int64_t epochs = 1;
  /// First epoch to run (0-based), when resuming from a checkpoint taken at the end of epoch initial_epoch - 1.
  int64_t initial_epoch = 0;
  /// Evaluated at the end of each epoch: adds val_loss and val_accuracy to the logs. Optional.
  data::DataLoader* validation = nullptr;
  std::vector<CallbackPtr> callbacks{};
  /// Clip the global gradient norm to this value before each step (torch.nn.utils.clip_grad_norm_).
  std::optional<double> clip_grad_norm{};
  /// 0: silent; 1: a live bar on a terminal, else one line per epoch; 2: one line per epoch.
  int verbose = 1;
  std::ostream* out = &std::cout;
  /// Stop (with a message naming the epoch, the step and the value) when a batch loss is NaN or infinite.
  bool stop_on_nonfinite_loss = true;
  /// Whether outputs are class logits [N, C] with class-index targets: adds accuracy to the logs. Unset: decided
  /// from the first batch (2-d output and integer target).
  std::optional<bool> classification{};
  /// Graph mode: trace forward, loss and gradients once (per batch shape) into an optimized, fused graph and run
  /// it instead of recording a tape; the optimizer steps eagerly on the gradients (train/graph_step.h).
  bool graph = false;
  /// Time eager and graph steps on the first 12 batches and train on in the faster mode (Note [Choosing the mode]
  /// in train/mode_chooser.h); overrides `graph`. The choice is printed (verbose > 0) and logged as "graph" (1 or
  /// 0) in every epoch's logs from the epoch it was made in.
  bool choose_graph = false;
};

/// Trains `model` on `train` (batches of {input, target}) for options.epochs epochs: for each batch,
/// zero_grad, forward, loss, backward, optional clipping, optimizer step. Returns the per-epoch logs ("loss"
/// and, for classification, "accuracy" are means over the epoch's samples). Model is left in training mode.
History fit(nn::Module& model, const LossFn& loss, optim::Optimizer& optimizer, data::DataLoader& train,
            const FitOptions& options = {});

/// Mean loss and accuracy (classification) over a loader, in eval mode and without gradients; the model's
/// mode is restored afterwards. Keys: "loss", "accuracy".
Logs evaluate(nn::Module& model, const LossFn& loss, data::DataLoader& loader);

/// The model's outputs for every batch of a loader (batch[0] is the input), concatenated along dim 0, in eval
/// mode without gradients.
Tensor predict(nn::Module& model, data::DataLoader& loader);

}  // namespace tessera::train
