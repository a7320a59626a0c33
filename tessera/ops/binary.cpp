#include "tessera/ops/binary.h"

#include <iterator>
#include <utility>

#include "tessera/ops/apply.h"
#include "tessera/ops/elementwise_grad.h"
#include "tessera/ops/elementwise_infer.h"
#include "tessera/ops/families.h"
#include "tessera/ops/promote.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/unary.h"

namespace tessera {

std::string AddAttrs::repr() const { return cat("alpha=", alpha); }

std::string DivAttrs::repr() const {
  static constexpr const char* kNames[] = {"None", "trunc", "floor"};
  return cat("rounding_mode=", kNames[static_cast<int>(rounding_mode)]);
}

std::string PowScalarAttrs::repr() const { return cat("exponent=", exponent); }

namespace {

/// How a binary op's output dtype follows from the promoted dtype of its operands.
enum class Rule : uint8_t {
  kAny,     ///< the promoted dtype, bool included
  kNoBool,  ///< the promoted dtype; DTypeError when it is bool
  kFloat,   ///< the promoted dtype, or float32 when it is integral or bool
  kAdd,     ///< kAny, with AddAttrs::alpha checked against it
  kSub,     ///< kAdd, and DTypeError when either operand is bool
  kDiv,     ///< kFloat for true division, kNoBool when DivAttrs rounds
};

struct BinarySpec {
  const char* name;
  Rule rule;
};

constexpr BinarySpec kBinary[] = {
    {"add", Rule::kAdd},          {"sub", Rule::kSub},     {"mul", Rule::kAny},    {"div", Rule::kDiv},
    {"remainder", Rule::kNoBool}, {"fmod", Rule::kNoBool}, {"pow", Rule::kNoBool}, {"minimum", Rule::kAny},
    {"maximum", Rule::kAny},      {"atan2", Rule::kFloat},
};

// PyTorch's checks on add/sub's alpha (alpha_check in BinaryOps.cpp).
void check_alpha(const char* op, DType result, const Scalar& alpha) {
  check<DTypeError>(!alpha.is_floating_point() || is_floating_point(result), op,
                    ": for integral input tensors, argument alpha must not be a floating point number (got alpha=",
                    alpha, " for a ", result, " result)");
  check<DTypeError>(!alpha.is_bool() || result == kBool, op,
                    ": boolean alpha is only supported for bool results, got a ", result, " result");
}

std::vector<TensorType> infer_binary(const BinarySpec& s, std::span<const TensorType> in, const Attrs& a) {
  TensorType r = broadcast_result(s.name, in);
  Rule rule = s.rule;
  if (rule == Rule::kDiv) {
    rule = attrs_as<DivAttrs>(a).rounding_mode == RoundingMode::kNone ? Rule::kFloat : Rule::kNoBool;
  }
  switch (rule) {
    case Rule::kAny:
      break;
    case Rule::kNoBool:
      check_not_bool(s.name, r.dtype);
      break;
    case Rule::kFloat:
      r.dtype = float_result(r.dtype);
      break;
    case Rule::kSub:
      check<DTypeError>(in[0].dtype != kBool && in[1].dtype != kBool, s.name,
                        ": subtraction with a bool tensor is not supported (got ", in[0].dtype, " and ", in[1].dtype,
                        "); to invert a mask use logical_not, for two masks logical_xor");
      [[fallthrough]];
    case Rule::kAdd:
      check_alpha(s.name, r.dtype, attrs_as<AddAttrs>(a).alpha);
      break;
    case Rule::kDiv:
      break;  // resolved above
  }
  return {r};
}

template <size_t I>
std::vector<TensorType> binary_infer(std::span<const TensorType> in, const Attrs& a) {
  return infer_binary(kBinary[I], in, a);
}

std::vector<TensorType> pow_scalar_infer(std::span<const TensorType> in, const Attrs& a) {
  const Scalar& e = attrs_as<PowScalarAttrs>(a).exponent;
  DType r = promote_with_number(in[0].dtype, e);
  check_not_bool("pow", r);
  check<ValueError>(!(is_integral(r) && e.is_integral() && e.to_int64() < 0),
                    "pow: Integers to negative integer powers are not allowed (", in[0].dtype, " tensor ** ", e, ")");
  return {{r, in[0].shape, in[0].device}};
}

std::vector<TensorType> threshold_backward_infer(std::span<const TensorType> in, const Attrs&) {
  TensorType r = broadcast_result("threshold_backward", in);
  check<DTypeError>(is_floating_point(in[0].dtype) && is_floating_point(in[1].dtype),
                    "threshold_backward: expected floating grad_output and self, got ", in[0].dtype, " and ",
                    in[1].dtype);
  return {r};
}

RoundingMode parse_rounding_mode(std::optional<std::string_view> m) {
  if (!m) return RoundingMode::kNone;
  if (*m == "trunc") return RoundingMode::kTrunc;
  if (*m == "floor") return RoundingMode::kFloor;
  throw ValueError(cat("div: expected rounding_mode to be one of None, 'trunc', or 'floor' but found '", *m, "'"));
}

Tensor add_like(const OpDef& d, const Tensor& a, const Tensor& b, Scalar alpha) {
  AddAttrs attrs;
  attrs.alpha = alpha;
  return apply1(d, {a, b}, attrs);
}

}  // namespace

void register_binary_ops(Registry& r) {
  [&]<size_t... I>(std::index_sequence<I...>) {
    (r.add(elementwise_grad::with_grad({.name = kBinary[I].name, .infer = &binary_infer<I>})), ...);
  }
  (std::make_index_sequence<std::size(kBinary)>{});
  r.add(elementwise_grad::with_grad({.name = "pow_scalar", .infer = pow_scalar_infer}));
  r.add(elementwise_grad::with_grad({.name = "threshold_backward", .infer = threshold_backward_infer}));
}

std::string ThresholdBackwardAttrs::repr() const { return cat("threshold=", threshold); }

Tensor threshold_backward(const Tensor& grad_output, const Tensor& self, double threshold) {
  static const OpDef& d = op("threshold_backward");
  ThresholdBackwardAttrs attrs;
  attrs.threshold = threshold;
  return apply1(d, {grad_output, self}, attrs);
}

Tensor add(const Tensor& a, const Tensor& b, Scalar alpha) {
  static const OpDef& d = op("add");
  return add_like(d, a, b, alpha);
}
Tensor add(const Tensor& a, Scalar b, Scalar alpha) { return add(a, scalar_tensor_like(b, a), alpha); }

Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha) {
  static const OpDef& d = op("sub");
  return add_like(d, a, b, alpha);
}
Tensor sub(const Tensor& a, Scalar b, Scalar alpha) { return sub(a, scalar_tensor_like(b, a), alpha); }
Tensor rsub(const Tensor& a, Scalar b, Scalar alpha) { return sub(scalar_tensor_like(b, a), a, alpha); }

Tensor mul(const Tensor& a, const Tensor& b) {
  static const OpDef& d = op("mul");
  return apply1(d, {a, b});
}
Tensor mul(const Tensor& a, Scalar b) { return mul(a, scalar_tensor_like(b, a)); }

Tensor div(const Tensor& a, const Tensor& b, std::optional<std::string_view> rounding_mode) {
  static const OpDef& d = op("div");
  DivAttrs attrs;
  attrs.rounding_mode = parse_rounding_mode(rounding_mode);
  return apply1(d, {a, b}, attrs);
}
Tensor div(const Tensor& a, Scalar b, std::optional<std::string_view> rounding_mode) {
  return div(a, scalar_tensor_like(b, a), rounding_mode);
}
Tensor div(Scalar a, const Tensor& b, std::optional<std::string_view> rounding_mode) {
  return div(scalar_tensor_like(a, b), b, rounding_mode);
}

Tensor floor_divide(const Tensor& a, const Tensor& b) { return div(a, b, "floor"); }
Tensor floor_divide(const Tensor& a, Scalar b) { return div(a, b, "floor"); }

Tensor remainder(const Tensor& a, const Tensor& b) {
  static const OpDef& d = op("remainder");
  return apply1(d, {a, b});
}
Tensor remainder(const Tensor& a, Scalar b) { return remainder(a, scalar_tensor_like(b, a)); }
Tensor remainder(Scalar a, const Tensor& b) { return remainder(scalar_tensor_like(a, b), b); }

Tensor fmod(const Tensor& a, const Tensor& b) {
  static const OpDef& d = op("fmod");
  return apply1(d, {a, b});
}
Tensor fmod(const Tensor& a, Scalar b) { return fmod(a, scalar_tensor_like(b, a)); }

Tensor pow(const Tensor& a, const Tensor& b) {
  static const OpDef& d = op("pow");
  return apply1(d, {a, b});
}
Tensor pow(const Tensor& a, Scalar exponent) {
  static const OpDef& d = op("pow_scalar");
  PowScalarAttrs attrs;
  attrs.exponent = exponent;
  return apply1(d, {a}, attrs);
}
Tensor pow(Scalar a, const Tensor& b) { return pow(scalar_tensor_like(a, b), b); }

Tensor minimum(const Tensor& a, const Tensor& b) {
  static const OpDef& d = op("minimum");
  return apply1(d, {a, b});
}

Tensor maximum(const Tensor& a, const Tensor& b) {
  static const OpDef& d = op("maximum");
  return apply1(d, {a, b});
}

Tensor atan2(const Tensor& a, const Tensor& b) {
  static const OpDef& d = op("atan2");
  return apply1(d, {a, b});
}

Tensor Tensor::pow(const Tensor& exponent) const { return tessera::pow(*this, exponent); }
Tensor Tensor::pow(Scalar exponent) const { return tessera::pow(*this, exponent); }

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, Scalar b) { return add(a, b); }
Tensor operator-(const Tensor& a, Scalar b) { return sub(a, b); }
Tensor operator*(const Tensor& a, Scalar b) { return mul(a, b); }
Tensor operator/(const Tensor& a, Scalar b) { return div(a, b); }
Tensor operator+(Scalar a, const Tensor& b) { return add(scalar_tensor_like(a, b), b); }
Tensor operator-(Scalar a, const Tensor& b) { return rsub(b, a); }
Tensor operator*(Scalar a, const Tensor& b) { return mul(scalar_tensor_like(a, b), b); }
Tensor operator/(Scalar a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& a) { return neg(a); }

}  // namespace tessera
