// Pooling ops: shape rules, gradient rules, samples and the user-facing functions (pool.h).
#include "tessera/ops/pool.h"

#include "tessera/ops/adaptive_pool.h"
#include "tessera/ops/apply.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/families.h"
#include "tessera/ops/index.h"
#include "tessera/ops/linalg.h"
#include "tessera/ops/reduce.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/shape.h"

namespace tessera {

std::string Pool2dAttrs::repr() const {
  std::string s = cat("kernel=[", kernel[0], ", ", kernel[1], "], stride=[", stride[0], ", ", stride[1], "], padding=[",
                      padding[0], ", ", padding[1], "], dilation=[", dilation[0], ", ", dilation[1],
                      "], ceil_mode=", ceil_mode, ", count_include_pad=", count_include_pad);
  if (!size.empty()) s += cat(", size=", shape_str(size));
  return s;
}

int64_t pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation,
                         bool ceil_mode) {
  const int64_t span = in + 2 * padding - dilation * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t out = (span >= 0 ? span / stride : -((-span + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + padding) --out;
  return out;
}

namespace {

enum class Pool { kMax, kAvg, kAvgBackward };

constexpr const char* pool_name(Pool p) {
  return p == Pool::kMax ? "max_pool2d" : p == Pool::kAvg ? "avg_pool2d" : "avg_pool2d_backward";
}

// The pooled shape of a [N, C, H, W] input, after validating the attributes.
Shape pooled_shape(const char* op, const Shape& x, const Pool2dAttrs& a, bool dilated) {
  check<ShapeError>(x.size() == 4, op, ": expected input [N, C, H, W], got ", fmt_shape(x));
  Shape out{x[0], x[1], 0, 0};
  for (int i = 0; i < 2; ++i) {
    const int64_t d = dilated ? a.dilation[i] : 1;
    check<ValueError>(a.kernel[i] >= 1 && a.stride[i] >= 1 && d >= 1, op,
                      ": kernel, stride and dilation must be >= 1, got kernel=", a.kernel[i], " stride=", a.stride[i],
                      " dilation=", d);
    check<ValueError>(a.padding[i] >= 0 && a.padding[i] <= (d * (a.kernel[i] - 1) + 1) / 2, op, ": padding ",
                      a.padding[i], " must be between 0 and half the kernel size ", a.kernel[i]);
    out[2 + i] = pool_output_size(x[2 + i], a.kernel[i], a.stride[i], a.padding[i], d, a.ceil_mode);
    check<ShapeError>(out[2 + i] >= 1, op, ": input ", fmt_shape(x), " is too small for kernel [", a.kernel[0], ", ",
                      a.kernel[1], "] with padding [", a.padding[0], ", ", a.padding[1], "]");
    // A dilated window can skip over the whole input; its max would be -inf with no argmax (PyTorch returns an
    // index outside the plane). Rejected here instead.
    for (int64_t o = 0; dilated && d > 1 && o < out[2 + i]; ++o) {
      const int64_t first = o * a.stride[i] - a.padding[i];
      bool covers = false;
      for (int64_t k = 0; k < a.kernel[i] && !covers; ++k) covers = first + k * d >= 0 && first + k * d < x[2 + i];
      check<ShapeError>(covers, op, ": window ", o, " along dim ", 2 + i, " of input ", fmt_shape(x), " (kernel ",
                        a.kernel[i], ", dilation ", d, ", padding ", a.padding[i], ") covers only padding");
    }
  }
  return out;
}

template <Pool P>
std::vector<TensorType> pool_infer(std::span<const TensorType> in, const Attrs& attrs) {
  constexpr const char* op = pool_name(P);
  const auto& a = attrs_as<Pool2dAttrs>(attrs);
  check<DTypeError>(in[0].dtype == kFloat32 || in[0].dtype == kFloat64, op, ": expected float32 or float64, got ",
                    in[0].dtype);
  if constexpr (P == Pool::kMax) {
    const Shape out = pooled_shape(op, in[0].shape, a, true);
    return {{in[0].dtype, out, in[0].device}, {kInt64, out, in[0].device}};
  } else if constexpr (P == Pool::kAvg) {
    return {{in[0].dtype, pooled_shape(op, in[0].shape, a, false), in[0].device}};
  } else {
    const Shape expected = pooled_shape(op, a.size, a, false);
    check<ShapeError>(in[0].shape == expected, op, ": grad_output ", fmt_shape(in[0].shape),
                      " does not match avg_pool2d of ", fmt_shape(a.size), ", which gives ", fmt_shape(expected));
    return {{in[0].dtype, a.size, in[0].device}};
  }
}

using Grads = std::vector<Tensor>;

// Each output gradient goes to its window's argmax: max_pool2d_backward adds it there. It is told the forward's
// windows, so 2x2 stride-2 poolings take its one-pass loop (Note [2x2 max pooling]).
Grads max_pool_vjp(const OpCall& c, std::span<const Tensor> g) {
  if (!g[0].defined()) return {Tensor{}};
  return {max_pool2d_backward(g[0], c.outputs[1], c.input_types[0].shape, attrs_as<Pool2dAttrs>(c.attrs))};
}

// inputs: grad_output [N, C, H_out, W_out] and the argmax indices (int64, flattened over each [H, W] plane);
// attrs.size: the input's shape [N, C, H, W].
std::vector<TensorType> max_pool_backward_infer(std::span<const TensorType> in, const Attrs& attrs) {
  constexpr const char* op = "max_pool2d_backward";
  const Shape& x = attrs_as<Pool2dAttrs>(attrs).size;
  check<DTypeError>(in[0].dtype == kFloat32 || in[0].dtype == kFloat64, op, ": expected a float32 or float64 ",
                    "grad_output, got ", in[0].dtype);
  check<DTypeError>(in[1].dtype == kInt64, op, ": expected int64 indices, got ", in[1].dtype);
  check<ShapeError>(x.size() == 4 && in[0].shape.size() == 4 && in[0].shape[0] == x[0] && in[0].shape[1] == x[1], op,
                    ": grad_output ", fmt_shape(in[0].shape), " does not pool input ", fmt_shape(x));
  check<ShapeError>(in[1].shape == in[0].shape, op, ": indices ", fmt_shape(in[1].shape), " and grad_output ",
                    fmt_shape(in[0].shape), " differ");
  return {{in[0].dtype, x, in[0].device}};
}

// Linear in grad_output: its adjoint reads the incoming gradient back at the indices.
Grads max_pool_backward_vjp(const OpCall& c, std::span<const Tensor> g) {
  const Shape& y = c.input_types[0].shape;
  const Tensor& idx = c.inputs[1];
  return {gather(g[0].reshape({y[0], y[1], -1}), 2, idx.reshape({y[0], y[1], -1})).view(y), Tensor{}};
}

Pool2dAttrs with_size(const Pool2dAttrs& a, Shape size) {
  Pool2dAttrs b = a;
  b.size = std::move(size);
  return b;
}

Grads avg_pool_vjp(const OpCall& c, std::span<const Tensor> g) {
  return {avg_pool2d_backward(g[0], c.input_types[0].shape, attrs_as<Pool2dAttrs>(c.attrs))};
}
Grads avg_pool_backward_vjp(const OpCall& c, std::span<const Tensor> g) {
  static const OpDef& d = op("avg_pool2d");
  return {apply1(d, {g[0]}, with_size(attrs_as<Pool2dAttrs>(c.attrs), {}))};
}

// ---- Samples (float64): padding, stride, ceil_mode, dilation, a transposed input --------------------------

Tensor ramp(Shape shape) {
  const int64_t n = numel(shape);
  return (arange(n, kFloat64) * 1.37).sin().reshape(std::move(shape));
}

std::shared_ptr<const Attrs> pool_attrs(std::array<int64_t, 2> k, std::array<int64_t, 2> s, std::array<int64_t, 2> p,
                                        bool ceil, std::array<int64_t, 2> d = {1, 1}, bool include_pad = true,
                                        Shape size = {}) {
  auto a = std::make_shared<Pool2dAttrs>();
  a->kernel = k, a->stride = s, a->padding = p, a->ceil_mode = ceil, a->dilation = d;
  a->count_include_pad = include_pad, a->size = std::move(size);
  return a;
}

std::vector<OpSample> max_pool_samples() {
  return {{{ramp({2, 2, 4, 4})}, pool_attrs({2, 2}, {2, 2}, {0, 0}, false), "2x2 stride 2"},
          {{ramp({1, 2, 5, 6})}, pool_attrs({3, 2}, {2, 1}, {1, 1}, true), "padding, ceil_mode"},
          {{ramp({1, 1, 6, 6})}, pool_attrs({2, 2}, {1, 2}, {1, 0}, false, {2, 2}), "dilation 2"},
          {{ramp({1, 2, 5, 4}).transpose(2, 3)}, pool_attrs({2, 2}, {2, 2}, {0, 0}, true), "transposed input"}};
}
// The indices of real max_pool2d calls (with padding and ceil_mode, windows overlapping) and ramp gradients.
std::vector<OpSample> max_pool_backward_samples() {
  std::vector<OpSample> out;
  for (const auto& s : max_pool_samples()) {
    const auto& a = attrs_as<Pool2dAttrs>(*s.attrs);
    static const OpDef& d = op("max_pool2d");
    const Tensor idx = apply(d, {s.inputs[0]}, a)[1];
    out.push_back({{ramp(idx.shape()), idx},
                   pool_attrs(a.kernel, a.stride, a.padding, a.ceil_mode, a.dilation, true, s.inputs[0].shape()),
                   s.label});
  }
  return out;
}
std::vector<OpSample> avg_pool_samples() {
  return {{{ramp({2, 2, 4, 4})}, pool_attrs({2, 2}, {2, 2}, {0, 0}, false), "2x2 stride 2"},
          {{ramp({1, 2, 5, 6})}, pool_attrs({3, 2}, {2, 1}, {1, 1}, true), "padding, ceil_mode"},
          {{ramp({1, 1, 5, 5})}, pool_attrs({3, 3}, {2, 2}, {1, 1}, false, {1, 1}, false), "count_include_pad off"},
          {{ramp({1, 2, 5, 4}).transpose(2, 3)}, pool_attrs({2, 2}, {1, 1}, {1, 0}, false), "transposed input"}};
}
std::vector<OpSample> avg_pool_backward_samples() {
  std::vector<OpSample> out;
  for (const auto& s : avg_pool_samples()) {
    const auto& a = attrs_as<Pool2dAttrs>(*s.attrs);
    const Shape y = pooled_shape("avg_pool2d", s.inputs[0].shape(), a, false);
    out.push_back(
        {{ramp(y)},
         pool_attrs(a.kernel, a.stride, a.padding, a.ceil_mode, a.dilation, a.count_include_pad, s.inputs[0].shape()),
         s.label});
  }
  return out;
}

// [out, in]: row i averages adaptive window i (adaptive_pool.h).
Tensor adaptive_average_matrix(int64_t in, int64_t out, DType dtype) {
  std::vector<double> m(static_cast<size_t>(out * in), 0.0);
  for (int64_t i = 0; i < out; ++i) {
    const int64_t first = adaptive_start(i, in, out), last = adaptive_end(i, in, out);
    for (int64_t j = first; j < last; ++j) m[i * in + j] = 1.0 / double(last - first);
  }
  return from_vector(m, Shape{out, in}, dtype);
}

Pool2dAttrs make_attrs(std::array<int64_t, 2> kernel, std::optional<std::array<int64_t, 2>> stride,
                       std::array<int64_t, 2> padding) {
  Pool2dAttrs a;
  a.kernel = kernel, a.stride = stride.value_or(kernel), a.padding = padding;
  return a;
}

// Runs a pooling op on [N, C, H, W] or unbatched [C, H, W] input.
std::vector<Tensor> apply_pool(const OpDef& d, const Tensor& input, const Pool2dAttrs& a) {
  const bool unbatched = input.dim() == 3;
  std::vector<Tensor> out = apply(d, {unbatched ? input.unsqueeze(0) : input}, a);
  if (unbatched) {
    for (Tensor& t : out) t = t.squeeze(0);
  }
  return out;
}

}  // namespace

void register_pool_ops(Registry& r) {
  r.add({.name = "max_pool2d",
         .infer = pool_infer<Pool::kMax>,
         .vjp = max_pool_vjp,
         .vjp_needs_inputs = false,
         .samples = max_pool_samples});
  r.add({.name = "max_pool2d_backward",
         .infer = max_pool_backward_infer,
         .vjp = max_pool_backward_vjp,
         .vjp_needs_outputs = false,
         .samples = max_pool_backward_samples});
  r.add({.name = "avg_pool2d",
         .infer = pool_infer<Pool::kAvg>,
         .vjp = avg_pool_vjp,
         .vjp_needs_inputs = false,
         .vjp_needs_outputs = false,
         .samples = avg_pool_samples});
  r.add({.name = "avg_pool2d_backward",
         .infer = pool_infer<Pool::kAvgBackward>,
         .vjp = avg_pool_backward_vjp,
         .vjp_needs_inputs = false,
         .vjp_needs_outputs = false,
         .samples = avg_pool_backward_samples});
}

std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, std::array<int64_t, 2> kernel_size,
                                                  std::optional<std::array<int64_t, 2>> stride,
                                                  std::array<int64_t, 2> padding, std::array<int64_t, 2> dilation,
                                                  bool ceil_mode) {
  static const OpDef& d = op("max_pool2d");
  Pool2dAttrs a = make_attrs(kernel_size, stride, padding);
  a.dilation = dilation, a.ceil_mode = ceil_mode;
  auto out = apply_pool(d, input, a);
  return {out[0], out[1]};
}

Tensor max_pool2d(const Tensor& input, std::array<int64_t, 2> kernel_size, std::optional<std::array<int64_t, 2>> stride,
                  std::array<int64_t, 2> padding, std::array<int64_t, 2> dilation, bool ceil_mode) {
  return max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode).first;
}

Tensor avg_pool2d(const Tensor& input, std::array<int64_t, 2> kernel_size, std::optional<std::array<int64_t, 2>> stride,
                  std::array<int64_t, 2> padding, bool ceil_mode, bool count_include_pad) {
  static const OpDef& d = op("avg_pool2d");
  Pool2dAttrs a = make_attrs(kernel_size, stride, padding);
  a.ceil_mode = ceil_mode, a.count_include_pad = count_include_pad;
  return apply_pool(d, input, a)[0];
}

Tensor max_pool2d_backward(const Tensor& grad_output, const Tensor& indices, Shape input_size) {
  return max_pool2d_backward(grad_output, indices, std::move(input_size), Pool2dAttrs{});
}

Tensor max_pool2d_backward(const Tensor& grad_output, const Tensor& indices, Shape input_size,
                           const Pool2dAttrs& windows) {
  static const OpDef& d = op("max_pool2d_backward");
  return apply1(d, {grad_output, indices}, with_size(windows, std::move(input_size)));
}

Tensor avg_pool2d_backward(const Tensor& grad_output, Shape input_size, const Pool2dAttrs& attrs) {
  static const OpDef& d = op("avg_pool2d_backward");
  return apply1(d, {grad_output}, with_size(attrs, std::move(input_size)));
}

Tensor adaptive_avg_pool2d(const Tensor& input, std::array<int64_t, 2> output_size) {
  check<ShapeError>(input.dim() == 3 || input.dim() == 4,
                    "adaptive_avg_pool2d: expected input [N, C, H, W] or [C, H, W], got ", fmt_shape(input.shape()));
  const int64_t h = input.size(-2), w = input.size(-1);
  const auto [oh, ow] = output_size;
  check<ValueError>(oh >= 1 && ow >= 1, "adaptive_avg_pool2d: output size must be >= 1, got [", oh, ", ", ow, "]");
  check<ShapeError>(h >= 1 && w >= 1, "adaptive_avg_pool2d: expected non-empty H and W, got input ",
                    fmt_shape(input.shape()));
  check<DTypeError>(input.dtype() == kFloat32 || input.dtype() == kFloat64,
                    "adaptive_avg_pool2d: expected float32 or float64, got ", input.dtype());
  if (oh == 1 && ow == 1) return mean(input, {-2, -1}, true);
  if (h % oh == 0 && w % ow == 0) return avg_pool2d(input, {h / oh, w / ow});
  // Windows of different sizes: the mean over a window is separable, so y = A_h x A_w^T with row i of A
  // averaging window i (a few small GEMMs; differentiable like any matmul).
  const Tensor ah = adaptive_average_matrix(h, oh, input.dtype()), aw = adaptive_average_matrix(w, ow, input.dtype());
  return matmul(ah, matmul(input, aw.t()));
}

}  // namespace tessera
