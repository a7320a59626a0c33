// softmax and log_softmax: shape rules, gradient rules and samples.
#include "tessera/ops/softmax.h"

#include "tessera/ops/apply.h"
#include "tessera/ops/binary.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/families.h"
#include "tessera/ops/fused_backward.h"
#include "tessera/ops/reduce.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/unary.h"

namespace tessera {

std::string SoftmaxAttrs::repr() const { return cat("dim=", dim); }

namespace {

constexpr char kSoftmax[] = "softmax", kLogSoftmax[] = "log_softmax";
constexpr char kSoftmaxBackward[] = "softmax_backward", kLogSoftmaxBackward[] = "log_softmax_backward";

template <const char* kName>
std::vector<TensorType> softmax_infer(std::span<const TensorType> in, const Attrs& attrs) {
  const auto& a = attrs_as<SoftmaxAttrs>(attrs);
  wrap_dim(a.dim, std::max<int64_t>(static_cast<int64_t>(in[0].shape.size()), 1), kName);
  check<DTypeError>(in[0].dtype == kFloat32 || in[0].dtype == kFloat64, kName, ": expected float32 or float64, got ",
                    in[0].dtype);
  return {in[0]};
}

int64_t softmax_dim(const OpCall& c) {
  const int64_t nd = static_cast<int64_t>(c.output_types[0].shape.size());
  return nd == 0 ? 0 : wrap_dim(attrs_as<SoftmaxAttrs>(c.attrs).dim, nd, "softmax");
}

// The backward ops: [g, y] -> gx, each of y's shape and dtype.
template <const char* kName>
std::vector<TensorType> softmax_backward_infer(std::span<const TensorType> in, const Attrs& attrs) {
  check<ShapeError>(in[0].shape == in[1].shape, kName, ": expected the gradient ", shape_str(in[0].shape),
                    " to have the output's shape ", shape_str(in[1].shape));
  check<DTypeError>(in[0].dtype == in[1].dtype, kName, ": expected the gradient's dtype ", in[0].dtype,
                    " to equal the output's ", in[1].dtype);
  return softmax_infer<kName>(in.subspan(1), attrs);
}

using Grads = std::vector<Tensor>;

// Plain eager backward runs the fused backward op (one pass per line; backend/cpu/softmax_kernels.cpp), with the
// gradient in y's dtype (a user may seed another); under create_graph and in graph mode the rules are written with
// tensor ops, differentiable again.
// y = softmax(x): gx = y * (g - sum(g * y)).
Grads softmax_vjp(const OpCall& c, std::span<const Tensor> g) {
  const Tensor& y = c.outputs[0];
  if (y.dim() == 0) return {y * (g[0] - g[0] * y)};  // 0 where y is 1, NaN where x is not finite (as torch)
  static const OpDef& backward = op("softmax_backward");
  if (use_fused_backward(c, g)) return apply(backward, {g[0].to(y.dtype()), y}, c.attrs);
  return {y * (g[0] - sum(g[0] * y, {softmax_dim(c)}, true))};
}
// y = log_softmax(x): gx = g - exp(y) * sum(g).
Grads log_softmax_vjp(const OpCall& c, std::span<const Tensor> g) {
  const Tensor& y = c.outputs[0];
  if (y.dim() == 0) return {g[0] - exp(y) * g[0]};  // 0 where y is 0, NaN where x is not finite (as torch)
  static const OpDef& backward = op("log_softmax_backward");
  if (use_fused_backward(c, g)) return apply(backward, {g[0].to(y.dtype()), y}, c.attrs);
  return {g[0] - exp(y) * sum(g[0], {softmax_dim(c)}, true)};
}

std::shared_ptr<const Attrs> dim_attrs(int64_t dim) {
  auto a = std::make_shared<SoftmaxAttrs>();
  a->dim = dim;
  return a;
}

std::vector<OpSample> softmax_samples() {
  const Tensor x = (arange(24, kFloat64) * 0.83).sin().reshape({2, 3, 4}) * 2.0;
  return {{{x}, dim_attrs(-1), "last dim"},
          {{x}, dim_attrs(1), "middle dim"},
          {{x.transpose(0, 2)}, dim_attrs(0), "transposed input"},
          {{x + 500.0}, dim_attrs(-1), "large values"}};
}

// [g, y] for the backward ops: y = softmax(x) or log_softmax(x) of the samples above.
template <bool kLog>
std::vector<OpSample> softmax_backward_samples() {
  std::vector<OpSample> out;
  for (const OpSample& s : softmax_samples()) {
    const int64_t dim = attrs_as<SoftmaxAttrs>(*s.attrs).dim;
    const Tensor y = kLog ? log_softmax(s.inputs[0], dim) : softmax(s.inputs[0], dim);
    const Tensor g = (arange(y.numel(), kFloat64) * 0.61).cos().reshape(y.shape());
    out.push_back({{g, y}, s.attrs, s.label});
  }
  return out;
}

Tensor apply_softmax(const OpDef& d, const Tensor& x, int64_t dim) {
  SoftmaxAttrs a;
  a.dim = dim;
  return apply1(d, {x}, a);
}

}  // namespace

void register_softmax_ops(Registry& r) {
  r.add({.name = kSoftmax,
         .infer = softmax_infer<kSoftmax>,
         .vjp = softmax_vjp,
         .vjp_needs_inputs = false,
         .samples = softmax_samples});
  r.add({.name = kLogSoftmax,
         .infer = softmax_infer<kLogSoftmax>,
         .vjp = log_softmax_vjp,
         .vjp_needs_inputs = false,
         .samples = softmax_samples});
  // Only the eager backward runs these, never differentiated (the rules above switch to tensor ops then).
  r.add({.name = kSoftmaxBackward,
         .infer = softmax_backward_infer<kSoftmaxBackward>,
         .differentiability = Differentiability::NotDifferentiable,
         .samples = softmax_backward_samples<false>});
  r.add({.name = kLogSoftmaxBackward,
         .infer = softmax_backward_infer<kLogSoftmaxBackward>,
         .differentiability = Differentiability::NotDifferentiable,
         .samples = softmax_backward_samples<true>});
}

Tensor softmax(const Tensor& x, int64_t dim) {
  static const OpDef& d = op(kSoftmax);  // looked up once, not per call
  return apply_softmax(d, x, dim);
}
Tensor log_softmax(const Tensor& x, int64_t dim) {
  static const OpDef& d = op(kLogSoftmax);
  return apply_softmax(d, x, dim);
}

}  // namespace tessera
