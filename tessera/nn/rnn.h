#pragma once
// Recurrent layers (torch.nn.RNN, LSTM, GRU): multi-layer, bidirectional, dropout between layers, batch_first,
// initial states, unbatched input and variable-length batches (PackedSequence, Note [Padded packing]).
// PyTorch's parameter names (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ..._reverse), their order,
// layout and gate order (LSTM i, f, g, o; GRU r, z, n), and default initialization U(-1/sqrt(H), 1/sqrt(H)): a
// PyTorch state_dict loads as is. Each layer computes the input projection of all time steps with one matmul
// ([L*N, H_in] x W_ih^T) and runs only the recurrent part step by step (rnn_cell_step, Note [The time loop]).
// Written with Tessera ops: gradients (backpropagation through time) and tracing come for free.
#include <string>
#include <utility>
#include <vector>

#include "tessera/core/rng.h"
#include "tessera/nn/module.h"
#include "tessera/nn/packed_sequence.h"
#include "tessera/nn/rnn_cell.h"

namespace tessera::nn {

/// Options of RNN, LSTM and GRU after input_size and hidden_size (PyTorch's keyword arguments; proj_size is not
/// supported).
struct RNNOptions {
  int64_t num_layers = 1;
  std::string nonlinearity = "tanh";  ///< RNN only: "tanh" or "relu" (LSTM and GRU: ValueError unless "tanh").
  bool bias = true;                   ///< bias_ih_l* and bias_hh_l*.
  bool batch_first = false;           ///< Input and output [N, L, *] instead of [L, N, *] (not the states).
  double dropout = 0.0;               ///< Dropout on the outputs of every layer but the last, in training mode.
  bool bidirectional = false;
  DType dtype = kFloat32;
};

/// What RNN, LSTM and GRU share. With D = 2 when bidirectional (else 1) and H = hidden_size, layer k direction d
/// has weight_ih_l{k}[_reverse] [G*H, k == 0 ? input_size : D*H], weight_hh_l{k}[_reverse] [G*H, H] and, with
/// bias, bias_ih_l{k}[_reverse] and bias_hh_l{k}[_reverse] [G*H] (G = gate_count(mode)), registered in that
/// order, layer by layer, forward direction first.
///
/// Shapes: input [L, N, input_size] ([N, L, input_size] with batch_first) or unbatched [L, input_size]; output
/// [L, N, D*H] (resp. [N, L, D*H], [L, D*H]); states [num_layers*D, N, H] (unbatched [num_layers*D, H]), zeros
/// when not given. The output's last dim holds the forward direction's h_t, then the reverse one's.
/// Errors: ValueError for bad options or an empty sequence; ShapeError naming the layer, the expected and the
/// found shape (`LSTM(10, 20): expected input [L, N, 10], got [5, 3, 8]`, `LSTM(10, 20): expected h0 [2, 3, 20],
/// got [1, 3, 20]`); DTypeError when the input or a state does not have the weights' dtype; for PackedSequence
/// input, pack_padded_sequence's errors (lengths outside [1, L], naming the layer).
class RNNBase : public Module {
 public:
  using Module::forward;
  /// The output for `input` with zero initial states (so the layer can sit in a Sequential).
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return type_; }
  std::string extra_repr() const override;
  /// Re-draws every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
  void reset_parameters();
  /// "LSTM(10, 20)", the prefix of the layer's error messages.
  std::string name() const;
  /// Directions: 2 when bidirectional, else 1.
  int64_t num_directions() const { return options.bidirectional ? 2 : 1; }
  /// The parameters of layer `layer`, direction `direction` (0 forward, 1 reverse): {w_ih, w_hh, b_ih, b_hh},
  /// biases undefined without bias (PyTorch's all_weights[layer * D + direction]).
  std::vector<Tensor> weights(int64_t layer, int64_t direction) const;

  int64_t input_size, hidden_size;
  RNNOptions options;
  RNNMode mode;
  Generator* generator = nullptr;  ///< Dropout's generator (the default one when null).

 protected:
  RNNBase(std::string type, RNNMode mode, int64_t input_size, int64_t hidden_size, RNNOptions options);
  /// Runs all layers on `input` (layout: batch_first or time-major) with states `hx` ({h0} or {h0, c0}, each
  /// possibly undefined); `lengths` (undefined for full sequences) masks the steps past each sequence's length.
  /// Returns the output and the final states ({h_n} or {h_n, c_n}).
  std::pair<Tensor, std::vector<Tensor>> run(const Tensor& input, const Tensor& lengths, bool batch_first,
                                             std::vector<Tensor> hx);
  /// run() on a PackedSequence: the output in the input's layout, as a PackedSequence with the same lengths.
  std::pair<PackedSequence, std::vector<Tensor>> run(const PackedSequence& input, std::vector<Tensor> hx);
  /// run() for the layers with one state (RNN, GRU): (output, h_n).
  std::pair<Tensor, Tensor> run_single(const Tensor& input, const Tensor& h0);
  std::pair<PackedSequence, Tensor> run_single(const PackedSequence& input, const Tensor& h0);

 private:
  std::string type_;
};

/// Elman RNN: h_t = tanh|relu(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) per layer (RNNOptions::nonlinearity).
class RNN : public RNNBase {
 public:
  RNN(int64_t input_size, int64_t hidden_size, RNNOptions options = {});
  using RNNBase::forward;
  /// (output, h_n) from input and h0 (undefined: zeros); see RNNBase for the shapes.
  std::pair<Tensor, Tensor> forward(const Tensor& input, const Tensor& h0);
  /// (output, h_n) of a variable-length batch: output has the input's lengths and zeros past them; h_n holds
  /// each sequence's state at its last valid step (PyTorch's packed-sequence results).
  std::pair<PackedSequence, Tensor> forward(const PackedSequence& input, const Tensor& h0 = {});
};

/// LSTM (Hochreiter & Schmidhuber 1997; gates as LSTMCell): returns (output, (h_n, c_n)).
class LSTM : public RNNBase {
 public:
  LSTM(int64_t input_size, int64_t hidden_size, RNNOptions options = {});
  using RNNBase::forward;
  /// (output, (h_n, c_n)) from input and (h0, c0) (both undefined: zeros; ValueError when only one is given).
  std::pair<Tensor, LSTMState> forward(const Tensor& input, const LSTMState& hx);
  /// The variable-length form (see RNN).
  std::pair<PackedSequence, LSTMState> forward(const PackedSequence& input, const LSTMState& hx = {});
};

/// GRU (Cho et al. 2014; gates as GRUCell): returns (output, h_n).
class GRU : public RNNBase {
 public:
  GRU(int64_t input_size, int64_t hidden_size, RNNOptions options = {});
  using RNNBase::forward;
  std::pair<Tensor, Tensor> forward(const Tensor& input, const Tensor& h0);
  std::pair<PackedSequence, Tensor> forward(const PackedSequence& input, const Tensor& h0 = {});
};

}  // namespace tessera::nn
