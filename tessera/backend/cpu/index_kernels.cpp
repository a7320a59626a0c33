// CPU kernels of gather, scatter, scatter_add, index_select and index_add.
//
// Note [Gather and scatter loops]: both walk the positions p of an "iteration shape" (the index's shape for
// gather/scatter, the output's or source's for index_select/index_add), with the index tensor broadcast over it
// by its strides. A gather reads x at p with coordinate `dim` replaced by index[p]: x's stride along `dim` is
// zeroed in its operand and index[p] * stride is added per element, so the generic strided loop (loops.h)
// covers it and splits it across threads freely. A scatter writes to that position instead, and two positions
// that differ only along `dim` may hit the same output element; so the parallel loop runs over the iteration
// shape without `dim`, and each of its positions walks `dim` itself, in order. Every output element is then
// written by one thread in index order: repeated indices accumulate deterministically and the last write wins.
#include "tessera/backend/cpu/index_kernels.h"

#include <type_traits>

#include "tessera/backend/cpu/copy.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/backend/cpu/loops.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/ops/index.h"
#include "tessera/ops/registry.h"

namespace tessera::cpu {

Tensor as_at_least_1d(const Tensor& t) { return t.dim() == 0 ? make_view(t, {1}, {1}, t.storage_offset()) : t; }

Tensor index_as_int64(const Tensor& index) { return as_contiguous(index, kInt64); }

void check_indices(const Tensor& index, int64_t size, int64_t dim, const char* op) {
  const int64_t* p = index.data_ptr<const int64_t>();
  for (int64_t i = 0, n = index.numel(); i < n; ++i) {
    if (p[i] < 0 || p[i] >= size) {
      throw IndexError(cat(op, ": index ", p[i], " is out of bounds for dimension ", dim, " with size ", size));
    }
  }
}

namespace {

// An operand over an iteration shape from element strides.
Operand strided(const Tensor& t, const Strides& strides) {
  Operand op{static_cast<char*>(t.raw_data()), strides};
  for (int64_t& s : op.byte_strides) s *= static_cast<int64_t>(t.element_size());
  return op;
}

// Strides that make a 1-d index run along `dim` of an nd iteration shape.
Strides along(int64_t dim, int64_t nd) {
  Strides s(nd, 0);
  s[dim] = 1;
  return s;
}

// Calls f.template operator()<U>() with an unsigned type of `size` bytes: copies need only the width.
template <class F>
void visit_width(size_t size, F&& f) {
  switch (size) {
    case 1:
      return f.template operator()<uint8_t>();
    case 2:
      return f.template operator()<uint16_t>();
    case 4:
      return f.template operator()<uint32_t>();
    default:
      return f.template operator()<uint64_t>();
  }
}

// out[p] = x[p with `dim` -> index[p]] over out's shape (Note [Gather and scatter loops]).
void gather_along(Tensor& out, const Tensor& x, int64_t dim, const Tensor& index, const Strides& index_strides) {
  Strides xs = x.strides();
  const int64_t step = xs[dim] * static_cast<int64_t>(x.element_size());
  xs[dim] = 0;
  std::array<Operand, 3> ops{operand(out, out.shape()), strided(index, index_strides), strided(x, xs)};
  visit_width(x.element_size(), [&]<class U>() {
    for_each_run<3>(out.shape(), ops, [&](const std::array<char*, 3>& p, const std::array<int64_t, 3>& st, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        const int64_t ix = *reinterpret_cast<const int64_t*>(p[1] + i * st[1]);
        *reinterpret_cast<U*>(p[0] + i * st[0]) = *reinterpret_cast<const U*>(p[2] + i * st[2] + ix * step);
      }
    });
  });
}

// For each position p of `shape`, in order along `dim`: f(out element at p with `dim` -> index[p], src at p).
// `src` is an operand over `shape` (Note [Gather and scatter loops]).
template <class U, class F>
void scatter_along(Tensor& out, int64_t dim, const Shape& shape, const Tensor& index, const Strides& index_strides,
                   const Operand& src, const F& f) {
  std::array<Operand, 3> ops{strided(out, out.strides()), strided(index, index_strides), src};
  std::array<int64_t, 3> step;
  Shape rest;
  for (size_t k = 0; k < 3; ++k) {
    step[k] = ops[k].byte_strides[dim];
    ops[k].byte_strides.erase(ops[k].byte_strides.begin() + dim);
  }
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    if (d != dim) rest.push_back(shape[d]);
  }
  const int64_t len = shape[dim];
  if (len == 0) return;
  for_each_run<3>(
      rest, ops,
      [&](const std::array<char*, 3>& p, const std::array<int64_t, 3>& st, int64_t n) {
        for (int64_t j = 0; j < len; ++j) {
          for (int64_t i = 0; i < n; ++i) {
            const int64_t ix = *reinterpret_cast<const int64_t*>(p[1] + i * st[1] + j * step[1]);
            f(*reinterpret_cast<U*>(p[0] + i * st[0] + ix * step[0]),
              *reinterpret_cast<const U*>(p[2] + i * st[2] + j * step[2]));
          }
        }
      },
      std::max<int64_t>(kGrain / len, 1));
}

// out += alpha * src for one element type; bool accumulates with logical or, halves in float.
template <class T>
auto accumulate(Scalar alpha) {
  return [unit = alpha.to_double() == 1.0, a = alpha.to<T>()](T& o, const T& s) {
    if constexpr (std::is_same_v<T, bool>)
      o = o || (s && a);
    else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>)
      o = T(float(o) + float(a) * float(s));
    else
      o = static_cast<T>(unit ? o + s : o + a * s);
  };
}

// The scatters start from a copy of x (contiguous, so the output operand is plain).
Tensor copy_of(const Tensor& x) {
  Tensor out = empty(x.shape(), x.options());
  copy_into(out, x);
  return out;
}

std::vector<Tensor> gather_kernel(std::span<const Tensor> in, const Attrs& a, std::span<const TensorType>) {
  const Tensor x = as_at_least_1d(in[0]);
  const int64_t dim = wrap_dim(attrs_as<IndexDimAttrs>(a).dim, in[0].dim(), "gather");
  Tensor index = index_as_int64(in[1]);
  check_indices(index, x.size(dim), dim, "gather");
  Tensor out = empty(in[1].shape(), x.options());
  Tensor out1 = as_at_least_1d(out), index1 = as_at_least_1d(index);
  if (out.numel() > 0) gather_along(out1, x, dim, index1, index1.strides());
  return {out};
}

std::vector<Tensor> index_select_kernel(std::span<const Tensor> in, const Attrs& a, std::span<const TensorType> t) {
  const Tensor x = as_at_least_1d(in[0]);
  const int64_t dim = wrap_dim(attrs_as<IndexDimAttrs>(a).dim, in[0].dim(), "index_select");
  Tensor index = index_as_int64(in[1]);
  check_indices(index, x.size(dim), dim, "index_select");
  Tensor out = empty(t[0].shape, x.options());
  if (out.numel() == 0) return {out};
  Shape s = x.shape();
  s[dim] = index.numel();
  Tensor out_nd = make_view(out, s, contiguous_strides(s), 0);  // a 0-d x gives a 0-d out of one element
  gather_along(out_nd, x, dim, index, along(dim, x.dim()));
  return {out};
}

// scatter / scatter_add: `src` may be larger than the index; only the index's extent is read.
template <bool kAdd>
std::vector<Tensor> scatter_kernel(std::span<const Tensor> in, const Attrs& a, std::span<const TensorType>) {
  constexpr const char* op = kAdd ? "scatter_add" : "scatter";
  const int64_t dim = wrap_dim(attrs_as<IndexDimAttrs>(a).dim, in[0].dim(), op);
  Tensor out = copy_of(in[0]);
  Tensor out1 = as_at_least_1d(out), src = as_at_least_1d(in[2]);
  Tensor index = as_at_least_1d(index_as_int64(in[1]));
  check_indices(index, out1.size(dim), dim, op);
  if (index.numel() == 0) return {out};
  if constexpr (kAdd) {
    visit_dtype(out.dtype(), [&]<class T>() {
      scatter_along<T>(out1, dim, index.shape(), index, index.strides(), strided(src, src.strides()), accumulate<T>(1));
    });
  } else {
    visit_width(out.element_size(), [&]<class U>() {
      scatter_along<U>(out1, dim, index.shape(), index, index.strides(), strided(src, src.strides()),
                       [](U& o, const U& s) { o = s; });
    });
  }
  return {out};
}

std::vector<Tensor> scatter_value_kernel(std::span<const Tensor> in, const Attrs& a, std::span<const TensorType>) {
  const auto& at = attrs_as<ScatterValueAttrs>(a);
  const int64_t dim = wrap_dim(at.dim, in[0].dim(), "scatter");
  Tensor out = copy_of(in[0]);
  Tensor out1 = as_at_least_1d(out), index = as_at_least_1d(index_as_int64(in[1]));
  check_indices(index, out1.size(dim), dim, "scatter");
  if (index.numel() == 0) return {out};
  Tensor value = empty({}, out.options());  // the value in out's dtype, read through stride-0 operands
  visit_dtype(out.dtype(), [&]<class T>() { *value.data_ptr<T>() = at.value.to<T>(); });
  Operand src{static_cast<char*>(value.raw_data()), Strides(index.dim(), 0)};
  visit_width(out.element_size(), [&]<class U>() {
    scatter_along<U>(out1, dim, index.shape(), index, index.strides(), src, [](U& o, const U& s) { o = s; });
  });
  return {out};
}

std::vector<Tensor> index_add_kernel(std::span<const Tensor> in, const Attrs& a, std::span<const TensorType>) {
  const auto& at = attrs_as<IndexAddAttrs>(a);
  const int64_t dim = wrap_dim(at.dim, in[0].dim(), "index_add");
  Tensor out = copy_of(in[0]);
  Tensor out1 = as_at_least_1d(out), source = as_at_least_1d(in[2]), index = index_as_int64(in[1]);
  check_indices(index, out1.size(dim), dim, "index_add");
  if (source.numel() == 0) return {out};
  visit_dtype(out.dtype(), [&]<class T>() {
    scatter_along<T>(out1, dim, source.shape(), index, along(dim, source.dim()), strided(source, source.strides()),
                     accumulate<T>(at.alpha));
  });
  return {out};
}

}  // namespace

void register_index_kernels(Registry& r) {
  r.set_kernel("gather", kCPU, gather_kernel);
  r.set_kernel("index_select", kCPU, index_select_kernel);
  r.set_kernel("scatter", kCPU, scatter_kernel<false>);
  r.set_kernel("scatter_add", kCPU, scatter_kernel<true>);
  r.set_kernel("scatter_value", kCPU, scatter_value_kernel);
  r.set_kernel("index_add", kCPU, index_add_kernel);
  register_index_mask_kernels(r);
}

}  // namespace tessera::cpu
