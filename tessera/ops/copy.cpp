#include "tessera/ops/copy.h"

#include "tessera/ops/apply.h"
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

}  // namespace

void register_copy_ops(Registry& r) {
  r.add({.name = "to_dtype", .infer = to_dtype_infer});
  r.add({.name = "contiguous", .infer = same_type, .is_view = true});
  r.add({.name = "clone", .infer = same_type});
  // copy_(self, src) writes src into self and returns self (an in-place op).
  r.add({.name = "copy_", .infer = copy_infer, .is_view = true});
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
