#include "tessera/ops/copy.h"

#include "tessera/ops/apply.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/families.h"
#include "tessera/ops/registry.h"

namespace tessera {

std::string ToDTypeAttrs::repr() const { return cat("dtype=", dtype); }

namespace {

std::vector<TensorType> same_type(std::span<const TensorType> in, const Attrs&) { return {in[0]}; }

std::vector<TensorType> to_dtype_infer(std::span<const TensorType> in, const Attrs& a) {
  return {{attrs_as<ToDTypeAttrs>(a).dtype, in[0].shape, in[0].device}};
}

std::vector<TensorType> copy_infer(std::span<const TensorType> in, const Attrs&) {
  Shape b = broadcast_shapes(in[1].shape, in[0].shape, "copy_");
  check<ShapeError>(b == in[0].shape, "copy_: source of shape ", shape_str(in[1].shape),
                    " cannot be broadcast to destination shape ", shape_str(in[0].shape));
  return {in[0]};
}

// The engine casts gradients to each input's dtype and sums them to its shape (Note [Broadcast gradients]), so
// these rules pass the gradient through.
std::vector<Tensor> identity_vjp(const OpCall&, std::span<const Tensor> g) { return {g[0]}; }
// self was overwritten, so it gets no gradient; src gets all of it.
std::vector<Tensor> copy_vjp(const OpCall&, std::span<const Tensor> g) { return {Tensor(), g[0]}; }

std::vector<OpSample> unary_samples() {
  Tensor x = arange(6, kFloat64).reshape({2, 3}) * 0.5 - 1.0;
  return {{{x}, nullptr, "contiguous [2,3]"}, {{x.t()}, nullptr, "transposed [3,2]"}};
}
std::vector<OpSample> to_dtype_samples() {
  // float64 -> float64 keeps finite differences exact; the rule is the same for every pair of float dtypes.
  auto a = std::make_shared<ToDTypeAttrs>();
  a->dtype = kFloat64;
  return {{{arange(4, kFloat64) * 0.25}, a, "float64 -> float64"}};
}
std::vector<OpSample> copy_samples() {
  return {{{zeros({2, 3}, kFloat64), arange(3, kFloat64)}, nullptr, "broadcast [3] into [2,3]"}};
}

}  // namespace

void register_copy_ops(Registry& r) {
  r.add({.name = "to_dtype",
         .infer = to_dtype_infer,
         .vjp = identity_vjp,
         .vjp_needs_inputs = false,
         .vjp_needs_outputs = false,
         .samples = to_dtype_samples});
  r.add({.name = "contiguous",
         .infer = same_type,
         .vjp = identity_vjp,
         .is_view = true,
         .vjp_needs_inputs = false,
         .vjp_needs_outputs = false,
         .samples = unary_samples});
  r.add({.name = "clone",
         .infer = same_type,
         .vjp = identity_vjp,
         .vjp_needs_inputs = false,
         .vjp_needs_outputs = false,
         .samples = unary_samples});
  // copy_(self, src) writes src into self and returns self (an in-place op).
  r.add({.name = "copy_",
         .infer = copy_infer,
         .vjp = copy_vjp,
         .is_view = true,
         .vjp_needs_inputs = false,
         .vjp_needs_outputs = false,
         .samples = copy_samples,
         .inplace = true});
}

Tensor to_dtype(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  static const OpDef& d = op("to_dtype");
  ToDTypeAttrs a;
  a.dtype = dtype;
  return apply1(d, {x}, a);
}

Tensor contiguous(const Tensor& x) {
  static const OpDef& d = op("contiguous");
  return apply1(d, {x});
}

Tensor clone(const Tensor& x) {
  static const OpDef& d = op("clone");
  return apply1(d, {x});
}

Tensor Tensor::to(DType dtype) const { return to_dtype(*this, dtype); }
Tensor Tensor::contiguous() const { return is_contiguous() && !is_symbolic() ? *this : tessera::contiguous(*this); }
Tensor Tensor::clone() const { return tessera::clone(*this); }

Tensor& Tensor::copy_(const Tensor& src) {
  static const OpDef& d = op("copy_");
  apply1(d, {*this, src});
  if (storage()) storage()->bump_version();
  return *this;
}

}  // namespace tessera
