// conv2d, conv3d and their gradient ops (Note [Convolution adjoints] in conv.h): shape rules, gradient rules and
// samples, written once over the number of spatial dims, and the user-facing functions (conv1d, conv3d,
// "same"/"valid" padding, bias).
#include "tessera/ops/conv.h"

#include <utility>

#include "tessera/ops/apply.h"
#include "tessera/ops/binary.h"
#include "tessera/ops/conv3d.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/families.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/sample_values.h"
#include "tessera/ops/shape.h"

namespace tessera {

namespace {

template <size_t R>
std::string join(const std::array<int64_t, R>& v) {
  std::string s = "[";
  for (size_t i = 0; i < R; ++i) s += cat(i ? ", " : "", v[i]);
  return s + "]";
}

}  // namespace

template <size_t R>
std::string ConvAttrs<R>::repr() const {
  std::string s =
      cat("stride=", join(stride), ", padding=", join(padding), ", dilation=", join(dilation), ", groups=", groups);
  if (!size.empty()) s += cat(", size=", shape_str(size));
  return s;
}
template struct ConvAttrs<2>;
template struct ConvAttrs<3>;

int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation) {
  return (in + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
}

namespace {

enum class ConvOp { kForward, kInputGrad, kWeightGrad };

template <size_t R>
constexpr const char* conv_name(ConvOp o) {
  constexpr bool two = R == 2;
  switch (o) {
    case ConvOp::kForward:
      return two ? "conv2d" : "conv3d";
    case ConvOp::kInputGrad:
      return two ? "conv2d_input_grad" : "conv3d_input_grad";
    case ConvOp::kWeightGrad:
      return two ? "conv2d_weight_grad" : "conv3d_weight_grad";
  }
  return "";
}

template <size_t R>
constexpr const char* spatial_dims() {
  return R == 2 ? "H, W" : "D, H, W";
}

template <size_t R>
void check_conv_attrs(const char* op, const ConvAttrs<R>& a) {
  for (size_t i = 0; i < R; ++i) {
    check<ValueError>(a.stride[i] >= 1, op, ": stride must be >= 1, got ", a.stride[i]);
    check<ValueError>(a.dilation[i] >= 1, op, ": dilation must be >= 1, got ", a.dilation[i]);
    check<ValueError>(a.padding[i] >= 0, op, ": padding must be >= 0, got ", a.padding[i]);
  }
  check<ValueError>(a.groups >= 1, op, ": groups must be >= 1, got ", a.groups);
}

// Validates an (input, weight) pair of conv2d / conv3d and returns the output shape.
template <size_t R>
Shape conv_forward_shape(const char* op, const Shape& x, const Shape& w, const ConvAttrs<R>& a) {
  constexpr const char* spatial = spatial_dims<R>();
  constexpr const char* kernel = R == 2 ? "kH, kW" : "kD, kH, kW";
  check<ShapeError>(x.size() == R + 2, op, ": expected input [N, C_in, ", spatial, "], got ", fmt_shape(x));
  check<ShapeError>(w.size() == R + 2, op, ": expected weight [C_out, C_in / groups, ", kernel, "], got ",
                    fmt_shape(w));
  check<ShapeError>(x[1] == w[1] * a.groups, op, ": input ", fmt_shape(x), " has ", x[1], " channels but weight ",
                    fmt_shape(w), " with groups=", a.groups, " expects ", w[1] * a.groups);
  check<ShapeError>(w[0] % a.groups == 0, op, ": weight ", fmt_shape(w), " has ", w[0],
                    " output channels, not divisible by groups=", a.groups);
  for (size_t i = 0; i < R; ++i) {  // as PyTorch: only the batch and the channels may be empty
    check<ShapeError>(x[2 + i] > 0, op, ": expected an input with non-zero spatial sizes (only the batch or the ",
                      "channels may be 0), got ", fmt_shape(x));
    check<ShapeError>(w[2 + i] > 0, op, ": expected a kernel of non-zero sizes, got weight ", fmt_shape(w));
  }
  Shape out{x[0], w[0]};
  for (size_t i = 0; i < R; ++i) {
    const int64_t padded = x[2 + i] + 2 * a.padding[i], span = a.dilation[i] * (w[2 + i] - 1) + 1;
    check<ShapeError>(padded >= span, op, ": input ", fmt_shape(x), " padded by ", join(a.padding),
                      " is smaller than the kernel ", fmt_shape(w), " dilated by ", join(a.dilation));
    out.push_back(conv_output_size(x[2 + i], w[2 + i], a.stride[i], a.padding[i], a.dilation[i]));
  }
  return out;
}

// The attribute and dtype checks of the convolutions and their gradient ops.
template <size_t R>
void check_conv_operands(const char* op, const TensorType& a0, const TensorType& a1, const ConvAttrs<R>& a) {
  check_conv_attrs(op, a);
  check<DTypeError>(a0.dtype == a1.dtype, op, ": expected operands of the same dtype, got ", a0.dtype, " and ",
                    a1.dtype);
  check<DTypeError>(a0.dtype == kFloat32 || a0.dtype == kFloat64, op, ": expected float32 or float64 operands, got ",
                    a0.dtype);
}

template <size_t R>
TensorType conv_output_type(const char* op, const TensorType& x, const TensorType& w, const ConvAttrs<R>& a) {
  check_conv_operands(op, x, w, a);
  return {x.dtype, conv_forward_shape(op, x.shape, w.shape, a), x.device};
}

}  // namespace

TensorType conv2d_output_type(const char* op, const TensorType& x, const TensorType& w, const Conv2dAttrs& a) {
  return conv_output_type(op, x, w, a);
}

namespace {

template <size_t R, ConvOp O>
std::vector<TensorType> conv_infer(std::span<const TensorType> in, const Attrs& attrs) {
  constexpr const char* op = conv_name<R>(O);
  const auto& a = attrs_as<ConvAttrs<R>>(attrs);
  if constexpr (O == ConvOp::kForward) {
    check<ValueError>(in.size() == 2 || in.size() == 3, op, ": expected input, weight and an optional bias, got ",
                      in.size(), " operands");
    const TensorType out = conv_output_type(op, in[0], in[1], a);
    if (in.size() == 3) {
      check<ShapeError>(in[2].shape == Shape{out.shape[1]}, op, ": expected bias [", out.shape[1], "], got ",
                        fmt_shape(in[2].shape));
      check<DTypeError>(in[2].dtype == out.dtype, op, ": expected a ", out.dtype, " bias, got ", in[2].dtype);
    }
    return {out};
  } else {
    check_conv_operands(op, in[0], in[1], a);
    // The produced tensor (input or weight) must be one that the convolution maps to grad_output's shape.
    const bool input_grad = O == ConvOp::kInputGrad;
    const Shape& x = input_grad ? a.size : in[0].shape;
    const Shape& w = input_grad ? in[1].shape : a.size;
    const Shape& gy = input_grad ? in[0].shape : in[1].shape;
    const Shape expected = conv_forward_shape(op, x, w, a);
    check<ShapeError>(gy == expected, op, ": grad_output ", fmt_shape(gy), " does not match ",
                      conv_name<R>(ConvOp::kForward), " of input ", fmt_shape(x), " and weight ", fmt_shape(w),
                      ", which gives ", fmt_shape(expected));
    return {{in[0].dtype, a.size, in[0].device}};
  }
}

using Grads = std::vector<Tensor>;

template <size_t R>
ConvAttrs<R> with_size(const ConvAttrs<R>& a, Shape size) {
  ConvAttrs<R> b = a;
  b.size = std::move(size);
  return b;
}

template <size_t R>
Tensor apply_conv(ConvOp o, const Tensor& a, const Tensor& b, const ConvAttrs<R>& attrs, const Tensor& bias = {}) {
  static const OpDef& fwd = op(conv_name<R>(ConvOp::kForward));
  static const OpDef& igrad = op(conv_name<R>(ConvOp::kInputGrad));
  static const OpDef& wgrad = op(conv_name<R>(ConvOp::kWeightGrad));
  const OpDef& d = o == ConvOp::kForward ? fwd : o == ConvOp::kInputGrad ? igrad : wgrad;
  if (bias.defined()) return apply1(d, {a, b, bias}, attrs);
  return apply1(d, {a, b}, attrs);
}

// Each rule pairs the incoming gradient with the other operand through the adjoint ops; a gradient nobody
// wants (the image into a first convolution) is not computed. The bias's gradient sums over all but the channels.
template <size_t R>
Grads conv_vjp(const OpCall& c, std::span<const Tensor> g) {
  const auto& a = attrs_as<ConvAttrs<R>>(c.attrs);
  const Tensor &x = c.inputs[0], &w = c.inputs[1];
  Grads out{c.needs_input_grad(0) ? apply_conv(ConvOp::kInputGrad, g[0], w, with_size(a, x.shape())) : Tensor{},
            c.needs_input_grad(1) ? apply_conv(ConvOp::kWeightGrad, x, g[0], with_size(a, w.shape())) : Tensor{}};
  if (c.input_types.size() == 3) {
    std::vector<int64_t> dims{0};
    for (size_t i = 0; i < R; ++i) dims.push_back(static_cast<int64_t>(2 + i));
    out.push_back(c.needs_input_grad(2) ? g[0].sum(dims) : Tensor{});
  }
  return out;
}
template <size_t R>
Grads conv_input_grad_vjp(const OpCall& c, std::span<const Tensor> g) {
  const auto& a = attrs_as<ConvAttrs<R>>(c.attrs);
  const Tensor &gy = c.inputs[0], &w = c.inputs[1];
  return {c.needs_input_grad(0) ? apply_conv(ConvOp::kForward, g[0], w, with_size(a, {})) : Tensor{},
          c.needs_input_grad(1) ? apply_conv(ConvOp::kWeightGrad, g[0], gy, with_size(a, w.shape())) : Tensor{}};
}
template <size_t R>
Grads conv_weight_grad_vjp(const OpCall& c, std::span<const Tensor> g) {
  const auto& a = attrs_as<ConvAttrs<R>>(c.attrs);
  const Tensor &x = c.inputs[0], &gy = c.inputs[1];
  return {c.needs_input_grad(0) ? apply_conv(ConvOp::kInputGrad, gy, g[0], with_size(a, x.shape())) : Tensor{},
          c.needs_input_grad(1) ? apply_conv(ConvOp::kForward, x, g[0], with_size(a, {})) : Tensor{}};
}

// ---- Samples (float64): stride with padding, dilation, groups, non-square kernels, a transposed input -----

template <size_t R>
std::shared_ptr<const Attrs> conv_attrs(std::array<int64_t, R> s, std::array<int64_t, R> p, std::array<int64_t, R> d,
                                        int64_t groups, Shape size = {}) {
  auto a = std::make_shared<ConvAttrs<R>>();
  a->stride = s, a->padding = p, a->dilation = d, a->groups = groups, a->size = std::move(size);
  return a;
}

struct ConvCase {
  Shape x, w;
  std::shared_ptr<const Attrs> attrs;
  const char* label;
};
using Pair = std::array<int64_t, 2>;
using Triple = std::array<int64_t, 3>;
template <size_t R>
std::vector<ConvCase> conv_cases() {
  if constexpr (R == 2) {
    return {{{2, 2, 5, 4}, {3, 2, 3, 2}, conv_attrs<2>({1, 1}, {0, 0}, {1, 1}, 1), "plain, non-square kernel"},
            {{1, 2, 6, 5}, {2, 2, 3, 3}, conv_attrs<2>({2, 2}, {1, 1}, {1, 1}, 1), "stride 2, padding 1, batch 1"},
            {{1, 2, 6, 6}, {2, 2, 2, 2}, conv_attrs<2>({1, 2}, {1, 0}, {2, 1}, 1), "dilation 2, mixed stride"},
            {{2, 4, 4, 4}, {4, 2, 3, 3}, conv_attrs<2>({1, 1}, {1, 1}, {1, 1}, 2), "groups 2"},
            {{1, 3, 4, 3}, {3, 1, 1, 1}, conv_attrs<2>({1, 1}, {0, 0}, {1, 1}, 3), "depthwise 1x1"}};
  } else {
    // Small volumes: the gradient checks run the op once per Jacobian entry.
    return {{{2, 2, 3, 4, 3}, {2, 2, 2, 3, 2}, conv_attrs<3>({1, 1, 1}, {0, 0, 0}, {1, 1, 1}, 1), "plain, 2x3x2"},
            {{1, 2, 5, 4, 3},
             {2, 2, 3, 2, 2},
             conv_attrs<3>({2, 2, 1}, {1, 1, 0}, {1, 1, 1}, 1),
             "stride 2 with depth padding, batch 1"},
            {{1, 2, 5, 3, 4},
             {2, 1, 2, 2, 2},
             conv_attrs<3>({1, 1, 2}, {1, 0, 1}, {2, 1, 1}, 2),
             "depth dilation 2, groups 2"},
            {{1, 3, 2, 3, 2}, {3, 1, 1, 1, 1}, conv_attrs<3>({1, 1, 1}, {0, 0, 0}, {1, 1, 1}, 3), "depthwise 1x1x1"}};
  }
}

template <size_t R>
std::vector<OpSample> conv_samples() {
  std::vector<OpSample> out;
  for (const auto& c : conv_cases<R>()) {
    out.push_back({{sample_ramp(c.x, 0.7), sample_ramp(c.w, 1.3)}, c.attrs, c.label});
  }
  for (const auto& c : conv_cases<R>()) {  // with a bias
    out.push_back(
        {{sample_ramp(c.x, 0.7), sample_ramp(c.w, 1.3), sample_ramp({c.w[0]}, 0.6)}, c.attrs, cat(c.label, ", bias")});
  }
  // A strided bias: every other element of a [2 C_out] ramp.
  const ConvCase first = conv_cases<R>()[0];
  out.push_back({{sample_ramp(first.x, 0.7), sample_ramp(first.w, 1.3),
                  sample_ramp({2 * first.w[0]}, 0.6).slice(0, 0, 2 * first.w[0], 2)},
                 first.attrs,
                 "strided bias"});
  // A non-contiguous input: the last two dims transposed.
  if constexpr (R == 2) {
    out.push_back({{sample_ramp({1, 2, 4, 5}, 0.9).transpose(2, 3), sample_ramp({2, 2, 2, 2}, 1.1)},
                   conv_attrs<2>({1, 1}, {1, 0}, {1, 1}, 1),
                   "transposed input"});
  } else {
    out.push_back({{sample_ramp({1, 2, 3, 4, 3}, 0.9).transpose(2, 4), sample_ramp({2, 2, 2, 2, 2}, 1.1)},
                   conv_attrs<3>({1, 1, 1}, {1, 0, 1}, {1, 1, 1}, 1),
                   "transposed input"});
  }
  return out;
}

template <size_t R, ConvOp O>
std::vector<OpSample> conv_grad_samples() {
  std::vector<OpSample> out;
  for (const auto& c : conv_cases<R>()) {
    const auto& a = attrs_as<ConvAttrs<R>>(*c.attrs);
    const Shape y = conv_forward_shape(conv_name<R>(ConvOp::kForward), c.x, c.w, a);
    if (O == ConvOp::kInputGrad) {
      out.push_back({{sample_ramp(y, 0.8), sample_ramp(c.w, 1.3)},
                     conv_attrs<R>(a.stride, a.padding, a.dilation, a.groups, c.x),
                     c.label});
    } else {
      out.push_back({{sample_ramp(c.x, 0.7), sample_ramp(y, 0.8)},
                     conv_attrs<R>(a.stride, a.padding, a.dilation, a.groups, c.w),
                     c.label});
    }
  }
  return out;
}

template <size_t R>
ConvAttrs<R> make_attrs(std::array<int64_t, R> stride, std::array<int64_t, R> padding, std::array<int64_t, R> dilation,
                        int64_t groups, Shape size = {}) {
  ConvAttrs<R> a;
  a.stride = stride, a.padding = padding, a.dilation = dilation, a.groups = groups, a.size = std::move(size);
  return a;
}

template <size_t R>
void register_family(Registry& r) {
  r.add({.name = conv_name<R>(ConvOp::kForward),
         .infer = conv_infer<R, ConvOp::kForward>,
         .vjp = conv_vjp<R>,
         .vjp_needs_outputs = false,
         .vjp_inputs_read = 2,  // not the bias
         .samples = conv_samples<R>});
  r.add({.name = conv_name<R>(ConvOp::kInputGrad),
         .infer = conv_infer<R, ConvOp::kInputGrad>,
         .vjp = conv_input_grad_vjp<R>,
         .vjp_needs_outputs = false,
         .samples = conv_grad_samples<R, ConvOp::kInputGrad>});
  r.add({.name = conv_name<R>(ConvOp::kWeightGrad),
         .infer = conv_infer<R, ConvOp::kWeightGrad>,
         .vjp = conv_weight_grad_vjp<R>,
         .vjp_needs_outputs = false,
         .samples = conv_grad_samples<R, ConvOp::kWeightGrad>});
}

}  // namespace

void register_conv_ops(Registry& r) {
  register_family<2>(r);
  register_family<3>(r);
}

namespace {

// conv2d / conv3d: an unbatched input ([C_in, spatial...]) runs as a batch of one.
template <size_t R>
Tensor convolve(const Tensor& input, const Tensor& weight, const Tensor& bias, std::array<int64_t, R> stride,
                std::array<int64_t, R> padding, std::array<int64_t, R> dilation, int64_t groups) {
  constexpr const char* op = conv_name<R>(ConvOp::kForward);
  check<ValueError>(input.defined() && weight.defined(), op, ": got an undefined ",
                    input.defined() ? "weight" : "input", " tensor");
  check<ShapeError>(input.dim() == R + 1 || input.dim() == R + 2, op, ": expected input [N, C_in, ", spatial_dims<R>(),
                    "] or [C_in, ", spatial_dims<R>(), "], got ", fmt_shape(input.shape()));
  const bool unbatched = input.dim() == R + 1;
  const Tensor x = unbatched ? input.unsqueeze(0) : input;
  Tensor y = apply_conv(ConvOp::kForward, x, weight, make_attrs(stride, padding, dilation, groups), bias);
  return unbatched ? y.squeeze(0) : y;
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, std::array<int64_t, 2> stride,
              std::array<int64_t, 2> padding, std::array<int64_t, 2> dilation, int64_t groups) {
  return convolve(input, weight, bias, stride, padding, dilation, groups);
}

Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, std::array<int64_t, 3> stride,
              std::array<int64_t, 3> padding, std::array<int64_t, 3> dilation, int64_t groups) {
  return convolve(input, weight, bias, stride, padding, dilation, groups);
}

PaddingMode padding_mode(const std::string& s, const char* op) {
  check<ValueError>(s == "same" || s == "valid", op, ": padding must be \"same\", \"valid\" or numbers, got \"", s,
                    "\"");
  return s == "same" ? PaddingMode::kSame : PaddingMode::kValid;
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, std::array<int64_t, 2> stride,
              PaddingMode padding, std::array<int64_t, 2> dilation, int64_t groups) {
  using Pad = std::array<int64_t, 2>;
  if (padding == PaddingMode::kValid) return conv2d(input, weight, bias, stride, Pad{0, 0}, dilation, groups);
  check<ValueError>(stride[0] == 1 && stride[1] == 1, "conv2d: padding=\"same\" needs stride 1, got [", stride[0], ", ",
                    stride[1], "]");
  check<ShapeError>(weight.dim() == 4, "conv2d: expected weight [C_out, C_in / groups, kH, kW], got ",
                    fmt_shape(weight.shape()));
  // Total padding dilation * (k - 1) per dim; the odd one goes at the end (as PyTorch pads).
  std::array<int64_t, 2> lo{}, extra{};
  for (int i = 0; i < 2; ++i) {
    const int64_t total = dilation[i] * (weight.size(2 + i) - 1);
    lo[i] = total / 2;
    extra[i] = total - 2 * lo[i];
  }
  if (extra[0] == 0 && extra[1] == 0) return conv2d(input, weight, bias, stride, Pad{lo}, dilation, groups);
  // Pad symmetrically by lo + extra and crop the surplus first row/column of the output.
  Tensor y = conv2d(input, weight, bias, stride, Pad{lo[0] + extra[0], lo[1] + extra[1]}, dilation, groups);
  const int64_t h = y.dim() - 2;
  return slice(slice(y, h, extra[0], std::nullopt), h + 1, extra[1], std::nullopt);
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, int64_t stride, int64_t padding,
              int64_t dilation, int64_t groups) {
  check<ShapeError>(input.dim() == 2 || input.dim() == 3, "conv1d: expected input [N, C_in, L] or [C_in, L], got ",
                    fmt_shape(input.shape()));
  check<ShapeError>(weight.dim() == 3, "conv1d: expected weight [C_out, C_in / groups, k], got ",
                    fmt_shape(weight.shape()));
  const int64_t h = input.dim() - 1;  // the height-1 dim sits before L
  using Pair = std::array<int64_t, 2>;
  Tensor y = conv2d(input.unsqueeze(h), weight.unsqueeze(2), bias, Pair{1, stride}, Pair{0, padding}, Pair{1, dilation},
                    groups);
  return y.squeeze(h);
}

Tensor conv2d_input_grad(const Tensor& grad_output, const Tensor& weight, Shape input_size,
                         std::array<int64_t, 2> stride, std::array<int64_t, 2> padding, std::array<int64_t, 2> dilation,
                         int64_t groups) {
  return apply_conv(ConvOp::kInputGrad, grad_output, weight,
                    make_attrs(stride, padding, dilation, groups, std::move(input_size)));
}

Tensor conv2d_weight_grad(const Tensor& input, const Tensor& grad_output, Shape weight_size,
                          std::array<int64_t, 2> stride, std::array<int64_t, 2> padding,
                          std::array<int64_t, 2> dilation, int64_t groups) {
  return apply_conv(ConvOp::kWeightGrad, input, grad_output,
                    make_attrs(stride, padding, dilation, groups, std::move(weight_size)));
}

Tensor conv3d_input_grad(const Tensor& grad_output, const Tensor& weight, Shape input_size,
                         std::array<int64_t, 3> stride, std::array<int64_t, 3> padding, std::array<int64_t, 3> dilation,
                         int64_t groups) {
  return apply_conv(ConvOp::kInputGrad, grad_output, weight,
                    make_attrs(stride, padding, dilation, groups, std::move(input_size)));
}

Tensor conv3d_weight_grad(const Tensor& input, const Tensor& grad_output, Shape weight_size,
                          std::array<int64_t, 3> stride, std::array<int64_t, 3> padding,
                          std::array<int64_t, 3> dilation, int64_t groups) {
  return apply_conv(ConvOp::kWeightGrad, input, grad_output,
                    make_attrs(stride, padding, dilation, groups, std::move(weight_size)));
}

}  // namespace tessera
