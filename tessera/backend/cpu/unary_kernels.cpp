// CPU kernels of the unary ops (ops/unary.h): one functor per op over the compute type, run by the generic
// elementwise kernel (Note [Elementwise functors] in elementwise.h).
#include <algorithm>
#include <cmath>
#include <limits>

#include "tessera/backend/cpu/elementwise.h"
#include "tessera/backend/cpu/elementwise_math.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/backend/cpu/vector_math.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/unary.h"

namespace tessera::cpu {
namespace {

template <class T>
struct Neg {
  T operator()(T x) const { return wrapping_neg(x); }
};
template <class T>
struct Abs {
  T operator()(T x) const {
    if constexpr (std::is_unsigned_v<T>)
      return x;
    else if constexpr (is_int_v<T>)
      return x < 0 ? wrapping_neg(x) : x;
    else
      return std::abs(x);
  }
};
template <class T>
struct Sign {  // sign(nan) = 0, as PyTorch
  T operator()(T x) const {
    if constexpr (std::is_unsigned_v<T>)
      return x != 0;
    else
      return static_cast<T>((T(0) < x) - (x < T(0)));
  }
};

// Float math (compute type float or double).
// clang-format off
template <class T> struct Exp { T operator()(T x) const { return math_of<T>::exp(x); } };
template <class T> struct Exp2 { T operator()(T x) const { return std::exp2(x); } };
template <class T> struct Expm1 { T operator()(T x) const { return std::expm1(x); } };
template <class T> struct Log { T operator()(T x) const { return math_of<T>::log(x); } };
template <class T> struct Log1p { T operator()(T x) const { return std::log1p(x); } };
template <class T> struct Log2 { T operator()(T x) const { return std::log2(x); } };
template <class T> struct Log10 { T operator()(T x) const { return std::log10(x); } };
template <class T> struct Sin { T operator()(T x) const { return std::sin(x); } };
template <class T> struct Cos { T operator()(T x) const { return std::cos(x); } };
template <class T> struct Tan { T operator()(T x) const { return std::tan(x); } };
template <class T> struct Tanh { T operator()(T x) const { return math_of<T>::tanh(x); } };
template <class T> struct Sigmoid { T operator()(T x) const { return math_of<T>::sigmoid(x); } };
template <class T> struct Erf { T operator()(T x) const { return std::erf(x); } };
template <class T> struct Erfc { T operator()(T x) const { return std::erfc(x); } };
// clang-format on

// Rounding: integers are already whole (and int64 would lose digits through double).
template <class T, class F>
T whole_or(T x, F round) {
  if constexpr (std::is_integral_v<T>) {
    return x;
  } else {
    return round(x);
  }
}
// clang-format off
template <class T> struct Floor { T operator()(T x) const { return whole_or(x, [](T v) { return std::floor(v); }); } };
template <class T> struct Ceil { T operator()(T x) const { return whole_or(x, [](T v) { return std::ceil(v); }); } };
template <class T> struct Trunc { T operator()(T x) const { return whole_or(x, [](T v) { return std::trunc(v); }); } };
// Half to even, as torch.round: nearbyint in the default rounding mode.
template <class T> struct Round { T operator()(T x) const { return whole_or(x, [](T v) { return std::nearbyint(v); }); } };
// clang-format on

// Activations. `x < 0 ? 0 : x` rather than `x > 0 ? x : 0` keeps nan.
// clang-format off
template <class T> struct Relu { T operator()(T x) const { return x < T(0) ? T(0) : x; } };
template <class T> struct Relu6 { T operator()(T x) const { return x < T(0) ? T(0) : x > T(6) ? T(6) : x; } };
template <class T> struct Silu { T operator()(T x) const { return x * math_of<T>::sigmoid(x); } };
// clang-format on

template <class T>
struct LeakyRelu {
  T slope;
  explicit LeakyRelu(const Attrs& a) : slope(static_cast<T>(attrs_as<LeakyReluAttrs>(a).negative_slope)) {}
  T operator()(T x) const { return x > T(0) ? x : x * slope; }
};
template <class T>
struct Elu {
  T alpha;
  explicit Elu(const Attrs& a) : alpha(static_cast<T>(attrs_as<EluAttrs>(a).alpha)) {}
  T operator()(T x) const { return x > T(0) ? x : alpha * std::expm1(x); }
};
template <class T>
struct Softplus {
  T beta, threshold;
  explicit Softplus(const Attrs& a)
      : beta(static_cast<T>(attrs_as<SoftplusAttrs>(a).beta)),
        threshold(static_cast<T>(attrs_as<SoftplusAttrs>(a).threshold)) {}
  T operator()(T x) const { return x * beta > threshold ? x : std::log1p(std::exp(x * beta)) / beta; }
};
template <class T>
struct GeluErf {
  T operator()(T x) const { return T(0.5) * x * (T(1) + std::erf(x * T(0.70710678118654752440))); }
};
template <class T>
struct GeluTanh {
  T operator()(T x) const {
    constexpr T kBeta = T(0.79788456080286535588), kKappa = T(0.044715);  // sqrt(2 / pi)
    return T(0.5) * x * (T(1) + math_of<T>::tanh(kBeta * (x + kKappa * x * x * x)));
  }
};

template <class T>
struct NanToNum {
  T nan, posinf, neginf;
  explicit NanToNum(const Attrs& a)
      : nan(static_cast<T>(attrs_as<NanToNumAttrs>(a).nan)),
        posinf(static_cast<T>(attrs_as<NanToNumAttrs>(a).posinf)),
        neginf(static_cast<T>(attrs_as<NanToNumAttrs>(a).neginf)) {}
  T operator()(T x) const {
    if constexpr (std::is_integral_v<T>)
      return x;
    else
      return std::isnan(x)                              ? nan
             : x == std::numeric_limits<T>::infinity()  ? posinf
             : x == -std::numeric_limits<T>::infinity() ? neginf
                                                        : x;
  }
};

/// A clamp bound in T: absent bounds are the ends of T's range; integer bounds outside it saturate.
template <class T>
T clamp_bound(const std::optional<Scalar>& b, bool upper) {
  using L = std::numeric_limits<T>;
  if constexpr (std::is_floating_point_v<T>) {
    return b ? static_cast<T>(b->to_double()) : upper ? L::infinity() : -L::infinity();
  } else {
    if (!b) return upper ? L::max() : L::lowest();
    int64_t v = b->to_int64();  // a float bound made the result floating (clamp_infer)
    return static_cast<T>(std::clamp<int64_t>(v, L::lowest(), static_cast<int64_t>(L::max())));
  }
}
template <class T>
struct Clamp {
  T lo, hi;
  explicit Clamp(const Attrs& a)
      : lo(clamp_bound<T>(attrs_as<ClampAttrs>(a).min, false)), hi(clamp_bound<T>(attrs_as<ClampAttrs>(a).max, true)) {}
  T operator()(T x) const { return std::min(std::max(x, lo), hi); }  // nan survives: max(nan, lo) is nan
};

std::vector<Tensor> gelu_kernel(std::span<const Tensor> in, const Attrs& a, std::span<const TensorType> out) {
  return attrs_as<GeluAttrs>(a).tanh ? elementwise_kernel<GeluTanh, Types::kFloating, 1>(in, a, out)
                                     : elementwise_kernel<GeluErf, Types::kFloating, 1>(in, a, out);
}

}  // namespace

void register_unary_kernels(Registry& r) {
  constexpr Types kAll = Types::kAll, kNum = Types::kNumeric, kFloat = Types::kFloating;
  r.set_kernel("neg", kCPU, elementwise_kernel<Neg, kNum, 1>);
  r.set_kernel("abs", kCPU, elementwise_kernel<Abs, kNum, 1>);
  r.set_kernel("sign", kCPU, elementwise_kernel<Sign, kAll, 1>);
  r.set_kernel("square", kCPU, elementwise_kernel<Square, kNum, 1>);
  r.set_kernel("exp", kCPU, elementwise_kernel<Exp, kFloat, 1>);
  r.set_kernel("exp2", kCPU, elementwise_kernel<Exp2, kFloat, 1>);
  r.set_kernel("expm1", kCPU, elementwise_kernel<Expm1, kFloat, 1>);
  r.set_kernel("log", kCPU, elementwise_kernel<Log, kFloat, 1>);
  r.set_kernel("log1p", kCPU, elementwise_kernel<Log1p, kFloat, 1>);
  r.set_kernel("log2", kCPU, elementwise_kernel<Log2, kFloat, 1>);
  r.set_kernel("log10", kCPU, elementwise_kernel<Log10, kFloat, 1>);
  r.set_kernel("sqrt", kCPU, elementwise_kernel<Sqrt, kFloat, 1>);
  r.set_kernel("rsqrt", kCPU, elementwise_kernel<Rsqrt, kFloat, 1>);
  r.set_kernel("sin", kCPU, elementwise_kernel<Sin, kFloat, 1>);
  r.set_kernel("cos", kCPU, elementwise_kernel<Cos, kFloat, 1>);
  r.set_kernel("tan", kCPU, elementwise_kernel<Tan, kFloat, 1>);
  r.set_kernel("tanh", kCPU, elementwise_kernel<Tanh, kFloat, 1>);
  r.set_kernel("sigmoid", kCPU, elementwise_kernel<Sigmoid, kFloat, 1>);
  r.set_kernel("erf", kCPU, elementwise_kernel<Erf, kFloat, 1>);
  r.set_kernel("erfc", kCPU, elementwise_kernel<Erfc, kFloat, 1>);
  r.set_kernel("reciprocal", kCPU, elementwise_kernel<Reciprocal, kFloat, 1>);
  r.set_kernel("floor", kCPU, elementwise_kernel<Floor, kNum, 1>);
  r.set_kernel("ceil", kCPU, elementwise_kernel<Ceil, kNum, 1>);
  r.set_kernel("round", kCPU, elementwise_kernel<Round, kNum, 1>);
  r.set_kernel("trunc", kCPU, elementwise_kernel<Trunc, kNum, 1>);
  r.set_kernel("relu", kCPU, elementwise_kernel<Relu, kNum, 1>);
  r.set_kernel("relu6", kCPU, elementwise_kernel<Relu6, kNum, 1>);
  r.set_kernel("leaky_relu", kCPU, elementwise_kernel<LeakyRelu, kFloat, 1>);
  r.set_kernel("elu", kCPU, elementwise_kernel<Elu, kFloat, 1>);
  r.set_kernel("softplus", kCPU, elementwise_kernel<Softplus, kFloat, 1>);
  r.set_kernel("gelu", kCPU, gelu_kernel);
  r.set_kernel("silu", kCPU, elementwise_kernel<Silu, kFloat, 1>);
  r.set_kernel("nan_to_num", kCPU, elementwise_kernel<NanToNum, kAll, 1>);
  r.set_kernel("clamp", kCPU, elementwise_kernel<Clamp, kNum, 1>);
}

}  // namespace tessera::cpu
