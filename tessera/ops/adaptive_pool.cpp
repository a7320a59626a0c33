// adaptive_max_pool2d: shape rule, gradient rule (a scatter into the argmax, like max_pool2d's), samples and the
// user-facing functions.
#include "tessera/ops/adaptive_pool.h"

#include "tessera/ops/apply.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/families.h"
#include "tessera/ops/index.h"
#include "tessera/ops/pool.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/shape.h"

namespace tessera {

std::string AdaptivePool2dAttrs::repr() const {
  return cat("output_size=[", output_size[0], ", ", output_size[1], "]");
}

namespace {

std::vector<TensorType> adaptive_max_infer(std::span<const TensorType> in, const Attrs& attrs) {
  const auto& a = attrs_as<AdaptivePool2dAttrs>(attrs);
  const Shape& x = in[0].shape;
  check<DTypeError>(in[0].dtype == kFloat32 || in[0].dtype == kFloat64,
                    "adaptive_max_pool2d: expected float32 or float64, got ", in[0].dtype);
  check<ShapeError>(x.size() == 4, "adaptive_max_pool2d: expected input [N, C, H, W], got ", fmt_shape(x));
  check<ShapeError>(x[2] >= 1 && x[3] >= 1, "adaptive_max_pool2d: expected non-empty H and W, got input ",
                    fmt_shape(x));
  check<ValueError>(a.output_size[0] >= 1 && a.output_size[1] >= 1,
                    "adaptive_max_pool2d: output size must be >= 1, got [", a.output_size[0], ", ", a.output_size[1],
                    "]");
  const Shape out{x[0], x[1], a.output_size[0], a.output_size[1]};
  return {{in[0].dtype, out, in[0].device}, {kInt64, out, in[0].device}};
}

// Each output gradient goes to its window's argmax, as max_pool2d's.
std::vector<Tensor> adaptive_max_vjp(const OpCall& c, std::span<const Tensor> g) {
  if (!g[0].defined()) return {Tensor{}};
  return {max_pool2d_backward(g[0], c.outputs[1], c.input_types[0].shape)};
}

std::shared_ptr<const Attrs> size_attrs(int64_t h, int64_t w) {
  auto a = std::make_shared<AdaptivePool2dAttrs>();
  a->output_size = {h, w};
  return a;
}

// Overlapping windows (5 -> 3), growing the input (2 -> 3: windows of one element repeat), a transposed input.
std::vector<OpSample> adaptive_max_samples() {
  const auto ramp = [](Shape s) { return (arange(numel(s), kFloat64) * 1.37).sin().reshape(std::move(s)); };
  return {{{ramp({2, 2, 5, 7})}, size_attrs(3, 4), "overlapping windows"},
          {{ramp({1, 3, 2, 6})}, size_attrs(3, 2), "output taller than input"},
          {{ramp({1, 2, 6, 5}).transpose(2, 3)}, size_attrs(2, 4), "transposed input"}};
}

}  // namespace

void register_adaptive_pool_ops(Registry& r) {
  r.add({.name = "adaptive_max_pool2d",
         .infer = adaptive_max_infer,
         .vjp = adaptive_max_vjp,
         .vjp_needs_inputs = false,
         .samples = adaptive_max_samples});
}

std::pair<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input, std::array<int64_t, 2> output_size) {
  static const OpDef& d = op("adaptive_max_pool2d");
  check<ShapeError>(input.dim() == 3 || input.dim() == 4,
                    "adaptive_max_pool2d: expected input [N, C, H, W] or [C, H, W], got ", fmt_shape(input.shape()));
  AdaptivePool2dAttrs a;
  a.output_size = output_size;
  const bool unbatched = input.dim() == 3;
  std::vector<Tensor> out = apply(d, {unbatched ? input.unsqueeze(0) : input}, a);
  if (unbatched) return {out[0].squeeze(0), out[1].squeeze(0)};
  return {out[0], out[1]};
}

Tensor adaptive_max_pool2d(const Tensor& input, std::array<int64_t, 2> output_size) {
  return adaptive_max_pool2d_with_indices(input, output_size).first;
}

}  // namespace tessera
