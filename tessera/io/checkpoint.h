#pragma once
// Training checkpoints: model, optimizer and scheduler state, the random generator's state and the training
// position, in one safetensors file (readable by other ecosystems) plus a human-readable JSON sidecar.
//
// Note [Checkpoint layout]: `<path>` is a safetensors file (Note [safetensors layout]) whose tensors are
//   model.<name>       the model's state_dict()
//   optimizer.<name>   the optimizer's state_dict()
//   scheduler.<name>   the LR scheduler's state_dict()
//   rng.state          int64 [2]: the generator's seed and counter offset (GeneratorState, bit-cast)
// and whose metadata is {"format": "tessera-checkpoint", "version": "1", "epoch": "<n>", "step": "<n>",
// "extra.<key>": "<value>"...}. `<path>.json` repeats epoch, step, extra and every tensor's dtype and shape for
// people and scripts; load_checkpoint never reads it.
#include <cstdint>
#include <map>
#include <string>

#include "tessera/core/rng.h"
#include "tessera/core/state_dict.h"

namespace tessera::io {

/// Everything needed to resume training.
struct Checkpoint {
  StateDict model;      ///< nn::Module::state_dict()
  StateDict optimizer;  ///< optim::Optimizer::state_dict()
  StateDict scheduler;  ///< optim::LRScheduler::state_dict()
  /// capture_rng_state()'s int64 [2] tensor. Left undefined, save_checkpoint captures the default generator's
  /// state at the time of the save.
  Tensor rng_state;
  int64_t epoch = 0;
  int64_t step = 0;
  /// Free-form strings (run name, git revision, ...), saved as metadata "extra.<key>".
  std::map<std::string, std::string> extra;
};

/// Writes `ckpt` to `path` (one safetensors file, Note [Checkpoint layout]) and its sidecar to `<path>.json`,
/// each atomically (Note [Atomic writes]): a crash mid-save leaves the previous checkpoint intact.
/// Errors: ValueError for a malformed rng_state (see restore_rng_state) or tensors save_safetensors rejects;
/// IOError naming the file when it cannot be written.
void save_checkpoint(const std::string& path, const Checkpoint& ckpt);

/// Reads a checkpoint written by save_checkpoint. The generator is not touched: call
/// `restore_rng_state(ckpt.rng_state)` to resume the random stream.
/// Errors: IOError naming the file for everything load_safetensors rejects; "not a Tessera checkpoint" when the
/// format marker is missing; an unsupported version; a non-integer epoch or step; a tensor outside the four
/// groups; a missing or malformed rng.state.
Checkpoint load_checkpoint(const std::string& path);

/// The state of `gen` (by default the default generator) as an int64 [2] tensor {seed, offset}, each the
/// uint64 bit-cast to int64 (torch.get_rng_state, in Tessera's counter-based form).
Tensor capture_rng_state(const Generator& gen = default_generator());
/// Sets `gen` (by default the default generator) to a state from capture_rng_state, so it replays the same
/// numbers (torch.set_rng_state). ValueError unless `state` is a defined int64 tensor of shape [2].
void restore_rng_state(const Tensor& state, Generator& gen = default_generator());

}  // namespace tessera::io
