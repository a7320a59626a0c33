// CPU kernels of softmax and log_softmax and of their fused backward ops: the input seen as [outer, D, inner]; each
// (outer, inner) line along D is normalized with its max subtracted first, so large inputs neither overflow nor lose
// digits (log_softmax is (x - max) - log(sum), not x - (max + log(sum)), whose rounding at logits of 1e4 cost 4e-4
// in float32: found by a breaking helper at stop 21). Lines run in parallel. Lines along the last dim (inner == 1)
// take a unit-stride instance of the same code, whose loops vectorize: the reductions keep kLanes partial results,
// combined in a fixed order, so results do not depend on the thread count. [4096, 1000] float32, 2 threads
// (bench_layer_ops): softmax forward 7.0 -> 6.2 ms, forward + backward 14.6 -> 8.9 ms (the backward was four tensor
// ops, now one pass per line).
//
// oneDNN's softmax primitive (softmax_v2, plain layout) ran the forward in 4.35 ms, but it is not used: on a line
// holding NaN or +Inf it gives [NaN, 0, 0] where PyTorch (and this kernel) give NaN throughout; its log_softmax
// lost digits (-0.4076038 for log_softmax([1, 2, 3])[2] against PyTorch's -0.4076059, about 70 float32 ulps); and
// its backward took 3x this kernel's time. Measured at stop 21 (docs/performance.md).
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "tessera/backend/cpu/copy.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/backend/cpu/vector_math.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/core/parallel.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/softmax.h"

namespace tessera::cpu {
namespace {

using Unit = std::integral_constant<int64_t, 1>;  // the stride of a line along the last dim
constexpr int kLanes = 8;

// f(acc, k) folded over k < d into kLanes partial results (lane l takes k = l mod kLanes), then combined in order.
template <class T, class F>
T fold_line(int64_t d, T init, const F& f) {
  T acc[kLanes];
  std::fill(acc, acc + kLanes, init);
  int64_t k = 0;
  for (; k + kLanes <= d; k += kLanes) {
    for (int l = 0; l < kLanes; ++l) acc[l] = f(acc[l], k + l);
  }
  for (; k < d; ++k) acc[0] = f(acc[0], k);
  T r = acc[0];
  for (int l = 1; l < kLanes; ++l) r = f.combine(r, acc[l]);
  return r;
}

template <class T, class S>
T line_max(const T* x, int64_t d, S s) {
  struct Max {
    const T* x;
    S s;
    T operator()(T a, int64_t k) const { return std::max(a, x[k * s]); }
    T combine(T a, T b) const { return std::max(a, b); }
  };
  return fold_line<T>(d, -std::numeric_limits<T>::infinity(), Max{x, s});
}

// sum over k of a[k], or of a[k] b[k] when kDot.
template <class T, bool kDot, class S>
T line_sum(const T* a, const T* b, int64_t d, S s) {
  struct Sum {
    const T *a, *b;
    S s;
    T operator()(T acc, int64_t k) const {
      if constexpr (kDot) return acc + a[k * s] * b[k * s];
      return acc + a[k * s];
    }
    T combine(T u, T v) const { return u + v; }
  };
  return fold_line<T>(d, T(0), Sum{a, b, s});
}

template <class T, bool kLog, class S>
void softmax_line(const T* x, T* y, int64_t d, S s) {
  T mx = line_max(x, d, s);
  if (std::isinf(mx) && mx < 0) mx = 0;  // an all -inf line: avoid inf - inf
  for (int64_t k = 0; k < d; ++k) y[k * s] = math_of<T>::exp(x[k * s] - mx);
  const T total = line_sum<T, false>(y, y, d, s);
  if constexpr (kLog) {
    const T log_total = math_of<T>::log(total);
    for (int64_t k = 0; k < d; ++k) y[k * s] = (x[k * s] - mx) - log_total;
  } else {
    const T inv = T(1) / total;
    for (int64_t k = 0; k < d; ++k) y[k * s] *= inv;
  }
}

// The gradient gx of one line from the output y and its gradient g: softmax gx = y (g - sum(g y)), log_softmax
// gx = g - exp(y) sum(g).
template <class T, bool kLog, class S>
void softmax_backward_line(const T* g, const T* y, T* gx, int64_t d, S s) {
  if constexpr (kLog) {
    const T sg = line_sum<T, false>(g, g, d, s);
    for (int64_t k = 0; k < d; ++k) gx[k * s] = g[k * s] - math_of<T>::exp(y[k * s]) * sg;
  } else {
    const T dot = line_sum<T, true>(g, y, d, s);
    for (int64_t k = 0; k < d; ++k) gx[k * s] = y[k * s] * (g[k * s] - dot);
  }
}

// The input seen as [outer, d, inner].
struct Lines {
  int64_t outer = 1, d = 1, inner = 1;
};

Lines lines_of(const Tensor& x, const Attrs& attrs, const char* op) {
  const int64_t nd = x.dim();
  Lines l;
  if (nd == 0) return l;
  const int64_t dim = wrap_dim(attrs_as<SoftmaxAttrs>(attrs).dim, nd, op);
  for (int64_t i = 0; i < dim; ++i) l.outer *= x.size(i);
  for (int64_t i = dim + 1; i < nd; ++i) l.inner *= x.size(i);
  l.d = x.size(dim);
  return l;
}

// f(offset, stride) for every line, in parallel; stride is Unit for lines along the last dim.
template <class F>
void for_each_line(const Lines& l, const F& f) {
  const int64_t grain = std::max<int64_t>(1, 4096 / std::max<int64_t>(l.d, 1));
  parallel_for(0, l.outer * l.inner, grain, [&](int64_t b, int64_t e) {
    for (int64_t line = b; line < e; ++line) {
      const int64_t base = line / l.inner * l.d * l.inner + line % l.inner;
      if (l.inner == 1) {
        f(base, Unit{});
      } else {
        f(base, l.inner);
      }
    }
  });
}

template <bool kLog>
std::vector<Tensor> softmax_kernel(std::span<const Tensor> in, const Attrs& attrs, std::span<const TensorType> types) {
  const char* op = kLog ? "log_softmax" : "softmax";
  const Tensor x = as_contiguous(in[0]);
  Tensor y = empty(types[0].shape, TensorOptions(types[0].dtype).device(x.device()));
  if (y.numel() == 0) return {y};
  const Lines l = lines_of(x, attrs, op);
  visit_float(x.dtype(), op, [&]<class T>() {
    const T* xp = x.data_ptr<const T>();
    T* yp = y.data_ptr<T>();
    for_each_line(l, [&](int64_t at, auto s) { softmax_line<T, kLog>(xp + at, yp + at, l.d, s); });
  });
  return {y};
}

// Inputs: the output gradient g and the forward's output y.
template <bool kLog>
std::vector<Tensor> softmax_backward_kernel(std::span<const Tensor> in, const Attrs& attrs,
                                            std::span<const TensorType> types) {
  const char* op = kLog ? "log_softmax_backward" : "softmax_backward";
  const Tensor g = as_contiguous(in[0]), y = as_contiguous(in[1]);
  Tensor gx = empty(types[0].shape, TensorOptions(types[0].dtype).device(y.device()));
  if (gx.numel() == 0) return {gx};
  const Lines l = lines_of(y, attrs, op);
  visit_float(y.dtype(), op, [&]<class T>() {
    const T *gp = g.data_ptr<const T>(), *yp = y.data_ptr<const T>();
    T* gxp = gx.data_ptr<T>();
    for_each_line(l, [&](int64_t at, auto s) { softmax_backward_line<T, kLog>(gp + at, yp + at, gxp + at, l.d, s); });
  });
  return {gx};
}

}  // namespace

void register_softmax_kernels(Registry& r) {
  r.set_kernel("softmax", kCPU, softmax_kernel<false>);
  r.set_kernel("log_softmax", kCPU, softmax_kernel<true>);
  r.set_kernel("softmax_backward", kCPU, softmax_backward_kernel<false>);
  r.set_kernel("log_softmax_backward", kCPU, softmax_backward_kernel<true>);
}

}  // namespace tessera::cpu
