// pad and pad_backward (Note [Padding as an index map] in pad.h): shape rules, gradient rules, samples and the
// user-facing functions.
#include "tessera/ops/pad.h"

#include <algorithm>

#include "tessera/ops/apply.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/families.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/unary.h"

namespace tessera {

namespace {
constexpr const char* kModeNames[] = {"constant", "reflect", "replicate", "circular"};
}  // namespace

const char* pad_mode_name(PadMode mode) { return kModeNames[static_cast<int>(mode)]; }

PadMode pad_mode_from(const std::string& mode, const char* op) {
  for (int i = 0; i < 4; ++i) {
    if (mode == kModeNames[i]) return static_cast<PadMode>(i);
  }
  throw NotImplementedError(
      cat(op, ": unknown padding mode \"", mode, "\" (expected constant, reflect, replicate or circular)"));
}

std::string PadAttrs::repr() const {
  std::string s = "pad=[";
  for (size_t i = 0; i < pad.size(); ++i) s += cat(i ? ", " : "", pad[i]);
  s += cat("], mode=", pad_mode_name(mode));
  if (mode == PadMode::kConstant) s += cat(", value=", value);
  return s;
}

int64_t pad_source_index(PadMode mode, int64_t o, int64_t n, int64_t left, int64_t right) {
  const int64_t i = o - left;
  switch (mode) {
    case PadMode::kConstant:
      return i >= 0 && i < n ? i : -1;
    case PadMode::kReflect: {
      const int64_t r = i < 0 ? -i : i;
      return r >= n ? 2 * (n - 1) - r : r;
    }
    case PadMode::kReplicate:
      return std::clamp<int64_t>(i, 0, n - 1);
    case PadMode::kCircular: {
      const int64_t crop = std::max<int64_t>(-left, 0), kept = n - crop - std::max<int64_t>(-right, 0);
      const int64_t j = (o - std::max<int64_t>(left, 0)) % kept;
      return crop + (j < 0 ? j + kept : j);
    }
  }
  return -1;
}

namespace {

std::string pads_str(const std::vector<int64_t>& p) {
  std::string s = "(";
  for (size_t i = 0; i < p.size(); ++i) s += cat(i ? ", " : "", p[i]);
  return s + ")";
}

// Validates the pads for input shape x and returns the padded shape.
Shape padded_shape(const char* op, const Shape& x, const PadAttrs& a) {
  const int64_t rank = static_cast<int64_t>(x.size()), k = static_cast<int64_t>(a.pad.size()) / 2;
  const char* mode = pad_mode_name(a.mode);
  check<ValueError>(a.pad.size() % 2 == 0, op, ": padding length must be divisible by 2, got ", pads_str(a.pad));
  check<ShapeError>(k <= rank, op, ": padding ", pads_str(a.pad), " pads ", k, " dims but input ", fmt_shape(x),
                    " has ", rank);
  const bool constant = a.mode == PadMode::kConstant;
  check<ShapeError>(constant || (k >= 1 && k <= 3 && (rank == k + 1 || rank == k + 2)), op, ": ", mode,
                    " padding pads the last 1, 2 or 3 dims of an input with 1 or 2 more dims, got padding ",
                    pads_str(a.pad), " for input ", fmt_shape(x));
  Shape out = x;
  for (int64_t j = 0; j < k; ++j) {
    const int64_t d = rank - 1 - j, n = x[d], left = a.pad[2 * j], right = a.pad[2 * j + 1];
    out[d] = n + left + right;
    check<ShapeError>(out[d] >= 0, op, ": padding (", left, ", ", right, ") of dim ", d, " of input ", fmt_shape(x),
                      " gives a negative size ", out[d]);
    if (constant) continue;
    check<ShapeError>(n >= 1, op, ": ", mode, " padding needs non-empty padded dims, got input ", fmt_shape(x));
    if (a.mode == PadMode::kReflect) {
      check<ShapeError>(left < n && right < n, op, ": reflect padding (", left, ", ", right, ") of dim ", d,
                        " must be smaller than its size ", n, " (input ", fmt_shape(x), ")");
    } else if (a.mode == PadMode::kCircular) {
      const int64_t kept = n - std::max<int64_t>(-left, 0) - std::max<int64_t>(-right, 0);
      check<ShapeError>(left <= n && right <= n && (kept >= 1 || (left <= 0 && right <= 0)), op, ": circular padding (",
                        left, ", ", right, ") of dim ", d, " of input ", fmt_shape(x), " wraps around more than once");
    }
  }
  return out;
}

std::vector<TensorType> pad_infer(std::span<const TensorType> in, const Attrs& attrs) {
  return {{in[0].dtype, padded_shape("pad", in[0].shape, attrs_as<PadAttrs>(attrs)), in[0].device}};
}

// The input shape whose padding has shape `padded` (padded less the pads, where the pads fit).
Shape unpadded_shape(const Shape& padded, const PadAttrs& a) {
  Shape x = padded;
  const size_t k = a.pad.size() / 2;
  for (size_t j = 0; j < k && j < x.size(); ++j) x[x.size() - 1 - j] -= a.pad[2 * j] + a.pad[2 * j + 1];
  return x;
}

std::vector<TensorType> pad_backward_infer(std::span<const TensorType> in, const Attrs& attrs) {
  const auto& a = attrs_as<PadAttrs>(attrs);
  check<DTypeError>(is_floating_point(in[0].dtype), "pad_backward: expected a floating grad_output, got ", in[0].dtype);
  const Shape x = unpadded_shape(in[0].shape, a);
  for (int64_t n : x) {
    check<ShapeError>(n >= 0, "pad_backward: grad_output ", fmt_shape(in[0].shape), " is smaller than the padding ",
                      pads_str(a.pad));
  }
  padded_shape("pad_backward", x, a);  // validates the pads for that input
  return {{in[0].dtype, x, in[0].device}};
}

PadAttrs make_attrs(std::vector<int64_t> p, PadMode mode, double value) {
  PadAttrs a;
  a.pad = std::move(p), a.mode = mode, a.value = value;
  return a;
}

using Grads = std::vector<Tensor>;

Grads pad_vjp(const OpCall& c, std::span<const Tensor> g) {
  const auto& a = attrs_as<PadAttrs>(c.attrs);
  return {pad_backward(g[0], a.pad, a.mode)};
}
Grads pad_backward_vjp(const OpCall& c, std::span<const Tensor> g) {
  const auto& a = attrs_as<PadAttrs>(c.attrs);
  return {pad(g[0], a.pad, a.mode, 0.0)};
}

// ---- Samples (float64): every mode, negative pads, 1 to 3 padded dims, a transposed input ------------------

Tensor ramp(Shape shape) {
  const int64_t n = numel(shape);
  return (arange(n, kFloat64) * 1.37).sin().reshape(std::move(shape));
}

struct PadCase {
  Tensor x;
  std::vector<int64_t> pad;
  PadMode mode;
  const char* label;
};
std::vector<PadCase> pad_cases() {
  return {{ramp({2, 3, 4}), {1, 2, 0, 1}, PadMode::kConstant, "constant, 2 dims"},
          {ramp({2, 3, 4}), {-1, 2, 1, -2, 1, 0}, PadMode::kConstant, "constant, negative pads, all dims"},
          {ramp({1, 2, 4, 5}), {2, 1, 3, 0}, PadMode::kReflect, "reflect 2-d"},
          {ramp({2, 5}), {-1, 3}, PadMode::kReflect, "reflect 1-d, unbatched, crop"},
          {ramp({2, 3, 4}), {2, 3}, PadMode::kReplicate, "replicate 1-d"},
          {ramp({1, 1, 2, 3, 2}), {1, 1, 2, 0, 1, 2}, PadMode::kReplicate, "replicate 3-d"},
          {ramp({1, 2, 5, 3}).transpose(2, 3), {2, -1, 1, 3}, PadMode::kCircular, "circular, crop, transposed"}};
}

std::vector<OpSample> pad_samples() {
  std::vector<OpSample> out;
  for (const PadCase& c : pad_cases()) {
    out.push_back({{c.x}, std::make_shared<PadAttrs>(make_attrs(c.pad, c.mode, 0.5)), c.label});
  }
  return out;
}
std::vector<OpSample> pad_backward_samples() {
  std::vector<OpSample> out;
  for (const PadCase& c : pad_cases()) {
    PadAttrs a = make_attrs(c.pad, c.mode, 0.0);
    out.push_back({{ramp(padded_shape("pad", c.x.shape(), a))}, std::make_shared<PadAttrs>(a), c.label});
  }
  return out;
}

}  // namespace

void register_pad_ops(Registry& r) {
  r.add({.name = "pad",
         .infer = pad_infer,
         .vjp = pad_vjp,
         .vjp_needs_inputs = false,
         .vjp_needs_outputs = false,
         .samples = pad_samples});
  r.add({.name = "pad_backward",
         .infer = pad_backward_infer,
         .vjp = pad_backward_vjp,
         .vjp_needs_inputs = false,
         .vjp_needs_outputs = false,
         .samples = pad_backward_samples});
}

Tensor pad(const Tensor& input, std::vector<int64_t> pad, PadMode mode, double value) {
  static const OpDef& d = op("pad");
  return apply1(d, {input}, make_attrs(std::move(pad), mode, value));
}

Tensor pad(const Tensor& input, std::vector<int64_t> pad, const std::string& mode, std::optional<double> value) {
  const PadMode m = pad_mode_from(mode, "pad");
  check<ValueError>(m == PadMode::kConstant || !value.has_value(), "pad: padding mode \"", mode,
                    "\" doesn't take a value argument");
  return tessera::pad(input, std::move(pad), m, value.value_or(0.0));
}

Tensor pad_backward(const Tensor& grad_output, std::vector<int64_t> pad, PadMode mode) {
  static const OpDef& d = op("pad_backward");
  return apply1(d, {grad_output}, make_attrs(std::move(pad), mode, 0.0));
}

}  // namespace tessera
