#include "tessera/ops/index.h"

#include <algorithm>

#include "tessera/ops/apply.h"
#include "tessera/ops/families.h"
#include "tessera/ops/index_grad.h"
#include "tessera/ops/registry.h"

namespace tessera {

std::string IndexDimAttrs::repr() const { return cat("dim=", dim); }
std::string ScatterValueAttrs::repr() const { return cat("dim=", dim, ", value=", value); }
std::string IndexAddAttrs::repr() const { return cat("dim=", dim, ", alpha=", alpha); }
std::string MaskedFillAttrs::repr() const { return cat("value=", value); }
std::string TriangleAttrs::repr() const { return cat("diagonal=", diagonal); }
std::string OneHotAttrs::repr() const { return cat("num_classes=", num_classes); }

namespace {

// A 0-d tensor is indexed like a 1-d one of size 1 (PyTorch does the same).
int64_t ndim1(const TensorType& t) { return std::max<int64_t>(static_cast<int64_t>(t.shape.size()), 1); }
int64_t size1(const TensorType& t, int64_t d) { return t.shape.empty() ? 1 : t.shape[d]; }

void check_index_dtype(const TensorType& index, const char* op) {
  check<DTypeError>(index.dtype == kInt64 || index.dtype == kInt32, op,
                    ": expected an index tensor of dtype int64 or int32, got ", index.dtype);
}

void check_same_dtype(const TensorType& x, const TensorType& other, const char* op, const char* what) {
  check<DTypeError>(other.dtype == x.dtype, op, ": expected ", what, " of dtype ", x.dtype, " (the input's), got ",
                    other.dtype);
}

// The checks gather and the scatters share: index has x's number of dims and fits in x outside `dim`, and
// (scatters) fits in src everywhere. Returns the wrapped dim.
int64_t check_gather_scatter(std::span<const TensorType> in, int64_t dim, const char* op, const TensorType* src) {
  const TensorType &x = in[0], &index = in[1];
  check_index_dtype(index, op);
  const int64_t nd = ndim1(x);
  int64_t d = wrap_dim(dim, static_cast<int64_t>(x.shape.size()), op);
  bool ok = ndim1(index) == nd && (!src || ndim1(*src) == nd);
  check<ShapeError>(ok, op, ": index must have as many dims as the input", src ? " and src" : "", ", got index shape ",
                    shape_str(index.shape), " and input shape ", shape_str(x.shape),
                    src ? cat(" and src shape ", shape_str(src->shape)) : "");
  for (int64_t k = 0; k < nd; ++k) {
    ok = ok && (k == d || size1(index, k) <= size1(x, k)) && (!src || size1(index, k) <= size1(*src, k));
  }
  check<ShapeError>(ok, op, ": index shape ", shape_str(index.shape), " must not exceed ",
                    src ? cat("src shape ", shape_str(src->shape), ", nor ") : "", "input shape ", shape_str(x.shape),
                    " outside dimension ", d);
  return d;
}

std::vector<TensorType> gather_infer(std::span<const TensorType> in, const Attrs& a) {
  check_gather_scatter(in, attrs_as<IndexDimAttrs>(a).dim, "gather", nullptr);
  return {{in[0].dtype, in[1].shape, in[0].device}};
}

template <const char* Op>
std::vector<TensorType> scatter_infer(std::span<const TensorType> in, const Attrs& a) {
  check_same_dtype(in[0], in[2], Op, "src");
  check_gather_scatter(in, attrs_as<IndexDimAttrs>(a).dim, Op, &in[2]);
  return {in[0]};
}
constexpr char kScatter[] = "scatter";
constexpr char kScatterAdd[] = "scatter_add";

std::vector<TensorType> scatter_value_infer(std::span<const TensorType> in, const Attrs& a) {
  check_gather_scatter(in, attrs_as<ScatterValueAttrs>(a).dim, "scatter", nullptr);
  return {in[0]};
}

// index_select / index_add take a vector of indices.
int64_t check_index_vector(const TensorType& x, const TensorType& index, int64_t dim, const char* op) {
  check_index_dtype(index, op);
  check<ShapeError>(index.shape.size() <= 1, op, ": index must be 1-d, got shape ", shape_str(index.shape));
  return wrap_dim(dim, static_cast<int64_t>(x.shape.size()), op);
}

std::vector<TensorType> index_select_infer(std::span<const TensorType> in, const Attrs& a) {
  int64_t d = check_index_vector(in[0], in[1], attrs_as<IndexDimAttrs>(a).dim, "index_select");
  Shape s = in[0].shape;
  if (s.empty()) {  // PyTorch keeps a 0-d input 0-d
    check<ShapeError>(numel(in[1].shape) == 1, "index_select: a 0-d input takes exactly one index, got index shape ",
                      shape_str(in[1].shape));
  } else {
    s[d] = numel(in[1].shape);
  }
  return {{in[0].dtype, s, in[0].device}};
}

std::vector<TensorType> index_add_infer(std::span<const TensorType> in, const Attrs& a) {
  const auto& at = attrs_as<IndexAddAttrs>(a);
  const TensorType &x = in[0], &index = in[1], &source = in[2];
  int64_t d = check_index_vector(x, index, at.dim, "index_add");
  check_same_dtype(x, source, "index_add", "source");
  check<DTypeError>(is_floating_point(x.dtype) || !at.alpha.is_floating_point(),
                    "index_add: alpha must not be a floating-point number for an input of dtype ", x.dtype, ", got ",
                    at.alpha);
  Shape expected = x.shape.empty() ? Shape{1} : x.shape;
  expected[d] = numel(index.shape);
  Shape got = source.shape.empty() ? Shape{1} : source.shape;
  check<ShapeError>(got == expected, "index_add: source of shape ", shape_str(source.shape),
                    " does not fit input shape ", shape_str(x.shape), " with ", numel(index.shape),
                    " indices along dimension ", d, " (expected source shape ", shape_str(expected), ")");
  return {x};
}

void check_bool_mask(const TensorType& mask, const char* op) {
  check<DTypeError>(mask.dtype == kBool, op, ": expected a bool mask, got ", mask.dtype);
}

std::vector<TensorType> masked_fill_infer(std::span<const TensorType> in, const Attrs&) {
  check_bool_mask(in[1], "masked_fill");
  return {{in[0].dtype, broadcast_shapes(in[0].shape, in[1].shape, "masked_fill"), in[0].device}};
}

std::vector<TensorType> masked_select_infer(std::span<const TensorType> in, const Attrs&) {
  check_bool_mask(in[1], "masked_select");
  broadcast_shapes(in[0].shape, in[1].shape, "masked_select");
  return {{in[0].dtype, Shape{-1}, in[0].device}};  // Note [Data-dependent shapes]
}

std::vector<TensorType> nonzero_infer(std::span<const TensorType> in, const Attrs&) {
  return {{kInt64, Shape{-1, static_cast<int64_t>(in[0].shape.size())}, in[0].device}};
}

template <const char* Op>
std::vector<TensorType> triangle_infer(std::span<const TensorType> in, const Attrs&) {
  check<ShapeError>(in[0].shape.size() >= 2, Op, ": expected a tensor with at least 2 dims, got shape ",
                    shape_str(in[0].shape));
  return {in[0]};
}
constexpr char kTril[] = "tril";
constexpr char kTriu[] = "triu";

std::vector<TensorType> one_hot_infer(std::span<const TensorType> in, const Attrs& a) {
  int64_t c = attrs_as<OneHotAttrs>(a).num_classes;
  check_index_dtype(in[0], "one_hot");
  check<ValueError>(c >= -1, "one_hot: num_classes must be -1 or non-negative, got ", c);
  Shape s = in[0].shape;
  s.push_back(c);  // -1: Note [Data-dependent shapes]
  return {{kInt64, s, in[0].device}};
}

constexpr auto kNoGrad = Differentiability::NotDifferentiable;

}  // namespace

void register_index_ops(Registry& r) {
  using index_detail::with_grad;
  r.add(with_grad({.name = "gather", .infer = gather_infer}));
  r.add(with_grad({.name = "scatter", .infer = scatter_infer<kScatter>}));
  r.add(with_grad({.name = "scatter_value", .infer = scatter_value_infer}));
  r.add(with_grad({.name = "scatter_add", .infer = scatter_infer<kScatterAdd>}));
  r.add(with_grad({.name = "index_select", .infer = index_select_infer}));
  r.add(with_grad({.name = "index_add", .infer = index_add_infer}));
  r.add(with_grad({.name = "masked_fill", .infer = masked_fill_infer}));
  r.add(with_grad({.name = "masked_select", .infer = masked_select_infer}));
  r.add({.name = "nonzero", .infer = nonzero_infer, .differentiability = kNoGrad});
  r.add(with_grad({.name = "tril", .infer = triangle_infer<kTril>}));
  r.add(with_grad({.name = "triu", .infer = triangle_infer<kTriu>}));
  r.add({.name = "one_hot", .infer = one_hot_infer, .differentiability = kNoGrad});
}

namespace {
Tensor apply_dim(const OpDef& d, std::initializer_list<Tensor> in, int64_t dim) {
  IndexDimAttrs a;
  a.dim = dim;
  return apply1(d, in, a);
}
}  // namespace

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  static const OpDef& d = op("gather");
  return apply_dim(d, {x, index}, dim);
}

Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  static const OpDef& d = op("scatter");
  return apply_dim(d, {x, index, src}, dim);
}

Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, Scalar value) {
  static const OpDef& d = op("scatter_value");
  ScatterValueAttrs a;
  a.dim = dim;
  a.value = value;
  return apply1(d, {x, index}, a);
}

Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  static const OpDef& d = op("scatter_add");
  return apply_dim(d, {x, index, src}, dim);
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  static const OpDef& d = op("index_select");
  return apply_dim(d, {x, index}, dim);
}

Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha) {
  static const OpDef& d = op("index_add");
  IndexAddAttrs a;
  a.dim = dim;
  a.alpha = alpha;
  return apply1(d, {x, index, source}, a);
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, Scalar value) {
  static const OpDef& d = op("masked_fill");
  MaskedFillAttrs a;
  a.value = value;
  return apply1(d, {x, mask}, a);
}

Tensor masked_select(const Tensor& x, const Tensor& mask) {
  static const OpDef& d = op("masked_select");
  return apply1(d, {x, mask});
}

Tensor nonzero(const Tensor& x) {
  static const OpDef& d = op("nonzero");
  return apply1(d, {x});
}

Tensor tril(const Tensor& x, int64_t diagonal) {
  static const OpDef& d = op("tril");
  TriangleAttrs a;
  a.diagonal = diagonal;
  return apply1(d, {x}, a);
}

Tensor triu(const Tensor& x, int64_t diagonal) {
  static const OpDef& d = op("triu");
  TriangleAttrs a;
  a.diagonal = diagonal;
  return apply1(d, {x}, a);
}

Tensor one_hot(const Tensor& indices, int64_t num_classes) {
  static const OpDef& d = op("one_hot");
  OneHotAttrs a;
  a.num_classes = num_classes;
  return apply1(d, {indices}, a);
}

}  // namespace tessera
