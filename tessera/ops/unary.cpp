#include "tessera/ops/unary.h"

#include <iterator>
#include <limits>
#include <utility>

#include "tessera/core/dtype_dispatch.h"
#include "tessera/ops/apply.h"
#include "tessera/ops/elementwise_grad.h"
#include "tessera/ops/elementwise_infer.h"
#include "tessera/ops/families.h"
#include "tessera/ops/promote.h"
#include "tessera/ops/registry.h"

namespace tessera {

std::string LeakyReluAttrs::repr() const { return cat("negative_slope=", negative_slope); }
std::string EluAttrs::repr() const { return cat("alpha=", alpha); }
std::string SoftplusAttrs::repr() const { return cat("beta=", beta, ", threshold=", threshold); }
std::string GeluAttrs::repr() const { return tanh ? "approximate=tanh" : "approximate=none"; }
std::string NanToNumAttrs::repr() const { return cat("nan=", nan, ", posinf=", posinf, ", neginf=", neginf); }
std::string ClampAttrs::repr() const {
  auto bound = [](const std::optional<Scalar>& s) { return s ? cat(*s) : std::string("None"); };
  return cat("min=", bound(min), ", max=", bound(max));
}

namespace {

/// How a unary op's output dtype follows from its input's (see unary.h).
enum class Rule : uint8_t {
  kKeep,       ///< x's dtype, bool included
  kNumeric,    ///< x's dtype; DTypeError for bool
  kFloatMath,  ///< floating x keeps its dtype, others give float32
  kFloatOnly,  ///< x's dtype; DTypeError unless floating
  kSquare,     ///< x's dtype, but bool gives int64
};

struct UnarySpec {
  const char* name;
  Rule rule;
};

constexpr UnarySpec kUnary[] = {
    {"neg", Rule::kNumeric},          {"abs", Rule::kNumeric},     {"sign", Rule::kKeep},
    {"square", Rule::kSquare},        {"exp", Rule::kFloatMath},   {"exp2", Rule::kFloatMath},
    {"expm1", Rule::kFloatMath},      {"log", Rule::kFloatMath},   {"log1p", Rule::kFloatMath},
    {"log2", Rule::kFloatMath},       {"log10", Rule::kFloatMath}, {"sqrt", Rule::kFloatMath},
    {"rsqrt", Rule::kFloatMath},      {"sin", Rule::kFloatMath},   {"cos", Rule::kFloatMath},
    {"tan", Rule::kFloatMath},        {"tanh", Rule::kFloatMath},  {"sigmoid", Rule::kFloatMath},
    {"erf", Rule::kFloatMath},        {"erfc", Rule::kFloatMath},  {"reciprocal", Rule::kFloatMath},
    {"floor", Rule::kNumeric},        {"ceil", Rule::kNumeric},    {"round", Rule::kNumeric},
    {"trunc", Rule::kNumeric},        {"relu", Rule::kNumeric},    {"relu6", Rule::kNumeric},
    {"leaky_relu", Rule::kFloatOnly}, {"elu", Rule::kFloatOnly},   {"softplus", Rule::kFloatOnly},
    {"gelu", Rule::kFloatOnly},       {"silu", Rule::kFloatOnly},  {"nan_to_num", Rule::kKeep},
};

template <size_t I>
std::vector<TensorType> unary_infer(std::span<const TensorType> in, const Attrs&) {
  const UnarySpec& s = kUnary[I];
  TensorType r = in[0];
  switch (s.rule) {
    case Rule::kKeep:
      break;
    case Rule::kNumeric:
      check_not_bool(s.name, r.dtype);
      break;
    case Rule::kFloatMath:
      r.dtype = float_result(r.dtype);
      break;
    case Rule::kFloatOnly:
      check_floating(s.name, r.dtype);
      break;
    case Rule::kSquare:
      r.dtype = r.dtype == kBool ? kInt64 : r.dtype;
      break;
  }
  return {r};
}

std::vector<TensorType> clamp_infer(std::span<const TensorType> in, const Attrs& a) {
  const auto& c = attrs_as<ClampAttrs>(a);
  check<ValueError>(c.min || c.max, "clamp: at least one of 'min' or 'max' must be given");
  TensorType r = in[0];  // the bounds promote like plain numbers
  for (const auto& b : {c.min, c.max}) {
    if (b) r.dtype = promote_with_number(r.dtype, *b);
  }
  check_not_bool("clamp", r.dtype);
  return {r};
}

template <size_t I>
Tensor unary(const Tensor& x, const Attrs& attrs = NoAttrs{}) {
  static const OpDef& d = op(kUnary[I].name);
  return apply1(d, {x}, attrs);
}

// The index of an op in kUnary, found at compile time so a misspelt name does not compile.
consteval size_t idx(std::string_view name) {
  for (size_t i = 0; i < std::size(kUnary); ++i) {
    if (name == kUnary[i].name) return i;
  }
  throw "unary op not in kUnary";
}

}  // namespace

void register_unary_ops(Registry& r) {
  [&]<size_t... I>(std::index_sequence<I...>) {
    (r.add(elementwise_grad::with_grad({.name = kUnary[I].name, .infer = &unary_infer<I>})), ...);
  }
  (std::make_index_sequence<std::size(kUnary)>{});
  r.add(elementwise_grad::with_grad({.name = "clamp", .infer = clamp_infer}));
}

Tensor neg(const Tensor& x) { return unary<idx("neg")>(x); }
Tensor abs(const Tensor& x) { return unary<idx("abs")>(x); }
Tensor sign(const Tensor& x) { return unary<idx("sign")>(x); }
Tensor square(const Tensor& x) { return unary<idx("square")>(x); }
Tensor exp(const Tensor& x) { return unary<idx("exp")>(x); }
Tensor exp2(const Tensor& x) { return unary<idx("exp2")>(x); }
Tensor expm1(const Tensor& x) { return unary<idx("expm1")>(x); }
Tensor log(const Tensor& x) { return unary<idx("log")>(x); }
Tensor log1p(const Tensor& x) { return unary<idx("log1p")>(x); }
Tensor log2(const Tensor& x) { return unary<idx("log2")>(x); }
Tensor log10(const Tensor& x) { return unary<idx("log10")>(x); }
Tensor sqrt(const Tensor& x) { return unary<idx("sqrt")>(x); }
Tensor rsqrt(const Tensor& x) { return unary<idx("rsqrt")>(x); }
Tensor sin(const Tensor& x) { return unary<idx("sin")>(x); }
Tensor cos(const Tensor& x) { return unary<idx("cos")>(x); }
Tensor tan(const Tensor& x) { return unary<idx("tan")>(x); }
Tensor tanh(const Tensor& x) { return unary<idx("tanh")>(x); }
Tensor sigmoid(const Tensor& x) { return unary<idx("sigmoid")>(x); }
Tensor erf(const Tensor& x) { return unary<idx("erf")>(x); }
Tensor erfc(const Tensor& x) { return unary<idx("erfc")>(x); }
Tensor reciprocal(const Tensor& x) { return unary<idx("reciprocal")>(x); }
Tensor floor(const Tensor& x) { return unary<idx("floor")>(x); }
Tensor ceil(const Tensor& x) { return unary<idx("ceil")>(x); }
Tensor round(const Tensor& x) { return unary<idx("round")>(x); }
Tensor trunc(const Tensor& x) { return unary<idx("trunc")>(x); }
Tensor relu(const Tensor& x) { return unary<idx("relu")>(x); }
Tensor relu6(const Tensor& x) { return unary<idx("relu6")>(x); }
Tensor silu(const Tensor& x) { return unary<idx("silu")>(x); }

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  LeakyReluAttrs a;
  a.negative_slope = negative_slope;
  return unary<idx("leaky_relu")>(x, a);
}

Tensor elu(const Tensor& x, double alpha) {
  EluAttrs a;
  a.alpha = alpha;
  return unary<idx("elu")>(x, a);
}

Tensor softplus(const Tensor& x, double beta, double threshold) {
  SoftplusAttrs a;
  a.beta = beta;
  a.threshold = threshold;
  return unary<idx("softplus")>(x, a);
}

Tensor gelu(const Tensor& x, std::string_view approximate) {
  check<ValueError>(approximate == "none" || approximate == "tanh",
                    "gelu: approximate must be either 'none' or 'tanh', got '", approximate, "'");
  GeluAttrs a;
  a.tanh = approximate == "tanh";
  return unary<idx("gelu")>(x, a);
}

Tensor nan_to_num(const Tensor& x, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf) {
  // The default bounds are the largest finite values of x's dtype (65504 for float16).
  auto [lowest, highest] = visit_dtype(x.dtype(), [&]<class T>() {
    if constexpr (std::is_same_v<T, Half>)
      return std::pair{-65504.0, 65504.0};
    else if constexpr (std::is_same_v<T, BFloat16>)
      return std::pair{-3.3895313892515355e38, 3.3895313892515355e38};
    else
      return std::pair{static_cast<double>(std::numeric_limits<T>::lowest()),
                       static_cast<double>(std::numeric_limits<T>::max())};
  });
  NanToNumAttrs a;
  a.nan = nan.value_or(0.0);
  a.posinf = posinf.value_or(highest);
  a.neginf = neginf.value_or(lowest);
  return unary<idx("nan_to_num")>(x, a);
}

Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max) {
  static const OpDef& d = op("clamp");
  ClampAttrs a;
  a.min = min;
  a.max = max;
  return apply1(d, {x}, a);
}
Tensor clamp_min(const Tensor& x, Scalar min) { return clamp(x, min, std::nullopt); }
Tensor clamp_max(const Tensor& x, Scalar max) { return clamp(x, std::nullopt, max); }

Tensor Tensor::neg() const { return tessera::neg(*this); }
Tensor Tensor::abs() const { return tessera::abs(*this); }
Tensor Tensor::exp() const { return tessera::exp(*this); }
Tensor Tensor::log() const { return tessera::log(*this); }
Tensor Tensor::sqrt() const { return tessera::sqrt(*this); }
Tensor Tensor::rsqrt() const { return tessera::rsqrt(*this); }
Tensor Tensor::sin() const { return tessera::sin(*this); }
Tensor Tensor::cos() const { return tessera::cos(*this); }
Tensor Tensor::tanh() const { return tessera::tanh(*this); }
Tensor Tensor::sigmoid() const { return tessera::sigmoid(*this); }
Tensor Tensor::relu() const { return tessera::relu(*this); }
Tensor Tensor::clamp(std::optional<Scalar> min, std::optional<Scalar> max) const {
  return tessera::clamp(*this, min, max);
}

}  // namespace tessera
