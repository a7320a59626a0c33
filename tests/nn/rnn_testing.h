#pragma once
// Running the recurrent layers and cells as tests/nn/make_reference.py's rnn_case and cell_case do: parameters
// from param_wave, h0 = input_wave(phase 1), c0 = input_wave(phase 2), and the backward of
// sum(output g) + sum(h_n g) (+ sum(c_n g)).
#include <string>
#include <utility>
#include <vector>

#include "nn_testing.h"
#include "tessera/nn/rnn.h"
#include "tessera/nn/rnn_cell.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/reduce.h"

namespace tessera::testing {

/// make_reference.py's h0 (k = 0) and c0 (k = 1) of a shape.
inline Tensor initial_state(const Shape& shape, int k) { return input_wave(shape, 1.0, 1.0 + k); }

/// (output, final states) of a layer on x with states (empty: none given); with lengths, through
/// pack_padded_sequence(enforce_sorted = false) and pad_packed_sequence(total_length = L).
inline std::pair<Tensor, std::vector<Tensor>> call_layer(nn::RNNBase& m, const Tensor& x,
                                                         const std::vector<Tensor>& states,
                                                         const std::vector<int64_t>& lengths = {}) {
  const bool bf = m.options.batch_first;
  const Tensor h0 = states.empty() ? Tensor() : states[0];
  if (auto* lstm = dynamic_cast<nn::LSTM*>(&m)) {
    const nn::LSTMState hx = states.empty() ? nn::LSTMState() : nn::LSTMState(states[0], states[1]);
    if (lengths.empty()) {
      auto [out, hc] = lstm->forward(x, hx);
      return {out, {hc.first, hc.second}};
    }
    auto [packed, hc] = lstm->forward(nn::pack_padded_sequence(x, from_vector(lengths), bf, false), hx);
    return {nn::pad_packed_sequence(packed, bf, 0.0, x.size(bf ? 1 : 0)).first, {hc.first, hc.second}};
  }
  auto single = [&](auto& layer) -> std::pair<Tensor, std::vector<Tensor>> {
    if (lengths.empty()) {
      auto [out, h] = layer.forward(x, h0);
      return {out, {h}};
    }
    auto [packed, h] = layer.forward(nn::pack_padded_sequence(x, from_vector(lengths), bf, false), h0);
    return {nn::pad_packed_sequence(packed, bf, 0.0, x.size(bf ? 1 : 0)).first, {h}};
  };
  if (auto* gru = dynamic_cast<nn::GRU*>(&m)) return single(*gru);
  return single(dynamic_cast<nn::RNN&>(m));
}

/// The outputs of a cell (h' or h', c').
inline std::vector<Tensor> call_cell(nn::RNNCellBase& m, const Tensor& x, const std::vector<Tensor>& states) {
  const Tensor hx = states.empty() ? Tensor() : states[0];
  if (auto* lstm = dynamic_cast<nn::LSTMCell*>(&m)) {
    auto [h, c] = lstm->forward(x, states.empty() ? nn::LSTMState() : nn::LSTMState(states[0], states[1]));
    return {h, c};
  }
  if (auto* gru = dynamic_cast<nn::GRUCell*>(&m)) return {gru->forward(x, hx)};
  return {dynamic_cast<nn::RNNCell&>(m).forward(x, hx)};
}

/// [outputs..., dx, dstates..., dparams...] after backward of sum over outputs of sum(t * grad_wave(t.shape)).
inline std::vector<Tensor> backward_record(nn::Module& m, std::vector<Tensor> outputs, const Tensor& x,
                                           const std::vector<Tensor>& states) {
  Tensor total;
  for (const Tensor& t : outputs) {
    const Tensor s = (t * grad_wave(t.shape())).sum();
    total = total.defined() ? total + s : s;
  }
  total.backward();
  for (Tensor& t : outputs) t = t.detach();
  outputs.push_back(x.grad());
  for (const Tensor& s : states) outputs.push_back(s.grad());
  for (const Tensor& p : m.parameters()) outputs.push_back(p.grad());
  m.zero_grad();
  return outputs;
}

/// make_reference.py's rnn_case: [output, h_n (, c_n), dx, dstates..., dparams...].
inline std::vector<Tensor> layer_case(nn::RNNBase& m, const Shape& x_shape, const std::vector<Shape>& state_shapes = {},
                                      const std::vector<int64_t>& lengths = {}) {
  fill_parameters(m);
  const Tensor x = input_wave(x_shape).requires_grad_();
  std::vector<Tensor> states;
  for (size_t k = 0; k < state_shapes.size(); ++k) {
    states.push_back(initial_state(state_shapes[k], static_cast<int>(k)).requires_grad_());
  }
  auto [out, finals] = call_layer(m, x, states, lengths);
  std::vector<Tensor> outputs{out};
  outputs.insert(outputs.end(), finals.begin(), finals.end());
  return backward_record(m, outputs, x, states);
}

/// make_reference.py's cell_case: [h' (, c'), dx, dstates..., dparams...].
inline std::vector<Tensor> cell_case(nn::RNNCellBase& m, const Shape& x_shape,
                                     const std::vector<Shape>& state_shapes = {}) {
  fill_parameters(m);
  const Tensor x = input_wave(x_shape).requires_grad_();
  std::vector<Tensor> states;
  for (size_t k = 0; k < state_shapes.size(); ++k) {
    states.push_back(initial_state(state_shapes[k], static_cast<int>(k)).requires_grad_());
  }
  return backward_record(m, call_cell(m, x, states), x, states);
}

}  // namespace tessera::testing
