// softmax and log_softmax: shape rules, gradient rules and samples.
#include "tessera/ops/softmax.h"

#include "tessera/ops/apply.h"
#include "tessera/ops/binary.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/families.h"
#include "tessera/ops/reduce.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/unary.h"

namespace tessera {

std::string SoftmaxAttrs::repr() const { return cat("dim=", dim); }

namespace {

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

using Grads = std::vector<Tensor>;

// y = softmax(x): gx = y * (g - sum(g * y)).
Grads softmax_vjp(const OpCall& c, std::span<const Tensor> g) {
  const Tensor& y = c.outputs[0];
  if (y.dim() == 0) return {g[0] * 0.0};
  return {y * (g[0] - sum(g[0] * y, {softmax_dim(c)}, true))};
}
// y = log_softmax(x): gx = g - exp(y) * sum(g).
Grads log_softmax_vjp(const OpCall& c, std::span<const Tensor> g) {
  const Tensor& y = c.outputs[0];
  if (y.dim() == 0) return {g[0] * 0.0};
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

constexpr char kSoftmax[] = "softmax", kLogSoftmax[] = "log_softmax";

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
