// The shape family's definitions: attributes, stride arithmetic, and the shape rules of the view ops.
// User-facing view functions are in shape_views.cpp; cat/stack/split in shape_join.cpp.
#include "tessera/ops/shape.h"

#include <algorithm>

#include "tessera/ops/creation.h"
#include "tessera/ops/families.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/shape_detail.h"

namespace tessera {

namespace {
std::string opt_str(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : "None"; }
}  // namespace

std::string ShapeAttrs::repr() const { return cat("shape=", shape_str(shape)); }
std::string PermuteAttrs::repr() const { return cat("dims=", shape_str(dims)); }
std::string SliceAttrs::repr() const {
  return cat("dim=", dim, ", start=", opt_str(start), ", end=", opt_str(end), ", step=", step);
}
std::string SelectAttrs::repr() const { return cat("dim=", dim, ", index=", index); }
std::string AsStridedAttrs::repr() const {
  return cat("size=", shape_str(size), ", stride=", shape_str(stride), ", storage_offset=", opt_str(storage_offset));
}
std::string FlipAttrs::repr() const { return cat("dims=", shape_str(dims)); }
std::string DimAttrs::repr() const { return cat("dim=", dim); }
std::string SplitAttrs::repr() const { return cat("sizes=", shape_str(sizes), ", dim=", dim); }

Shape infer_size(IntList requested, int64_t numel, const char* op) {
  Shape out(requested.begin(), requested.end());
  std::optional<size_t> infer_at;
  int64_t known = 1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      check<ValueError>(!infer_at, op, ": only one dimension can be inferred, got shape ", shape_str(requested));
      infer_at = i;
    } else {
      check<ValueError>(out[i] >= 0, op, ": invalid size ", out[i], " in shape ", shape_str(requested));
      known *= out[i];
    }
  }
  if (infer_at) {
    check<ShapeError>(known != 0, op, ": cannot reshape a tensor of ", numel, " elements into shape ",
                      shape_str(requested), " because the size of the -1 dimension is ambiguous");
    check<ShapeError>(numel % known == 0, op, ": shape ", shape_str(requested), " is invalid for input of size ",
                      numel);
    out[*infer_at] = numel / known;
  } else {
    check<ShapeError>(known == numel, op, ": shape ", shape_str(requested), " is invalid for input of size ", numel);
  }
  return out;
}

// PyTorch's computeStride: walk both shapes from the innermost dim, grouping the old dims into chunks that are
// contiguous with each other; each new dim must fall inside one chunk.
std::optional<Strides> view_strides(IntList shape, IntList strides, IntList new_shape) {
  const int64_t n = numel(shape);
  if (n == 0) {  // any strides work; keep the old ones when nothing changes, like PyTorch
    return std::equal(shape.begin(), shape.end(), new_shape.begin(), new_shape.end())
               ? Strides(strides.begin(), strides.end())
               : contiguous_strides(new_shape);
  }
  Strides out(new_shape.size());
  if (shape.empty()) {  // a one-element 0-d tensor: every new dim has size 1
    std::fill(out.begin(), out.end(), 1);
    return out;
  }
  int64_t view_d = static_cast<int64_t>(new_shape.size()) - 1;
  int64_t chunk_base_stride = strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= shape[d];
    bool chunk_ends = d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride);
    if (!chunk_ends) continue;
    while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
      out[view_d] = view_numel * chunk_base_stride;
      view_numel *= new_shape[view_d];
      --view_d;
    }
    if (view_numel != tensor_numel) return std::nullopt;
    if (d > 0) {
      chunk_base_stride = strides[d - 1];
      tensor_numel = view_numel = 1;
    }
  }
  if (view_d != -1) return std::nullopt;
  return out;
}

SliceRange slice_range(int64_t size, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) {
  auto clamp_bound = [size](int64_t b) { return std::clamp<int64_t>(b < 0 ? b + size : b, 0, size); };
  int64_t s = start ? clamp_bound(*start) : 0;
  int64_t e = end ? clamp_bound(*end) : size;
  return {s, e > s ? (e - s + step - 1) / step : 0};
}

namespace {
void check_not_0d(const TensorType& t, const char* op) {
  check<IndexError>(!t.shape.empty(), op, ": cannot be applied to a 0-d tensor");
}
}  // namespace

Shape shape_detail::sliced_shape(const TensorType& t, const SliceAttrs& s, const char* op) {
  check_not_0d(t, op);
  check<ValueError>(s.step > 0, op, ": step must be positive, got ", s.step);
  Shape out = t.shape;
  const int64_t d = wrap_dim(s.dim, static_cast<int64_t>(t.shape.size()), op);
  out[d] = slice_range(out[d], s.start, s.end, s.step).length;
  return out;
}

namespace {

TensorType with_shape(const TensorType& t, Shape shape) { return {t.dtype, std::move(shape), t.device}; }

int64_t ndim(const TensorType& t) { return static_cast<int64_t>(t.shape.size()); }

std::vector<TensorType> view_infer(std::span<const TensorType> in, const Attrs& a) {
  return {with_shape(in[0], infer_size(attrs_as<ShapeAttrs>(a).shape, numel(in[0].shape), "view"))};
}

std::vector<TensorType> reshape_infer(std::span<const TensorType> in, const Attrs& a) {
  return {with_shape(in[0], infer_size(attrs_as<ShapeAttrs>(a).shape, numel(in[0].shape), "reshape"))};
}

std::vector<TensorType> permute_infer(std::span<const TensorType> in, const Attrs& a) {
  const auto& dims = attrs_as<PermuteAttrs>(a).dims;
  check<ValueError>(static_cast<int64_t>(dims.size()) == ndim(in[0]), "permute: dims ", shape_str(dims),
                    " do not match the ", ndim(in[0]), " dimensions of the input of shape ", shape_str(in[0].shape));
  Shape out;
  for (int64_t d : wrap_dims(dims, ndim(in[0]), "permute")) out.push_back(in[0].shape[d]);
  return {with_shape(in[0], std::move(out))};
}

std::vector<TensorType> slice_infer(std::span<const TensorType> in, const Attrs& a) {
  return {with_shape(in[0], shape_detail::sliced_shape(in[0], attrs_as<SliceAttrs>(a), "slice"))};
}

std::vector<TensorType> select_infer(std::span<const TensorType> in, const Attrs& a) {
  const auto& s = attrs_as<SelectAttrs>(a);
  check_not_0d(in[0], "select");
  int64_t d = wrap_dim(s.dim, ndim(in[0]), "select");
  int64_t size = in[0].shape[d];
  check<IndexError>(s.index >= -size && s.index < size, "select: index ", s.index, " out of range for dimension ", d,
                    " of size ", size, " (tensor of shape ", shape_str(in[0].shape), ")");
  Shape out = in[0].shape;
  out.erase(out.begin() + d);
  return {with_shape(in[0], std::move(out))};
}

std::vector<TensorType> expand_infer(std::span<const TensorType> in, const Attrs& a) {
  const Shape& from = in[0].shape;
  const Shape& to = attrs_as<ShapeAttrs>(a).shape;
  check<ShapeError>(to.size() >= from.size(), "expand: cannot expand shape ", shape_str(from), " to ", shape_str(to),
                    ": the target has fewer dimensions");
  const size_t lead = to.size() - from.size();
  Shape out(to.size());
  for (size_t i = 0; i < to.size(); ++i) {
    if (i < lead) {
      check<ShapeError>(to[i] >= 0, "expand: cannot expand shape ", shape_str(from), " to ", shape_str(to), ": size ",
                        to[i], " is not allowed in new leading dimension ", i);
      out[i] = to[i];
      continue;
    }
    int64_t have = from[i - lead];
    out[i] = to[i] == -1 ? have : to[i];
    check<ShapeError>(to[i] >= -1 && (have == out[i] || have == 1), "expand: cannot expand shape ", shape_str(from),
                      " to ", shape_str(to), ": size ", have, " does not match ", to[i], " at dimension ", i);
  }
  return {with_shape(in[0], std::move(out))};
}

std::vector<TensorType> as_strided_infer(std::span<const TensorType> in, const Attrs& a) {
  const auto& s = attrs_as<AsStridedAttrs>(a);
  check<ValueError>(s.size.size() == s.stride.size(), "as_strided: size ", shape_str(s.size), " and stride ",
                    shape_str(s.stride), " differ in length");
  for (int64_t v : s.size) check<ValueError>(v >= 0, "as_strided: negative size in ", shape_str(s.size));
  for (int64_t v : s.stride) check<ValueError>(v >= 0, "as_strided: negative stride in ", shape_str(s.stride));
  check<ValueError>(s.storage_offset.value_or(0) >= 0, "as_strided: negative storage offset ",
                    s.storage_offset.value_or(0));
  return {with_shape(in[0], s.size)};
}

// ---- Sample calls for the generic op tests (float64; contiguous and strided inputs) ----------------------

Tensor grid(int64_t rows, int64_t cols) { return arange(rows * cols, kFloat64).view({rows, cols}); }

template <class A>
std::shared_ptr<const Attrs> shape_attrs(Shape shape) {
  auto a = std::make_shared<A>();
  a->shape = std::move(shape);
  return a;
}

std::vector<OpSample> view_samples() {
  return {{{grid(3, 4)}, shape_attrs<ShapeAttrs>({2, -1, 3}), "contiguous [3,4] -> [2,-1,3]"},
          {{grid(3, 4).t()}, shape_attrs<ShapeAttrs>({2, 2, 3}), "transposed [4,3] -> [2,2,3]"},
          {{full({}, 1.5, kFloat64)}, shape_attrs<ShapeAttrs>({1, 1}), "0-d -> [1,1]"}};
}
std::vector<OpSample> reshape_samples() {
  return {{{grid(3, 4)}, shape_attrs<ShapeAttrs>({6, 2}), "view [3,4] -> [6,2]"},
          {{grid(3, 4).t()}, shape_attrs<ShapeAttrs>({-1}), "copy of transposed [4,3] -> [12]"}};
}
std::vector<OpSample> expand_samples() {
  return {{{grid(3, 1)}, shape_attrs<ShapeAttrs>({2, 3, 4}), "[3,1] -> [2,3,4]"},
          {{grid(1, 3).t()}, shape_attrs<ShapeAttrs>({-1, 2}), "transposed [3,1] -> [-1,2]"}};
}
std::vector<OpSample> permute_samples() {
  auto a = std::make_shared<PermuteAttrs>();
  a->dims = {2, 0, -2};
  return {{{arange(24, kFloat64).view({2, 3, 4})}, a, "[2,3,4] dims [2,0,-2]"}};
}
std::vector<OpSample> slice_samples() {
  auto a = shape_detail::slice_attrs(1, 1, std::nullopt, 2);
  auto b = shape_detail::slice_attrs(0, -3, -1, 1);
  return {{{grid(4, 5)}, a, "[4,5][:, 1::2]"}, {{grid(4, 5).t()}, b, "transposed [5,4][-3:-1]"}};
}
std::vector<OpSample> select_samples() {
  auto a = std::make_shared<SelectAttrs>();
  a->dim = 1;
  a->index = -1;
  return {{{grid(3, 4)}, a, "[3,4][:, -1]"}, {{grid(3, 4).t()}, a, "transposed [4,3][:, -1]"}};
}
std::vector<OpSample> as_strided_samples() {
  auto a = std::make_shared<AsStridedAttrs>();
  a->size = {4, 3};
  a->stride = {1, 1};
  auto b = std::make_shared<AsStridedAttrs>();
  b->size = {2, 2};
  b->stride = {1, 2};
  b->storage_offset = 1;
  return {{{arange(6, kFloat64)}, a, "overlapping windows [4,3] of [6]"}, {{arange(6, kFloat64)}, b, "offset 1"}};
}

}  // namespace

namespace shape_detail {
void register_view_ops(Registry& r) {
  constexpr bool kView = true;
  r.add(shape_op("view", view_infer, reshape_vjp, view_samples, kView));
  // reshape is a copy when the strides forbid a view.
  r.add(shape_op("reshape", reshape_infer, reshape_vjp, reshape_samples, kView));
  r.add(shape_op("permute", permute_infer, permute_vjp, permute_samples, kView));
  r.add(shape_op("slice", slice_infer, slice_vjp, slice_samples, kView));
  r.add(shape_op("select", select_infer, select_vjp, select_samples, kView));
  r.add(shape_op("expand", expand_infer, expand_vjp, expand_samples, kView));
  // The only rule of the family that reads a tensor: x's strides (the output aliases x, so keeping it is free).
  r.add({.name = "as_strided",
         .infer = as_strided_infer,
         .vjp = as_strided_vjp,
         .is_view = true,
         .vjp_needs_inputs = true,
         .vjp_needs_outputs = false,
         .samples = as_strided_samples});
}
}  // namespace shape_detail

void register_shape_ops(Registry& r) {
  shape_detail::register_view_ops(r);
  shape_detail::register_join_ops(r);
  shape_detail::register_copy_ops(r);
}

}  // namespace tessera
