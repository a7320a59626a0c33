#include "tessera/ops/random.h"

#include <cmath>
#include <limits>

#include "tessera/ops/apply.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/families.h"
#include "tessera/ops/registry.h"

namespace tessera {

namespace {

std::string stream_repr(const GeneratorState& s) { return cat(", seed=", s.seed, ", offset=", s.offset); }

}  // namespace

std::string UniformAttrs::repr() const {
  return cat("shape=", shape_str(shape), ", dtype=", options.dtype(), ", from=", from, ", to=", to,
             stream_repr(stream));
}
std::string NormalAttrs::repr() const {
  return cat("shape=", shape_str(shape), ", dtype=", options.dtype(), ", mean=", mean, ", std=", std,
             stream_repr(stream));
}
std::string RandintAttrs::repr() const {
  return cat("shape=", shape_str(shape), ", dtype=", options.dtype(), ", low=", low, ", high=", high,
             stream_repr(stream));
}
std::string BernoulliAttrs::repr() const { return cat("p=", p, stream_repr(stream)); }
std::string RandpermAttrs::repr() const { return cat("n=", n, ", dtype=", options.dtype(), stream_repr(stream)); }

namespace {

void check_shape(const Shape& shape, const char* op) {
  for (int64_t s : shape) check<ValueError>(s >= 0, op, ": negative size in shape ", shape_str(shape));
}

void check_floating(DType dtype, const char* op) {
  check<DTypeError>(is_floating_point(dtype), op, ": expected a floating point dtype, got ", dtype);
}

// The integers a dtype holds exactly: its limits, or +-2^digits for floats.
struct IntRange {
  int64_t min, max;
};
IntRange exact_integers(DType dtype) {
  switch (dtype) {
    case DType::Bool:
      return {0, 1};
    case DType::UInt8:
      return {0, 255};
    case DType::Int32:
      return {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
    case DType::Int64:
      return {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
    case DType::Float16:
      return {-(int64_t{1} << 11), int64_t{1} << 11};
    case DType::BFloat16:
      return {-(int64_t{1} << 8), int64_t{1} << 8};
    case DType::Float32:
      return {-(int64_t{1} << 24), int64_t{1} << 24};
    case DType::Float64:
      return {-(int64_t{1} << 53), int64_t{1} << 53};
  }
  return {0, 0};
}

TensorType output(const Shape& shape, const TensorOptions& options) {
  return {options.dtype(), shape, options.device()};
}

std::vector<TensorType> uniform_infer(std::span<const TensorType>, const Attrs& attrs) {
  const auto& a = attrs_as<UniformAttrs>(attrs);
  check_shape(a.shape, "uniform");
  check_floating(a.options.dtype(), "uniform");
  check<ValueError>(std::isfinite(a.to - a.from),
                    "uniform: expected finite bounds with a finite to - from, got from=", a.from, ", to=", a.to);
  check<ValueError>(a.from <= a.to, "uniform: expected from <= to, got from=", a.from, " > to=", a.to);
  return {output(a.shape, a.options)};
}

std::vector<TensorType> normal_infer(std::span<const TensorType>, const Attrs& attrs) {
  const auto& a = attrs_as<NormalAttrs>(attrs);
  check_shape(a.shape, "normal");
  check_floating(a.options.dtype(), "normal");
  check<ValueError>(std::isfinite(a.mean) && std::isfinite(a.std),
                    "normal: expected finite mean and std, got mean=", a.mean, ", std=", a.std);
  check<ValueError>(a.std >= 0, "normal: expected std >= 0, got std=", a.std);
  return {output(a.shape, a.options)};
}

std::vector<TensorType> randint_infer(std::span<const TensorType>, const Attrs& attrs) {
  const auto& a = attrs_as<RandintAttrs>(attrs);
  check_shape(a.shape, "randint");
  check<ValueError>(a.low < a.high, "randint: expected low < high, got low=", a.low, ", high=", a.high);
  const IntRange r = exact_integers(a.options.dtype());
  check<ValueError>(a.low >= r.min && a.high - 1 <= r.max, "randint: range [", a.low, ", ", a.high,
                    ") does not fit dtype ", a.options.dtype());
  return {output(a.shape, a.options)};
}

std::vector<TensorType> bernoulli_infer(std::span<const TensorType> in, const Attrs&) {
  check<DTypeError>(is_floating_point(in[0].dtype), "bernoulli: expected probabilities of a floating point dtype, got ",
                    in[0].dtype);
  return {in[0]};
}

std::vector<TensorType> bernoulli_scalar_infer(std::span<const TensorType> in, const Attrs& attrs) {
  const double p = attrs_as<BernoulliAttrs>(attrs).p;
  check<ValueError>(p >= 0 && p <= 1, "bernoulli: expected p in [0, 1], got p=", p);  // also rejects NaN
  return {in[0]};
}

std::vector<TensorType> randperm_infer(std::span<const TensorType>, const Attrs& attrs) {
  const auto& a = attrs_as<RandpermAttrs>(attrs);
  check<ValueError>(a.n >= 0, "randperm: expected n >= 0, got n=", a.n);
  check<ValueError>(a.n - 1 <= exact_integers(a.options.dtype()).max, "randperm: n=", a.n, " does not fit dtype ",
                    a.options.dtype());
  return {output(Shape{a.n}, a.options)};
}

// Sample calls for the generic op tests (fixed streams: the ops are pure functions of their attributes).
Tensor transposed(const Tensor& m) {  // a [n, m] view of an [m, n] matrix (make_view: no dependency on shape ops)
  return make_view(m, {m.size(1), m.size(0)}, {m.stride(1), m.stride(0)}, m.storage_offset());
}
template <class A>
std::shared_ptr<A> attrs_with_stream() {
  auto a = std::make_shared<A>();
  a->stream = {1, 0};
  return a;
}
template <class A>
std::shared_ptr<A> shaped(Shape shape, DType dtype) {
  auto a = attrs_with_stream<A>();
  a->shape = std::move(shape);
  a->options = dtype;
  return a;
}
std::vector<OpSample> uniform_samples() {
  auto a = shaped<UniformAttrs>({2, 3}, kFloat32);
  a->from = -1;
  a->to = 2;
  return {{{}, a, "float32 [2, 3] on [-1, 2)"},
          {{}, shaped<UniformAttrs>({}, kFloat64), "float64 0-d"},
          {{}, shaped<UniformAttrs>({0, 4}, kFloat16), "float16 [0, 4]"}};
}
std::vector<OpSample> normal_samples() {
  auto a = shaped<NormalAttrs>({5}, kFloat32);
  a->mean = 1;
  a->std = 2;
  return {{{}, a, "float32 [5]"}, {{}, shaped<NormalAttrs>({2, 3}, kBFloat16), "bfloat16 [2, 3]"}};
}
std::vector<OpSample> randint_samples() {
  auto a = shaped<RandintAttrs>({3, 2}, kInt64), b = shaped<RandintAttrs>({}, kUInt8);
  a->high = 9;
  b->high = 256;
  return {{{}, a, "int64 [3, 2]"}, {{}, b, "uint8 0-d"}};
}
std::vector<OpSample> bernoulli_samples() {
  auto a = attrs_with_stream<BernoulliAttrs>();
  return {{{full({2, 3}, 0.5, kFloat64)}, a, "float64 p [2, 3]"},
          {{transposed(full({3, 2}, 0.25))}, a, "transposed p"}};
}
std::vector<OpSample> bernoulli_scalar_samples() {
  auto a = attrs_with_stream<BernoulliAttrs>();
  return {{{zeros({4}, kInt64)}, a, "int64 x [4]"}, {{zeros({}, kBool)}, a, "bool 0-d x"}};
}
std::vector<OpSample> randperm_samples() {
  auto a = attrs_with_stream<RandpermAttrs>(), b = attrs_with_stream<RandpermAttrs>();
  a->n = 7;
  a->options = kInt64;
  return {{{}, a, "int64 n=7"}, {{}, b, "float32 n=0"}};
}

// Reserves the blocks for n values of `words` words from `gen` (or the default generator).
GeneratorState reserve(Generator* gen, int64_t n, int words) {
  return (gen ? *gen : default_generator()).reserve_state(random_blocks(n, words));
}

}  // namespace

void register_random_ops(Registry& r) {
  // Nothing to differentiate: the outputs are samples, and PyTorch does not differentiate bernoulli's p either.
  constexpr auto kNone = Differentiability::NotDifferentiable;
  r.add({.name = "uniform", .infer = uniform_infer, .differentiability = kNone, .samples = uniform_samples});
  r.add({.name = "normal", .infer = normal_infer, .differentiability = kNone, .samples = normal_samples});
  r.add({.name = "randint", .infer = randint_infer, .differentiability = kNone, .samples = randint_samples});
  r.add({.name = "bernoulli", .infer = bernoulli_infer, .differentiability = kNone, .samples = bernoulli_samples});
  r.add({.name = "bernoulli_scalar",
         .infer = bernoulli_scalar_infer,
         .differentiability = kNone,
         .samples = bernoulli_scalar_samples});
  r.add({.name = "randperm", .infer = randperm_infer, .differentiability = kNone, .samples = randperm_samples});
}

Tensor uniform(Shape shape, double from, double to, TensorOptions options, Generator* gen) {
  static const OpDef& d = op("uniform");
  UniformAttrs a;
  a.stream = reserve(gen, numel(shape), random_words(options.dtype()));
  a.shape = std::move(shape);
  a.options = options;
  a.from = from;
  a.to = to;
  return detail::with_options_grad(apply1(d, {}, a), options);
}

Tensor rand(Shape shape, TensorOptions options, Generator* gen) {
  return uniform(std::move(shape), 0, 1, options, gen);
}

Tensor normal(double mean, double std, Shape shape, TensorOptions options, Generator* gen) {
  static const OpDef& d = op("normal");
  NormalAttrs a;
  a.stream = reserve(gen, numel(shape), random_words(options.dtype()));
  a.shape = std::move(shape);
  a.options = options;
  a.mean = mean;
  a.std = std;
  return detail::with_options_grad(apply1(d, {}, a), options);
}

Tensor randn(Shape shape, TensorOptions options, Generator* gen) {
  return normal(0, 1, std::move(shape), options, gen);
}

Tensor randint(int64_t low, int64_t high, Shape shape, TensorOptions options, Generator* gen) {
  static const OpDef& d = op("randint");
  RandintAttrs a;
  a.stream = reserve(gen, numel(shape), kRandintWords);
  a.shape = std::move(shape);
  a.options = options;
  a.low = low;
  a.high = high;
  return detail::with_options_grad(apply1(d, {}, a), options);
}

Tensor randint(int64_t high, Shape shape, TensorOptions options, Generator* gen) {
  return randint(0, high, std::move(shape), options, gen);
}

Tensor bernoulli(const Tensor& p, Generator* gen) {
  static const OpDef& d = op("bernoulli");
  BernoulliAttrs a;
  a.stream = reserve(gen, p.numel(), kBernoulliWords);
  return apply1(d, {p}, a);
}

Tensor bernoulli(const Tensor& x, double p, Generator* gen) {
  static const OpDef& d = op("bernoulli_scalar");
  BernoulliAttrs a;
  a.p = p;
  a.stream = reserve(gen, x.numel(), kBernoulliWords);
  return apply1(d, {x}, a);
}

Tensor randperm(int64_t n, TensorOptions options, Generator* gen) {
  static const OpDef& d = op("randperm");
  RandpermAttrs a;
  a.n = n;
  a.options = options;
  a.stream = reserve(gen, n, kRandintWords);
  return detail::with_options_grad(apply1(d, {}, a), options);
}

Tensor rand_like(const Tensor& x, Generator* gen) { return rand(x.shape(), x.options(), gen); }
Tensor randn_like(const Tensor& x, Generator* gen) { return randn(x.shape(), x.options(), gen); }

}  // namespace tessera
