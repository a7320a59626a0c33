#include "tessera/ops/scan_sort.h"

#include "tessera/ops/apply.h"
#include "tessera/ops/families.h"
#include "tessera/ops/reduce.h"
#include "tessera/ops/reduce_grad.h"
#include "tessera/ops/registry.h"

namespace tessera {

std::string CumAttrs::repr() const { return dtype ? cat("dim=", dim, ", dtype=", *dtype) : cat("dim=", dim); }
std::string SortAttrs::repr() const { return cat("dim=", dim, ", descending=", descending ? "true" : "false"); }
std::string TopkAttrs::repr() const {
  return cat("k=", k, ", dim=", dim, ", largest=", largest ? "true" : "false", ", sorted=", sorted ? "true" : "false");
}
std::string KthvalueAttrs::repr() const {
  return cat("k=", k, ", dim=", dim, ", keepdim=", keepdim ? "true" : "false");
}

namespace {

// The size of dim `d` (already wrapped) of `shape`; a 0-d tensor counts as one element.
int64_t dim_size(const Shape& shape, int64_t d) { return shape.empty() ? 1 : shape[d]; }

template <const char* kName>
std::vector<TensorType> cum_infer(std::span<const TensorType> in, const Attrs& attrs) {
  const auto& a = attrs_as<CumAttrs>(attrs);
  const TensorType& x = in[0];
  wrap_dim(a.dim, static_cast<int64_t>(x.shape.size()), kName);
  DType out = a.dtype ? *a.dtype : is_floating_point(x.dtype) ? x.dtype : kInt64;
  return {{out, x.shape, x.device}};
}

template <const char* kName, bool kValues>
std::vector<TensorType> sort_infer(std::span<const TensorType> in, const Attrs& attrs) {
  const TensorType& x = in[0];
  wrap_dim(attrs_as<SortAttrs>(attrs).dim, static_cast<int64_t>(x.shape.size()), kName);
  if (kValues) return {x, {kInt64, x.shape, x.device}};
  return {{kInt64, x.shape, x.device}};
}

std::vector<TensorType> topk_infer(std::span<const TensorType> in, const Attrs& attrs) {
  const auto& a = attrs_as<TopkAttrs>(attrs);
  const TensorType& x = in[0];
  const int64_t d = wrap_dim(a.dim, static_cast<int64_t>(x.shape.size()), "topk");
  const int64_t n = dim_size(x.shape, d);
  check<ValueError>(a.k >= 0 && a.k <= n, "topk: k = ", a.k, " is out of range for dimension ", a.dim, " of size ", n,
                    " (input shape ", shape_str(x.shape), ")");
  Shape shape = x.shape;
  if (!shape.empty()) shape[d] = a.k;
  return {{x.dtype, shape, x.device}, {kInt64, shape, x.device}};
}

std::vector<TensorType> kthvalue_infer(std::span<const TensorType> in, const Attrs& attrs) {
  const auto& a = attrs_as<KthvalueAttrs>(attrs);
  const TensorType& x = in[0];
  const int64_t d = wrap_dim(a.dim, static_cast<int64_t>(x.shape.size()), "kthvalue");
  const int64_t n = dim_size(x.shape, d);
  check<ValueError>(a.k >= 1 && a.k <= n, "kthvalue: k = ", a.k, " is out of range for dimension ", a.dim, " of size ",
                    n, " (input shape ", shape_str(x.shape), ")");
  const int64_t dims[] = {d};
  const Shape shape = reduced_shape(x.shape, dims, a.keepdim);
  return {{x.dtype, shape, x.device}, {kInt64, shape, x.device}};
}

constexpr char kCumsum[] = "cumsum", kCumprod[] = "cumprod", kSort[] = "sort", kArgsort[] = "argsort";

Tensor apply_cum(const OpDef& d, const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  CumAttrs a;
  a.dim = dim;
  a.dtype = dtype;
  return apply1(d, {x}, a);
}

SortAttrs sort_attrs(int64_t dim, bool descending) {
  SortAttrs a;
  a.dim = dim;
  a.descending = descending;
  return a;
}

std::tuple<Tensor, Tensor> pair(std::vector<Tensor> out) { return {std::move(out[0]), std::move(out[1])}; }

}  // namespace

void register_scan_sort_ops(Registry& r) {
  using namespace reduce_grad;
  constexpr bool kNo = false;
  r.add({.name = "cumsum",
         .infer = cum_infer<kCumsum>,
         .vjp = cumsum_vjp,
         .vjp_needs_inputs = kNo,
         .vjp_needs_outputs = kNo,
         .samples = cum_samples});
  r.add({.name = "cumprod", .infer = cum_infer<kCumprod>, .vjp = cumprod_vjp, .samples = cum_samples});
  r.add({.name = "sort",
         .infer = sort_infer<kSort, true>,
         .vjp = sort_vjp,
         .vjp_needs_inputs = kNo,
         .samples = sort_samples});
  r.add({.name = "argsort",
         .infer = sort_infer<kArgsort, false>,
         .differentiability = Differentiability::NotDifferentiable});
  r.add({.name = "topk", .infer = topk_infer, .vjp = topk_vjp, .vjp_needs_inputs = kNo, .samples = topk_samples});
  r.add({.name = "kthvalue",
         .infer = kthvalue_infer,
         .vjp = kthvalue_vjp,
         .vjp_needs_inputs = kNo,
         .samples = kthvalue_samples});
}

Tensor cumsum(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  static const OpDef& d = op("cumsum");
  return apply_cum(d, x, dim, dtype);
}
Tensor cumprod(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  static const OpDef& d = op("cumprod");
  return apply_cum(d, x, dim, dtype);
}
std::tuple<Tensor, Tensor> sort(const Tensor& x, int64_t dim, bool descending) {
  static const OpDef& d = op("sort");
  return pair(apply(d, {x}, sort_attrs(dim, descending)));
}
Tensor argsort(const Tensor& x, int64_t dim, bool descending) {
  static const OpDef& d = op("argsort");
  return apply1(d, {x}, sort_attrs(dim, descending));
}
std::tuple<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim, bool largest, bool sorted) {
  static const OpDef& d = op("topk");
  TopkAttrs a;
  a.k = k;
  a.dim = dim;
  a.largest = largest;
  a.sorted = sorted;
  return pair(apply(d, {x}, a));
}
std::tuple<Tensor, Tensor> kthvalue(const Tensor& x, int64_t k, int64_t dim, bool keepdim) {
  static const OpDef& d = op("kthvalue");
  KthvalueAttrs a;
  a.k = k;
  a.dim = dim;
  a.keepdim = keepdim;
  return pair(apply(d, {x}, a));
}

}  // namespace tessera
