#pragma once
// Shape ops: views that share storage with their input (view, reshape, permute, slice, select, expand,
// squeeze, unsqueeze, flatten, as_strided, ...), joining/splitting (cat, stack, split, chunk, unbind), and
// the copies flip and slice_scatter. Names, argument orders and errors follow PyTorch; the Tensor methods of
// the same names call these.
//
// Gradients (ops/shape_grad.cpp): every op here is differentiable to any order; each rule is written with
// the ops of this family (slice's gradient is a slice_scatter into zeros, cat's a split, ...).
//
// Note [View ops]: a view op's kernel returns make_view(...) over the input's storage (no copy), so writing
// through the view is seen by the input. Their OpDefs set `is_view`. The shape rule (infer) sees no strides,
// so the checks that need strides (view, as_strided's storage bounds) happen in the kernel.
#include <optional>
#include <vector>

#include "tessera/ops/op.h"

namespace tessera {

// ---- Attributes ---------------------------------------------------------------------------------------

/// Attributes of `view`, `reshape` and `expand`: the requested shape (may hold -1, see each op).
struct ShapeAttrs final : AttrsOf<ShapeAttrs> {
  Shape shape;
  std::string repr() const override;
};
/// Attributes of `permute`: output dim i is input dim dims[i].
struct PermuteAttrs final : AttrsOf<PermuteAttrs> {
  std::vector<int64_t> dims;
  std::string repr() const override;
};
/// Attributes of `slice`: Python's x[start:end:step] along `dim` (bounds may be negative or out of range).
struct SliceAttrs final : AttrsOf<SliceAttrs> {
  int64_t dim = 0;
  std::optional<int64_t> start, end;
  int64_t step = 1;
  std::string repr() const override;
};
/// Attributes of `select`: x[..., index, ...] at `dim` (index may be negative).
struct SelectAttrs final : AttrsOf<SelectAttrs> {
  int64_t dim = 0;
  int64_t index = 0;
  std::string repr() const override;
};
/// Attributes of `as_strided`; no offset means the input's own storage offset.
struct AsStridedAttrs final : AttrsOf<AsStridedAttrs> {
  Shape size;
  Strides stride;
  std::optional<int64_t> storage_offset;
  std::string repr() const override;
};
/// Attributes of `cat` and `unbind`: the dimension they work along.
struct DimAttrs final : AttrsOf<DimAttrs> {
  int64_t dim = 0;
  std::string repr() const override;
};
/// Attributes of `flip`: the dims to reverse.
struct FlipAttrs final : AttrsOf<FlipAttrs> {
  std::vector<int64_t> dims;
  std::string repr() const override;
};
/// Attributes of `split`: the size of each piece along `dim` (they sum to the input's size there).
struct SplitAttrs final : AttrsOf<SplitAttrs> {
  std::vector<int64_t> sizes;
  int64_t dim = 0;
  std::string repr() const override;
};

// ---- Stride arithmetic shared by the shape rules and every backend's view kernels ---------------------

/// The shape `requested` resolves to for `numel` elements: one -1 is inferred. `op` names the caller in the
/// errors: ValueError for a second -1 or a size below -1, ShapeError when the element counts differ or the
/// -1 is ambiguous (0 elements).
Shape infer_size(IntList requested, int64_t numel, const char* op);
/// Strides that let a tensor of `shape`/`strides` be viewed as `new_shape` without copying, or nullopt when
/// a new dimension would span two non-contiguous chunks (PyTorch's computeStride). numel must match.
std::optional<Strides> view_strides(IntList shape, IntList strides, IntList new_shape);
/// The first index and length of x[start:end:step] along a dim of `size` (Python's clamping rules).
struct SliceRange {
  int64_t start = 0;
  int64_t length = 0;
};
SliceRange slice_range(int64_t size, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step);

// ---- Views --------------------------------------------------------------------------------------------

/// x with a new shape over the same storage (torch.Tensor.view). One size may be -1 (inferred).
/// ShapeError when the sizes do not hold numel(x) elements, or when x's strides cannot express the new shape
/// without a copy (e.g. x.t().view({-1})): use reshape then. ValueError for several -1 or sizes below -1.
Tensor view(const Tensor& x, Shape shape);
/// Like view, but copies into a contiguous tensor when the strides forbid a view (torch.reshape).
Tensor reshape(const Tensor& x, Shape shape);
/// Reorders the dims: output dim i is x's dim dims[i] (torch.permute). ValueError unless dims is a
/// permutation of x's dims (negative dims count from the end).
Tensor permute(const Tensor& x, std::vector<int64_t> dims);
/// Swaps two dims (torch.transpose). IndexError for a dim out of range.
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
/// transpose(x, 0, 1) for 2-d x; 0-d and 1-d x are returned as they are (torch.t). ShapeError above 2-d.
Tensor t(const Tensor& x);
/// Moves dim `source` to position `destination`, keeping the other dims in order (torch.movedim).
Tensor movedim(const Tensor& x, int64_t source, int64_t destination);
/// movedim for several dims at once; ValueError when the lists differ in length or repeat a dim.
Tensor movedim(const Tensor& x, std::vector<int64_t> source, std::vector<int64_t> destination);
/// x[start:end:step] along `dim` (Python's rules: negative bounds count from the end, out-of-range bounds
/// are clamped, missing bounds mean the ends). ValueError unless step > 0. The result shares storage.
Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start = {}, std::optional<int64_t> end = {},
             int64_t step = 1);
/// `length` elements from `start` along `dim` (torch.narrow; start may be negative). IndexError when the
/// range leaves the dimension, ValueError for a negative length.
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
/// x[..., index, ...] at `dim`, dropping that dim (torch.select; index may be negative). IndexError naming
/// the index and the size when out of range, or when x is 0-d.
Tensor select(const Tensor& x, int64_t dim, int64_t index);
/// x broadcast to `shape` without copying: size-1 dims get stride 0, new leading dims may be added, and -1
/// keeps x's size (torch.Tensor.expand). ShapeError naming both shapes when x does not broadcast to it.
Tensor expand(const Tensor& x, Shape shape);
/// Same as expand (torch.broadcast_to).
Tensor broadcast_to(const Tensor& x, Shape shape);
/// Drops every size-1 dim (torch.squeeze).
Tensor squeeze(const Tensor& x);
/// Drops dim `dim` when its size is 1; otherwise returns a view of x unchanged (torch.squeeze(x, dim)).
Tensor squeeze(const Tensor& x, int64_t dim);
/// Inserts a size-1 dim at `dim`, in [-x.dim()-1, x.dim()] (torch.unsqueeze).
Tensor unsqueeze(const Tensor& x, int64_t dim);
/// Merges dims start_dim..end_dim into one (torch.flatten: a view when possible, else a copy). A 0-d tensor
/// becomes shape [1]. ValueError when start_dim comes after end_dim.
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
/// Splits dim `dim` into `sizes` (one may be -1) (torch.unflatten). ValueError for empty sizes, ShapeError
/// when they do not multiply to x.size(dim).
Tensor unflatten(const Tensor& x, int64_t dim, Shape sizes);
/// A view of x's storage with any size and strides (torch.as_strided); offset defaults to x's storage offset.
/// ValueError for negative sizes, strides or offset, or size/stride lists of different lengths; IndexError
/// when the view would reach past the end of the storage.
/// Gradient (as PyTorch's as_strided_backward): each storage element collects the gradient of every output
/// element that reads it (overlapping windows add up), and x's elements take the sums at their own storage
/// positions; where x's elements share storage (an expanded x) the sum is split evenly between them. Storage
/// that x does not cover gets no gradient. The rule reads x's strides, so it keeps x (which the output
/// aliases anyway).
Tensor as_strided(const Tensor& x, Shape size, Strides stride, std::optional<int64_t> storage_offset = {});

// ---- Copies -------------------------------------------------------------------------------------------

/// A copy of x with the order of elements reversed along each of `dims` (torch.flip). Any dtype; an empty
/// `dims` copies x; a 0-d x accepts dim 0 or -1. IndexError for a dim out of range, ValueError for a dim
/// repeated. Gradient: flip of the gradient.
Tensor flip(const Tensor& x, std::vector<int64_t> dims);
/// A copy of `base` with `src` written into base.slice(dim, start, end, step) (torch.slice_scatter); src is
/// converted to base's dtype and the result has base's dtype and shape. ShapeError unless src's shape equals
/// the slice's shape; ValueError unless step > 0; IndexError for a bad dim or a 0-d base.
/// Gradient: base gets the incoming gradient with the slice zeroed, src gets the slice. It is the gradient of
/// slice and select, so their rules are differentiable again.
Tensor slice_scatter(const Tensor& base, const Tensor& src, int64_t dim = 0, std::optional<int64_t> start = {},
                     std::optional<int64_t> end = {}, int64_t step = 1);

// ---- Joining and splitting ----------------------------------------------------------------------------

/// Concatenates along `dim` (torch.cat). The result has the promoted dtype of all inputs (torch.promote_types).
/// 1-d tensors of size 0 are skipped (PyTorch's legacy rule), but still take part in the promotion.
/// ValueError for an empty list; ShapeError for a 0-d tensor, different numbers of dims, or sizes that
/// differ outside `dim` (naming the tensors' positions and shapes); IndexError for dim out of range.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
/// Joins equal-shaped tensors along a new dim `dim` (torch.stack). ValueError for an empty list;
/// ShapeError naming the first two positions whose shapes differ.
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
/// Views of consecutive pieces of `split_size` along `dim`; the last may be smaller (torch.split).
/// ShapeError for 0-d x; ValueError for split_size < 0, or 0 along a non-empty dim.
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim = 0);
/// Views of pieces of the given sizes along `dim` (torch.split with a list). ShapeError when the sizes do
/// not sum to x.size(dim); ValueError for a negative size.
std::vector<Tensor> split(const Tensor& x, std::vector<int64_t> split_sizes, int64_t dim = 0);
/// `chunks` views of ceil(size / chunks) elements along `dim` (fewer when that covers the dim sooner),
/// as torch.chunk. ValueError unless chunks > 0.
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);
/// The x.size(dim) views x.select(dim, i) (torch.unbind). IndexError for 0-d x.
std::vector<Tensor> unbind(const Tensor& x, int64_t dim = 0);

}  // namespace tessera
