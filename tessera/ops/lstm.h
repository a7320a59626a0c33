#pragma once
// lstm_sequence: the recurrence of one LSTM layer and direction as one op (nn::LSTM's fast path).
//
// Note [The fused LSTM]
// An LSTM step written with tensor ops records ~15 nodes, and backpropagation through time then accumulates the
// recurrent weight's gradient step by step: T GEMMs with K = batch and T additions of a [4H, H] matrix. As one
// op, the forward runs per step one GEMM (accumulated into the precomputed input gates, beta = 1) and one fused
// gate pass, and the backward runs per step one fused pass and the GEMM for dh, then the recurrent weight's
// gradient as a single [4H, T N] x [T N, H] GEMM. The op keeps c and the activated gates of every step as extra
// outputs, which its backward reads. Gate order and formulas are PyTorch's (i, f, g, o):
//   a = gi_t + h_{t-1} W_hh^T;  i, f, o = sigmoid(a_i, a_f, a_o);  g = tanh(a_g)
//   c_t = f c_{t-1} + i g;  h_t = o tanh(c_t)
// The gradient rule uses the fused backward op when it is not itself differentiated (plain eager backward);
// under create_graph and in graph mode it writes the same backward with tensor ops, so gradients of any order
// hold (the fused backward op is marked not differentiable).
#include <array>

#include "tessera/core/tensor.h"
#include "tessera/ops/op.h"

namespace tessera {

/// Attributes of lstm_sequence and lstm_sequence_backward.
struct LstmAttrs final : AttrsOf<LstmAttrs> {
  bool reverse = false;  ///< Run from the last step to the first (outputs stay in sequence order).
  /// lstm_sequence_backward only: which of the gradients of (y, c, gates) follow its six tensor inputs.
  std::array<bool, 3> has_grad{true, true, true};
  std::string repr() const override;
};

/// The outputs of lstm_sequence, all in sequence order.
struct LstmSequence {
  Tensor y;      ///< [T, N, H]: h_t of every step.
  Tensor c;      ///< [T, N, H]: c_t of every step.
  Tensor gates;  ///< [T, N, 4H]: the activated gates (i, f, g, o) of every step (kept for the backward).
};

/// Runs the LSTM recurrence (Note [The fused LSTM]) over `gates_in` [T, N, 4H], the input projection of every
/// step with both biases added (x_t W_ih^T + b_ih + b_hh), with `w_hh` [4H, H] and the initial states `h0`, `c0`
/// [N, H]. float32 or float64, all of one dtype. With `reverse` the steps run from T - 1 down to 0. Throws
/// ShapeError / DTypeError naming the op and the shapes. Reference: torch.nn.LSTM (one layer, one direction).
LstmSequence lstm_sequence(const Tensor& gates_in, const Tensor& w_hh, const Tensor& h0, const Tensor& c0,
                           bool reverse = false);

}  // namespace tessera
