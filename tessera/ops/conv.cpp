// conv2d and its gradient ops (Note [Convolution adjoints] in conv.h): shape rules, gradient rules, samples,
// and the user-facing functions (conv1d, "same"/"valid" padding, bias).
#include "tessera/ops/conv.h"

#include <utility>

#include "tessera/ops/apply.h"
#include "tessera/ops/binary.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/families.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/sample_values.h"
#include "tessera/ops/shape.h"

namespace tessera {

std::string Conv2dAttrs::repr() const {
  std::string s = cat("stride=[", stride[0], ", ", stride[1], "], padding=[", padding[0], ", ", padding[1],
                      "], dilation=[", dilation[0], ", ", dilation[1], "], groups=", groups);
  if (!size.empty()) s += cat(", size=", shape_str(size));
  return s;
}

int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation) {
  return (in + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
}

namespace {

enum class ConvOp { kForward, kInputGrad, kWeightGrad };

constexpr const char* conv_name(ConvOp o) {
  switch (o) {
    case ConvOp::kForward:
      return "conv2d";
    case ConvOp::kInputGrad:
      return "conv2d_input_grad";
    case ConvOp::kWeightGrad:
      return "conv2d_weight_grad";
  }
  return "";
}

void check_conv_attrs(const char* op, const Conv2dAttrs& a) {
  for (int i = 0; i < 2; ++i) {
    check<ValueError>(a.stride[i] >= 1, op, ": stride must be >= 1, got ", a.stride[i]);
    check<ValueError>(a.dilation[i] >= 1, op, ": dilation must be >= 1, got ", a.dilation[i]);
    check<ValueError>(a.padding[i] >= 0, op, ": padding must be >= 0, got ", a.padding[i]);
  }
  check<ValueError>(a.groups >= 1, op, ": groups must be >= 1, got ", a.groups);
}

// Validates an (input, weight) pair of conv2d and returns the output shape.
Shape conv_forward_shape(const char* op, const Shape& x, const Shape& w, const Conv2dAttrs& a) {
  check<ShapeError>(x.size() == 4, op, ": expected input [N, C_in, H, W], got ", fmt_shape(x));
  check<ShapeError>(w.size() == 4, op, ": expected weight [C_out, C_in / groups, kH, kW], got ", fmt_shape(w));
  check<ShapeError>(x[1] == w[1] * a.groups, op, ": input ", fmt_shape(x), " has ", x[1], " channels but weight ",
                    fmt_shape(w), " with groups=", a.groups, " expects ", w[1] * a.groups);
  check<ShapeError>(w[0] % a.groups == 0, op, ": weight ", fmt_shape(w), " has ", w[0],
                    " output channels, not divisible by groups=", a.groups);
  Shape out{x[0], w[0], 0, 0};
  for (int i = 0; i < 2; ++i) {
    const int64_t padded = x[2 + i] + 2 * a.padding[i], span = a.dilation[i] * (w[2 + i] - 1) + 1;
    check<ShapeError>(padded >= span, op, ": input ", fmt_shape(x), " padded by ", a.padding[i],
                      " is smaller than the kernel ", fmt_shape(w), " dilated by ", a.dilation[i]);
    out[2 + i] = conv_output_size(x[2 + i], w[2 + i], a.stride[i], a.padding[i], a.dilation[i]);
  }
  return out;
}

// The attribute and dtype checks of conv2d and its gradient ops.
void check_conv_operands(const char* op, const TensorType& a0, const TensorType& a1, const Conv2dAttrs& a) {
  check_conv_attrs(op, a);
  check<DTypeError>(a0.dtype == a1.dtype, op, ": expected operands of the same dtype, got ", a0.dtype, " and ",
                    a1.dtype);
  check<DTypeError>(a0.dtype == kFloat32 || a0.dtype == kFloat64, op, ": expected float32 or float64 operands, got ",
                    a0.dtype);
}

}  // namespace

TensorType conv2d_output_type(const char* op, const TensorType& x, const TensorType& w, const Conv2dAttrs& a) {
  check_conv_operands(op, x, w, a);
  return {x.dtype, conv_forward_shape(op, x.shape, w.shape, a), x.device};
}

namespace {

template <ConvOp O>
std::vector<TensorType> conv_infer(std::span<const TensorType> in, const Attrs& attrs) {
  constexpr const char* op = conv_name(O);
  const auto& a = attrs_as<Conv2dAttrs>(attrs);
  if constexpr (O == ConvOp::kForward) {
    check<ValueError>(in.size() == 2 || in.size() == 3, op, ": expected input, weight and an optional bias, got ",
                      in.size(), " operands");
    const TensorType out = conv2d_output_type(op, in[0], in[1], a);
    if (in.size() == 3) {
      check<ShapeError>(in[2].shape == Shape{out.shape[1]}, op, ": expected bias [", out.shape[1], "], got ",
                        fmt_shape(in[2].shape));
      check<DTypeError>(in[2].dtype == out.dtype, op, ": expected a ", out.dtype, " bias, got ", in[2].dtype);
    }
    return {out};
  } else {
    check_conv_operands(op, in[0], in[1], a);
    // The produced tensor (input or weight) must be one that conv2d maps to grad_output's shape.
    const bool input_grad = O == ConvOp::kInputGrad;
    const Shape& x = input_grad ? a.size : in[0].shape;
    const Shape& w = input_grad ? in[1].shape : a.size;
    const Shape& gy = input_grad ? in[0].shape : in[1].shape;
    const Shape expected = conv_forward_shape(op, x, w, a);
    check<ShapeError>(gy == expected, op, ": grad_output ", fmt_shape(gy), " does not match conv2d of input ",
                      fmt_shape(x), " and weight ", fmt_shape(w), ", which gives ", fmt_shape(expected));
    return {{in[0].dtype, a.size, in[0].device}};
  }
}

using Grads = std::vector<Tensor>;

Conv2dAttrs with_size(const Conv2dAttrs& a, Shape size) {
  Conv2dAttrs b = a;
  b.size = std::move(size);
  return b;
}

Tensor apply_conv(ConvOp o, const Tensor& a, const Tensor& b, const Conv2dAttrs& attrs, const Tensor& bias = {}) {
  static const OpDef& fwd = op("conv2d");
  static const OpDef& igrad = op("conv2d_input_grad");
  static const OpDef& wgrad = op("conv2d_weight_grad");
  const OpDef& d = o == ConvOp::kForward ? fwd : o == ConvOp::kInputGrad ? igrad : wgrad;
  if (bias.defined()) return apply1(d, {a, b, bias}, attrs);
  return apply1(d, {a, b}, attrs);
}

// Each rule pairs the incoming gradient with the other operand through the adjoint ops; a gradient nobody
// wants (the image into a first convolution) is not computed. The bias's gradient sums over all but the channels.
Grads conv_vjp(const OpCall& c, std::span<const Tensor> g) {
  const auto& a = attrs_as<Conv2dAttrs>(c.attrs);
  const Tensor &x = c.inputs[0], &w = c.inputs[1];
  Grads out{c.needs_input_grad(0) ? apply_conv(ConvOp::kInputGrad, g[0], w, with_size(a, x.shape())) : Tensor{},
            c.needs_input_grad(1) ? apply_conv(ConvOp::kWeightGrad, x, g[0], with_size(a, w.shape())) : Tensor{}};
  if (c.input_types.size() == 3) out.push_back(c.needs_input_grad(2) ? g[0].sum({0, 2, 3}) : Tensor{});
  return out;
}
Grads conv_input_grad_vjp(const OpCall& c, std::span<const Tensor> g) {
  const auto& a = attrs_as<Conv2dAttrs>(c.attrs);
  const Tensor &gy = c.inputs[0], &w = c.inputs[1];
  return {c.needs_input_grad(0) ? apply_conv(ConvOp::kForward, g[0], w, with_size(a, {})) : Tensor{},
          c.needs_input_grad(1) ? apply_conv(ConvOp::kWeightGrad, g[0], gy, with_size(a, w.shape())) : Tensor{}};
}
Grads conv_weight_grad_vjp(const OpCall& c, std::span<const Tensor> g) {
  const auto& a = attrs_as<Conv2dAttrs>(c.attrs);
  const Tensor &x = c.inputs[0], &gy = c.inputs[1];
  return {c.needs_input_grad(0) ? apply_conv(ConvOp::kInputGrad, gy, g[0], with_size(a, x.shape())) : Tensor{},
          c.needs_input_grad(1) ? apply_conv(ConvOp::kForward, x, g[0], with_size(a, {})) : Tensor{}};
}

// ---- Samples (float64): stride with padding, dilation, groups, non-square kernels, a transposed input -----

std::shared_ptr<const Attrs> conv_attrs(std::array<int64_t, 2> s, std::array<int64_t, 2> p, std::array<int64_t, 2> d,
                                        int64_t groups, Shape size = {}) {
  auto a = std::make_shared<Conv2dAttrs>();
  a->stride = s, a->padding = p, a->dilation = d, a->groups = groups, a->size = std::move(size);
  return a;
}

struct ConvCase {
  Shape x, w;
  std::shared_ptr<const Attrs> attrs;
  const char* label;
};
std::vector<ConvCase> conv_cases() {
  return {{{2, 2, 5, 4}, {3, 2, 3, 2}, conv_attrs({1, 1}, {0, 0}, {1, 1}, 1), "plain, non-square kernel"},
          {{1, 2, 6, 5}, {2, 2, 3, 3}, conv_attrs({2, 2}, {1, 1}, {1, 1}, 1), "stride 2, padding 1, batch 1"},
          {{1, 2, 6, 6}, {2, 2, 2, 2}, conv_attrs({1, 2}, {1, 0}, {2, 1}, 1), "dilation 2, mixed stride"},
          {{2, 4, 4, 4}, {4, 2, 3, 3}, conv_attrs({1, 1}, {1, 1}, {1, 1}, 2), "groups 2"},
          {{1, 3, 4, 3}, {3, 1, 1, 1}, conv_attrs({1, 1}, {0, 0}, {1, 1}, 3), "depthwise 1x1"}};
}

std::vector<OpSample> conv_samples() {
  std::vector<OpSample> out;
  for (const auto& c : conv_cases()) out.push_back({{sample_ramp(c.x, 0.7), sample_ramp(c.w, 1.3)}, c.attrs, c.label});
  for (const auto& c : conv_cases()) {  // with a bias
    out.push_back(
        {{sample_ramp(c.x, 0.7), sample_ramp(c.w, 1.3), sample_ramp({c.w[0]}, 0.6)}, c.attrs, cat(c.label, ", bias")});
  }
  // A strided bias: every other element of a [2 C_out] ramp.
  const ConvCase first = conv_cases()[0];
  out.push_back({{sample_ramp(first.x, 0.7), sample_ramp(first.w, 1.3),
                  sample_ramp({2 * first.w[0]}, 0.6).slice(0, 0, 2 * first.w[0], 2)},
                 first.attrs,
                 "strided bias"});
  // A non-contiguous input: the transpose of a [N, C, W, H] tensor.
  out.push_back({{sample_ramp({1, 2, 4, 5}, 0.9).transpose(2, 3), sample_ramp({2, 2, 2, 2}, 1.1)},
                 conv_attrs({1, 1}, {1, 0}, {1, 1}, 1),
                 "transposed input"});
  return out;
}

template <ConvOp O>
std::vector<OpSample> conv_grad_samples() {
  std::vector<OpSample> out;
  for (const auto& c : conv_cases()) {
    const auto& a = attrs_as<Conv2dAttrs>(*c.attrs);
    const Shape y = conv_forward_shape("conv2d", c.x, c.w, a);
    if (O == ConvOp::kInputGrad) {
      out.push_back({{sample_ramp(y, 0.8), sample_ramp(c.w, 1.3)},
                     conv_attrs(a.stride, a.padding, a.dilation, a.groups, c.x),
                     c.label});
    } else {
      out.push_back({{sample_ramp(c.x, 0.7), sample_ramp(y, 0.8)},
                     conv_attrs(a.stride, a.padding, a.dilation, a.groups, c.w),
                     c.label});
    }
  }
  return out;
}

Conv2dAttrs make_attrs(std::array<int64_t, 2> stride, std::array<int64_t, 2> padding, std::array<int64_t, 2> dilation,
                       int64_t groups, Shape size = {}) {
  Conv2dAttrs a;
  a.stride = stride, a.padding = padding, a.dilation = dilation, a.groups = groups, a.size = std::move(size);
  return a;
}

}  // namespace

void register_conv_ops(Registry& r) {
  r.add({.name = "conv2d",
         .infer = conv_infer<ConvOp::kForward>,
         .vjp = conv_vjp,
         .vjp_needs_outputs = false,
         .vjp_inputs_read = 2,  // not the bias
         .samples = conv_samples});
  r.add({.name = "conv2d_input_grad",
         .infer = conv_infer<ConvOp::kInputGrad>,
         .vjp = conv_input_grad_vjp,
         .vjp_needs_outputs = false,
         .samples = conv_grad_samples<ConvOp::kInputGrad>});
  r.add({.name = "conv2d_weight_grad",
         .infer = conv_infer<ConvOp::kWeightGrad>,
         .vjp = conv_weight_grad_vjp,
         .vjp_needs_outputs = false,
         .samples = conv_grad_samples<ConvOp::kWeightGrad>});
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, std::array<int64_t, 2> stride,
              std::array<int64_t, 2> padding, std::array<int64_t, 2> dilation, int64_t groups) {
  const bool unbatched = input.dim() == 3;
  const Tensor x = unbatched ? input.unsqueeze(0) : input;
  Tensor y = apply_conv(ConvOp::kForward, x, weight, make_attrs(stride, padding, dilation, groups), bias);
  return unbatched ? y.squeeze(0) : y;
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

}  // namespace tessera
