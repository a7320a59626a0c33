#pragma once
// Comparisons, predicates, logical ops and selection (torch.eq, torch.isnan, torch.logical_and, torch.where).
// Comparisons and logical ops broadcast like arithmetic (NumPy rules; ShapeError naming the op and the shapes)
// and return bool tensors; they are not differentiable. Comparisons compute in the promoted dtype
// (ops/promote.h), so `int_tensor < 2.5` compares as float32.
#include "tessera/ops/op.h"

namespace tessera {

/// a == b, a != b, a < b, a <= b, a > b, a >= b elementwise (torch.eq, ...). Any dtypes; nan compares unequal
/// to everything, itself included. Bool output of the broadcast shape.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, Scalar b);
Tensor ne(const Tensor& a, Scalar b);
Tensor lt(const Tensor& a, Scalar b);
Tensor le(const Tensor& a, Scalar b);
Tensor gt(const Tensor& a, Scalar b);
Tensor ge(const Tensor& a, Scalar b);

/// Bool tensors of x's shape (torch.isnan, torch.isinf, torch.isfinite); integer and bool x are never nan or inf.
Tensor isnan(const Tensor& x);
Tensor isinf(const Tensor& x);
Tensor isfinite(const Tensor& x);

/// Logical ops on any dtypes, where nonzero (and nan) is true (torch.logical_and, ...). Bool output.
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);
Tensor logical_not(const Tensor& x);

/// a where cond else b (torch.where): the three shapes broadcast together and the result dtype is
/// result_type(a, b). DTypeError when cond is not bool. Differentiable in a and b.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
/// Number branches promote like plain numbers against the other branch: where(c, int_tensor, 2.5) is float32;
/// with two numbers the dtype is result_type of their default dtypes (where(c, 1, 0) is int64, (c, 1.0, 0) float32).
Tensor where(const Tensor& cond, const Tensor& a, Scalar b);
Tensor where(const Tensor& cond, Scalar a, const Tensor& b);
Tensor where(const Tensor& cond, Scalar a, Scalar b);

/// isclose(a, b) = |a - b| <= atol + rtol * |b|, elementwise, with inf == inf and, when equal_nan, nan == nan
/// (torch.isclose). a and b must have the same dtype (DTypeError otherwise, as in PyTorch); integers are compared
/// in float64. Bool output of the broadcast shape. ValueError for a negative rtol or atol.
Tensor isclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);
/// True when every element of isclose(a, b, ...) is true (torch.allclose). Runs eagerly (not traceable).
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);
/// True when a and b have the same shape and equal values (torch.equal); dtypes may differ (values compare
/// after promotion). Runs eagerly (not traceable).
bool equal(const Tensor& a, const Tensor& b);

}  // namespace tessera
