#include "tessera/nn/rnn_cell.h"

#include <cmath>

#include "tessera/nn/functional.h"
#include "tessera/nn/init.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/linalg.h"
#include "tessera/ops/shape.h"
#include "tessera/ops/unary.h"

namespace tessera::nn {

int64_t gate_count(RNNMode mode) {
  switch (mode) {
    case RNNMode::kLstm:
      return 4;
    case RNNMode::kGru:
      return 3;
    default:
      return 1;
  }
}

RNNMode rnn_mode(const std::string& nonlinearity, const std::string& who) {
  if (nonlinearity == "tanh") return RNNMode::kRnnTanh;
  if (nonlinearity == "relu") return RNNMode::kRnnRelu;
  throw ValueError(cat(who, ": unknown nonlinearity '", nonlinearity, "'; choose tanh or relu"));
}

std::vector<Tensor> rnn_cell_step(RNNMode mode, const std::vector<Tensor>& carry, const Tensor& gi,
                                  const Tensor& w_hh_t, const Tensor& b_hh) {
  const Tensor& h = carry[0];
  const Tensor gh = b_hh.defined() ? matmul(h, w_hh_t) + b_hh : matmul(h, w_hh_t);
  switch (mode) {
    case RNNMode::kRnnTanh:
      return {tanh(gi + gh)};
    case RNNMode::kRnnRelu:
      return {relu(gi + gh)};
    case RNNMode::kLstm: {
      const std::vector<Tensor> g = chunk(gi + gh, 4, 1);
      const Tensor c = sigmoid(g[1]) * carry[1] + sigmoid(g[0]) * tanh(g[2]);
      return {sigmoid(g[3]) * tanh(c), c};
    }
    case RNNMode::kGru: {
      const std::vector<Tensor> i = chunk(gi, 3, 1), r_z_n = chunk(gh, 3, 1);
      const Tensor r = sigmoid(i[0] + r_z_n[0]), z = sigmoid(i[1] + r_z_n[1]);
      const Tensor n = tanh(i[2] + r * r_z_n[2]);
      return {n + z * (h - n)};  // (1 - z) n + z h
    }
  }
  throw ValueError("rnn_cell_step: unknown mode");
}

// ---- Cells ----------------------------------------------------------------------------------------------------

namespace {

const char* cell_type(RNNMode mode) {
  switch (mode) {
    case RNNMode::kLstm:
      return "LSTMCell";
    case RNNMode::kGru:
      return "GRUCell";
    default:
      return "RNNCell";
  }
}

}  // namespace

RNNCellBase::RNNCellBase(RNNMode mode, int64_t input_size, int64_t hidden_size, const RNNCellOptions& options)
    : input_size(input_size), hidden_size(hidden_size), mode(mode) {
  check<ValueError>(input_size >= 0 && hidden_size > 0, cell_type(mode),
                    ": input_size must be >= 0 and hidden_size > 0, got ", input_size, ", ", hidden_size);
  check<ValueError>(mode == RNNMode::kRnnTanh || mode == RNNMode::kRnnRelu || options.nonlinearity == "tanh",
                    cell_type(mode), ": nonlinearity applies to RNNCell only, got '", options.nonlinearity, "'");
  const int64_t rows = gate_count(mode) * hidden_size;
  weight_ih = register_parameter("weight_ih", empty({rows, input_size}, options.dtype));
  weight_hh = register_parameter("weight_hh", empty({rows, hidden_size}, options.dtype));
  if (options.bias) {
    bias_ih = register_parameter("bias_ih", empty({rows}, options.dtype));
    bias_hh = register_parameter("bias_hh", empty({rows}, options.dtype));
  }
  reset_parameters();
}

void RNNCellBase::reset_parameters() {
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_size));
  for (Tensor p : parameters()) init::uniform_(p, -bound, bound);
}

std::string RNNCellBase::name() const { return cat(cell_type(mode), "(", input_size, ", ", hidden_size, ")"); }

std::string RNNCellBase::extra_repr() const {
  return cat(input_size, ", ", hidden_size, bias_ih.defined() ? "" : ", bias=False");
}

std::vector<Tensor> RNNCellBase::step(const Tensor& input, std::vector<Tensor> states) {
  check<ShapeError>((input.dim() == 1 || input.dim() == 2) && input.size(-1) == input_size, name(),
                    ": expected input [N, ", input_size, "] or [", input_size, "], got ", shape_of(input));
  check<DTypeError>(input.dtype() == weight_ih.dtype(), name(), ": expected input of dtype ", weight_ih.dtype(),
                    " (the weights'), got ", input.dtype());
  const bool batched = input.dim() == 2;
  const Tensor x = batched ? input : input.unsqueeze(0);
  const int64_t n = x.size(0);
  const Shape want = batched ? Shape{n, hidden_size} : Shape{hidden_size};
  static const char* const kNames[] = {"hx", "cx"};
  for (size_t i = 0; i < states.size(); ++i) {
    Tensor& s = states[i];
    if (!s.defined()) {
      s = zeros({n, hidden_size}, x.dtype());
      continue;
    }
    check<ShapeError>(s.shape() == want, name(), ": expected ", kNames[i], " ", shape_str(want), ", got ", shape_of(s));
    check<DTypeError>(s.dtype() == x.dtype(), name(), ": expected ", kNames[i], " of dtype ", x.dtype(), ", got ",
                      s.dtype());
    if (!batched) s = s.unsqueeze(0);
  }
  std::vector<Tensor> next =
      rnn_cell_step(mode, states, functional::linear(x, weight_ih, bias_ih), weight_hh.t(), bias_hh);
  if (!batched) {
    for (Tensor& t : next) t = t.squeeze(0);
  }
  return next;
}

RNNCell::RNNCell(int64_t input_size, int64_t hidden_size, RNNCellOptions options)
    : RNNCellBase(rnn_mode(options.nonlinearity, "RNNCell"), input_size, hidden_size, options) {}

Tensor RNNCell::forward(const Tensor& input, const Tensor& hx) { return step(input, {hx})[0]; }

std::string RNNCell::extra_repr() const {
  return RNNCellBase::extra_repr() + (mode == RNNMode::kRnnRelu ? ", nonlinearity=relu" : "");
}

LSTMCell::LSTMCell(int64_t input_size, int64_t hidden_size, RNNCellOptions options)
    : RNNCellBase(RNNMode::kLstm, input_size, hidden_size, options) {}

LSTMState LSTMCell::forward(const Tensor& input, const LSTMState& hx) {
  check<ValueError>(hx.first.defined() == hx.second.defined(), name(),
                    ": expected both hx and cx or neither, got only ", hx.first.defined() ? "hx" : "cx");
  std::vector<Tensor> next = step(input, {hx.first, hx.second});
  return {next[0], next[1]};
}

GRUCell::GRUCell(int64_t input_size, int64_t hidden_size, RNNCellOptions options)
    : RNNCellBase(RNNMode::kGru, input_size, hidden_size, options) {}

Tensor GRUCell::forward(const Tensor& input, const Tensor& hx) { return step(input, {hx})[0]; }

}  // namespace tessera::nn
