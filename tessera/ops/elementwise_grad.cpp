// Gradient rules of the elementwise families, written with public Tessera ops so each rule is differentiable in
// turn. They follow PyTorch 1.13's derivatives.yaml, conventions at kinks included (see the op docstrings). The
// engine sums each gradient back to its input's shape and casts it to its dtype (Note [Broadcast gradients]).
#include "tessera/ops/elementwise_grad.h"

#include <cmath>
#include <numbers>

#include "tessera/ops/binary.h"
#include "tessera/ops/compare.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/unary.h"

namespace tessera::elementwise_grad {

namespace {

using Grads = std::vector<Tensor>;

// Sample values kept away from every kink, pole and integer (floor, round, relu, tan's pole at pi/2).
constexpr std::initializer_list<double> kAny = {-1.3, -0.7, -0.2, 0.4, 0.9, 1.1};
constexpr std::initializer_list<double> kPositive = {0.3, 0.5, 0.8, 1.1, 1.4, 2.2};

Tensor values(std::initializer_list<double> v, Shape shape) {
  return from_vector(std::vector<double>(v), std::move(shape), kFloat64);
}

enum class Domain : uint8_t { kAny, kPositive };

// A [2,3] input and a transposed [2,3] view of the same domain.
std::vector<OpSample> unary_samples_of(Domain d, std::shared_ptr<const Attrs> a = nullptr) {
  auto v = d == Domain::kAny ? kAny : kPositive;
  return {{{values(v, {2, 3})}, a, "contiguous [2,3]"}, {{values(v, {3, 2}).t()}, a, "transposed [2,3]"}};
}
template <Domain D>
std::vector<OpSample> unary_samples() {
  return unary_samples_of(D);
}
template <class A>
std::shared_ptr<A> attrs() {
  return std::make_shared<A>();
}

Grads zero_grad(const OpCall&, std::span<const Tensor> g) { return {zeros_like(g[0])}; }
Tensor x(const OpCall& c) { return c.inputs[0]; }
Tensor y(const OpCall& c) { return c.outputs[0]; }

// ---- unary ----
Grads neg_vjp(const OpCall&, std::span<const Tensor> g) { return {neg(g[0])}; }
Grads abs_vjp(const OpCall& c, std::span<const Tensor> g) { return {g[0] * sign(x(c))}; }
Grads square_vjp(const OpCall& c, std::span<const Tensor> g) { return {g[0] * x(c) * 2.0}; }
Grads exp_vjp(const OpCall& c, std::span<const Tensor> g) { return {g[0] * y(c)}; }
Grads exp2_vjp(const OpCall& c, std::span<const Tensor> g) { return {g[0] * y(c) * std::numbers::ln2}; }
Grads expm1_vjp(const OpCall& c, std::span<const Tensor> g) { return {g[0] * (y(c) + 1.0)}; }
Grads log_vjp(const OpCall& c, std::span<const Tensor> g) { return {g[0] / x(c)}; }
Grads log1p_vjp(const OpCall& c, std::span<const Tensor> g) { return {g[0] / (x(c) + 1.0)}; }
Grads log2_vjp(const OpCall& c, std::span<const Tensor> g) { return {g[0] / (x(c) * std::numbers::ln2)}; }
Grads log10_vjp(const OpCall& c, std::span<const Tensor> g) { return {g[0] / (x(c) * std::numbers::ln10)}; }
Grads sqrt_vjp(const OpCall& c, std::span<const Tensor> g) { return {g[0] / (y(c) * 2.0)}; }
Grads rsqrt_vjp(const OpCall& c, std::span<const Tensor> g) { return {g[0] * pow(y(c), 3) * -0.5}; }
Grads sin_vjp(const OpCall& c, std::span<const Tensor> g) { return {g[0] * cos(x(c))}; }
Grads cos_vjp(const OpCall& c, std::span<const Tensor> g) { return {-(g[0] * sin(x(c)))}; }
Grads tan_vjp(const OpCall& c, std::span<const Tensor> g) { return {g[0] * (square(y(c)) + 1.0)}; }
Grads tanh_vjp(const OpCall& c, std::span<const Tensor> g) { return {g[0] * (1.0 - square(y(c)))}; }
Grads sigmoid_vjp(const OpCall& c, std::span<const Tensor> g) { return {g[0] * y(c) * (1.0 - y(c))}; }
Grads erf_vjp(const OpCall& c, std::span<const Tensor> g) {
  return {g[0] * exp(-square(x(c))) * std::numbers::inv_sqrtpi * 2.0};
}
Grads erfc_vjp(const OpCall& c, std::span<const Tensor> g) {
  return {g[0] * exp(-square(x(c))) * (-2.0 * std::numbers::inv_sqrtpi)};
}
Grads reciprocal_vjp(const OpCall& c, std::span<const Tensor> g) { return {-(g[0] * square(y(c)))}; }
// relu'(0) = 0: the gradient passes where the output is positive.
Grads relu_vjp(const OpCall& c, std::span<const Tensor> g) { return {threshold_backward(g[0], y(c), 0.0)}; }
// relu6 is hardtanh(x, 0, 6): the gradient passes strictly inside (0, 6).
Grads relu6_vjp(const OpCall& c, std::span<const Tensor> g) {
  return {where(logical_and(gt(x(c), 0), lt(x(c), 6)), g[0], 0.0)};
}
Grads leaky_relu_vjp(const OpCall& c, std::span<const Tensor> g) {
  return {where(gt(x(c), 0), g[0], g[0] * attrs_as<LeakyReluAttrs>(c.attrs).negative_slope)};
}
Grads elu_vjp(const OpCall& c, std::span<const Tensor> g) {
  return {where(gt(x(c), 0), g[0], g[0] * exp(x(c)) * attrs_as<EluAttrs>(c.attrs).alpha)};
}
Grads softplus_vjp(const OpCall& c, std::span<const Tensor> g) {
  const auto& a = attrs_as<SoftplusAttrs>(c.attrs);
  Tensor bx = x(c) * a.beta;
  return {where(gt(bx, a.threshold), g[0], g[0] * sigmoid(bx))};
}
Grads gelu_vjp(const OpCall& c, std::span<const Tensor> g) {
  const Tensor& v = c.inputs[0];
  if (!attrs_as<GeluAttrs>(c.attrs).tanh) {
    Tensor cdf = (erf(v * (1.0 / std::numbers::sqrt2)) + 1.0) * 0.5;
    Tensor pdf = exp(square(v) * -0.5) * (std::numbers::inv_sqrtpi / std::numbers::sqrt2);
    return {g[0] * (cdf + v * pdf)};
  }
  constexpr double kBeta = std::numbers::sqrt2 * std::numbers::inv_sqrtpi;  // sqrt(2 / pi)
  constexpr double kKappa = 0.044715;
  Tensor t = tanh((v + pow(v, 3) * kKappa) * kBeta);
  Tensor inner_grad = (square(v) * (3.0 * kKappa) + 1.0) * kBeta;
  return {g[0] * ((t + 1.0) * 0.5 + v * 0.5 * (1.0 - square(t)) * inner_grad)};
}
Grads silu_vjp(const OpCall& c, std::span<const Tensor> g) {
  Tensor s = sigmoid(x(c));
  return {g[0] * s * (x(c) * (1.0 - s) + 1.0)};
}
Grads nan_to_num_vjp(const OpCall& c, std::span<const Tensor> g) { return {where(isfinite(x(c)), g[0], 0.0)}; }
// The gradient passes where min <= x <= max (bounds inclusive); nan x gets none.
Grads clamp_vjp(const OpCall& c, std::span<const Tensor> g) {
  const auto& a = attrs_as<ClampAttrs>(c.attrs);
  Tensor inside = ones_like(x(c), TensorOptions(kBool));
  if (a.min) inside = logical_and(inside, ge(x(c), *a.min));
  if (a.max) inside = logical_and(inside, le(x(c), *a.max));
  return {where(inside, g[0], 0.0)};
}

std::vector<OpSample> leaky_relu_samples() {
  auto a = attrs<LeakyReluAttrs>();
  a->negative_slope = 0.2;
  return unary_samples_of(Domain::kAny, a);
}
std::vector<OpSample> elu_samples() {
  auto a = attrs<EluAttrs>();
  a->alpha = 1.5;
  return unary_samples_of(Domain::kAny, a);
}
std::vector<OpSample> softplus_samples() {  // 2 * 1.1 crosses the threshold: both branches
  auto a = attrs<SoftplusAttrs>();
  a->beta = 2.0;
  a->threshold = 2.0;
  return unary_samples_of(Domain::kAny, a);
}
std::vector<OpSample> gelu_samples() {
  auto exact = attrs<GeluAttrs>();
  auto approx = attrs<GeluAttrs>();
  approx->tanh = true;
  auto r = unary_samples_of(Domain::kAny, exact);
  r.push_back({{values(kAny, {2, 3})}, approx, "approximate=tanh"});
  return r;
}
std::vector<OpSample> nan_to_num_samples() {
  auto a = attrs<NanToNumAttrs>();
  a->posinf = 1e300;
  a->neginf = -1e300;
  return unary_samples_of(Domain::kAny, a);
}
std::vector<OpSample> clamp_samples() {
  auto both = attrs<ClampAttrs>();
  both->min = -0.5;
  both->max = 1.0;
  auto low = attrs<ClampAttrs>();
  low->min = 0.1;
  auto r = unary_samples_of(Domain::kAny, both);
  r.push_back({{values(kAny, {2, 3})}, low, "min only"});
  return r;
}

// ---- binary ----
Tensor a_of(const OpCall& c) { return c.inputs[0]; }
Tensor b_of(const OpCall& c) { return c.inputs[1]; }

Grads add_vjp(const OpCall& c, std::span<const Tensor> g) { return {g[0], g[0] * attrs_as<AddAttrs>(c.attrs).alpha}; }
Grads sub_vjp(const OpCall& c, std::span<const Tensor> g) {
  return {g[0], g[0] * -attrs_as<AddAttrs>(c.attrs).alpha.to_double()};
}
Grads mul_vjp(const OpCall& c, std::span<const Tensor> g) { return {g[0] * b_of(c), g[0] * a_of(c)}; }
// Rounding division is piecewise constant: zero gradients, as in PyTorch.
Grads div_vjp(const OpCall& c, std::span<const Tensor> g) {
  if (attrs_as<DivAttrs>(c.attrs).rounding_mode != RoundingMode::kNone) return {zeros_like(g[0]), zeros_like(g[0])};
  return {g[0] / b_of(c), -(g[0] * a_of(c) / square(b_of(c)))};
}
Grads remainder_vjp(const OpCall& c, std::span<const Tensor> g) {
  return {g[0], -(g[0] * div(a_of(c), b_of(c), "floor"))};
}
Grads fmod_vjp(const OpCall& c, std::span<const Tensor> g) { return {g[0], -(g[0] * div(a_of(c), b_of(c), "trunc"))}; }
// d/da = b * a^(b-1), zero where b == 0; d/db = a^b * log(a), zero where a == 0 and b >= 0.
Grads pow_vjp(const OpCall& c, std::span<const Tensor> g) {
  const Tensor a = a_of(c), b = b_of(c);
  Tensor ga = where(eq(b, 0.0), 0.0, g[0] * b * pow(a, b - 1.0));
  Tensor gb = g[0] * where(logical_and(eq(a, 0.0), ge(b, 0.0)), 0.0, y(c) * log(a));
  return {ga, gb};
}
Grads pow_scalar_vjp(const OpCall& c, std::span<const Tensor> g) {
  const Scalar& e = attrs_as<PowScalarAttrs>(c.attrs).exponent;
  if (e.to_double() == 0.0) return {zeros_like(g[0])};
  Scalar e1 = e.is_floating_point() ? Scalar(e.to_double() - 1.0) : Scalar(e.to_int64() - 1);
  return {g[0] * pow(x(c), e1) * e};
}
// Ties split the gradient half/half; `loses` marks where the operand is not the result.
Grads min_max_vjp(std::span<const Tensor> g, const Tensor& a, const Tensor& b, const Tensor& a_loses,
                  const Tensor& b_loses) {
  Tensor tie = eq(a, b);
  Tensor half = g[0] * 0.5;
  return {where(tie, half, where(a_loses, 0.0, g[0])), where(tie, half, where(b_loses, 0.0, g[0]))};
}
Grads maximum_vjp(const OpCall& c, std::span<const Tensor> g) {
  return min_max_vjp(g, a_of(c), b_of(c), lt(a_of(c), b_of(c)), gt(a_of(c), b_of(c)));
}
Grads minimum_vjp(const OpCall& c, std::span<const Tensor> g) {
  return min_max_vjp(g, a_of(c), b_of(c), gt(a_of(c), b_of(c)), lt(a_of(c), b_of(c)));
}
Grads atan2_vjp(const OpCall& c, std::span<const Tensor> g) {
  Tensor r = g[0] / (square(a_of(c)) + square(b_of(c)));
  return {r * b_of(c), -(r * a_of(c))};
}
Grads where_vjp(const OpCall& c, std::span<const Tensor> g) {
  const Tensor& cond = c.inputs[0];
  return {Tensor(), where(cond, g[0], 0.0), where(cond, 0.0, g[0])};
}

// A broadcast pair [3,1] x [4] and a transposed pair [2,3]; a/b is never near an integer (remainder, fmod) and
// a != b (minimum, maximum).
std::vector<OpSample> binary_samples_of(bool positive_a, std::shared_ptr<const Attrs> at = nullptr) {
  auto av = positive_a ? kPositive : kAny;
  std::vector<double> col(av.begin(), av.begin() + 3);
  return {
      {{from_vector(col, Shape{3, 1}, kFloat64), values({0.6, -0.55, 1.45, 0.25}, {4})}, at, "broadcast [3,1] x [4]"},
      {{values(av, {3, 2}).t(), values({0.7, -0.55, 1.45, 0.25, -0.8, 0.37}, {2, 3})}, at, "transposed [2,3]"}};
}
std::vector<OpSample> binary_samples() { return binary_samples_of(false); }
std::vector<OpSample> pow_samples() { return binary_samples_of(true); }
std::vector<OpSample> add_samples() {
  auto one = attrs<AddAttrs>();
  auto two = attrs<AddAttrs>();
  two->alpha = 2.5;
  auto r = binary_samples_of(false, one);
  r.push_back(binary_samples_of(false, two)[0]);
  r.back().label += ", alpha=2.5";
  return r;
}
std::vector<OpSample> div_samples() { return binary_samples_of(false, attrs<DivAttrs>()); }
std::vector<OpSample> pow_scalar_samples() {
  std::vector<OpSample> r;
  for (Scalar e : {Scalar(3), Scalar(2.5), Scalar(-1.5)}) {
    auto a = attrs<PowScalarAttrs>();
    a->exponent = e;
    for (OpSample& s : unary_samples_of(Domain::kPositive, a)) r.push_back(std::move(s));
  }
  return r;
}
// threshold_backward(g, x, t) passes g where x > t: linear in g, piecewise constant in x.
Grads threshold_backward_vjp(const OpCall& c, std::span<const Tensor> g) {
  return {threshold_backward(g[0], c.inputs[1], attrs_as<ThresholdBackwardAttrs>(c.attrs).threshold),
          zeros_like(c.inputs[1])};
}
std::vector<OpSample> threshold_backward_samples() {
  auto a = attrs<ThresholdBackwardAttrs>();
  a->threshold = 0.6;  // away from every sample value (the kink)
  return {{{values(kAny, {2, 3}), values(kPositive, {3, 2}).t()}, a, "[2,3] and transposed [2,3]"},
          {{values(kAny, {2, 3}), values({0.3, 0.8, 1.4}, {3})}, a, "[2,3] and broadcast [3]"}};
}
std::vector<OpSample> where_samples() {
  Tensor cond = from_vector(std::vector<uint8_t>{1, 0, 1}, Shape{3, 1}, kBool);
  return {{{cond, values({0.7, -0.55, 1.45, 0.25}, {4}), arange(12, kFloat64).reshape({4, 3}).t() * 0.1 - 0.5},
           nullptr,
           "broadcast [3,1], [4], transposed [3,4]"}};
}

struct Entry {
  std::string_view name;
  GradSpec spec;
};

// vjp, needs inputs, needs outputs, samples.
constexpr SampleFn kAnyS = unary_samples<Domain::kAny>;
constexpr SampleFn kPosS = unary_samples<Domain::kPositive>;
const Entry kEntries[] = {
    {"neg", {neg_vjp, false, false, kAnyS}},
    {"abs", {abs_vjp, true, false, kAnyS}},
    {"sign", {zero_grad, false, false, kAnyS}},
    {"square", {square_vjp, true, false, kAnyS}},
    {"exp", {exp_vjp, false, true, kAnyS}},
    {"exp2", {exp2_vjp, false, true, kAnyS}},
    {"expm1", {expm1_vjp, false, true, kAnyS}},
    {"log", {log_vjp, true, false, kPosS}},
    {"log1p", {log1p_vjp, true, false, kPosS}},
    {"log2", {log2_vjp, true, false, kPosS}},
    {"log10", {log10_vjp, true, false, kPosS}},
    {"sqrt", {sqrt_vjp, false, true, kPosS}},
    {"rsqrt", {rsqrt_vjp, false, true, kPosS}},
    {"sin", {sin_vjp, true, false, kAnyS}},
    {"cos", {cos_vjp, true, false, kAnyS}},
    {"tan", {tan_vjp, false, true, kAnyS}},
    {"tanh", {tanh_vjp, false, true, kAnyS}},
    {"sigmoid", {sigmoid_vjp, false, true, kAnyS}},
    {"erf", {erf_vjp, true, false, kAnyS}},
    {"erfc", {erfc_vjp, true, false, kAnyS}},
    {"reciprocal", {reciprocal_vjp, false, true, kPosS}},
    {"floor", {zero_grad, false, false, kAnyS}},
    {"ceil", {zero_grad, false, false, kAnyS}},
    {"round", {zero_grad, false, false, kAnyS}},
    {"trunc", {zero_grad, false, false, kAnyS}},
    {"relu", {relu_vjp, false, true, kAnyS}},
    {"relu6", {relu6_vjp, true, false, kAnyS}},
    {"leaky_relu", {leaky_relu_vjp, true, false, leaky_relu_samples}},
    {"elu", {elu_vjp, true, false, elu_samples}},
    {"softplus", {softplus_vjp, true, false, softplus_samples}},
    {"gelu", {gelu_vjp, true, false, gelu_samples}},
    {"silu", {silu_vjp, true, false, kAnyS}},
    {"nan_to_num", {nan_to_num_vjp, true, false, nan_to_num_samples}},
    {"clamp", {clamp_vjp, true, false, clamp_samples}},
    {"add", {add_vjp, false, false, add_samples}},
    {"sub", {sub_vjp, false, false, add_samples}},
    {"mul", {mul_vjp, true, false, binary_samples}},
    {"div", {div_vjp, true, false, div_samples}},
    {"remainder", {remainder_vjp, true, false, binary_samples}},
    {"fmod", {fmod_vjp, true, false, binary_samples}},
    {"pow", {pow_vjp, true, true, pow_samples}},
    {"pow_scalar", {pow_scalar_vjp, true, false, pow_scalar_samples}},
    {"minimum", {minimum_vjp, true, false, binary_samples}},
    {"maximum", {maximum_vjp, true, false, binary_samples}},
    {"atan2", {atan2_vjp, true, false, binary_samples}},
    {"where", {where_vjp, true, false, where_samples}},
    {"threshold_backward", {threshold_backward_vjp, true, false, threshold_backward_samples}},
};

}  // namespace

GradSpec find(std::string_view name) {
  for (const Entry& e : kEntries) {
    if (e.name == name) return e.spec;
  }
  return {};
}

OpDef with_grad(OpDef d) {
  GradSpec g = find(d.name);
  d.vjp = g.vjp;
  d.vjp_needs_inputs = g.needs_inputs;
  d.vjp_needs_outputs = g.needs_outputs;
  d.samples = g.samples;
  return d;
}

}  // namespace tessera::elementwise_grad
