#include "tessera/ops/elementwise_infer.h"

#include "tessera/ops/promote.h"

namespace tessera {

TensorType broadcast_result(const char* op, std::span<const TensorType> in) {
  TensorType r{result_type(in), in[0].shape, in[0].device};
  for (size_t k = 1; k < in.size(); ++k) r.shape = broadcast_shapes(r.shape, in[k].shape, op);
  return r;
}

DType promote_with_number(DType t, const Scalar& s) {
  auto category = [](DType d) { return d == kBool ? 0 : is_integral(d) ? 1 : 2; };
  return category(s.default_dtype()) > category(t) ? s.default_dtype() : t;
}

void check_not_bool(const char* op, DType d) { check<DTypeError>(d != kBool, op, ": not supported for bool tensors"); }

void check_floating(const char* op, DType d) {
  check<DTypeError>(is_floating_point(d), op, ": expected a floating point tensor, got ", d);
}

DType float_result(DType d) { return is_floating_point(d) ? d : kDefaultFloat; }

}  // namespace tessera
