#include "tessera/ops/compare.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "tessera/ops/apply.h"
#include "tessera/ops/binary.h"
#include "tessera/ops/elementwise_grad.h"
#include "tessera/ops/elementwise_infer.h"
#include "tessera/ops/families.h"
#include "tessera/ops/promote.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/unary.h"

namespace tessera {
namespace {

// Ops with two broadcast operands and a bool result.
constexpr const char* kBinaryPredicates[] = {"eq", "ne",          "lt",         "le",         "gt",
                                             "ge", "logical_and", "logical_or", "logical_xor"};
// Ops with one operand and a bool result of its shape.
constexpr const char* kUnaryPredicates[] = {"isnan", "isinf", "isfinite", "logical_not"};

template <size_t I>
std::vector<TensorType> binary_predicate_infer(std::span<const TensorType> in, const Attrs&) {
  TensorType r = broadcast_result(kBinaryPredicates[I], in);
  r.dtype = kBool;
  return {r};
}

std::vector<TensorType> unary_predicate_infer(std::span<const TensorType> in, const Attrs&) {
  return {{kBool, in[0].shape, in[0].device}};
}

std::vector<TensorType> where_infer(std::span<const TensorType> in, const Attrs&) {
  check<DTypeError>(in[0].dtype == kBool, "where: expected condition to be a bool tensor, got ", in[0].dtype);
  TensorType r = broadcast_result("where", in.subspan(1));
  r.shape = broadcast_shapes(in[0].shape, r.shape, "where");
  return {r};
}

template <size_t I>
Tensor binary_predicate(const Tensor& a, const Tensor& b) {
  static const OpDef& d = op(kBinaryPredicates[I]);
  return apply1(d, {a, b});
}

template <size_t I>
Tensor unary_predicate(const Tensor& x) {
  static const OpDef& d = op(kUnaryPredicates[I]);
  return apply1(d, {x});
}

// Index of `name` in `table`, at compile time so a misspelt name does not compile.
template <size_t N>
consteval size_t idx(const char* const (&table)[N], std::string_view name) {
  for (size_t i = 0; i < N; ++i) {
    if (name == table[i]) return i;
  }
  throw "op not in table";
}
consteval size_t bin(std::string_view name) { return idx(kBinaryPredicates, name); }
consteval size_t un(std::string_view name) { return idx(kUnaryPredicates, name); }

/// True when every element of a bool tensor is true.
bool all_true(const Tensor& t) {
  Tensor c = t.contiguous();
  const bool* p = c.data_ptr<bool>();
  return std::all_of(p, p + c.numel(), [](bool v) { return v; });
}

}  // namespace

void register_compare_ops(Registry& r) {
  constexpr auto kNotDiff = Differentiability::NotDifferentiable;
  [&]<size_t... I>(std::index_sequence<I...>) {
    (r.add({.name = kBinaryPredicates[I], .infer = &binary_predicate_infer<I>, .differentiability = kNotDiff}), ...);
  }
  (std::make_index_sequence<std::size(kBinaryPredicates)>{});
  for (const char* name : kUnaryPredicates) {
    r.add({.name = name, .infer = unary_predicate_infer, .differentiability = kNotDiff});
  }
  r.add(elementwise_grad::with_grad({.name = "where", .infer = where_infer}));
}

Tensor eq(const Tensor& a, const Tensor& b) { return binary_predicate<bin("eq")>(a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return binary_predicate<bin("ne")>(a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return binary_predicate<bin("lt")>(a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return binary_predicate<bin("le")>(a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return binary_predicate<bin("gt")>(a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return binary_predicate<bin("ge")>(a, b); }
Tensor eq(const Tensor& a, Scalar b) { return eq(a, scalar_tensor_like(b, a)); }
Tensor ne(const Tensor& a, Scalar b) { return ne(a, scalar_tensor_like(b, a)); }
Tensor lt(const Tensor& a, Scalar b) { return lt(a, scalar_tensor_like(b, a)); }
Tensor le(const Tensor& a, Scalar b) { return le(a, scalar_tensor_like(b, a)); }
Tensor gt(const Tensor& a, Scalar b) { return gt(a, scalar_tensor_like(b, a)); }
Tensor ge(const Tensor& a, Scalar b) { return ge(a, scalar_tensor_like(b, a)); }

Tensor isnan(const Tensor& x) { return unary_predicate<un("isnan")>(x); }
Tensor isinf(const Tensor& x) { return unary_predicate<un("isinf")>(x); }
Tensor isfinite(const Tensor& x) { return unary_predicate<un("isfinite")>(x); }
Tensor logical_not(const Tensor& x) { return unary_predicate<un("logical_not")>(x); }
Tensor logical_and(const Tensor& a, const Tensor& b) { return binary_predicate<bin("logical_and")>(a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return binary_predicate<bin("logical_or")>(a, b); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { return binary_predicate<bin("logical_xor")>(a, b); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  static const OpDef& d = op("where");
  return apply1(d, {cond, a, b});
}
Tensor where(const Tensor& cond, const Tensor& a, Scalar b) { return where(cond, a, scalar_tensor_like(b, a)); }
Tensor where(const Tensor& cond, Scalar a, const Tensor& b) { return where(cond, scalar_tensor_like(a, b), b); }
Tensor where(const Tensor& cond, Scalar a, Scalar b) {
  DType dt = promote_types(a.default_dtype(), b.default_dtype());
  return where(cond, scalar_tensor(a, TensorOptions(dt).device(cond.device())),
               scalar_tensor(b, TensorOptions(dt).device(cond.device())));
}

Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  check<DTypeError>(a.dtype() == b.dtype(), "isclose: expected both inputs to have the same dtype, got ", a.dtype(),
                    " and ", b.dtype());
  check<ValueError>(rtol >= 0 && atol >= 0, "isclose: rtol and atol must be non-negative, got rtol=", rtol,
                    " and atol=", atol);
  if (a.dtype() == kBool) return eq(a, b);
  Tensor x = a.is_floating_point() ? a : a.to(kFloat64);
  Tensor y = b.is_floating_point() ? b : b.to(kFloat64);
  Tensor close = eq(x, y);  // catches inf == inf, whose difference is nan
  if (equal_nan) close = logical_or(close, logical_and(isnan(x), isnan(y)));
  Tensor diff = abs(sub(x, y));
  Tensor allowed = add(mul(abs(y), rtol), atol);
  return logical_or(close, logical_and(isfinite(diff), le(diff, allowed)));
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  return all_true(isclose(a, b, rtol, atol, equal_nan));
}

bool equal(const Tensor& a, const Tensor& b) { return a.shape() == b.shape() && all_true(eq(a, b)); }

Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator==(const Tensor& a, Scalar b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, Scalar b) { return ne(a, b); }
Tensor operator<(const Tensor& a, Scalar b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, Scalar b) { return le(a, b); }
Tensor operator>(const Tensor& a, Scalar b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, Scalar b) { return ge(a, b); }
Tensor operator&&(const Tensor& a, const Tensor& b) { return logical_and(a, b); }
Tensor operator||(const Tensor& a, const Tensor& b) { return logical_or(a, b); }
Tensor operator!(const Tensor& a) { return logical_not(a); }

}  // namespace tessera
