// CPU kernels of cumsum, cumprod, sort, argsort, topk and kthvalue (ops/scan_sort.h). Each works on a
// contiguous copy of the input seen as [outer, n, inner] around the op's dim; lines along the dim run in
// parallel, each on one thread, so results never depend on the thread count.
#include <algorithm>
#include <vector>

#include "tessera/backend/cpu/copy.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/backend/cpu/reduce_engine.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/scan_sort.h"

namespace tessera::cpu {
namespace {

using Outs = std::vector<Tensor>;
using In = std::span<const Tensor>;
using OutTypes = std::span<const TensorType>;

// A contiguous shape seen as [outer, n, inner] around dim `d` (a 0-d tensor is one element).
struct Lines {
  int64_t outer = 1, n = 1, inner = 1;
};
Lines lines_of(const Shape& shape, int64_t d) {
  Lines l;
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    int64_t& part = i < d ? l.outer : i == d ? l.n : l.inner;
    part *= shape[i];
  }
  return l;
}

inline constexpr int64_t kInnerBlock = 256;  // running totals kept per block of the inner dims

template <bool kProd>
Outs cum_kernel(In in, const Attrs& attrs, OutTypes out_types) {
  const auto& a = attrs_as<CumAttrs>(attrs);
  Tensor out = new_output(out_types[0]);
  const Tensor x = as_contiguous(in[0], a.dtype ? *a.dtype : in[0].dtype());
  const Lines l = lines_of(x.shape(), wrap_dim(a.dim, x.dim(), kProd ? "cumprod" : "cumsum"));
  const int64_t blocks = (l.inner + kInnerBlock - 1) / kInnerBlock;
  visit_dtype(x.dtype(), [&]<class T>() {
    // Like PyTorch's CPU kernels: floats accumulate in double, integers and bool in int64.
    using A = std::conditional_t<std::is_floating_point_v<T> || is_half_v<T>, double, int64_t>;
    using C = std::conditional_t<kProd, Mul, Add>;
    with_out_type<T>(out.dtype(), [&]<class O>() {
      const T* src = x.data_ptr<const T>();
      O* dst = out.data_ptr<O>();
      const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, l.n * std::min(l.inner, kInnerBlock)));
      parallel_for(0, l.outer * blocks, grain, [&](int64_t b, int64_t e) {
        A acc[kInnerBlock];
        for (int64_t u = b; u < e; ++u) {
          const int64_t j0 = u % blocks * kInnerBlock, w = std::min(kInnerBlock, l.inner - j0);
          const int64_t base = u / blocks * l.n * l.inner + j0;
          std::fill(acc, acc + w, A(kProd ? 1 : 0));
          for (int64_t k = 0; k < l.n; ++k) {
            const T* s = src + base + k * l.inner;
            O* d = dst + base + k * l.inner;
            for (int64_t j = 0; j < w; ++j) {
              acc[j] = C{}(acc[j], to_acc<A>(s[j]));
              d[j] = from_acc<O>(acc[j]);
            }
          }
        }
      });
    });
  });
  return {out};
}

// One element of a line being sorted: its value (compared in cmp_t) and its index along the dim.
template <class V>
struct Entry {
  V v;
  int64_t i;
};

// The total order sort uses: NaN above everything, equal values by index (so every sort is stable).
template <class V>
bool value_less(V a, V b) {
  return is_nan(b) ? !is_nan(a) : a < b;
}
template <class V>
struct Ascending {
  bool operator()(const Entry<V>& a, const Entry<V>& b) const {
    return value_less(a.v, b.v) || (!value_less(b.v, a.v) && a.i < b.i);
  }
};
template <class V>
struct Descending {
  bool operator()(const Entry<V>& a, const Entry<V>& b) const {
    return value_less(b.v, a.v) || (!value_less(a.v, b.v) && a.i < b.i);
  }
};

// For each line along `dim` of x: gathers its entries, calls select(entries) to put the k_out wanted entries
// first and in order, and writes them to line positions [0, k_out) of the outputs (values may be null).
template <class T, class Select>
void select_lines(const Tensor& x, int64_t dim, int64_t k_out, T* values, int64_t* indices, const Select& select) {
  using V = cmp_t<T>;
  const Tensor c = as_contiguous(x);
  const Lines l = lines_of(c.shape(), dim);
  const T* src = c.data_ptr<const T>();
  parallel_for(0, l.outer * l.inner, std::max<int64_t>(1, kGrain / std::max<int64_t>(l.n, 1)),
               [&](int64_t b, int64_t e) {
                 std::vector<Entry<V>> line(l.n);
                 for (int64_t u = b; u < e; ++u) {
                   const int64_t o = u / l.inner, j = u % l.inner;
                   const T* s = src + o * l.n * l.inner + j;
                   for (int64_t i = 0; i < l.n; ++i) line[i] = {to_acc<V>(s[i * l.inner]), i};
                   select(line);
                   const int64_t first = o * k_out * l.inner + j;
                   for (int64_t i = 0; i < k_out; ++i) {
                     if (values) values[first + i * l.inner] = from_acc<T>(line[i].v);
                     indices[first + i * l.inner] = line[i].i;
                   }
                 }
               });
}

template <bool kValues>
Outs sort_kernel(In in, const Attrs& attrs, OutTypes out_types) {
  const auto& a = attrs_as<SortAttrs>(attrs);
  const Tensor& x = in[0];
  const int64_t dim = wrap_dim(a.dim, x.dim(), "sort");
  Outs outs;
  for (const TensorType& t : out_types) outs.push_back(new_output(t));
  visit_dtype(x.dtype(), [&]<class T>() {
    using E = Entry<cmp_t<T>>;
    select_lines<T>(x, dim, lines_of(x.shape(), dim).n, kValues ? outs[0].data_ptr<T>() : nullptr,
                    outs.back().data_ptr<int64_t>(), [&](std::vector<E>& line) {
                      if (a.descending)
                        std::sort(line.begin(), line.end(), Descending<cmp_t<T>>{});
                      else
                        std::sort(line.begin(), line.end(), Ascending<cmp_t<T>>{});
                    });
  });
  return outs;
}

Outs topk_kernel(In in, const Attrs& attrs, OutTypes out_types) {
  const auto& a = attrs_as<TopkAttrs>(attrs);
  const Tensor& x = in[0];
  const int64_t dim = wrap_dim(a.dim, x.dim(), "topk");
  const int64_t k = x.dim() == 0 ? 1 : a.k;  // a 0-d input gives its element (also for k = 0, like PyTorch)
  Outs outs{new_output(out_types[0]), new_output(out_types[1])};
  visit_dtype(x.dtype(), [&]<class T>() {
    using E = Entry<cmp_t<T>>;
    select_lines<T>(x, dim, k, outs[0].data_ptr<T>(), outs[1].data_ptr<int64_t>(), [&](std::vector<E>& line) {
      if (a.largest)
        std::partial_sort(line.begin(), line.begin() + k, line.end(), Descending<cmp_t<T>>{});
      else
        std::partial_sort(line.begin(), line.begin() + k, line.end(), Ascending<cmp_t<T>>{});
    });
  });
  return outs;
}

Outs kthvalue_kernel(In in, const Attrs& attrs, OutTypes out_types) {
  const auto& a = attrs_as<KthvalueAttrs>(attrs);
  const Tensor& x = in[0];
  const int64_t dim = wrap_dim(a.dim, x.dim(), "kthvalue");
  Outs outs{new_output(out_types[0]), new_output(out_types[1])};
  visit_dtype(x.dtype(), [&]<class T>() {
    using E = Entry<cmp_t<T>>;
    select_lines<T>(x, dim, 1, outs[0].data_ptr<T>(), outs[1].data_ptr<int64_t>(), [&](std::vector<E>& line) {
      std::nth_element(line.begin(), line.begin() + (a.k - 1), line.end(), Ascending<cmp_t<T>>{});
      line[0] = line[a.k - 1];
    });
  });
  return outs;
}

}  // namespace

void register_scan_sort_kernels(Registry& r) {
  r.set_kernel("cumsum", kCPU, cum_kernel<false>);
  r.set_kernel("cumprod", kCPU, cum_kernel<true>);
  r.set_kernel("sort", kCPU, sort_kernel<true>);
  r.set_kernel("argsort", kCPU, sort_kernel<false>);
  r.set_kernel("topk", kCPU, topk_kernel);
  r.set_kernel("kthvalue", kCPU, kthvalue_kernel);
}

}  // namespace tessera::cpu
