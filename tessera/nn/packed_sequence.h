#pragma once
// Variable-length batches for the recurrent layers (torch.nn.utils.rnn.pack_padded_sequence and
// pad_packed_sequence).
//
// Note [Padded packing]: PyTorch's PackedSequence stores the valid time steps of all sequences interleaved, sorted
// by length. Ours keeps the padded tensor and the lengths: the layers mask each step instead of shrinking the
// batch, which gives PyTorch's results (outputs past a sequence's length are zero; h_n is each sequence's state at
// its own last step; the reverse direction starts at each sequence's last step), needs no sorting, and traces to
// a graph whose shapes do not depend on the lengths' values. The price is computing padded steps too.
#include <optional>
#include <string>
#include <utility>

#include "tessera/core/tensor.h"

namespace tessera::nn {

/// A padded batch with the length of each sequence: data [L, N, *] (or [N, L, *] when batch_first), lengths
/// int64 [N] with 1 <= lengths[i] <= L. Made by pack_padded_sequence; RNN, LSTM and GRU take and return it.
struct PackedSequence {
  Tensor data;
  Tensor lengths;
  bool batch_first = false;
};

/// A PackedSequence of `input` ([L, N, *], or [N, L, *] when batch_first) and `lengths` (int64 or int32 [N],
/// converted to int64). With enforce_sorted (PyTorch's default), lengths must be non-increasing; pass false for
/// any order. Errors: ShapeError for input with fewer than 2 dims or lengths not of shape [N]; DTypeError for
/// non-integer lengths; ValueError for a length outside [1, L] or unsorted lengths with enforce_sorted (naming
/// pack_padded_sequence, the position and the value; values are checked only on concrete tensors).
PackedSequence pack_padded_sequence(const Tensor& input, const Tensor& lengths, bool batch_first = false,
                                    bool enforce_sorted = true);

/// (padded, lengths) of a PackedSequence (torch.nn.utils.rnn.pad_packed_sequence): the data in the requested
/// layout, with padding_value past each length, cut to max(lengths) steps or padded to total_length when given.
/// Inside a traced graph (symbolic lengths) the time dim stays L unless total_length is given.
/// ValueError naming pad_packed_sequence when total_length < max(lengths).
std::pair<Tensor, Tensor> pad_packed_sequence(const PackedSequence& sequence, bool batch_first = false,
                                              double padding_value = 0.0,
                                              std::optional<int64_t> total_length = std::nullopt);

/// The mask of the valid steps: bool [L, N, 1], true where t < lengths[n] (traceable: arange and a comparison).
Tensor sequence_mask(const Tensor& lengths, int64_t steps);

/// Checks `lengths` for a batch of `batch` sequences of `steps` steps and returns it as int64: ShapeError unless
/// [batch], DTypeError unless integer, ValueError for a value outside [1, steps] (concrete tensors only). `who`
/// names the caller in the messages.
Tensor checked_lengths(const Tensor& lengths, int64_t batch, int64_t steps, const std::string& who);

}  // namespace tessera::nn
