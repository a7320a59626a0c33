// lstm_sequence and its fused backward (Note [The fused LSTM] in lstm.h): shape rules, the gradient rule in
// its two forms, samples.
#include "tessera/ops/lstm.h"

#include <algorithm>

#include "tessera/autograd/grad_mode.h"
#include "tessera/ops/apply.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/families.h"
#include "tessera/ops/float_operands.h"
#include "tessera/ops/fused_backward.h"
#include "tessera/ops/linalg.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/sample_values.h"
#include "tessera/ops/shape.h"
#include "tessera/ops/unary.h"

namespace tessera {

std::string LstmAttrs::repr() const {
  return cat("reverse=", reverse ? "true" : "false", ", has_grad=[", has_grad[0], ", ", has_grad[1], ", ", has_grad[2],
             "]");
}

namespace {

using Grads = std::vector<Tensor>;

void check_shape(const char* op, const char* what, const Shape& got, const Shape& want) {
  check<ShapeError>(got == want, op, ": expected ", what, " ", shape_str(want), ", got ", shape_str(got));
}

// inputs: gates_in [T, N, 4H], w_hh [4H, H], h0 [N, H], c0 [N, H].
std::vector<TensorType> lstm_infer(std::span<const TensorType> in, const Attrs&) {
  constexpr const char* op = "lstm_sequence";
  check<ShapeError>(in[1].shape.size() == 2 && in[1].shape[0] == 4 * in[1].shape[1] && in[1].shape[1] > 0, op,
                    ": expected w_hh [4H, H], got ", shape_str(in[1].shape));
  const int64_t h = in[1].shape[1];
  check<ShapeError>(in[0].shape.size() == 3 && in[0].shape[0] >= 1 && in[0].shape[2] == 4 * h, op,
                    ": expected gates_in [T, N, ", 4 * h, "] for w_hh ", shape_str(in[1].shape), ", got ",
                    shape_str(in[0].shape));
  const int64_t t = in[0].shape[0], n = in[0].shape[1];
  check_shape(op, "h0", in[2].shape, {n, h});
  check_shape(op, "c0", in[3].shape, {n, h});
  check_float_operands(op, in);
  const DType d = in[0].dtype;
  return {{d, {t, n, h}, in[0].device}, {d, {t, n, h}, in[0].device}, {d, {t, n, 4 * h}, in[0].device}};
}

// inputs: w_hh, h0, c0, y, c, gates, then the gradients of y, c, gates that has_grad marks present.
std::vector<TensorType> lstm_backward_infer(std::span<const TensorType> in, const Attrs& attrs) {
  constexpr const char* op = "lstm_sequence_backward";
  const auto& a = attrs_as<LstmAttrs>(attrs);
  const size_t present = static_cast<size_t>(std::count(a.has_grad.begin(), a.has_grad.end(), true));
  check<ValueError>(in.size() == 6 + present, op, ": expected ", 6 + present, " inputs, got ", in.size());
  const Shape& y = in[3].shape;
  check<ShapeError>(y.size() == 3, op, ": expected y [T, N, H], got ", shape_str(y));
  const int64_t h = y[2];
  check_shape(op, "w_hh", in[0].shape, {4 * h, h});
  check_shape(op, "h0", in[1].shape, {y[1], h});
  check_shape(op, "c0", in[2].shape, {y[1], h});
  check_shape(op, "c", in[4].shape, y);
  const Shape gates{y[0], y[1], 4 * h};
  check_shape(op, "gates", in[5].shape, gates);
  size_t k = 6;
  for (int i = 0; i < 3; ++i) {
    if (a.has_grad[i]) check_shape(op, "a gradient", in[k++].shape, i == 2 ? gates : y);
  }
  check_float_operands(op, in);
  const DType d = in[0].dtype;
  const Device dev = in[0].device;
  return {{d, gates, dev}, {d, in[0].shape, dev}, {d, in[1].shape, dev}, {d, in[2].shape, dev}};
}

// The backward with tensor ops (differentiable in turn; used under create_graph and in graph mode). Missing
// output gradients are zeros.
Grads lstm_backward_composite(const OpCall& c, std::span<const Tensor> g, bool reverse) {
  const Tensor &w = c.inputs[1], &h0 = c.inputs[2], &c0 = c.inputs[3];
  const Tensor &y = c.outputs[0], &cs = c.outputs[1], &gates = c.outputs[2];
  auto zeros_of = [](const TensorType& t) { return zeros(t.shape, TensorOptions(t.dtype).device(t.device)); };
  std::array<Tensor, 3> go;
  for (size_t k = 0; k < 3; ++k) go[k] = g[k].defined() ? g[k] : zeros_of(c.output_types[k]);
  const int64_t steps = y.size(0);
  Tensor dh = zeros_of(c.input_types[2]), dc = zeros_of(c.input_types[3]), dw;
  std::vector<Tensor> da(steps);
  for (int64_t s = steps - 1; s >= 0; --s) {
    const int64_t t = reverse ? steps - 1 - s : s, prev = reverse ? t + 1 : t - 1;
    const Tensor h_prev = s == 0 ? h0 : y.select(0, prev), c_prev = s == 0 ? c0 : cs.select(0, prev);
    const std::vector<Tensor> q = chunk(gates.select(0, t), 4, 1), gq = chunk(go[2].select(0, t), 4, 1);
    const Tensor &i = q[0], &f = q[1], &gg = q[2], &o = q[3];
    const Tensor dh_t = go[0].select(0, t) + dh, tc = tanh(cs.select(0, t));
    const Tensor dc_t = go[1].select(0, t) + dc + dh_t * o * (1.0 - tc * tc);
    da[t] = cat({(dc_t * gg + gq[0]) * i * (1.0 - i), (dc_t * c_prev + gq[1]) * f * (1.0 - f),
                 (dc_t * i + gq[2]) * (1.0 - gg * gg), (dh_t * tc + gq[3]) * o * (1.0 - o)},
                1);
    dc = dc_t * f;
    dh = matmul(da[t], w);
    const Tensor dw_t = matmul(da[t].t(), h_prev);
    dw = dw.defined() ? dw + dw_t : dw_t;
  }
  return {stack(da, 0), dw, dh, dc};
}

Grads lstm_vjp(const OpCall& c, std::span<const Tensor> g) {
  const auto& a = attrs_as<LstmAttrs>(c.attrs);
  if (!use_fused_backward(c, g)) return lstm_backward_composite(c, g, a.reverse);
  static const OpDef& d = op("lstm_sequence_backward");
  LstmAttrs b = a;
  std::vector<Tensor> in{c.inputs[1], c.inputs[2], c.inputs[3], c.outputs[0], c.outputs[1], c.outputs[2]};
  for (size_t k = 0; k < 3; ++k) {
    b.has_grad[k] = g[k].defined();
    if (b.has_grad[k]) in.push_back(g[k]);
  }
  std::vector<Tensor> r = apply(d, in, b);
  return {r[0], r[1], r[2], r[3]};
}

// ---- Samples (float64): forward and reverse, two steps and three ------------------------------------------

std::shared_ptr<const Attrs> lstm_attrs(bool reverse, std::array<bool, 3> has_grad = {true, true, true}) {
  auto a = std::make_shared<LstmAttrs>();
  a->reverse = reverse, a->has_grad = has_grad;
  return a;
}

std::vector<OpSample> lstm_samples() {
  return {{{sample_ramp({3, 2, 8}, 0.7), sample_ramp({8, 2}, 1.3) * 0.5, sample_ramp({2, 2}, 0.4),
            sample_ramp({2, 2}, 0.9)},
           lstm_attrs(false),
           "3 steps, batch 2, hidden 2"},
          {{sample_ramp({2, 1, 12}, 1.1), sample_ramp({12, 3}, 0.6) * 0.5, sample_ramp({1, 3}, 0.3),
            sample_ramp({1, 3}, 0.8)},
           lstm_attrs(true),
           "reverse, 2 steps, hidden 3"}};
}

// Backward samples: the forward outputs of the first sample with some gradients given.
std::vector<OpSample> lstm_backward_samples() {
  const OpSample s = lstm_samples()[0];
  const LstmSequence r = lstm_sequence(s.inputs[0], s.inputs[1], s.inputs[2], s.inputs[3]);
  return {{{s.inputs[1], s.inputs[2], s.inputs[3], r.y, r.c, r.gates, sample_ramp({3, 2, 2}, 0.5)},
           lstm_attrs(false, {true, false, false}),
           "gradient of y only"}};
}

}  // namespace

void register_lstm_ops(Registry& r) {
  r.add({.name = "lstm_sequence", .infer = lstm_infer, .vjp = lstm_vjp, .samples = lstm_samples});
  // Only the eager backward runs it, never differentiated (the rule above switches to tensor ops then).
  r.add({.name = "lstm_sequence_backward",
         .infer = lstm_backward_infer,
         .differentiability = Differentiability::NotDifferentiable,
         .samples = lstm_backward_samples});
}

LstmSequence lstm_sequence(const Tensor& gates_in, const Tensor& w_hh, const Tensor& h0, const Tensor& c0,
                           bool reverse) {
  static const OpDef& d = op("lstm_sequence");
  LstmAttrs a;
  a.reverse = reverse;
  std::vector<Tensor> r = apply(d, {gates_in, w_hh, h0, c0}, a);
  return {r[0], r[1], r[2]};
}

}  // namespace tessera
