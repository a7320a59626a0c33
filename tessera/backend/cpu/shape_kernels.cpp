// CPU kernels of the shape family. The view kernels only compute new shapes, strides and offsets over the
// input's storage (Note [View ops] in ops/shape.h); cat copies each input into its slab of the output, flip
// copies through a view with negated strides, and slice_scatter copies base then src into its slice.
#include "tessera/backend/cpu/copy.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/shape.h"

namespace tessera::cpu {

namespace {

using Outs = std::vector<Tensor>;
using OutTypes = std::span<const TensorType>;

// The dim an op's attributes name, wrapped (the shape rule has already validated it).
int64_t wrapped(int64_t dim, const Tensor& x) { return wrap_dim(dim, x.dim(), "shape kernel"); }

Outs view_kernel(std::span<const Tensor> in, const Attrs&, OutTypes out) {
  const Tensor& x = in[0];
  std::optional<Strides> st = view_strides(x.shape(), x.strides(), out[0].shape);
  check<ShapeError>(st.has_value(), "view: view size is not compatible with input tensor's size and stride (at least ",
                    "one dimension spans across two contiguous subspaces); use reshape instead. Input shape ",
                    shape_str(x.shape()), " with strides ", shape_str(x.strides()), ", requested shape ",
                    shape_str(out[0].shape));
  return {make_view(x, out[0].shape, std::move(*st), x.storage_offset())};
}

Outs reshape_kernel(std::span<const Tensor> in, const Attrs&, OutTypes out) {
  const Tensor& x = in[0];
  if (std::optional<Strides> st = view_strides(x.shape(), x.strides(), out[0].shape)) {
    return {make_view(x, out[0].shape, std::move(*st), x.storage_offset())};
  }
  Tensor c = as_contiguous(x);
  return {make_view(c, out[0].shape, contiguous_strides(out[0].shape), c.storage_offset())};
}

Outs permute_kernel(std::span<const Tensor> in, const Attrs& a, OutTypes) {
  const Tensor& x = in[0];
  Shape shape;
  Strides strides;
  for (int64_t d : wrap_dims(attrs_as<PermuteAttrs>(a).dims, x.dim(), "permute")) {
    shape.push_back(x.shape()[d]);
    strides.push_back(x.strides()[d]);
  }
  return {make_view(x, std::move(shape), std::move(strides), x.storage_offset())};
}

// A view of x restricted to `length` elements from `start` along `d`, every `step`-th.
Tensor narrow_view(const Tensor& x, int64_t d, int64_t start, int64_t length, int64_t step = 1) {
  Shape shape = x.shape();
  Strides strides = x.strides();
  shape[d] = length;
  const int64_t offset = x.storage_offset() + (length > 0 ? start * strides[d] : 0);
  strides[d] *= step;
  return make_view(x, std::move(shape), std::move(strides), offset);
}

Outs slice_kernel(std::span<const Tensor> in, const Attrs& a, OutTypes) {
  const auto& s = attrs_as<SliceAttrs>(a);
  const int64_t d = wrapped(s.dim, in[0]);
  SliceRange r = slice_range(in[0].shape()[d], s.start, s.end, s.step);
  return {narrow_view(in[0], d, r.start, r.length, s.step)};
}

// x.select(d, index) for an index already in range.
Tensor select_view(const Tensor& x, int64_t d, int64_t index) {
  Shape shape = x.shape();
  Strides strides = x.strides();
  const int64_t offset = x.storage_offset() + index * strides[d];
  shape.erase(shape.begin() + d);
  strides.erase(strides.begin() + d);
  return make_view(x, std::move(shape), std::move(strides), offset);
}

Outs select_kernel(std::span<const Tensor> in, const Attrs& a, OutTypes) {
  const auto& s = attrs_as<SelectAttrs>(a);
  const int64_t d = wrapped(s.dim, in[0]);
  return {select_view(in[0], d, s.index < 0 ? s.index + in[0].shape()[d] : s.index)};
}

Outs expand_kernel(std::span<const Tensor> in, const Attrs&, OutTypes out) {
  const Tensor& x = in[0];
  const Shape& shape = out[0].shape;
  const size_t lead = shape.size() - x.shape().size();
  Strides strides(shape.size(), 0);  // new leading dims and broadcast size-1 dims read one element
  for (size_t i = lead; i < shape.size(); ++i) {
    if (x.shape()[i - lead] == shape[i]) strides[i] = x.strides()[i - lead];
  }
  return {make_view(x, shape, std::move(strides), x.storage_offset())};
}

Outs as_strided_kernel(std::span<const Tensor> in, const Attrs& a, OutTypes) {
  const auto& s = attrs_as<AsStridedAttrs>(a);
  const Tensor& x = in[0];
  const int64_t offset = s.storage_offset.value_or(x.storage_offset());
  const int64_t capacity = static_cast<int64_t>(x.storage()->nbytes() / x.element_size());
  int64_t needed = 0;  // one past the last element the view reaches
  if (numel(s.size) > 0) {
    needed = offset + 1;
    for (size_t i = 0; i < s.size.size(); ++i) needed += (s.size[i] - 1) * s.stride[i];
  }
  check<IndexError>(needed <= capacity, "as_strided: size ", shape_str(s.size), " with stride ", shape_str(s.stride),
                    " at storage offset ", offset, " needs ", needed, " elements, but the storage holds ", capacity);
  return {make_view(x, s.size, s.stride, offset)};
}

Outs split_kernel(std::span<const Tensor> in, const Attrs& a, OutTypes) {
  const auto& s = attrs_as<SplitAttrs>(a);
  const int64_t d = wrapped(s.dim, in[0]);
  Outs out;
  int64_t start = 0;
  for (int64_t size : s.sizes) {
    out.push_back(narrow_view(in[0], d, start, size));
    start += size;
  }
  return out;
}

Outs unbind_kernel(std::span<const Tensor> in, const Attrs& a, OutTypes) {
  const int64_t d = wrapped(attrs_as<DimAttrs>(a).dim, in[0]);
  Outs out;
  for (int64_t i = 0; i < in[0].shape()[d]; ++i) out.push_back(select_view(in[0], d, i));
  return out;
}

Outs cat_kernel(std::span<const Tensor> in, const Attrs& a, OutTypes types) {
  Tensor out = empty(types[0].shape, TensorOptions(types[0].dtype).device(types[0].device));
  if (out.numel() == 0) return {out};
  const int64_t d = wrapped(attrs_as<DimAttrs>(a).dim, out);
  int64_t start = 0;
  for (const Tensor& x : in) {
    if (x.dim() == 1 && x.shape()[0] == 0) continue;  // skipped, like the shape rule
    Tensor slab = narrow_view(out, d, start, x.shape()[d]);
    copy_into(slab, x);  // strided copy with dtype conversion, parallel for large slabs
    start += x.shape()[d];
  }
  return {out};
}

// A fresh contiguous copy of x.
Tensor copy_of(const Tensor& x) {
  Tensor out = empty(x.shape(), x.options());
  copy_into(out, x);
  return out;
}

// Reads x backwards along the flipped dims through a negative-stride view (internal only: no op returns one).
Outs flip_kernel(std::span<const Tensor> in, const Attrs& a, OutTypes) {
  const Tensor& x = in[0];
  Strides strides = x.strides();
  int64_t offset = x.storage_offset();
  if (x.numel() > 0) {
    for (int64_t d : wrap_dims(attrs_as<FlipAttrs>(a).dims, x.dim(), "flip")) {
      if (x.dim() == 0) continue;  // flipping a 0-d tensor's "dim 0" changes nothing
      offset += (x.shape()[d] - 1) * strides[d];
      strides[d] = -strides[d];
    }
  }
  return {copy_of(make_view(x, x.shape(), std::move(strides), offset))};
}

Outs slice_scatter_kernel(std::span<const Tensor> in, const Attrs& a, OutTypes) {
  const auto& s = attrs_as<SliceAttrs>(a);
  Tensor out = copy_of(in[0]);
  const int64_t d = wrapped(s.dim, out);
  SliceRange r = slice_range(out.shape()[d], s.start, s.end, s.step);
  Tensor slab = narrow_view(out, d, r.start, r.length, s.step);
  copy_into(slab, in[1]);  // converts src to base's dtype
  return {out};
}

}  // namespace

void register_shape_kernels(Registry& r) {
  r.set_kernel("view", kCPU, view_kernel);
  r.set_kernel("reshape", kCPU, reshape_kernel);
  r.set_kernel("permute", kCPU, permute_kernel);
  r.set_kernel("slice", kCPU, slice_kernel);
  r.set_kernel("select", kCPU, select_kernel);
  r.set_kernel("expand", kCPU, expand_kernel);
  r.set_kernel("as_strided", kCPU, as_strided_kernel);
  r.set_kernel("split", kCPU, split_kernel);
  r.set_kernel("unbind", kCPU, unbind_kernel);
  r.set_kernel("cat", kCPU, cat_kernel);
  r.set_kernel("flip", kCPU, flip_kernel);
  r.set_kernel("slice_scatter", kCPU, slice_scatter_kernel);
}

}  // namespace tessera::cpu
