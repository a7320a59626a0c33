#include "tessera/ops/reduce.h"

#include <algorithm>
#include <numeric>

#include "tessera/ops/apply.h"
#include "tessera/ops/families.h"
#include "tessera/ops/reduce_grad.h"
#include "tessera/ops/registry.h"

namespace tessera {

namespace {
std::string dims_repr(const std::vector<int64_t>& dims, bool keepdim) {
  return cat("dims=", dims.empty() ? std::string("all") : shape_str(dims), ", keepdim=", keepdim ? "true" : "false");
}
}  // namespace

std::string ReduceAttrs::repr() const {
  return dtype ? cat(dims_repr(dims, keepdim), ", dtype=", *dtype) : dims_repr(dims, keepdim);
}
std::string VarAttrs::repr() const { return cat(dims_repr(dims, keepdim), ", correction=", correction); }
std::string NormAttrs::repr() const { return cat("p=", p, ", ", dims_repr(dims, keepdim)); }
std::string ArgReduceAttrs::repr() const {
  return cat("dim=", dim ? std::to_string(*dim) : std::string("none"), ", keepdim=", keepdim ? "true" : "false");
}

std::vector<int64_t> resolve_reduce_dims(IntList dims, int64_t ndim, const char* op) {
  if (!dims.empty()) return wrap_dims(dims, ndim, op);
  std::vector<int64_t> all(ndim);
  std::iota(all.begin(), all.end(), 0);
  return all;
}

Shape reduced_shape(IntList shape, IntList dims, bool keepdim) {
  Shape out;
  for (size_t d = 0; d < shape.size(); ++d) {
    bool reduced = std::find(dims.begin(), dims.end(), static_cast<int64_t>(d)) != dims.end();
    if (!reduced)
      out.push_back(shape[d]);
    else if (keepdim)
      out.push_back(1);
  }
  return out;
}

namespace {

// How a reduction's output dtype follows its input (PyTorch's rules).
enum class Rule {
  kSame,          // amax, amin
  kIntToInt64,    // sum, prod: bool/integers accumulate and return int64
  kFloatOnly,     // mean, var, std, norm: DTypeError for non-floating inputs
  kFloatPromote,  // logsumexp: integers give the default float
  kBool,          // all, any
  kInt64,         // count_nonzero
};

DType output_dtype(const char* op, Rule rule, DType in, std::optional<DType> requested) {
  if (requested) {
    check<DTypeError>(rule != Rule::kFloatOnly || is_floating_point(*requested), op,
                      ": dtype must be a floating point type, got ", *requested);
    return *requested;
  }
  switch (rule) {
    case Rule::kSame:
      return in;
    case Rule::kIntToInt64:
      return is_floating_point(in) ? in : kInt64;
    case Rule::kFloatOnly:
      check<DTypeError>(is_floating_point(in), op, ": expected a floating point input, got ", in);
      return in;
    case Rule::kFloatPromote:
      return is_floating_point(in) ? in : kDefaultFloat;
    case Rule::kBool:
      return kBool;
    case Rule::kInt64:
      return kInt64;
  }
  return in;
}

// Ops without an identity (amax, argmax, ...) cannot reduce a zero-size dim (PyTorch's wording).
void check_nonzero_dims(const char* op, const Shape& shape, IntList dims) {
  for (int64_t d : dims) {  // (a 0-d tensor's dim 0 has no size to check)
    check<IndexError>(d >= static_cast<int64_t>(shape.size()) || shape[d] != 0, op, ": expected reduction dim ", d,
                      " to have non-zero size (input shape ", shape_str(shape), ")");
  }
}

std::optional<DType> requested_dtype(const ReduceAttrs& a) { return a.dtype; }
std::optional<DType> requested_dtype(const Attrs&) { return std::nullopt; }

template <class AttrT, const char* kName, Rule kRule, bool kNeedsNonEmpty = false>
std::vector<TensorType> reduce_infer(std::span<const TensorType> in, const Attrs& attrs) {
  const auto& a = attrs_as<AttrT>(attrs);
  const TensorType& x = in[0];
  std::vector<int64_t> dims = resolve_reduce_dims(a.dims, static_cast<int64_t>(x.shape.size()), kName);
  if (kNeedsNonEmpty) check_nonzero_dims(kName, x.shape, dims);
  return {{output_dtype(kName, kRule, x.dtype, requested_dtype(a)), reduced_shape(x.shape, dims, a.keepdim), x.device}};
}

// argmax/argmin (kWithValues = false) and max_dim/min_dim (values and indices).
template <const char* kName, bool kWithValues>
std::vector<TensorType> arg_infer(std::span<const TensorType> in, const Attrs& attrs) {
  const auto& a = attrs_as<ArgReduceAttrs>(attrs);
  const TensorType& x = in[0];
  const int64_t nd = static_cast<int64_t>(x.shape.size());
  Shape shape;
  if (a.dim) {
    const int64_t d[] = {wrap_dim(*a.dim, nd, kName)};
    check_nonzero_dims(kName, x.shape, d);
    shape = reduced_shape(x.shape, d, a.keepdim);
  } else {
    check(!kWithValues, kName, ": a dim is required");
    check<IndexError>(numel(x.shape) != 0, kName, ": expected a reduction dim to be specified for an empty input (",
                      "input shape ", shape_str(x.shape), ")");
    shape = a.keepdim ? Shape(nd, 1) : Shape{};
  }
  if (kWithValues) return {{x.dtype, shape, x.device}, {kInt64, shape, x.device}};
  return {{kInt64, shape, x.device}};
}

constexpr char kSum[] = "sum", kMean[] = "mean", kProd[] = "prod", kAmax[] = "amax", kAmin[] = "amin", kVar[] = "var",
               kStd[] = "std", kLogsumexp[] = "logsumexp", kNorm[] = "norm", kAll[] = "all", kAny[] = "any",
               kCountNonzero[] = "count_nonzero", kMax[] = "max", kMin[] = "min", kArgmax[] = "argmax",
               kArgmin[] = "argmin";
constexpr auto kNotDiff = Differentiability::NotDifferentiable;

Tensor apply_reduce(const OpDef& d, const Tensor& x, std::vector<int64_t> dims, bool keepdim,
                    std::optional<DType> dtype = {}) {
  ReduceAttrs a;
  a.dims = std::move(dims);
  a.keepdim = keepdim;
  a.dtype = dtype;
  return apply1(d, {x}, a);
}

Tensor apply_var(const OpDef& d, const Tensor& x, std::vector<int64_t> dims, bool unbiased, bool keepdim) {
  VarAttrs a;
  a.dims = std::move(dims);
  a.correction = unbiased ? 1 : 0;
  a.keepdim = keepdim;
  return apply1(d, {x}, a);
}

ArgReduceAttrs arg_attrs(std::optional<int64_t> dim, bool keepdim) {
  ArgReduceAttrs a;
  a.dim = dim;
  a.keepdim = keepdim;
  return a;
}

std::tuple<Tensor, Tensor> apply_max_min(const OpDef& d, const Tensor& x, int64_t dim, bool keepdim) {
  std::vector<Tensor> out = apply(d, {x}, arg_attrs(dim, keepdim));
  return {std::move(out[0]), std::move(out[1])};
}

}  // namespace

void register_reduce_ops(Registry& r) {
  using namespace reduce_grad;
  // Rules that read only types and attributes keep no tensors alive on the tape.
  constexpr bool kNo = false;
  r.add({.name = "sum",
         .infer = reduce_infer<ReduceAttrs, kSum, Rule::kIntToInt64>,
         .vjp = sum_vjp,
         .vjp_needs_inputs = kNo,
         .vjp_needs_outputs = kNo,
         .samples = reduce_samples});
  r.add({.name = "mean",
         .infer = reduce_infer<ReduceAttrs, kMean, Rule::kFloatOnly>,
         .vjp = mean_vjp,
         .vjp_needs_inputs = kNo,
         .vjp_needs_outputs = kNo,
         .samples = reduce_samples});
  r.add({.name = "prod",
         .infer = reduce_infer<ReduceAttrs, kProd, Rule::kIntToInt64>,
         .vjp = prod_vjp,
         .vjp_needs_outputs = kNo,
         .samples = reduce_samples});
  r.add({.name = "amax",
         .infer = reduce_infer<ReduceAttrs, kAmax, Rule::kSame, true>,
         .vjp = extreme_vjp,
         .samples = reduce_samples});
  r.add({.name = "amin",
         .infer = reduce_infer<ReduceAttrs, kAmin, Rule::kSame, true>,
         .vjp = extreme_vjp,
         .samples = reduce_samples});
  r.add({.name = "var",
         .infer = reduce_infer<VarAttrs, kVar, Rule::kFloatOnly>,
         .vjp = var_vjp,
         .vjp_needs_outputs = kNo,
         .samples = var_samples});
  r.add(
      {.name = "std", .infer = reduce_infer<VarAttrs, kStd, Rule::kFloatOnly>, .vjp = std_vjp, .samples = var_samples});
  r.add({.name = "logsumexp",
         .infer = reduce_infer<ReduceAttrs, kLogsumexp, Rule::kFloatPromote>,
         .vjp = logsumexp_vjp,
         .samples = reduce_samples});
  r.add({.name = "norm",
         .infer = reduce_infer<NormAttrs, kNorm, Rule::kFloatOnly>,
         .vjp = norm_vjp,
         .samples = norm_samples});
  r.add({.name = "all", .infer = reduce_infer<ReduceAttrs, kAll, Rule::kBool>, .differentiability = kNotDiff});
  r.add({.name = "any", .infer = reduce_infer<ReduceAttrs, kAny, Rule::kBool>, .differentiability = kNotDiff});
  r.add({.name = "count_nonzero",
         .infer = reduce_infer<ReduceAttrs, kCountNonzero, Rule::kInt64>,
         .differentiability = kNotDiff});
  // max_dim / min_dim: torch.max(x, dim) with (values, indices); the values are differentiable.
  r.add({.name = "max_dim",
         .infer = arg_infer<kMax, true>,
         .vjp = max_dim_vjp,
         .vjp_needs_inputs = kNo,
         .samples = max_dim_samples});
  r.add({.name = "min_dim",
         .infer = arg_infer<kMin, true>,
         .vjp = max_dim_vjp,
         .vjp_needs_inputs = kNo,
         .samples = max_dim_samples});
  r.add({.name = "argmax", .infer = arg_infer<kArgmax, false>, .differentiability = kNotDiff});
  r.add({.name = "argmin", .infer = arg_infer<kArgmin, false>, .differentiability = kNotDiff});
}

Tensor sum(const Tensor& x, std::vector<int64_t> dims, bool keepdim, std::optional<DType> dtype) {
  static const OpDef& d = op("sum");
  return apply_reduce(d, x, std::move(dims), keepdim, dtype);
}
Tensor mean(const Tensor& x, std::vector<int64_t> dims, bool keepdim, std::optional<DType> dtype) {
  static const OpDef& d = op("mean");
  return apply_reduce(d, x, std::move(dims), keepdim, dtype);
}
Tensor prod(const Tensor& x, std::vector<int64_t> dims, bool keepdim, std::optional<DType> dtype) {
  static const OpDef& d = op("prod");
  return apply_reduce(d, x, std::move(dims), keepdim, dtype);
}
Tensor amax(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  static const OpDef& d = op("amax");
  return apply_reduce(d, x, std::move(dims), keepdim);
}
Tensor amin(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  static const OpDef& d = op("amin");
  return apply_reduce(d, x, std::move(dims), keepdim);
}
std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim) {
  static const OpDef& d = op("max_dim");
  return apply_max_min(d, x, dim, keepdim);
}
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim) {
  static const OpDef& d = op("min_dim");
  return apply_max_min(d, x, dim, keepdim);
}
Tensor max(const Tensor& x) {
  check<IndexError>(x.numel() != 0, "max: expected a reduction dim to be specified for an empty input (input shape ",
                    shape_str(x.shape()), ")");
  return amax(x);
}
Tensor min(const Tensor& x) {
  check<IndexError>(x.numel() != 0, "min: expected a reduction dim to be specified for an empty input (input shape ",
                    shape_str(x.shape()), ")");
  return amin(x);
}
Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  static const OpDef& d = op("argmax");
  return apply1(d, {x}, arg_attrs(dim, keepdim));
}
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  static const OpDef& d = op("argmin");
  return apply1(d, {x}, arg_attrs(dim, keepdim));
}
Tensor var(const Tensor& x, std::vector<int64_t> dims, bool unbiased, bool keepdim) {
  static const OpDef& d = op("var");
  return apply_var(d, x, std::move(dims), unbiased, keepdim);
}
Tensor std(const Tensor& x, std::vector<int64_t> dims, bool unbiased, bool keepdim) {
  static const OpDef& d = op("std");
  return apply_var(d, x, std::move(dims), unbiased, keepdim);
}
Tensor logsumexp(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  static const OpDef& d = op("logsumexp");
  return apply_reduce(d, x, std::move(dims), keepdim);
}
Tensor norm(const Tensor& x, double p, std::vector<int64_t> dims, bool keepdim) {
  static const OpDef& d = op("norm");
  NormAttrs a;
  a.p = p;
  a.dims = std::move(dims);
  a.keepdim = keepdim;
  return apply1(d, {x}, a);
}
Tensor all(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  static const OpDef& d = op("all");
  return apply_reduce(d, x, std::move(dims), keepdim);
}
Tensor any(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  static const OpDef& d = op("any");
  return apply_reduce(d, x, std::move(dims), keepdim);
}
Tensor count_nonzero(const Tensor& x, std::vector<int64_t> dims) {
  static const OpDef& d = op("count_nonzero");
  return apply_reduce(d, x, std::move(dims), false);
}

Tensor Tensor::sum(std::vector<int64_t> dims, bool keepdim) const {
  return tessera::sum(*this, std::move(dims), keepdim);
}
Tensor Tensor::mean(std::vector<int64_t> dims, bool keepdim) const {
  return tessera::mean(*this, std::move(dims), keepdim);
}
Tensor Tensor::prod(std::vector<int64_t> dims, bool keepdim) const {
  return tessera::prod(*this, std::move(dims), keepdim);
}
Tensor Tensor::amax(std::vector<int64_t> dims, bool keepdim) const {
  return tessera::amax(*this, std::move(dims), keepdim);
}
Tensor Tensor::amin(std::vector<int64_t> dims, bool keepdim) const {
  return tessera::amin(*this, std::move(dims), keepdim);
}
Tensor Tensor::var(std::vector<int64_t> dims, bool unbiased, bool keepdim) const {
  return tessera::var(*this, std::move(dims), unbiased, keepdim);
}
Tensor Tensor::std(std::vector<int64_t> dims, bool unbiased, bool keepdim) const {
  return tessera::std(*this, std::move(dims), unbiased, keepdim);
}
Tensor Tensor::argmax(std::optional<int64_t> dim, bool keepdim) const { return tessera::argmax(*this, dim, keepdim); }
Tensor Tensor::argmin(std::optional<int64_t> dim, bool keepdim) const { return tessera::argmin(*this, dim, keepdim); }
Tensor Tensor::all() const { return tessera::all(*this); }
Tensor Tensor::any() const { return tessera::any(*this); }

}  // namespace tessera
