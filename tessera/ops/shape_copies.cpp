// The shape family's copies: flip (reverses dims) and slice_scatter (writes into a slice of a copy, the
// gradient of slice and select). Their gradient rules are in shape_grad.cpp.
#include "tessera/ops/apply.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/shape.h"
#include "tessera/ops/shape_detail.h"

namespace tessera {

namespace {

std::vector<TensorType> flip_infer(std::span<const TensorType> in, const Attrs& a) {
  wrap_dims(attrs_as<FlipAttrs>(a).dims, static_cast<int64_t>(in[0].shape.size()), "flip");
  return {in[0]};
}

std::vector<TensorType> slice_scatter_infer(std::span<const TensorType> in, const Attrs& a) {
  Shape slice = shape_detail::sliced_shape(in[0], attrs_as<SliceAttrs>(a), "slice_scatter");
  check<ShapeError>(in[1].shape == slice, "slice_scatter: expected src to have a size equal to the slice of self. ",
                    "src size = ", shape_str(in[1].shape), ", slice size = ", shape_str(slice), " (self of shape ",
                    shape_str(in[0].shape), ")");
  return {in[0]};
}

// ---- Sample calls for the generic op tests ------------------------------------------------------------

Tensor grid(int64_t rows, int64_t cols) { return arange(rows * cols, kFloat64).view({rows, cols}); }

std::shared_ptr<const Attrs> flip_attrs(std::vector<int64_t> dims) {
  auto a = std::make_shared<FlipAttrs>();
  a->dims = std::move(dims);
  return a;
}

std::vector<OpSample> flip_samples() {
  return {{{grid(3, 4)}, flip_attrs({0, -1}), "[3,4] dims [0,-1]"},
          {{grid(3, 4).t()}, flip_attrs({1}), "transposed [4,3] dim 1"},
          {{full({}, 2.5, kFloat64)}, flip_attrs({0}), "0-d"}};
}

std::vector<OpSample> slice_scatter_samples() {
  auto a = shape_detail::slice_attrs(1, 1, std::nullopt, 2);
  auto b = shape_detail::slice_attrs(0, -3, -1, 1);
  return {{{grid(4, 5), grid(4, 2) + 100.0}, a, "[4,5][:, 1::2] = [4,2]"},
          {{grid(4, 5).t(), grid(4, 2).t()}, b, "transposed [5,4][-3:-1] = transposed [2,4]"}};
}

}  // namespace

namespace shape_detail {
void register_copy_ops(Registry& r) {
  r.add(shape_op("flip", flip_infer, flip_vjp, flip_samples, /*is_view=*/false));
  r.add(shape_op("slice_scatter", slice_scatter_infer, slice_scatter_vjp, slice_scatter_samples, /*is_view=*/false));
}
}  // namespace shape_detail

Tensor flip(const Tensor& x, std::vector<int64_t> dims) {
  static const OpDef& d = op("flip");
  FlipAttrs a;
  a.dims = std::move(dims);
  return apply1(d, {x}, a);
}

Tensor slice_scatter(const Tensor& base, const Tensor& src, int64_t dim, std::optional<int64_t> start,
                     std::optional<int64_t> end, int64_t step) {
  static const OpDef& d = op("slice_scatter");
  SliceAttrs a;
  a.dim = dim;
  a.start = start;
  a.end = end;
  a.step = step;
  return apply1(d, {base, src}, a);
}

}  // namespace tessera
