#pragma once
// PyTorch's type promotion for op arguments (torch.result_type): categories bool < integer < float; dimensioned
// tensors outrank 0-d tensors, which outrank plain numbers, except when the lower-ranked operand is of a
// higher category. See https://pytorch.org/docs/stable/tensor_attributes.html (type promotion).
#include <span>

#include "tessera/ops/op.h"

namespace tessera {

/// The dtype a binary (or n-ary) op computes in for these tensor operands.
DType result_type(std::span<const TensorType> operands);
DType result_type(const Tensor& a, const Tensor& b);
/// The dtype of `a op s` for a plain number s ("wrapped number": it only matters when of a higher category).
DType result_type(const Tensor& a, const Scalar& s);

/// A 0-d tensor holding `s`, with the dtype that makes `t op s` promote like PyTorch (result_type(t, s)).
Tensor scalar_tensor_like(const Scalar& s, const Tensor& t);
/// A 0-d tensor holding `s` with the given dtype.
Tensor scalar_tensor(const Scalar& s, TensorOptions options);

}  // namespace tessera
