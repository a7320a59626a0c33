#include "tessera/nn/rnn.h"

#include <cmath>
#include <functional>

#include "tessera/graph/scan.h"
#include "tessera/nn/functional.h"
#include "tessera/nn/init.h"
#include "tessera/ops/compare.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/lstm.h"
#include "tessera/ops/shape.h"

namespace tessera::nn {
namespace {

// Note [The time loop]: the layers loop over time only through tessera::scan (graph/scan.h): eagerly a loop the
// tape records; traced, one scan node whose gradient is a reverse scan (backpropagation through time).
using Carry = std::vector<Tensor>;
using StepFn = std::function<std::pair<Carry, Tensor>(const Carry& carry, const std::vector<Tensor>& x_t)>;

std::pair<Carry, Tensor> run_steps(const StepFn& body, Carry carry, const std::vector<Tensor>& xs, bool reverse) {
  ScanResult r = scan(
      [&](const Carry& c, const std::vector<Tensor>& x) -> std::pair<Carry, std::vector<Tensor>> {
        auto [next, y] = body(c, x);
        return {std::move(next), {std::move(y)}};
      },
      carry, xs, {.reverse = reverse});
  return {std::move(r.carry), std::move(r.ys[0])};
}

// The step of one layer and direction: the cell, and with a mask (xs[1] = valid [N, 1]) the state kept and a zero
// output where the step lies past a sequence's length (Note [Padded packing]).
StepFn layer_step(RNNMode mode, const Tensor& w_hh_t, const Tensor& b_hh) {
  return [=](const Carry& carry, const std::vector<Tensor>& x_t) -> std::pair<Carry, Tensor> {
    Carry next = rnn_cell_step(mode, carry, x_t[0], w_hh_t, b_hh);
    if (x_t.size() == 1) return {next, next[0]};
    const Tensor& valid = x_t[1];
    Tensor y = where(valid, next[0], Scalar(0.0));
    for (size_t i = 0; i < next.size(); ++i) next[i] = where(valid, next[i], carry[i]);
    return {std::move(next), std::move(y)};
  };
}

// An LSTM layer without a length mask runs as one lstm_sequence op (Note [The fused LSTM] in ops/lstm.h) in float32
// and float64 (other dtypes take the scan); its final states are the last step's (the first's when reversed).
std::pair<Carry, Tensor> fused_lstm(const Tensor& gates_in, const Tensor& w_hh, const Carry& carry, bool reverse) {
  LstmSequence r = lstm_sequence(gates_in, w_hh, carry[0], carry[1], reverse);
  const int64_t last = reverse ? 0 : r.y.size(0) - 1;
  return {{r.y.select(0, last), r.c.select(0, last)}, r.y};
}

const char* const kStateNames[] = {"h0", "c0"};

// x W^T + b for all steps at once as one 2-d matmul: x [A, B, I] -> [L, N, rows], where [A, B] is [N, L] when
// batch_first (the projection is then transposed, so the input is never copied) and [L, N] otherwise.
Tensor project(const Tensor& x, bool batch_first, const Tensor& w, const Tensor& b) {
  const int64_t a = x.size(0), c = x.size(1);
  const Tensor y = functional::linear(x.reshape({a * c, x.size(2)}), w, b).view({a, c, w.size(0)});
  return batch_first ? y.transpose(0, 1) : y;
}

}  // namespace

RNNBase::RNNBase(std::string type, RNNMode mode, int64_t input_size, int64_t hidden_size, RNNOptions opts)
    : input_size(input_size), hidden_size(hidden_size), options(std::move(opts)), mode(mode), type_(std::move(type)) {
  check<ValueError>(input_size >= 0 && hidden_size > 0, type_, ": input_size must be >= 0 and hidden_size > 0, got ",
                    input_size, ", ", hidden_size);
  check<ValueError>(options.num_layers >= 1, name(), ": num_layers must be >= 1, got ", options.num_layers);
  check<ValueError>(options.dropout >= 0.0 && options.dropout <= 1.0, name(),
                    ": dropout must be a probability in [0, 1], got ", options.dropout);
  check<ValueError>(mode == RNNMode::kRnnTanh || mode == RNNMode::kRnnRelu || options.nonlinearity == "tanh", name(),
                    ": nonlinearity applies to RNN only, got '", options.nonlinearity, "'");
  const int64_t rows = gate_count(mode) * hidden_size, d = num_directions();
  for (int64_t layer = 0; layer < options.num_layers; ++layer) {
    const int64_t in = layer == 0 ? input_size : d * hidden_size;
    for (int64_t dir = 0; dir < d; ++dir) {
      const std::string suffix = cat("_l", layer, dir == 1 ? "_reverse" : "");
      register_parameter("weight_ih" + suffix, empty({rows, in}, options.dtype));
      register_parameter("weight_hh" + suffix, empty({rows, hidden_size}, options.dtype));
      if (options.bias) {
        register_parameter("bias_ih" + suffix, empty({rows}, options.dtype));
        register_parameter("bias_hh" + suffix, empty({rows}, options.dtype));
      }
    }
  }
  reset_parameters();
}

void RNNBase::reset_parameters() {
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_size));
  for (Tensor p : parameters(false)) init::uniform_(p, -bound, bound);
}

std::string RNNBase::name() const { return cat(type_, "(", input_size, ", ", hidden_size, ")"); }

std::string RNNBase::extra_repr() const {
  std::string s = cat(input_size, ", ", hidden_size);
  if (options.num_layers != 1) s += cat(", num_layers=", options.num_layers);
  if (mode == RNNMode::kRnnRelu) s += ", nonlinearity=relu";
  if (!options.bias) s += ", bias=False";
  if (options.batch_first) s += ", batch_first=True";
  if (options.dropout != 0.0) s += cat(", dropout=", options.dropout);
  if (options.bidirectional) s += ", bidirectional=True";
  return s;
}

std::vector<Tensor> RNNBase::weights(int64_t layer, int64_t direction) const {
  check<IndexError>(layer >= 0 && layer < options.num_layers && direction >= 0 && direction < num_directions(), name(),
                    ": no layer ", layer, " direction ", direction);
  const int64_t per = options.bias ? 4 : 2;
  const std::vector<Tensor> all = parameters(false);
  const auto first = all.begin() + (layer * num_directions() + direction) * per;
  std::vector<Tensor> w(first, first + per);
  w.resize(4);
  return w;
}

Tensor RNNBase::forward(const Tensor& input) {
  return run(input, Tensor(), options.batch_first, Carry(mode == RNNMode::kLstm ? 2 : 1)).first;
}

std::pair<Tensor, Carry> RNNBase::run(const Tensor& input, const Tensor& lengths, bool batch_first, Carry hx) {
  const bool batched = input.dim() == 3;
  check<ShapeError>((batched || input.dim() == 2) && input.size(-1) == input_size, name(), ": expected input ",
                    input.dim() == 2 ? "[L, "
                    : batch_first    ? "[N, L, "
                                     : "[L, N, ",
                    input_size, "], got ", shape_of(input));
  const DType dtype = parameters(false)[0].dtype();
  check<DTypeError>(input.dtype() == dtype, name(), ": expected input of dtype ", dtype, " (the weights'), got ",
                    input.dtype());
  // The layer input: [L, N, I], or [N, L, I] for the first layer with batch_first (x_batch_first).
  Tensor x = batched ? input : input.unsqueeze(1);
  bool x_batch_first = batched && batch_first;
  const int64_t steps = x.size(x_batch_first ? 1 : 0), batch = x.size(x_batch_first ? 0 : 1), dirs = num_directions(),
                layers = options.num_layers;
  check<ValueError>(steps > 0, name(), ": expected a sequence of at least one step, got input ", shape_of(input));
  const Shape state_shape = batched ? Shape{layers * dirs, batch, hidden_size} : Shape{layers * dirs, hidden_size};
  for (size_t i = 0; i < hx.size(); ++i) {
    if (!hx[i].defined()) continue;
    check<ShapeError>(hx[i].shape() == state_shape, name(), ": expected ", kStateNames[i], " ", shape_str(state_shape),
                      ", got ", shape_of(hx[i]));
    check<DTypeError>(hx[i].dtype() == dtype, name(), ": expected ", kStateNames[i], " of dtype ", dtype, ", got ",
                      hx[i].dtype());
    if (!batched) hx[i] = hx[i].unsqueeze(1);
  }
  std::vector<Tensor> xs_tail;  // the per-step mask, when lengths are given
  if (lengths.defined()) xs_tail.push_back(sequence_mask(checked_lengths(lengths, batch, steps, name()), steps));

  std::vector<Carry> finals(hx.size());  // per state: [layer * dirs + dir]
  for (int64_t layer = 0; layer < layers; ++layer) {
    std::vector<Tensor> outs;
    for (int64_t dir = 0; dir < dirs; ++dir) {
      const std::vector<Tensor> w = weights(layer, dir);
      // The input projection of all steps in one matmul. RNN and LSTM add b_hh here too (it sits outside the
      // recurrence); GRU keeps it in the step, where r scales W_hn h + b_hn.
      const bool fold = mode != RNNMode::kGru && w[3].defined();
      std::vector<Tensor> xs{project(x, x_batch_first, w[0], fold ? w[2] + w[3] : w[2])};
      xs.insert(xs.end(), xs_tail.begin(), xs_tail.end());
      Carry carry;
      for (const Tensor& s : hx) {
        carry.push_back(s.defined() ? s.select(0, layer * dirs + dir) : zeros({batch, hidden_size}, dtype));
      }
      auto [last, ys] =
          mode == RNNMode::kLstm && xs_tail.empty() && (dtype == kFloat32 || dtype == kFloat64)
              ? fused_lstm(xs[0], w[1], carry, dir == 1)
              : run_steps(layer_step(mode, w[1].t(), fold ? Tensor() : w[3]), std::move(carry), xs, dir == 1);
      outs.push_back(std::move(ys));
      for (size_t i = 0; i < last.size(); ++i) finals[i].push_back(std::move(last[i]));
    }
    x = dirs == 1 ? outs[0] : cat(outs, int64_t{2});
    x_batch_first = false;
    if (layer + 1 < layers && is_training() && options.dropout > 0.0) {
      x = functional::dropout(x, options.dropout, true, generator);
    }
  }
  Carry states;
  for (const Carry& f : finals) states.push_back(batched ? stack(f, 0) : stack(f, 0).squeeze(1));
  return {batched ? (batch_first ? x.transpose(0, 1) : x) : x.squeeze(1), std::move(states)};
}

std::pair<PackedSequence, Carry> RNNBase::run(const PackedSequence& input, Carry hx) {
  check<ShapeError>(input.data.dim() == 3, name(), ": expected packed input ",
                    input.batch_first ? "[N, L, " : "[L, N, ", input_size, "], got ", shape_of(input.data));
  auto [out, states] = run(input.data, input.lengths, input.batch_first, std::move(hx));
  return {PackedSequence{out, input.lengths, input.batch_first}, std::move(states)};
}

std::pair<Tensor, Tensor> RNNBase::run_single(const Tensor& input, const Tensor& h0) {
  auto [out, states] = run(input, Tensor(), options.batch_first, {h0});
  return {out, states[0]};
}

std::pair<PackedSequence, Tensor> RNNBase::run_single(const PackedSequence& input, const Tensor& h0) {
  auto [out, states] = run(input, {h0});
  return {out, states[0]};
}

RNN::RNN(int64_t input_size, int64_t hidden_size, RNNOptions options)
    : RNNBase("RNN", rnn_mode(options.nonlinearity, "RNN"), input_size, hidden_size, options) {}

std::pair<Tensor, Tensor> RNN::forward(const Tensor& input, const Tensor& h0) { return run_single(input, h0); }

std::pair<PackedSequence, Tensor> RNN::forward(const PackedSequence& input, const Tensor& h0) {
  return run_single(input, h0);
}

LSTM::LSTM(int64_t input_size, int64_t hidden_size, RNNOptions options)
    : RNNBase("LSTM", RNNMode::kLstm, input_size, hidden_size, options) {}

namespace {
Carry lstm_states(const LSTMState& hx, const std::string& who) {
  check<ValueError>(hx.first.defined() == hx.second.defined(), who, ": expected both h0 and c0 or neither, got only ",
                    hx.first.defined() ? "h0" : "c0");
  return {hx.first, hx.second};
}
}  // namespace

std::pair<Tensor, LSTMState> LSTM::forward(const Tensor& input, const LSTMState& hx) {
  auto [out, states] = run(input, Tensor(), options.batch_first, lstm_states(hx, name()));
  return {out, {states[0], states[1]}};
}

std::pair<PackedSequence, LSTMState> LSTM::forward(const PackedSequence& input, const LSTMState& hx) {
  auto [out, states] = run(input, lstm_states(hx, name()));
  return {out, {states[0], states[1]}};
}

GRU::GRU(int64_t input_size, int64_t hidden_size, RNNOptions options)
    : RNNBase("GRU", RNNMode::kGru, input_size, hidden_size, options) {}

std::pair<Tensor, Tensor> GRU::forward(const Tensor& input, const Tensor& h0) { return run_single(input, h0); }

std::pair<PackedSequence, Tensor> GRU::forward(const PackedSequence& input, const Tensor& h0) {
  return run_single(input, h0);
}

}  // namespace tessera::nn
