// Gradient rules of the shape family, written with the family's own ops so each rule is differentiable in
// turn (higher-order gradients) and traceable. Only as_strided_vjp reads a tensor of the call; the others read
// types and attributes. The engine sums gradients back to each input's shape and casts them to its dtype
// (Note [Broadcast gradients] in ops/reduce_grad.cpp), which is all expand's rule needs.
#include <algorithm>

#include "tessera/ops/creation.h"
#include "tessera/ops/index.h"
#include "tessera/ops/shape.h"
#include "tessera/ops/shape_detail.h"

namespace tessera::shape_detail {

namespace {

int64_t ndim(const TensorType& t) { return static_cast<int64_t>(t.shape.size()); }

Tensor zeros_of(const TensorType& t) { return zeros(t.shape, TensorOptions(t.dtype).device(t.device)); }

// The gradients of a multi-output op's outputs, zeros of the output's type where none arrived.
std::vector<Tensor> defined_or_zeros(const OpCall& c, std::span<const Tensor> g) {
  std::vector<Tensor> out;
  out.reserve(g.size());
  for (size_t i = 0; i < g.size(); ++i) out.push_back(g[i].defined() ? g[i] : zeros_of(c.output_types[i]));
  return out;
}

Tensor slice_scatter(const Tensor& base, const Tensor& src, const SliceAttrs& s) {
  return tessera::slice_scatter(base, src, s.dim, s.start, s.end, s.step);
}

// One past the last storage element a view reaches (0 when it has no elements).
int64_t storage_extent(IntList size, IntList stride, int64_t offset) {
  if (numel(size) == 0) return 0;
  int64_t last = offset;
  for (size_t i = 0; i < size.size(); ++i) last += (size[i] - 1) * stride[i];
  return last + 1;
}

// False only when no two elements of the view can share storage: with the dims sorted by stride, each stride
// exceeds the farthest reach of the smaller dims (PyTorch's _maybe_overlapping_memory).
bool maybe_overlapping(IntList size, IntList stride) {
  std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, size) of dims that take more than one value
  for (size_t i = 0; i < size.size(); ++i) {
    if (size[i] > 1) dims.emplace_back(stride[i], size[i]);
  }
  std::sort(dims.begin(), dims.end());
  int64_t reach = 0;
  for (auto [st, n] : dims) {
    if (st <= reach) return true;
    reach += (n - 1) * st;
  }
  return false;
}

}  // namespace

Grads reshape_vjp(const OpCall& c, std::span<const Tensor> g) { return {g[0].reshape(c.input_types[0].shape)}; }

Grads permute_vjp(const OpCall& c, std::span<const Tensor> g) {
  std::vector<int64_t> dims = wrap_dims(attrs_as<PermuteAttrs>(c.attrs).dims, ndim(c.input_types[0]), "permute");
  std::vector<int64_t> inverse(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) inverse[dims[i]] = static_cast<int64_t>(i);
  return {g[0].permute(std::move(inverse))};
}

// x.slice(...) picks elements; its gradient puts g back at their places in zeros of x's shape.
Grads slice_vjp(const OpCall& c, std::span<const Tensor> g) {
  return {slice_scatter(zeros(c.input_types[0].shape, g[0].options()), g[0], attrs_as<SliceAttrs>(c.attrs))};
}

// x.select(d, i) is x.slice(d, i, i + 1) without dim d.
Grads select_vjp(const OpCall& c, std::span<const Tensor> g) {
  const auto& s = attrs_as<SelectAttrs>(c.attrs);
  const Shape& shape = c.input_types[0].shape;
  const int64_t d = wrap_dim(s.dim, ndim(c.input_types[0]), "select");
  const int64_t index = s.index < 0 ? s.index + shape[d] : s.index;
  return {tessera::slice_scatter(zeros(shape, g[0].options()), g[0].unsqueeze(d), d, index, index + 1)};
}

// The engine sums the broadcast gradient back to x's shape.
Grads expand_vjp(const OpCall&, std::span<const Tensor> g) { return {g[0]}; }

// as_strided reads storage, not x's elements, so the rule works on storage positions: positions[k] = k viewed
// with the output's geometry says which storage element each output element reads; index_add collects g there
// (overlapping windows add up), and index_select reads the sums back with x's geometry.
Grads as_strided_vjp(const OpCall& c, std::span<const Tensor> g) {
  const Tensor& x = c.inputs[0];
  const auto& s = attrs_as<AsStridedAttrs>(c.attrs);
  const int64_t offset = s.storage_offset.value_or(x.storage_offset());
  const int64_t n =
      std::max(storage_extent(s.size, s.stride, offset), storage_extent(x.shape(), x.strides(), x.storage_offset()));
  const Tensor positions = arange(n, TensorOptions(kInt64).device(x.device()));
  const Tensor read = positions.as_strided(s.size, s.stride, offset).reshape({-1});
  const Tensor own = positions.as_strided(x.shape(), x.strides(), x.storage_offset()).reshape({-1});
  const TensorOptions opts = g[0].options();
  Tensor gx = index_select(index_add(zeros({n}, opts), 0, read, g[0].reshape({-1})), 0, own);
  if (maybe_overlapping(x.shape(), x.strides())) {  // x's elements that share storage share its gradient
    Tensor count = index_add(zeros({n}, opts), 0, own, ones({own.numel()}, opts));
    gx = gx / index_select(count, 0, own);
  }
  return {gx.reshape(x.shape())};
}

// cat's gradient is g split back into the inputs' sizes; the empty 1-d inputs cat skips get none.
Grads cat_vjp(const OpCall& c, std::span<const Tensor> g) {
  auto skipped = [](const TensorType& t) { return t.shape.size() == 1 && t.shape[0] == 0; };
  Grads result(c.input_types.size());
  std::vector<int64_t> sizes;
  std::vector<size_t> taken;
  const int64_t d = wrap_dim(attrs_as<DimAttrs>(c.attrs).dim, ndim(c.output_types[0]), "cat");
  for (size_t i = 0; i < c.input_types.size(); ++i) {
    if (skipped(c.input_types[i])) continue;
    sizes.push_back(c.input_types[i].shape[d]);
    taken.push_back(i);
  }
  if (taken.empty()) return result;
  std::vector<Tensor> pieces = split(g[0], std::move(sizes), d);
  for (size_t k = 0; k < taken.size(); ++k) result[taken[k]] = pieces[k];
  return result;
}

Grads split_vjp(const OpCall& c, std::span<const Tensor> g) {
  const int64_t d = wrap_dim(attrs_as<SplitAttrs>(c.attrs).dim, ndim(c.input_types[0]), "split");
  return {cat(defined_or_zeros(c, g), d)};
}

Grads unbind_vjp(const OpCall& c, std::span<const Tensor> g) {
  const int64_t d = wrap_dim(attrs_as<DimAttrs>(c.attrs).dim, ndim(c.input_types[0]), "unbind");
  return {stack(defined_or_zeros(c, g), d)};
}

Grads flip_vjp(const OpCall& c, std::span<const Tensor> g) { return {flip(g[0], attrs_as<FlipAttrs>(c.attrs).dims)}; }

// base's elements outside the slice pass through; the slice's come from src.
Grads slice_scatter_vjp(const OpCall& c, std::span<const Tensor> g) {
  const auto& s = attrs_as<SliceAttrs>(c.attrs);
  return {slice_scatter(g[0], zeros(c.input_types[1].shape, g[0].options()), s),
          g[0].slice(s.dim, s.start, s.end, s.step)};
}

}  // namespace tessera::shape_detail
