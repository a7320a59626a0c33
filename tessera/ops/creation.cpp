#include "tessera/ops/creation.h"

#include <cmath>
#include <cstring>

#include "tessera/ops/apply.h"
#include "tessera/ops/copy.h"
#include "tessera/ops/families.h"
#include "tessera/ops/promote.h"
#include "tessera/ops/registry.h"

namespace tessera {

std::string FullAttrs::repr() const {
  return cat("shape=", shape_str(shape), ", value=", value, ", dtype=", options.dtype());
}
std::string RangeAttrs::repr() const {
  return cat(linspace ? "linspace" : "arange", " start=", start, ", step=", step, ", n=", n,
             ", dtype=", options.dtype());
}
std::string EyeAttrs::repr() const { return cat("n=", n, ", m=", m, ", dtype=", options.dtype()); }

namespace {

void check_shape(const Shape& shape, const char* op) {
  for (int64_t s : shape) check<ValueError>(s >= 0, op, ": negative size in shape ", shape_str(shape));
}

std::vector<TensorType> full_infer(std::span<const TensorType>, const Attrs& a) {
  const auto& f = attrs_as<FullAttrs>(a);
  check_shape(f.shape, "full");
  return {{f.options.dtype(), f.shape, f.options.device()}};
}
std::vector<TensorType> range_infer(std::span<const TensorType>, const Attrs& a) {
  const auto& r = attrs_as<RangeAttrs>(a);
  return {{r.options.dtype(), Shape{r.n}, r.options.device()}};
}
std::vector<TensorType> eye_infer(std::span<const TensorType>, const Attrs& a) {
  const auto& e = attrs_as<EyeAttrs>(a);
  check<ValueError>(e.n >= 0 && e.m >= 0, "eye: expected non-negative sizes, got n=", e.n, ", m=", e.m);
  return {{e.options.dtype(), Shape{e.n, e.m}, e.options.device()}};
}

}  // namespace

void register_creation_ops(Registry& r) {
  // Creation ops have no tensor inputs, so there is nothing to differentiate.
  r.add({.name = "full", .infer = full_infer, .differentiability = Differentiability::NotDifferentiable});
  r.add({.name = "range", .infer = range_infer, .differentiability = Differentiability::NotDifferentiable});
  r.add({.name = "eye", .infer = eye_infer, .differentiability = Differentiability::NotDifferentiable});
}

Tensor full(Shape shape, Scalar value, TensorOptions options) {
  static const OpDef& d = op("full");
  FullAttrs a;
  a.shape = std::move(shape);
  a.value = value;
  a.options = options;
  return detail::with_options_grad(apply1(d, {}, a), options);
}
Tensor zeros(Shape shape, TensorOptions options) { return full(std::move(shape), 0, options); }
Tensor ones(Shape shape, TensorOptions options) { return full(std::move(shape), 1, options); }
Tensor empty_like(const Tensor& t) { return empty(t.shape(), t.options()); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.options()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.options()); }
Tensor full_like(const Tensor& t, Scalar value) { return full(t.shape(), value, t.options()); }
Tensor empty_like(const Tensor& t, TensorOptions options) { return empty(t.shape(), options); }
Tensor zeros_like(const Tensor& t, TensorOptions options) { return zeros(t.shape(), options); }
Tensor ones_like(const Tensor& t, TensorOptions options) { return ones(t.shape(), options); }

Tensor arange(Scalar end) { return arange(0, end, 1); }
Tensor arange(Scalar end, TensorOptions options) { return arange(0, end, 1, options); }
Tensor arange(Scalar start, Scalar end, Scalar step) {
  bool floating = start.is_floating_point() || end.is_floating_point() || step.is_floating_point();
  return arange(start, end, step, TensorOptions(floating ? kDefaultFloat : kInt64));
}
Tensor arange(Scalar start, Scalar end, Scalar step, TensorOptions options) {
  double s = start.to_double(), e = end.to_double(), st = step.to_double();
  check<ValueError>(st != 0, "arange: step must be nonzero");
  check<ValueError>(std::isfinite(s) && std::isfinite(e), "arange: start and end must be finite, got ", s, " and ", e);
  check<ValueError>((st > 0 && e >= s) || (st < 0 && e <= s), "arange: upper bound ", e, " and lower bound ", s,
                    " are inconsistent with step sign ", st);
  RangeAttrs a;
  a.start = s;
  a.step = st;
  a.n = start.is_integral() && end.is_integral() && step.is_integral()
            ? (end.to_int64() - start.to_int64() + step.to_int64() + (st > 0 ? -1 : 1)) / step.to_int64()
            : static_cast<int64_t>(std::ceil((e - s) / st));
  a.options = options;
  static const OpDef& d = op("range");
  return detail::with_options_grad(apply1(d, {}, a), options);
}

Tensor linspace(double start, double end, int64_t steps, TensorOptions options) {
  check<ValueError>(steps >= 0, "linspace: number of steps must be non-negative, got ", steps);
  RangeAttrs a;
  a.start = start;
  a.end = end;
  a.n = steps;
  a.step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  a.linspace = true;
  a.options = options;
  static const OpDef& d = op("range");
  return detail::with_options_grad(apply1(d, {}, a), options);
}

Tensor eye(int64_t n, std::optional<int64_t> m, TensorOptions options) {
  EyeAttrs a;
  a.n = n;
  a.m = m.value_or(n);
  a.options = options;
  static const OpDef& d = op("eye");
  return detail::with_options_grad(apply1(d, {}, a), options);
}

Tensor detail::with_options_grad(Tensor t, const TensorOptions& options) {
  if (options.requires_grad()) t.requires_grad_();
  return t;
}

Tensor scalar_tensor(Scalar value) { return scalar_tensor(value, TensorOptions(value.default_dtype())); }

Tensor from_buffer(const void* data, int64_t count, DType src_dtype, Shape shape, std::optional<DType> dtype) {
  check_shape(shape, "from_vector");
  check<ShapeError>(numel(shape) == count, "from_vector: ", count, " values do not fill shape ", shape_str(shape), " (",
                    numel(shape), " elements)");
  Tensor t = empty(std::move(shape), src_dtype);
  if (count > 0) std::memcpy(t.raw_data(), data, static_cast<size_t>(count) * itemsize(src_dtype));
  return dtype ? t.to(*dtype) : t;
}

namespace detail {
void throw_ragged(size_t expected, size_t found) {
  throw ShapeError(cat("tensor: ragged nested list: expected a list of length ", expected, ", found ", found));
}
}  // namespace detail

Tensor& Tensor::fill_(Scalar value) { return copy_(scalar_tensor(value, TensorOptions(dtype()).device(device()))); }
Tensor& Tensor::zero_() { return fill_(0); }

}  // namespace tessera
