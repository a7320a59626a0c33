#pragma once
// Elementwise arithmetic on two operands (torch.add, torch.mul, torch.div, torch.pow, ...), with NumPy
// broadcasting and PyTorch's type promotion (ops/promote.h): the result dtype is result_type(a, b), where a plain
// number only counts when of a higher category (`int_tensor * 2.5` is float32, `half_tensor + 1.0` stays float16).
// Scalar overloads wrap the number with scalar_tensor_like. float16/bfloat16 compute in float and round once.
// Every function throws ShapeError naming the op and both shapes when they do not broadcast.
#include <optional>
#include <string_view>

#include "tessera/ops/op.h"

namespace tessera {

/// Attributes of `add` and `sub`: the multiplier of the second operand.
struct AddAttrs final : AttrsOf<AddAttrs> {
  Scalar alpha = 1;
  std::string repr() const override;
};

/// How `div` rounds its quotient: not at all (true division), toward zero, or toward negative infinity.
enum class RoundingMode : uint8_t { kNone, kTrunc, kFloor };

/// Attributes of `div`.
struct DivAttrs final : AttrsOf<DivAttrs> {
  RoundingMode rounding_mode = RoundingMode::kNone;
  std::string repr() const override;
};

/// Attributes of `pow_scalar` (tensor ** number): the exponent.
struct PowScalarAttrs final : AttrsOf<PowScalarAttrs> {
  Scalar exponent = 1;
  std::string repr() const override;
};

/// a + alpha * b (torch.add). Bool + bool is logical or. DTypeError when alpha is a float and the result is
/// integral or bool, or when alpha is a bool and the result is not bool (PyTorch's rules).
Tensor add(const Tensor& a, const Tensor& b, Scalar alpha = 1);
Tensor add(const Tensor& a, Scalar b, Scalar alpha = 1);
/// a - alpha * b (torch.sub). DTypeError when either operand is bool (use logical_xor / logical_not), and for
/// alpha as in add.
Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha = 1);
Tensor sub(const Tensor& a, Scalar b, Scalar alpha = 1);
/// b - alpha * a with a number b (torch.rsub): the `2 - x` operator.
Tensor rsub(const Tensor& a, Scalar b, Scalar alpha = 1);
/// a * b (torch.mul). Bool * bool is logical and.
Tensor mul(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, Scalar b);
/// a / b (torch.div). Without a rounding mode it is true division: integer and bool operands give float32, and
/// x / 0 follows IEEE (inf, nan). rounding_mode "trunc" rounds toward zero, "floor" toward negative infinity;
/// both keep integer dtypes, and integer division by zero throws ValueError ("ZeroDivisionError") as PyTorch
/// raises. ValueError for another rounding_mode; DTypeError for rounding bool operands. Rounding division has
/// zero gradients (PyTorch).
Tensor div(const Tensor& a, const Tensor& b, std::optional<std::string_view> rounding_mode = std::nullopt);
Tensor div(const Tensor& a, Scalar b, std::optional<std::string_view> rounding_mode = std::nullopt);
/// The number a / tensor b (the `2 / x` operator).
Tensor div(Scalar a, const Tensor& b, std::optional<std::string_view> rounding_mode = std::nullopt);
/// floor(a / b) (torch.floor_divide, Python's //): div with rounding_mode "floor".
Tensor floor_divide(const Tensor& a, const Tensor& b);
Tensor floor_divide(const Tensor& a, Scalar b);
/// a - floor(a / b) * b (torch.remainder, Python's %): the result has the sign of b. Integer division by zero
/// throws ValueError ("ZeroDivisionError"); float x % 0 is nan. DTypeError for bool. Gradients: g for a and
/// -g * floor(a / b) for b (fmod: -g * trunc(a / b)), as in PyTorch.
Tensor remainder(const Tensor& a, const Tensor& b);
Tensor remainder(const Tensor& a, Scalar b);
Tensor remainder(Scalar a, const Tensor& b);
/// C's fmod (torch.fmod): a - trunc(a / b) * b, with the sign of a. Zero divisors as in remainder.
Tensor fmod(const Tensor& a, const Tensor& b);
Tensor fmod(const Tensor& a, Scalar b);
/// a ** b (torch.pow). Integer bases with negative integer exponents give 0 except for bases 1 and -1, as in
/// PyTorch; pow(int_tensor, negative int number) throws ValueError ("Integers to negative integer powers are not
/// allowed."). DTypeError when the result would be bool (pow(bool, bool)); a bool base with an int exponent is
/// int64. Gradients as PyTorch's: g * b * a^(b-1) for a (0 where b == 0), and g * a^b * log(a) for b (0 where
/// a == 0 and b >= 0).
Tensor pow(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, Scalar exponent);
Tensor pow(Scalar a, const Tensor& b);
/// Elementwise minimum / maximum (torch.minimum, torch.maximum); a NaN in either operand gives NaN. Where a == b
/// the gradient is split half/half between them.
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
/// atan2(a, b) = the angle of the point (b, a), in [-pi, pi] (torch.atan2). Integer and bool operands give
/// float32.
Tensor atan2(const Tensor& a, const Tensor& b);

}  // namespace tessera
