#pragma once
// Matrix products: matmul (PyTorch's full semantics) and its strict forms mm, bmm, mv, dot, plus outer.
//
// Operands of matmul, mm, bmm, mv and dot must have the same dtype (DTypeError otherwise, as in PyTorch);
// float32/float64 run on BLAS, float16/bfloat16 compute in float32, integer types use a plain loop (wrapping on
// overflow like PyTorch); bool is rejected. Shape errors name the op and both shapes:
// `matmul: shapes [2, 3] and [4, 5] cannot be multiplied (3 != 4)`. A contraction over k = 0 gives zeros.
// All are differentiable to any order (Note [Product gradients] in linalg.cpp).
#include "tessera/ops/op.h"

namespace tessera {

/// Matrix product with torch.matmul's rules: 1-d x 1-d is a dot product (0-d result); 2-d x 2-d is mm; a 1-d
/// first operand is treated as [1, k] and a 1-d second one as [k, 1], and that dim is removed from the result;
/// otherwise a [..., n, k] x [..., k, m] batched product whose batch dims broadcast (result [batch..., n, m]).
/// ShapeError for 0-d operands, mismatched k, or batch dims that do not broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);
/// [n, k] x [k, m] -> [n, m] (torch.mm); ShapeError unless both are 2-d with matching k.
Tensor mm(const Tensor& a, const Tensor& b);
/// [B, n, k] x [B, k, m] -> [B, n, m] (torch.bmm; no broadcasting); ShapeError unless both are 3-d with equal
/// batch and matching k.
Tensor bmm(const Tensor& a, const Tensor& b);
/// [n, k] x [k] -> [n] (torch.mv).
Tensor mv(const Tensor& a, const Tensor& b);
/// [k] x [k] -> 0-d (torch.dot).
Tensor dot(const Tensor& a, const Tensor& b);
/// [n] x [m] -> [n, m] with out[i, j] = a[i] * b[j] (torch.outer). Unlike matmul, the dtypes promote
/// (promote_types), and bool gives bool (logical and). ShapeError unless both are 1-d.
Tensor outer(const Tensor& a, const Tensor& b);

}  // namespace tessera
