// Gradient rules of the reductions (PyTorch 1.13 conventions, tools/autograd/derivatives.yaml), written with
// Tessera ops so they can be differentiated again. A reduction's rule expands g back to x's shape itself
// (unsqueezing the reduced dims when !keepdim); the engine then only casts it to x's dtype (Note [Broadcast
// gradients] below).
#include "tessera/ops/reduce_grad.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tessera/ops/binary.h"
#include "tessera/ops/compare.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/index.h"
#include "tessera/ops/reduce.h"
#include "tessera/ops/scan_sort.h"
#include "tessera/ops/shape.h"
#include "tessera/ops/unary.h"

namespace tessera::reduce_grad {

namespace {

int64_t ndim(const TensorType& t) { return static_cast<int64_t>(t.shape.size()); }

// The reduced dims of the call, wrapped and ascending.
template <class A>
std::vector<int64_t> reduced_dims(const OpCall& c) {
  std::vector<int64_t> dims =
      resolve_reduce_dims(attrs_as<A>(c.attrs).dims, ndim(c.input_types[0]), c.def.name.c_str());
  std::sort(dims.begin(), dims.end());
  return dims;
}

// Number of elements each output element reduces over.
template <class A>
int64_t reduced_count(const OpCall& c) {
  int64_t n = 1;
  for (int64_t d : reduced_dims<A>(c)) {
    if (d < ndim(c.input_types[0])) n *= c.input_types[0].shape[d];
  }
  return n;
}

// `t` (of the output's shape) unsqueezed at the reduced dims when they were dropped, expanded to x's shape.
template <class A>
Tensor back(const OpCall& c, const Tensor& t) {
  Tensor r = t;
  if (!attrs_as<A>(c.attrs).keepdim) {
    for (int64_t d : reduced_dims<A>(c)) {
      if (d < ndim(c.input_types[0])) r = r.unsqueeze(d);
    }
  }
  return r.expand(c.input_types[0].shape);
}

// `mask` as g's dtype divided by its count per reduced slice: the weights that split g evenly among ties.
template <class A>
Tensor split_evenly(const OpCall& c, const Tensor& mask, DType dtype) {
  Tensor m = mask.to(dtype);
  return m / m.sum(reduced_dims<A>(c), /*keepdim=*/true);
}

// Products of all preceding elements along the last dim: [1, t0, t0 t1, ...].
Tensor exclusive_cumprod(const Tensor& t) {
  const int64_t last = t.dim() - 1;
  Shape one = t.shape();
  one[last] = 1;
  return cumprod(cat({ones(one, t.options()), slice(t, last, 0, t.shape()[last] - 1)}, last), last);
}

Tensor where_zero(const Tensor& cond, const Tensor& t) { return where(cond, Scalar(0.0), t); }

}  // namespace

Grads sum_vjp(const OpCall& c, std::span<const Tensor> g) { return {back<ReduceAttrs>(c, g[0])}; }

Grads mean_vjp(const OpCall& c, std::span<const Tensor> g) {
  return {back<ReduceAttrs>(c, g[0]) / static_cast<double>(reduced_count<ReduceAttrs>(c))};
}

// d prod / d x_i = product of the other elements, computed without dividing by x_i (exact when x has zeros,
// like PyTorch's prod_backward): the reduced dims are moved last and flattened, and the product of the others is
// the exclusive cumprod from the left times the exclusive cumprod from the right.
Grads prod_vjp(const OpCall& c, std::span<const Tensor> g) {
  const Tensor x = c.inputs[0].to(c.output_types[0].dtype);
  const Tensor ge = back<ReduceAttrs>(c, g[0]);
  if (x.dim() == 0 || x.numel() == 0) return {ge};
  const std::vector<int64_t> dims = reduced_dims<ReduceAttrs>(c);
  std::vector<int64_t> perm;
  Shape flat;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (!std::binary_search(dims.begin(), dims.end(), d)) {
      perm.push_back(d);
      flat.push_back(x.shape()[d]);
    }
  }
  perm.insert(perm.end(), dims.begin(), dims.end());
  flat.push_back(reduced_count<ReduceAttrs>(c));
  std::vector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inverse[perm[i]] = static_cast<int64_t>(i);
  const Tensor xp = permute(x, perm);
  const Tensor xf = xp.reshape(flat);
  const int64_t last = xf.dim() - 1;
  const Tensor others = exclusive_cumprod(xf) * flip(exclusive_cumprod(flip(xf, {last})), {last});
  return {ge * permute(others.reshape(xp.shape()), inverse)};
}

// amax/amin: every element equal to the result shares g evenly (PyTorch's amax/amin backward).
Grads extreme_vjp(const OpCall& c, std::span<const Tensor> g) {
  const Tensor mask = eq(c.inputs[0], back<ReduceAttrs>(c, c.outputs[0]));
  return {back<ReduceAttrs>(c, g[0]) * split_evenly<ReduceAttrs>(c, mask, g[0].dtype())};
}

namespace {
// var's gradient for an incoming g (of var's output shape): g * 2 (x - mean) / max(0, N - correction).
Tensor var_grad(const OpCall& c, const Tensor& g) {
  const Tensor& x = c.inputs[0];
  const double divisor =
      static_cast<double>(std::max<int64_t>(0, reduced_count<VarAttrs>(c) - attrs_as<VarAttrs>(c.attrs).correction));
  return back<VarAttrs>(c, g) * (x - x.mean(reduced_dims<VarAttrs>(c), /*keepdim=*/true)) * (2.0 / divisor);
}
}  // namespace

Grads var_vjp(const OpCall& c, std::span<const Tensor> g) { return {var_grad(c, g[0])}; }

// std = sqrt(var): var's rule with g / (2 std), taking 0 where std is 0 (PyTorch's std_backward masks it).
Grads std_vjp(const OpCall& c, std::span<const Tensor> g) {
  const Tensor& out = c.outputs[0];
  return {var_grad(c, where_zero(eq(out, Scalar(0.0)), g[0] / (out * 2.0)))};
}

Grads logsumexp_vjp(const OpCall& c, std::span<const Tensor> g) {
  return {back<ReduceAttrs>(c, g[0]) * exp(c.inputs[0] - back<ReduceAttrs>(c, c.outputs[0]))};
}

// PyTorch 1.13's norm_backward: p = 0 has zero gradient; p = 1 gives sign(x); p = +-inf gives sign(x) split
// evenly among the elements whose |x| equals the result; any other p gives x |x|^(p-2) / norm^(p-1) (x / norm for
// p = 2), with 0 where the norm is 0 (the subgradient PyTorch picks at the origin).
Grads norm_vjp(const OpCall& c, std::span<const Tensor> g) {
  const double p = attrs_as<NormAttrs>(c.attrs).p;
  const Tensor& x = c.inputs[0];
  const Tensor ge = back<NormAttrs>(c, g[0]);
  if (p == 0) return {zeros(c.input_types[0].shape, ge.options())};
  if (p == 1) return {ge * sign(x)};
  const Tensor out = back<NormAttrs>(c, c.outputs[0]);
  if (std::isinf(p)) return {ge * sign(x) * split_evenly<NormAttrs>(c, eq(abs(x), out), ge.dtype())};
  const Tensor scaled = p == 2 ? x / out : x * pow(abs(x), Scalar(p - 2)) / pow(out, Scalar(p - 1));
  return {ge * where_zero(eq(out, Scalar(0.0)), scaled)};
}

Grads select_along_vjp(const OpCall& c, const Tensor& g, int64_t dim, bool keepdim) {
  if (!g.defined()) return {Tensor()};
  const TensorType& in = c.input_types[0];
  if (in.shape.empty()) return {g};  // a 0-d input is its own (only) element
  const int64_t d = wrap_dim(dim, ndim(in), c.def.name.c_str());
  Tensor index = c.outputs[1], src = g;
  if (!keepdim) {
    index = index.unsqueeze(d);
    src = src.unsqueeze(d);
  }
  return {scatter(zeros(in.shape, g.options()), d, index, src)};
}

// torch.max(x, dim) / torch.min(x, dim): g goes to the returned index only (value_selecting_reduction_backward),
// not split among ties like amax.
Grads max_dim_vjp(const OpCall& c, std::span<const Tensor> g) {
  const auto& a = attrs_as<ArgReduceAttrs>(c.attrs);
  return select_along_vjp(c, g[0], a.dim.value_or(0), a.keepdim);
}

Tensor sample_matrix() {
  return from_vector<double>({0.7, -1.3, 2.1, 0.4, -0.9, 1.6, -2.4, 1.1, 0.3, -0.6, 1.9, -1.7}, Shape{3, 4});
}

namespace {

struct DimCase {
  Tensor x;
  std::vector<int64_t> dims;
  bool keepdim;
  const char* label;
};

std::vector<DimCase> dim_cases(bool with_scalar) {
  const Tensor m = sample_matrix();
  std::vector<DimCase> cases = {
      {m, {}, false, "all dims of [3,4]"},
      {m, {1}, false, "dim 1 of [3,4]"},
      {m.t(), {1}, true, "dim 1, keepdim, transposed [4,3]"},
      {m.t(), {-2}, false, "dim -2, transposed [4,3]"},
      {m.reshape({2, 3, 2}), {0, 2}, false, "dims 0,2 of [2,3,2]"},
      {m.reshape({2, 3, 2}), {2, 0}, true, "dims 2,0, keepdim, of [2,3,2]"},
  };
  if (with_scalar) cases.push_back({m.select(0, 0).select(0, 0), {}, false, "0-d"});
  return cases;
}

// One sample per case, each with `base`'s attributes but the case's dims and keepdim.
template <class A>
std::vector<OpSample> dim_samples(const A& base, bool with_scalar, const std::string& prefix = "") {
  std::vector<OpSample> out;
  for (DimCase& k : dim_cases(with_scalar)) {
    auto a = std::make_shared<A>(base);
    a->dims = k.dims;
    a->keepdim = k.keepdim;
    out.push_back({{k.x}, a, prefix + k.label});
  }
  return out;
}

}  // namespace

std::vector<OpSample> reduce_samples() { return dim_samples(ReduceAttrs{}, true); }

std::vector<OpSample> var_samples() {
  VarAttrs biased;
  biased.correction = 0;
  std::vector<OpSample> out = dim_samples(VarAttrs{}, false, "correction 1, ");
  for (OpSample& s : dim_samples(biased, true, "correction 0, ")) out.push_back(std::move(s));
  return out;
}

std::vector<OpSample> norm_samples() {
  std::vector<OpSample> out;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  for (double p : {2.0, 1.0, 3.0, kInf, -kInf, 0.0}) {
    NormAttrs a;
    a.p = p;
    for (OpSample& s : dim_samples(a, p == 2, cat("p=", p, ", "))) out.push_back(std::move(s));
  }
  return out;
}

std::vector<OpSample> max_dim_samples() {
  const Tensor m = sample_matrix();
  auto attrs = [](int64_t dim, bool keepdim) {
    auto a = std::make_shared<ArgReduceAttrs>();
    a->dim = dim;
    a->keepdim = keepdim;
    return a;
  };
  return {{{m}, attrs(1, false), "dim 1 of [3,4]"},
          {{m.t()}, attrs(0, true), "dim 0, keepdim, transposed [4,3]"},
          {{m.reshape({2, 3, 2})}, attrs(-2, false), "dim -2 of [2,3,2]"},
          {{m.select(0, 1).select(0, 2)}, attrs(0, false), "0-d"}};
}

}  // namespace tessera::reduce_grad

namespace tessera {

// Note [Broadcast gradients]
// An op whose inputs were broadcast (a [3, 1] plus a [4]) returns gradients of the broadcast shape [3, 4].
// autograd's engine and graph mode's symbolic gradients sum each one back to its input's shape and casts it to its
// input's dtype (sum_to here), so gradient rules stay one line and no op repeats this logic.
Tensor sum_to(const Tensor& grad, const Shape& shape) {
  if (grad.shape() == shape) return grad;
  const int64_t lead = grad.dim() - static_cast<int64_t>(shape.size());
  check<ShapeError>(lead >= 0, "sum_to: gradient of shape ", shape_str(grad.shape()), " cannot be reduced to ",
                    shape_str(shape));
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < grad.dim(); ++d) {
    if (d < lead || (shape[d - lead] == 1 && grad.shape()[d] != 1)) dims.push_back(d);
  }
  Tensor r = dims.empty() ? grad : grad.sum(dims, /*keepdim=*/true);
  return r.reshape(shape);
}

}  // namespace tessera
