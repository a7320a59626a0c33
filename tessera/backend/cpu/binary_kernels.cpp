// CPU kernels of the binary arithmetic ops (ops/binary.h): one functor per op over the compute type, run by the
// generic elementwise kernel (Note [Elementwise functors] in elementwise.h).
#include <cmath>
#include <limits>

#include "tessera/backend/cpu/elementwise.h"
#include "tessera/backend/cpu/elementwise_math.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/ops/binary.h"
#include "tessera/ops/elementwise_grad.h"
#include "tessera/ops/registry.h"

namespace tessera::cpu {
namespace {

// clang-format off
template <class T> struct Add { T operator()(T a, T b) const { return wrapping_add(a, b); } };
template <class T> struct Sub { T operator()(T a, T b) const { return wrapping_sub(a, b); } };
template <class T> struct Mul { T operator()(T a, T b) const { return wrapping_mul(a, b); } };
template <class T> struct TrueDiv { T operator()(T a, T b) const { return a / b; } };
template <class T> struct Atan2 { T operator()(T a, T b) const { return std::atan2(a, b); } };
// clang-format on

/// a + alpha * b (sub runs it with -alpha).
template <class T>
struct AddScaled {
  T alpha;
  explicit AddScaled(const Attrs& a) : alpha(attrs_as<AddAttrs>(a).alpha.to<T>()) {}
  T operator()(T a, T b) const { return wrapping_add(a, wrapping_mul(alpha, b)); }
};

// Integer division: the kernel has already rejected zero divisors (kZeroDivisorOp); b == -1 is split off
// because INT_MIN / -1 traps on x86.
template <class T>
struct DivTrunc {
  static constexpr const char* kZeroDivisorOp = "div (rounding_mode='trunc')";
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>)
      return std::trunc(a / b);
    else if constexpr (std::is_signed_v<T>)
      return b == -1 ? wrapping_neg(a) : a / b;
    else
      return a / b;
  }
};

template <class T>
struct DivFloor {
  static constexpr const char* kZeroDivisorOp = "floor_divide";
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      // PyTorch's div_floor_floating: exact for huge quotients, IEEE results for b == 0.
      if (b == 0) return a / b;
      T mod = std::fmod(a, b);
      T div = (a - mod) / b;
      if (mod != 0 && (b < 0) != (mod < 0)) div -= T(1);
      if (div == 0) return std::copysign(T(0), a / b);
      T floordiv = std::floor(div);
      return div - floordiv > T(0.5) ? floordiv + T(1) : floordiv;
    } else if constexpr (std::is_signed_v<T>) {
      if (b == -1) return wrapping_neg(a);
      T q = a / b;
      return (a % b != 0 && (a < 0) != (b < 0)) ? T(q - 1) : q;
    } else {
      return a / b;
    }
  }
};

/// Python's %: the result takes the sign of b.
template <class T>
struct Remainder {
  static constexpr const char* kZeroDivisorOp = "remainder";
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      T mod = std::fmod(a, b);
      return (mod != 0 && (b < 0) != (mod < 0)) ? mod + b : mod;
    } else if constexpr (std::is_signed_v<T>) {
      if (b == -1) return 0;
      T mod = a % b;
      return (mod != 0 && (b < 0) != (mod < 0)) ? T(mod + b) : mod;
    } else {
      return a % b;
    }
  }
};

/// C's fmod: the result takes the sign of a.
template <class T>
struct Fmod {
  static constexpr const char* kZeroDivisorOp = "fmod";
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>)
      return std::fmod(a, b);
    else if constexpr (std::is_signed_v<T>)
      return b == -1 ? T(0) : T(a % b);
    else
      return a % b;
  }
};

/// Integer power by squaring; negative exponents give 0 except for bases 1 and -1 (PyTorch's powi).
template <class T>
T int_pow(T base, T exp) {
  if constexpr (std::is_signed_v<T>) {
    if (exp < 0) {
      if (base == 1) return 1;
      if (base == -1) return (exp % 2) ? T(-1) : T(1);
      return 0;
    }
  }
  T result = 1;
  for (; exp; exp /= 2) {
    if (exp & 1) result = wrapping_mul(result, base);
    base = wrapping_mul(base, base);
  }
  return result;
}

template <class T>
struct Pow {
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>)
      return std::pow(a, b);
    else
      return int_pow(a, b);
  }
};

template <class T>
struct Minimum {  // nan in either operand gives nan
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>)
      return std::isnan(a) ? a : std::isnan(b) ? b : a < b ? a : b;
    else
      return a < b ? a : b;
  }
};
template <class T>
struct Maximum {
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>)
      return std::isnan(a) ? a : std::isnan(b) ? b : a > b ? a : b;
    else
      return a > b ? a : b;
  }
};

// pow(x, number): the exponents PyTorch special-cases get exact, vectorizable forms.
template <class T>
struct PowScalar {
  T exponent;
  explicit PowScalar(const Attrs& a) : exponent(attrs_as<PowScalarAttrs>(a).exponent.to<T>()) {}
  T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>)
      return std::pow(x, exponent);
    else
      return int_pow(x, exponent);
  }
};
// clang-format off
template <class T> struct Cube { T operator()(T x) const { return wrapping_mul(wrapping_mul(x, x), x); } };
template <class T> struct InvSquare { T operator()(T x) const { return T(1) / (x * x); } };
template <class T> struct Identity { T operator()(T x) const { return x; } };
// clang-format on

constexpr Types kAll = Types::kAll, kNum = Types::kNumeric, kFloat = Types::kFloating;

std::vector<Tensor> add_kernel(std::span<const Tensor> in, const Attrs& a, std::span<const TensorType> out) {
  const Scalar& alpha = attrs_as<AddAttrs>(a).alpha;
  if (alpha.to_double() == 1.0) return elementwise_kernel<Add, kAll, 2>(in, a, out);
  return elementwise_kernel<AddScaled, kAll, 2>(in, a, out);
}

std::vector<Tensor> sub_kernel(std::span<const Tensor> in, const Attrs& a, std::span<const TensorType> out) {
  const Scalar& alpha = attrs_as<AddAttrs>(a).alpha;
  if (alpha.to_double() == 1.0) return elementwise_kernel<Sub, kNum, 2>(in, a, out);
  AddAttrs negated;  // bool operands were rejected by the shape rule, so alpha is a number
  negated.alpha = alpha.is_floating_point() ? Scalar(-alpha.to_double()) : Scalar(wrapping_neg(alpha.to_int64()));
  return elementwise_kernel<AddScaled, kNum, 2>(in, negated, out);
}

std::vector<Tensor> div_kernel(std::span<const Tensor> in, const Attrs& a, std::span<const TensorType> out) {
  switch (attrs_as<DivAttrs>(a).rounding_mode) {
    case RoundingMode::kNone:
      return elementwise_kernel<TrueDiv, kFloat, 2>(in, a, out);
    case RoundingMode::kTrunc:
      return elementwise_kernel<DivTrunc, kNum, 2>(in, a, out);
    case RoundingMode::kFloor:
      return elementwise_kernel<DivFloor, kNum, 2>(in, a, out);
  }
  throw ValueError("div: unknown rounding mode");
}

template <class T>
struct ThresholdBackward {
  T threshold;
  explicit ThresholdBackward(const Attrs& a)
      : threshold(static_cast<T>(attrs_as<ThresholdBackwardAttrs>(a).threshold)) {}
  T operator()(T g, T x) const { return x <= threshold ? T(0) : g; }
};

std::vector<Tensor> pow_scalar_kernel(std::span<const Tensor> in, const Attrs& a, std::span<const TensorType> out) {
  double e = attrs_as<PowScalarAttrs>(a).exponent.to_double();
  bool floating = is_floating_point(out[0].dtype);
  if (e == 1) return elementwise_kernel<Identity, kNum, 1>(in, a, out);
  if (e == 2) return elementwise_kernel<Square, kNum, 1>(in, a, out);
  if (e == 3) return elementwise_kernel<Cube, kNum, 1>(in, a, out);
  if (floating && e == 0.5) return elementwise_kernel<Sqrt, kFloat, 1>(in, a, out);
  if (floating && e == -0.5) return elementwise_kernel<Rsqrt, kFloat, 1>(in, a, out);
  if (floating && e == -1) return elementwise_kernel<Reciprocal, kFloat, 1>(in, a, out);
  if (floating && e == -2) return elementwise_kernel<InvSquare, kFloat, 1>(in, a, out);
  return elementwise_kernel<PowScalar, kNum, 1>(in, a, out);
}

}  // namespace

void register_binary_kernels(Registry& r) {
  r.set_kernel("add", kCPU, add_kernel);
  r.set_kernel("sub", kCPU, sub_kernel);
  r.set_kernel("mul", kCPU, elementwise_kernel<Mul, kAll, 2>);
  r.set_kernel("div", kCPU, div_kernel);
  r.set_kernel("remainder", kCPU, elementwise_kernel<Remainder, kNum, 2>);
  r.set_kernel("fmod", kCPU, elementwise_kernel<Fmod, kNum, 2>);
  r.set_kernel("pow", kCPU, elementwise_kernel<Pow, kNum, 2>);
  r.set_kernel("pow_scalar", kCPU, pow_scalar_kernel);
  r.set_kernel("minimum", kCPU, elementwise_kernel<Minimum, kAll, 2>);
  r.set_kernel("maximum", kCPU, elementwise_kernel<Maximum, kAll, 2>);
  r.set_kernel("atan2", kCPU, elementwise_kernel<Atan2, kFloat, 2>);
  r.set_kernel("threshold_backward", kCPU, elementwise_kernel<ThresholdBackward, kFloat, 2>);
}

}  // namespace tessera::cpu
