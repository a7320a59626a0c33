// User-facing view functions and the Tensor methods that call them. transpose, t, movedim, narrow, squeeze,
// unsqueeze, flatten and unflatten are plain functions over the primitive view ops (see shape.cpp).
#include <algorithm>
#include <numeric>

#include "tessera/ops/apply.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/shape.h"

namespace tessera {

namespace {
Tensor apply_shape_attrs(const OpDef& d, const Tensor& x, Shape shape) {
  ShapeAttrs a;
  a.shape = std::move(shape);
  return apply1(d, {x}, a);
}
}  // namespace

Tensor view(const Tensor& x, Shape shape) {
  static const OpDef& d = op("view");
  return apply_shape_attrs(d, x, std::move(shape));
}

Tensor reshape(const Tensor& x, Shape shape) {
  static const OpDef& d = op("reshape");
  return apply_shape_attrs(d, x, std::move(shape));
}

Tensor expand(const Tensor& x, Shape shape) {
  static const OpDef& d = op("expand");
  return apply_shape_attrs(d, x, std::move(shape));
}

Tensor broadcast_to(const Tensor& x, Shape shape) { return expand(x, std::move(shape)); }

Tensor permute(const Tensor& x, std::vector<int64_t> dims) {
  static const OpDef& d = op("permute");
  PermuteAttrs a;
  a.dims = std::move(dims);
  return apply1(d, {x}, a);
}

namespace {
std::vector<int64_t> identity_dims(int64_t n) {
  std::vector<int64_t> dims(n);
  std::iota(dims.begin(), dims.end(), 0);
  return dims;
}
}  // namespace

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  const int64_t n = x.dim();
  const int64_t a = wrap_dim(dim0, n, "transpose"), b = wrap_dim(dim1, n, "transpose");
  std::vector<int64_t> dims = identity_dims(n);
  if (n > 0) std::swap(dims[a], dims[b]);
  return permute(x, std::move(dims));
}

Tensor t(const Tensor& x) {
  check<ShapeError>(x.dim() <= 2, "t: expects a tensor with at most 2 dimensions, got shape ", shape_str(x.shape()));
  return x.dim() == 2 ? transpose(x, 0, 1) : permute(x, identity_dims(x.dim()));
}

Tensor movedim(const Tensor& x, int64_t source, int64_t destination) {
  return movedim(x, std::vector<int64_t>{source}, std::vector<int64_t>{destination});
}

Tensor movedim(const Tensor& x, std::vector<int64_t> source, std::vector<int64_t> destination) {
  check<ValueError>(source.size() == destination.size(), "movedim: source ", shape_str(source), " and destination ",
                    shape_str(destination), " differ in length");
  const int64_t n = x.dim();
  std::vector<int64_t> src = wrap_dims(source, n, "movedim"), dst = wrap_dims(destination, n, "movedim");
  // Output position dst[i] takes input dim src[i]; the other positions take the other dims in order.
  std::vector<int64_t> dims(n, -1);
  std::vector<bool> moved(n, false);
  for (size_t i = 0; i < src.size(); ++i) {
    dims[dst[i]] = src[i];
    moved[src[i]] = true;
  }
  int64_t next = 0;
  for (int64_t& d : dims) {
    if (d != -1) continue;
    while (moved[next]) ++next;
    d = next++;
  }
  return permute(x, std::move(dims));
}

Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) {
  static const OpDef& d = op("slice");
  SliceAttrs a;
  a.dim = dim;
  a.start = start;
  a.end = end;
  a.step = step;
  return apply1(d, {x}, a);
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  check<IndexError>(x.dim() > 0, "narrow: cannot be applied to a 0-d tensor");
  const int64_t d = wrap_dim(dim, x.dim(), "narrow");
  const int64_t size = x.size(d);
  check<IndexError>(start >= -size && start <= size, "narrow: start ", start, " out of range for dimension ", d,
                    " of size ", size);
  check<ValueError>(length >= 0, "narrow: length must be non-negative, got ", length);
  if (start < 0) start += size;
  check<IndexError>(start + length <= size, "narrow: start (", start, ") + length (", length, ") exceeds the size ",
                    size, " of dimension ", d);
  return slice(x, d, start, start + length);
}

Tensor select(const Tensor& x, int64_t dim, int64_t index) {
  static const OpDef& d = op("select");
  SelectAttrs a;
  a.dim = dim;
  a.index = index;
  return apply1(d, {x}, a);
}

Tensor squeeze(const Tensor& x) {
  Shape s;
  std::copy_if(x.shape().begin(), x.shape().end(), std::back_inserter(s), [](int64_t v) { return v != 1; });
  return view(x, std::move(s));
}

Tensor squeeze(const Tensor& x, int64_t dim) {
  const int64_t d = wrap_dim(dim, x.dim(), "squeeze");
  Shape s = x.shape();
  if (!s.empty() && s[d] == 1) s.erase(s.begin() + d);
  return view(x, std::move(s));
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  const int64_t d = wrap_dim(dim, x.dim() + 1, "unsqueeze");
  Shape s = x.shape();
  s.insert(s.begin() + d, 1);
  return view(x, std::move(s));
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  if (x.dim() == 0) return reshape(x, {1});
  const int64_t s = wrap_dim(start_dim, x.dim(), "flatten"), e = wrap_dim(end_dim, x.dim(), "flatten");
  check<ValueError>(s <= e, "flatten: start_dim ", start_dim, " comes after end_dim ", end_dim, " for shape ",
                    shape_str(x.shape()));
  if (s == e) return x;
  Shape shape(x.shape().begin(), x.shape().begin() + s);
  shape.push_back(numel(IntList(x.shape()).subspan(s, e - s + 1)));
  shape.insert(shape.end(), x.shape().begin() + e + 1, x.shape().end());
  return reshape(x, std::move(shape));
}

Tensor unflatten(const Tensor& x, int64_t dim, Shape sizes) {
  const int64_t d = wrap_dim(dim, x.dim(), "unflatten");
  check<ValueError>(!sizes.empty(), "unflatten: sizes must be non-empty");
  check<IndexError>(x.dim() > 0, "unflatten: cannot be applied to a 0-d tensor");
  Shape inner = infer_size(sizes, x.size(d), "unflatten");
  Shape shape = x.shape();
  shape.erase(shape.begin() + d);
  shape.insert(shape.begin() + d, inner.begin(), inner.end());
  return view(x, std::move(shape));
}

Tensor as_strided(const Tensor& x, Shape size, Strides stride, std::optional<int64_t> storage_offset) {
  static const OpDef& d = op("as_strided");
  AsStridedAttrs a;
  a.size = std::move(size);
  a.stride = std::move(stride);
  a.storage_offset = storage_offset;
  return apply1(d, {x}, a);
}

// ---- Tensor methods (declared in core/tensor.h) ---------------------------------------------------------

Tensor Tensor::view(Shape shape) const { return tessera::view(*this, std::move(shape)); }
Tensor Tensor::reshape(Shape shape) const { return tessera::reshape(*this, std::move(shape)); }
Tensor Tensor::permute(std::vector<int64_t> dims) const { return tessera::permute(*this, std::move(dims)); }
Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const { return tessera::transpose(*this, dim0, dim1); }
Tensor Tensor::t() const { return tessera::t(*this); }
Tensor Tensor::slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) const {
  return tessera::slice(*this, dim, start, end, step);
}
Tensor Tensor::narrow(int64_t dim, int64_t start, int64_t length) const {
  return tessera::narrow(*this, dim, start, length);
}
Tensor Tensor::select(int64_t dim, int64_t index) const { return tessera::select(*this, dim, index); }
Tensor Tensor::expand(Shape shape) const { return tessera::expand(*this, std::move(shape)); }
Tensor Tensor::squeeze() const { return tessera::squeeze(*this); }
Tensor Tensor::squeeze(int64_t dim) const { return tessera::squeeze(*this, dim); }
Tensor Tensor::unsqueeze(int64_t dim) const { return tessera::unsqueeze(*this, dim); }
Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const { return tessera::flatten(*this, start_dim, end_dim); }
Tensor Tensor::as_strided(Shape size, Strides stride, std::optional<int64_t> storage_offset) const {
  return tessera::as_strided(*this, std::move(size), std::move(stride), storage_offset);
}

}  // namespace tessera
