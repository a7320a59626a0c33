#pragma once
// Recurrent cells (torch.nn.RNNCell, LSTMCell, GRUCell) and the one time step they share with the sequence
// layers of rnn.h. PyTorch's parameter names (weight_ih, weight_hh, bias_ih, bias_hh), weight layout (the gates
// stacked along dim 0: LSTM i, f, g, o; GRU r, z, n) and default initialization U(-1/sqrt(H), 1/sqrt(H)), so
// state_dicts map 1:1. Composed of matmul, sigmoid, tanh and elementwise ops: gradients (to any order) and
// tracing come for free.
#include <string>
#include <utility>
#include <vector>

#include "tessera/nn/module.h"

namespace tessera::nn {

/// The recurrence of a cell or layer (PyTorch's RNN modes RNN_TANH, RNN_RELU, LSTM, GRU).
enum class RNNMode { kRnnTanh, kRnnRelu, kLstm, kGru };

/// Gates stacked in the weights: 1 (RNN), 4 (LSTM), 3 (GRU).
int64_t gate_count(RNNMode mode);
/// The mode of an RNN's `nonlinearity` ("tanh" or "relu"); ValueError naming `who` otherwise.
RNNMode rnn_mode(const std::string& nonlinearity, const std::string& who);

/// An LSTM's (h, c).
using LSTMState = std::pair<Tensor, Tensor>;

/// One time step: the new carry ({h'} or, for kLstm, {h', c'}) from the carry ({h} / {h, c}, each [N, H]),
/// gi = x W_ih^T + b_ih ([N, G*H], computed by the caller, for all time steps at once in a layer), the transposed
/// recurrent weight w_hh_t = W_hh^T [H, G*H] (a layer transposes it once, so the weight gradient accumulates into
/// a contiguous tensor) and b_hh [G*H] (may be undefined). The recurrences (PyTorch's):
///   RNN:  h' = tanh|relu(gi + h W_hh^T + b_hh)
///   LSTM: i, f, g, o = chunks of gi + h W_hh^T + b_hh; c' = sig(f) c + sig(i) tanh(g); h' = sig(o) tanh(c')
///   GRU:  gh = h W_hh^T + b_hh; r = sig(gi_r + gh_r); z = sig(gi_z + gh_z); n = tanh(gi_n + r gh_n);
///         h' = (1 - z) n + z h
/// This is the `body` of the layers' time loop (rnn.cpp's run_steps).
std::vector<Tensor> rnn_cell_step(RNNMode mode, const std::vector<Tensor>& carry, const Tensor& gi,
                                  const Tensor& w_hh_t, const Tensor& b_hh);

/// Options of the cells after input_size and hidden_size.
struct RNNCellOptions {
  bool bias = true;                   ///< bias_ih and bias_hh.
  std::string nonlinearity = "tanh";  ///< RNNCell only: "tanh" or "relu".
  DType dtype = kFloat32;
};

/// What RNNCell, LSTMCell and GRUCell share: weight_ih [G*H, input_size], weight_hh [G*H, H], bias_ih [G*H],
/// bias_hh [G*H], all U(-1/sqrt(H), 1/sqrt(H)) initially.
class RNNCellBase : public Module {
 public:
  using Module::forward;
  std::string extra_repr() const override;
  /// Re-draws every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
  void reset_parameters();
  /// "LSTMCell(10, 20)", the prefix of the cell's error messages.
  std::string name() const;

  int64_t input_size, hidden_size;
  RNNMode mode;
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;

 protected:
  RNNCellBase(RNNMode mode, int64_t input_size, int64_t hidden_size, const RNNCellOptions& options);
  /// One step on a checked input [N, input_size] or [input_size] (unbatched) and states (undefined = zeros).
  std::vector<Tensor> step(const Tensor& input, std::vector<Tensor> states);
};

/// h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu): input [N, input_size] or [input_size], hx [N, H] or
/// [H] (zeros when undefined) -> h' of hx's shape. Errors: ValueError for an unknown nonlinearity; ShapeError
/// naming the cell, the expected and the found shape (`RNNCell(4, 3): expected input [N, 4] or [4], got [2, 5]`);
/// DTypeError when the input's dtype is not the weights'.
class RNNCell : public RNNCellBase {
 public:
  RNNCell(int64_t input_size, int64_t hidden_size, RNNCellOptions options = {});
  Tensor forward(const Tensor& input, const Tensor& hx);
  Tensor forward(const Tensor& input) override { return forward(input, Tensor()); }
  std::string type_name() const override { return "RNNCell"; }
  std::string extra_repr() const override;
};

/// One LSTM step (Hochreiter & Schmidhuber 1997, with forget gate): (h', c') from input [N, input_size] (or
/// unbatched [input_size]) and hx = (h, c), each [N, H] (zeros when undefined). Errors as RNNCell's.
class LSTMCell : public RNNCellBase {
 public:
  LSTMCell(int64_t input_size, int64_t hidden_size, RNNCellOptions options = {});
  LSTMState forward(const Tensor& input, const LSTMState& hx);
  /// h' of forward(input, {}).
  Tensor forward(const Tensor& input) override { return forward(input, LSTMState()).first; }
  std::string type_name() const override { return "LSTMCell"; }
};

/// One GRU step (Cho et al. 2014, PyTorch's variant with r applied after W_hn h + b_hn): h' from input
/// [N, input_size] (or [input_size]) and hx [N, H] (zeros when undefined). Errors as RNNCell's.
class GRUCell : public RNNCellBase {
 public:
  GRUCell(int64_t input_size, int64_t hidden_size, RNNCellOptions options = {});
  Tensor forward(const Tensor& input, const Tensor& hx);
  Tensor forward(const Tensor& input) override { return forward(input, Tensor()); }
  std::string type_name() const override { return "GRUCell"; }
};

}  // namespace tessera::nn
