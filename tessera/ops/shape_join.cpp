// Joining and splitting: cat (an op with a variadic input list), split and unbind (view ops with several
// outputs), and stack / chunk / split-by-size as plain functions over them.
#include <algorithm>

#include "tessera/ops/apply.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/shape.h"
#include "tessera/ops/shape_detail.h"

namespace tessera {

namespace {

int64_t ndim(const TensorType& t) { return static_cast<int64_t>(t.shape.size()); }

// PyTorch's legacy rule: 1-d tensors of size 0 take no part in cat's shape checks (but do in the promotion).
bool skipped_by_cat(const TensorType& t) { return t.shape.size() == 1 && t.shape[0] == 0; }

std::vector<TensorType> cat_infer(std::span<const TensorType> in, const Attrs& a) {
  check<ValueError>(!in.empty(), "cat: expected a non-empty list of tensors");
  DType dtype = in[0].dtype;
  const TensorType* ref = nullptr;
  size_t ref_index = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    check<ShapeError>(!in[i].shape.empty(), "cat: zero-dimensional tensor (at position ", i,
                      ") cannot be concatenated");
    dtype = promote_types(dtype, in[i].dtype);
    if (!ref && !skipped_by_cat(in[i])) {
      ref = &in[i];
      ref_index = i;
    }
  }
  if (!ref) {  // only empty 1-d tensors
    wrap_dim(attrs_as<DimAttrs>(a).dim, 1, "cat");
    return {{dtype, Shape{0}, in[0].device}};
  }
  const int64_t d = wrap_dim(attrs_as<DimAttrs>(a).dim, ndim(*ref), "cat");
  Shape out = ref->shape;
  out[d] = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    if (skipped_by_cat(in[i])) continue;
    const Shape& s = in[i].shape;
    check<ShapeError>(s.size() == out.size(), "cat: tensors must have the same number of dimensions, but tensor ",
                      ref_index, " has shape ", shape_str(ref->shape), " and tensor ", i, " has shape ", shape_str(s));
    for (size_t k = 0; k < s.size(); ++k) {
      check<ShapeError>(static_cast<int64_t>(k) == d || s[k] == out[k], "cat: sizes of tensors must match except in ",
                        "dimension ", d, ", but tensor ", ref_index, " has shape ", shape_str(ref->shape),
                        " and tensor ", i, " has shape ", shape_str(s));
    }
    out[d] += s[d];
  }
  return {{dtype, std::move(out), in[0].device}};
}

void check_at_least_1d(const TensorType& t, const char* op) {
  check<ShapeError>(!t.shape.empty(), op, ": expected a tensor with at least 1 dimension, got a 0-d tensor");
}

std::vector<TensorType> split_infer(std::span<const TensorType> in, const Attrs& a) {
  const auto& s = attrs_as<SplitAttrs>(a);
  check_at_least_1d(in[0], "split");
  const int64_t d = wrap_dim(s.dim, ndim(in[0]), "split");
  int64_t total = 0;
  for (int64_t size : s.sizes) {
    check<ValueError>(size >= 0, "split: negative size in split_sizes ", shape_str(s.sizes));
    total += size;
  }
  check<ShapeError>(total == in[0].shape[d], "split: split_sizes ", shape_str(s.sizes), " must sum to ", in[0].shape[d],
                    ", the size of dimension ", d, " of the input of shape ", shape_str(in[0].shape));
  std::vector<TensorType> out(s.sizes.size(), in[0]);
  for (size_t i = 0; i < out.size(); ++i) out[i].shape[d] = s.sizes[i];
  return out;
}

std::vector<TensorType> unbind_infer(std::span<const TensorType> in, const Attrs& a) {
  check<IndexError>(!in[0].shape.empty(), "unbind: cannot be applied to a 0-d tensor");
  const int64_t d = wrap_dim(attrs_as<DimAttrs>(a).dim, ndim(in[0]), "unbind");
  TensorType piece = in[0];
  piece.shape.erase(piece.shape.begin() + d);
  return std::vector<TensorType>(in[0].shape[d], piece);
}

// ---- Sample calls for the generic op tests ------------------------------------------------------------

Tensor grid(int64_t rows, int64_t cols) { return arange(rows * cols, kFloat64).view({rows, cols}); }

template <class A>
std::shared_ptr<const Attrs> dim_attrs(int64_t dim) {
  auto a = std::make_shared<A>();
  a->dim = dim;
  return a;
}

std::vector<OpSample> cat_samples() {
  return {{{grid(2, 3), grid(3, 2).t(), grid(2, 1)}, dim_attrs<DimAttrs>(-1), "[2,3], transposed [2,3], [2,1] dim -1"},
          {{grid(1, 3), zeros({0}, kFloat64), grid(2, 3)}, dim_attrs<DimAttrs>(0), "skips an empty 1-d tensor"}};
}
std::vector<OpSample> split_samples() {
  auto a = std::make_shared<SplitAttrs>();
  a->sizes = {2, 0, 3};
  return {{{grid(5, 2)}, a, "[5,2] into 2, 0, 3 rows"}, {{grid(2, 5).t()}, a, "transposed [5,2]"}};
}
std::vector<OpSample> unbind_samples() {
  return {{{grid(2, 3)}, dim_attrs<DimAttrs>(1), "[2,3] along dim 1"},
          {{grid(2, 3).t()}, dim_attrs<DimAttrs>(0), "transposed [3,2] along dim 0"}};
}

}  // namespace

namespace shape_detail {
void register_join_ops(Registry& r) {
  r.add(shape_op("cat", cat_infer, cat_vjp, cat_samples, /*is_view=*/false));
  r.add(shape_op("split", split_infer, split_vjp, split_samples, /*is_view=*/true));
  r.add(shape_op("unbind", unbind_infer, unbind_vjp, unbind_samples, /*is_view=*/true));
}
}  // namespace shape_detail

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  static const OpDef& d = op("cat");
  DimAttrs a;
  a.dim = dim;
  return apply1(d, std::span<const Tensor>(tensors), a);
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  check<ValueError>(!tensors.empty(), "stack: expected a non-empty list of tensors");
  for (size_t i = 1; i < tensors.size(); ++i) {
    check<ShapeError>(tensors[i].shape() == tensors[0].shape(), "stack: expected tensors of equal shape, but got ",
                      shape_str(tensors[0].shape()), " at entry 0 and ", shape_str(tensors[i].shape()), " at entry ",
                      i);
  }
  const int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> pieces;
  pieces.reserve(tensors.size());
  for (const Tensor& t : tensors) pieces.push_back(unsqueeze(t, d));
  return cat(pieces, d);
}

std::vector<Tensor> split(const Tensor& x, std::vector<int64_t> split_sizes, int64_t dim) {
  static const OpDef& d = op("split");
  SplitAttrs a;
  a.sizes = std::move(split_sizes);
  a.dim = dim;
  return apply(d, {x}, a);
}

std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) {
  check_at_least_1d(type_of(x), "split");
  const int64_t size = x.size(wrap_dim(dim, x.dim(), "split"));
  check<ValueError>(split_size >= 0, "split: split_size must be non-negative, got ", split_size);
  check<ValueError>(split_size > 0 || size == 0, "split: split_size can only be 0 if the dimension's size is 0, got ",
                    "size ", size);
  // As PyTorch: pieces of split_size, the last one smaller; a dim of size 0 gives one empty piece.
  const int64_t n = split_size == 0 ? 1 : std::max<int64_t>((size + split_size - 1) / split_size, 1);
  std::vector<int64_t> sizes(n, split_size);
  sizes.back() = size - split_size * (n - 1);
  return split(x, std::move(sizes), dim);
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  check_at_least_1d(type_of(x), "chunk");
  check<ValueError>(chunks > 0, "chunk: chunks must be positive, got ", chunks);
  const int64_t size = x.size(wrap_dim(dim, x.dim(), "chunk"));
  const int64_t split_size = (size + chunks - 1) / chunks;
  // A dim of size 0 still gives `chunks` (empty) pieces, as in PyTorch.
  if (size == 0) return split(x, std::vector<int64_t>(chunks, 0), dim);
  return split(x, split_size, dim);
}

std::vector<Tensor> unbind(const Tensor& x, int64_t dim) {
  static const OpDef& d = op("unbind");
  DimAttrs a;
  a.dim = dim;
  return apply(d, {x}, a);
}

}  // namespace tessera
