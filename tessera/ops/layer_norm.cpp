// layer_norm and its fused backward (Note [The fused layer norm] in normalization.h): shape rules, the gradient
// rule in its two forms, samples. The CPU kernels are in backend/cpu/layer_norm_kernels.cpp.
#include <numeric>

#include "tessera/ops/apply.h"
#include "tessera/ops/binary.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/families.h"
#include "tessera/ops/float_operands.h"
#include "tessera/ops/fused_backward.h"
#include "tessera/ops/normalization.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/sample_values.h"
#include "tessera/ops/unary.h"

namespace tessera {
namespace {

using Grads = std::vector<Tensor>;

// Checks that `x` ends in the weight's shape and the bias has it too; returns the statistics' shape
// [*, 1, ..., 1].
Shape check_normalized(const char* op, const Shape& x, const Shape& w, const Shape& b) {
  const size_t k = w.size();
  check<ShapeError>(k >= 1 && x.size() >= k && std::equal(w.begin(), w.end(), x.end() - static_cast<int64_t>(k)), op,
                    ": input ", fmt_shape(x), " does not end in normalized_shape ", fmt_shape(w));
  check<ShapeError>(b == w, op, ": expected bias of normalized_shape ", fmt_shape(w), ", got ", fmt_shape(b));
  Shape stat = x;
  std::fill(stat.end() - static_cast<int64_t>(k), stat.end(), 1);
  return stat;
}

// inputs: x [*, normalized_shape], weight and bias [normalized_shape]; outputs: y, mean, var [*, 1, ..., 1].
std::vector<TensorType> ln_infer(std::span<const TensorType> in, const Attrs&) {
  const Shape stat = check_normalized("layer_norm", in[0].shape, in[1].shape, in[2].shape);
  check_float_operands("layer_norm", in);
  const TensorType s{in[0].dtype, stat, in[0].device};
  return {in[0], s, s};
}

// inputs: dy, x, weight, mean, var; outputs: dx, dweight, dbias.
std::vector<TensorType> ln_backward_infer(std::span<const TensorType> in, const Attrs&) {
  constexpr const char* op = "layer_norm_backward";
  check<ShapeError>(in[0].shape == in[1].shape, op, ": expected dy of the input's shape ", fmt_shape(in[1].shape),
                    ", got ", fmt_shape(in[0].shape));
  const Shape stat = check_normalized(op, in[1].shape, in[2].shape, in[2].shape);
  for (size_t i : {3, 4}) {
    check<ShapeError>(in[i].shape == stat, op, ": expected statistics ", fmt_shape(stat), ", got ",
                      fmt_shape(in[i].shape));
  }
  check_float_operands(op, in);
  return {in[1], in[2], in[2]};
}

// The backward with tensor ops (differentiable in turn; used under create_graph and in graph mode). Gradients
// reaching the mean and variance outputs are included, so that second derivatives hold.
Grads ln_backward_composite(const OpCall& c, std::span<const Tensor> g, double eps) {
  const Tensor &x = c.inputs[0], &w = c.inputs[1], &mean = c.outputs[1], &var = c.outputs[2];
  const int64_t nd = x.dim(), k = w.dim();
  const double d = static_cast<double>(w.numel());
  std::vector<int64_t> rows(static_cast<size_t>(nd - k)), cols(static_cast<size_t>(k));
  std::iota(rows.begin(), rows.end(), 0);
  std::iota(cols.begin(), cols.end(), nd - k);
  // Sums over the leading dims (none when the input is one row: then the value itself).
  auto sum_rows = [&](const Tensor& t) { return rows.empty() ? t : t.sum(rows); };
  const Tensor rstd = rsqrt(var + eps), centered = x - mean;
  Tensor dx, dw, db;
  if (g[0].defined()) {
    const Tensor xhat = centered * rstd, gw = g[0] * w;
    db = sum_rows(g[0]);
    dw = sum_rows(g[0] * xhat);
    dx = rstd * (gw - gw.mean(cols, true) - xhat * (gw * xhat).mean(cols, true));
  }
  auto add = [&](const Tensor& term) { dx = dx.defined() ? dx + term : term; };
  if (g[1].defined()) add((g[1] / d).expand(x.shape()));
  if (g[2].defined()) add(centered * (g[2] * 2.0 / d));
  return {dx, dw, db};
}

Grads ln_vjp(const OpCall& c, std::span<const Tensor> g) {
  const double eps = attrs_as<NormalizationAttrs>(c.attrs).eps;
  if (!use_fused_backward_of_first_output(c, g)) return ln_backward_composite(c, g, eps);
  static const OpDef& d = op("layer_norm_backward");
  return apply(d, {g[0], c.inputs[0], c.inputs[1], c.outputs[1], c.outputs[2]}, c.attrs);
}

// ---- Samples (float64) ------------------------------------------------------------------------------------

std::vector<OpSample> ln_samples() {
  return {{{sample_ramp({3, 5}, 0.7), sample_ramp({5}, 1.3, 1.0), sample_ramp({5}, 0.4)},
           std::make_shared<NormalizationAttrs>(1e-5),
           "[3, 5] over [5]"},
          {{sample_ramp({2, 3, 4}, 1.1), sample_ramp({3, 4}, 0.6, 1.0), sample_ramp({3, 4}, 0.9)},
           std::make_shared<NormalizationAttrs>(0.1),
           "[2, 3, 4] over [3, 4]"},
          {{sample_ramp({4, 3}, 0.3).t(), sample_ramp({4}, 0.8, 1.0), sample_ramp({4}, 0.2)},
           std::make_shared<NormalizationAttrs>(1e-3),
           "[3, 4] transposed"},
          {{sample_ramp({6}, 0.5), sample_ramp({6}, 0.8, 1.0), sample_ramp({6}, 0.2)},
           std::make_shared<NormalizationAttrs>(1e-5),
           "one row [6]"}};
}

std::vector<OpSample> ln_backward_samples() {
  const OpSample s = ln_samples()[1];
  const LayerNormResult r = layer_norm_with_stats(s.inputs[0], s.inputs[1], s.inputs[2], 0.1);
  return {{{sample_ramp({2, 3, 4}, 0.5), s.inputs[0], s.inputs[1], r.mean, r.var}, s.attrs, "[2, 3, 4] over [3, 4]"}};
}

}  // namespace

void register_layer_norm_ops(Registry& r) {
  r.add({.name = "layer_norm", .infer = ln_infer, .vjp = ln_vjp, .samples = ln_samples});
  // Only the eager backward runs it, never differentiated (the rule above switches to tensor ops then).
  r.add({.name = "layer_norm_backward",
         .infer = ln_backward_infer,
         .differentiability = Differentiability::NotDifferentiable,
         .samples = ln_backward_samples});
}

LayerNormResult layer_norm_with_stats(const Tensor& input, const Tensor& weight, const Tensor& bias, double eps) {
  static const OpDef& d = op("layer_norm");
  std::vector<Tensor> r = apply(d, {input, weight, bias}, NormalizationAttrs(eps));
  return {r[0], r[1], r[2]};
}

}  // namespace tessera
