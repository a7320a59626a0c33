// batch_norm_training and its fused backward (Note [The fused batch norm] in normalization.h): shape rules, the
// gradient rule in its two forms, samples. The CPU kernels are in backend/cpu/batch_norm_kernels.cpp.
#include <algorithm>

#include "tessera/ops/apply.h"
#include "tessera/ops/binary.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/families.h"
#include "tessera/ops/float_operands.h"
#include "tessera/ops/fused_backward.h"
#include "tessera/ops/normalization.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/sample_values.h"
#include "tessera/ops/shape.h"
#include "tessera/ops/unary.h"

namespace tessera {

std::string NormalizationAttrs::repr() const { return cat("eps=", eps); }

namespace {

using Grads = std::vector<Tensor>;

// Checks `x` [N, C, *] with more than one value per channel and the per-channel operands in[first..] being [C];
// returns C.
int64_t check_channels(const char* op, const Shape& x, std::span<const TensorType> per_channel) {
  check<ShapeError>(x.size() >= 2, op, ": expected input [N, C, *], got ", fmt_shape(x));
  const int64_t c = x[1];
  check<ValueError>(c == 0 || numel(x) / c > 1, op,
                    ": expected more than 1 value per channel when training, got input ", fmt_shape(x));
  for (const TensorType& t : per_channel) {
    check<ShapeError>(t.shape == Shape{c}, op, ": expected [", c, "] parameters/statistics for input ", fmt_shape(x),
                      ", got ", fmt_shape(t.shape));
  }
  return c;
}

// inputs: x [N, C, *], weight [C], bias [C]; outputs: y, mean [C], var [C].
std::vector<TensorType> bn_infer(std::span<const TensorType> in, const Attrs&) {
  const int64_t c = check_channels("batch_norm_training", in[0].shape, in.subspan(1));
  check_float_operands("batch_norm_training", in);
  const TensorType stat{in[0].dtype, {c}, in[0].device};
  return {in[0], stat, stat};
}

// inputs: dy, x, weight, mean, var; outputs: dx, dweight, dbias.
std::vector<TensorType> bn_backward_infer(std::span<const TensorType> in, const Attrs&) {
  constexpr const char* op = "batch_norm_training_backward";
  check<ShapeError>(in[0].shape == in[1].shape, op, ": expected dy of the input's shape ", fmt_shape(in[1].shape),
                    ", got ", fmt_shape(in[0].shape));
  check_channels(op, in[1].shape, in.subspan(2));
  check_float_operands(op, in);
  return {in[1], in[2], in[2]};
}

// [C] -> [1, C, 1, ...] to broadcast over [N, C, *].
Tensor per_channel(const Tensor& t, int64_t ndim) {
  Shape s(ndim, 1);
  s[1] = t.size(0);
  return t.view(s);
}

// The backward with tensor ops (differentiable in turn; used under create_graph and in graph mode). Gradients
// reaching the mean and variance outputs are included, so that second derivatives hold.
Grads bn_backward_composite(const OpCall& c, std::span<const Tensor> g, double eps) {
  const Tensor &x = c.inputs[0], &w = c.inputs[1], &mean = c.outputs[1], &var = c.outputs[2];
  const int64_t nd = x.dim();
  const double m = static_cast<double>(x.numel() / std::max<int64_t>(x.size(1), 1));  // values per channel
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < nd; ++d) dims.push_back(d);
  const Tensor invstd = rsqrt(var + eps);
  const Tensor centered = x - per_channel(mean, nd);
  Tensor dx, dw, db;
  if (g[0].defined()) {
    const Tensor xhat = centered * per_channel(invstd, nd);
    db = g[0].sum(dims);
    dw = (g[0] * xhat).sum(dims);
    dx = per_channel(w * invstd, nd) * (g[0] - per_channel(db / m, nd) - xhat * per_channel(dw / m, nd));
  }
  auto add = [&](const Tensor& term) { dx = dx.defined() ? dx + term : term; };
  if (g[1].defined()) add(per_channel(g[1] / m, nd).expand(x.shape()));
  if (g[2].defined()) add(centered * per_channel(g[2] * 2.0 / m, nd));
  return {dx, dw, db};
}

Grads bn_vjp(const OpCall& c, std::span<const Tensor> g) {
  const double eps = attrs_as<NormalizationAttrs>(c.attrs).eps;
  if (!use_fused_backward_of_first_output(c, g)) return bn_backward_composite(c, g, eps);
  static const OpDef& d = op("batch_norm_training_backward");
  return apply(d, {g[0], c.inputs[0], c.inputs[1], c.outputs[1], c.outputs[2]}, c.attrs);
}

// ---- Samples (float64) ------------------------------------------------------------------------------------

std::vector<OpSample> bn_samples() {
  return {{{sample_ramp({3, 2, 2, 3}, 0.7), sample_ramp({2}, 1.3, 1.0), sample_ramp({2}, 0.4)},
           std::make_shared<NormalizationAttrs>(1e-5),
           "[3, 2, 2, 3]"},
          {{sample_ramp({3, 5}, 1.1).t(), sample_ramp({3}, 0.6, 1.0), sample_ramp({3}, 0.9)},
           std::make_shared<NormalizationAttrs>(0.1),
           "[5, 3] transposed"},
          {{sample_ramp({4, 3, 5}, 0.3), sample_ramp({3}, 0.8, 1.0), sample_ramp({3}, 0.2)},
           std::make_shared<NormalizationAttrs>(1e-3),
           "[4, 3, 5]"}};
}

std::vector<OpSample> bn_backward_samples() {
  const OpSample s = bn_samples()[0];
  const BatchNormTraining r = batch_norm_training(s.inputs[0], s.inputs[1], s.inputs[2]);
  return {{{sample_ramp({3, 2, 2, 3}, 0.5), s.inputs[0], s.inputs[1], r.mean, r.var}, s.attrs, "[3, 2, 2, 3]"}};
}

}  // namespace

void register_batch_norm_ops(Registry& r) {
  r.add({.name = "batch_norm_training", .infer = bn_infer, .vjp = bn_vjp, .samples = bn_samples});
  // Only the eager backward runs it, never differentiated (the rule above switches to tensor ops then).
  r.add({.name = "batch_norm_training_backward",
         .infer = bn_backward_infer,
         .differentiability = Differentiability::NotDifferentiable,
         .samples = bn_backward_samples});
}

BatchNormTraining batch_norm_training(const Tensor& input, const Tensor& weight, const Tensor& bias, double eps) {
  static const OpDef& d = op("batch_norm_training");
  std::vector<Tensor> r = apply(d, {input, weight, bias}, NormalizationAttrs(eps));
  return {r[0], r[1], r[2]};
}

}  // namespace tessera
