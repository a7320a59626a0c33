#pragma once
// Copies and dtype conversion. The Tensor methods `to`, `contiguous`, `clone` and `copy_` call these.
#include "tessera/ops/op.h"

namespace tessera {

/// Attributes of `to_dtype`.
struct ToDTypeAttrs final : AttrsOf<ToDTypeAttrs> {
  DType dtype = kDefaultFloat;
  std::string repr() const override;
};

/// Converts `x` to `dtype` (a new tensor; C++ conversion rules: float->int truncates toward zero,
/// nonzero->true). Returns `x` itself when the dtype already matches, like torch.Tensor.to.
Tensor to_dtype(const Tensor& x, DType dtype);
/// A contiguous tensor with x's values: x itself (a new handle on the same storage) when already contiguous.
Tensor contiguous(const Tensor& x);
/// A contiguous copy of x that shares nothing with it.
Tensor clone(const Tensor& x);

}  // namespace tessera
