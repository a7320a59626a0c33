#pragma once
// Indexing ops: gather/scatter along a dim, index_select/index_add, masks, nonzero, triangles and one_hot.
// PyTorch's names, argument orders and semantics; every op here is functional (returns a new tensor, like
// torch.scatter rather than Tensor.scatter_).
//
// Index tensors are int64 (int32 is accepted and widened). Indices must lie in [0, size): negative indices are
// errors, as in PyTorch's gather/index_select, and an out-of-range index throws IndexError naming the op, the
// index, the dim and its size. A 0-d tensor counts as 1-d of size 1 where a dim is indexed.
//
// Note [Data-dependent shapes]: masked_select, nonzero and one_hot(num_classes = -1) have output sizes that
// depend on the values; their shape rules report those sizes as -1 and the kernel decides.
//
// Gradients (ops/index_grad.cpp) flow to the data inputs of every op but nonzero and one_hot; index tensors and
// masks get none. With repeated indices scatter keeps only the last write, yet every src element gets the
// gradient of the place it targeted (as in PyTorch).
#include "tessera/ops/op.h"

namespace tessera {

/// Attributes of gather, scatter, scatter_add and index_select: the indexed dim (negative counts from the end).
struct IndexDimAttrs final : AttrsOf<IndexDimAttrs> {
  int64_t dim = 0;
  std::string repr() const override;
};
/// Attributes of scatter with a number: the dim and the value written.
struct ScatterValueAttrs final : AttrsOf<ScatterValueAttrs> {
  int64_t dim = 0;
  Scalar value;
  std::string repr() const override;
};
/// Attributes of index_add: the dim and the factor applied to `source`.
struct IndexAddAttrs final : AttrsOf<IndexAddAttrs> {
  int64_t dim = 0;
  Scalar alpha = 1;
  std::string repr() const override;
};
/// Attributes of masked_fill: the value written where the mask is true.
struct MaskedFillAttrs final : AttrsOf<MaskedFillAttrs> {
  Scalar value;
  std::string repr() const override;
};
/// Attributes of tril and triu: which diagonal bounds the kept triangle (0 = main, > 0 above, < 0 below).
struct TriangleAttrs final : AttrsOf<TriangleAttrs> {
  int64_t diagonal = 0;
  std::string repr() const override;
};
/// Attributes of one_hot: the number of classes, -1 = max(indices) + 1.
struct OneHotAttrs final : AttrsOf<OneHotAttrs> {
  int64_t num_classes = -1;
  std::string repr() const override;
};

/// out[i][j][k] = x[index[i][j][k]][j][k] for dim 0 (likewise for other dims) (torch.gather).
/// x: any dtype; index: int64/int32 with x's number of dims and index.size(d) <= x.size(d) for d != dim.
/// Returns index's shape, x's dtype. ShapeError on dims/sizes, DTypeError on the index dtype, IndexError on an
/// index outside [0, x.size(dim)) or a bad dim.
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);

/// A copy of x with out[index[i][j][k]][j][k] = src[i][j][k] for dim 0 (torch.scatter). src has x's dtype and
/// index.size(d) <= src.size(d) for every d, index.size(d) <= x.size(d) for d != dim. When an index repeats,
/// the last write along `dim` wins (deterministic). Errors as gather, plus DTypeError when src's dtype differs.
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
/// scatter with one number written at every indexed position (torch.scatter(x, dim, index, value)); the value
/// is converted to x's dtype (floats truncate for integer x, like PyTorch).
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, Scalar value);
/// A copy of x with out[index[i][j][k]][j][k] += src[i][j][k] for dim 0 (torch.scatter_add); shapes and errors
/// as scatter. Repeated indices accumulate in index order, so results do not depend on the thread count.
/// Bool tensors accumulate with logical or.
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);

/// The slices x.select(dim, index[j]) stacked along dim (torch.index_select): x's shape with size(dim) =
/// index.numel(). index: 1-d (or 0-d) int64/int32. ShapeError for a higher-dimensional index.
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
/// A copy of x with out.select(dim, index[j]) += alpha * source.select(dim, j) (torch.index_add). source has
/// x's dtype and shape except source.size(dim) == index.numel(). Repeated indices accumulate in order.
/// DTypeError for a floating-point alpha with an integer or bool x, or for source of another dtype.
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha = 1);

/// x where mask is false, `value` where it is true (torch.masked_fill). mask: bool, broadcast with x; the
/// result has the broadcast shape and x's dtype (value converted to it). DTypeError for a non-bool mask,
/// ShapeError when the shapes do not broadcast.
Tensor masked_fill(const Tensor& x, const Tensor& mask, Scalar value);
/// The elements of x (broadcast with mask) where mask is true, 1-d in row-major order (torch.masked_select).
Tensor masked_select(const Tensor& x, const Tensor& mask);
/// Coordinates of the nonzero elements of x, row-major: int64 [n, x.dim()] (torch.nonzero). NaN counts as
/// nonzero. Not differentiable.
Tensor nonzero(const Tensor& x);

/// The lower triangle of the last two dims: out[..., i, j] = j - i <= diagonal ? x : 0 (torch.tril).
/// ShapeError for fewer than 2 dims.
Tensor tril(const Tensor& x, int64_t diagonal = 0);
/// The upper triangle: out[..., i, j] = j - i >= diagonal ? x : 0 (torch.triu). ShapeError for fewer than 2 dims.
Tensor triu(const Tensor& x, int64_t diagonal = 0);

/// int64 [..., C] with a 1 at each index's class (torch.nn.functional.one_hot). indices: int64/int32, any shape;
/// C = num_classes, or max(indices) + 1 when -1. ValueError for a negative class value, a value >= num_classes,
/// num_classes < -1, or an empty input with num_classes = -1. Not differentiable.
Tensor one_hot(const Tensor& indices, int64_t num_classes = -1);

}  // namespace tessera
