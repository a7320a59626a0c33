#include "tessera/ops/promote.h"

#include <optional>

#include "tessera/core/dtype_dispatch.h"
#include "tessera/ops/creation.h"

namespace tessera {
namespace {

int category(DType d) { return d == DType::Bool ? 0 : is_integral(d) ? 1 : 2; }

}  // namespace

DType result_type(std::span<const TensorType> operands) {
  std::optional<DType> dimensioned, zero_dim;
  for (const TensorType& t : operands) {
    auto& slot = t.shape.empty() ? zero_dim : dimensioned;
    slot = slot ? promote_types(*slot, t.dtype) : t.dtype;
  }
  if (!dimensioned) return zero_dim.value_or(kDefaultFloat);
  if (!zero_dim || category(*zero_dim) <= category(*dimensioned)) return *dimensioned;
  return *zero_dim;
}

DType result_type(const Tensor& a, const Tensor& b) {
  TensorType t[2] = {type_of(a), type_of(b)};
  return result_type(t);
}

DType result_type(const Tensor& a, const Scalar& s) {
  DType sd = s.default_dtype();
  return category(sd) > category(a.dtype()) ? sd : a.dtype();
}

// Through the `full` op (not a direct write), so that while tracing a wrapped number becomes a constant node of the
// graph rather than a tensor captured by reference.
Tensor scalar_tensor(const Scalar& s, TensorOptions options) { return full({}, s, options); }

Tensor scalar_tensor_like(const Scalar& s, const Tensor& t) {
  return scalar_tensor(s, TensorOptions(result_type(t, s)).device(t.device()));
}

}  // namespace tessera
