// CPU kernels of max_pool2d, avg_pool2d and avg_pool2d_backward: direct loops over each output window, one
// [H, W] plane per work item (planes run in parallel).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

#include "tessera/backend/cpu/copy.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/core/parallel.h"
#include "tessera/ops/pool.h"
#include "tessera/ops/registry.h"

namespace tessera::cpu {
namespace {

struct PoolGeometry {
  int64_t planes = 0, h = 0, w = 0, ho = 0, wo = 0;
};

PoolGeometry pool_geometry(const Shape& in, const Shape& out) { return {in[0] * in[1], in[2], in[3], out[2], out[3]}; }

// Work per plane is at least a few hundred operations: one plane per chunk is fine-grained enough.
constexpr int64_t kPlaneGrain = 4;

// The kernel taps [lo, hi) of a window starting at `first` (stride `d` between taps) that fall inside [0, n).
struct Taps {
  int64_t lo, hi;
};
Taps taps_inside(int64_t first, int64_t kernel, int64_t d, int64_t n) {
  const int64_t lo = first >= 0 ? 0 : (-first + d - 1) / d;
  const int64_t hi = first > n - 1 ? 0 : std::min(kernel, (n - 1 - first) / d + 1);
  return {lo, std::max(lo, hi)};
}

// Folds tap value v (flat index at) into the running max (best, best_at) without a branch: random data makes
// `v > best` a coin flip, and mispredicted branches were most of the time of the branchy version. A NaN always
// takes over (so the last NaN of a window wins), as in PyTorch.
template <class T>
inline void take_max(T v, int64_t at, T& best, int64_t& best_at) {
  const bool take = v > best || v != v;
  best = take ? v : best;
  best_at = take ? at : best_at;
}

// One tap of a row of n interior windows: window i reads src[i * step], the flat index base + i * step, and
// folds it into (best[i], at[i]) (or starts them, for the first tap). The restrict pointers and plain stores let
// the compiler turn the select into vector blends.
template <class T>
void max_tap_row(const T* __restrict src, int64_t step, int64_t base, int64_t n, bool first, T* __restrict best,
                 int64_t* __restrict at) {
  if (first) {
    for (int64_t i = 0; i < n; ++i) best[i] = src[i * step], at[i] = base + i * step;
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const T v = src[i * step];
    const bool take = v > best[i] || v != v;  // NaN takes over, as in take_max
    best[i] = take ? v : best[i];
    at[i] = take ? base + i * step : at[i];
  }
}

// Output columns [lo, hi) whose windows lie wholly inside the input width (no clipped taps).
Taps interior_columns(int64_t w, int64_t wo, int64_t kw, int64_t sw, int64_t pw, int64_t dw) {
  const int64_t lo = std::min(wo, (pw + sw - 1) / sw);
  const int64_t last = w - 1 - (kw - 1) * dw + pw;  // the largest window start (unpadded) that fits
  const int64_t hi = last < 0 ? lo : std::clamp<int64_t>(last / sw + 1, lo, wo);
  return {lo, hi};
}

// Note [Max pooling loop order]: per output row, interior columns run tap by tap over the whole row (a
// branch-free, vectorizable inner loop over columns, results written straight into y and the indices); only the
// few border columns whose windows are clipped by padding take the per-window loop.
template <class T>
void max_pool(const PoolGeometry& g, const Pool2dAttrs& a, const T* x, T* y, int64_t* idx) {
  // Locals, not reads through `a`: the int64 index stores could alias the attributes' int64 fields.
  const int64_t kh = a.kernel[0], kw = a.kernel[1], sh = a.stride[0], sw = a.stride[1];
  const int64_t ph = a.padding[0], pw = a.padding[1], dh = a.dilation[0], dw = a.dilation[1];
  const int64_t h = g.h, w = g.w, ho = g.ho, wo = g.wo;
  const Taps inner = interior_columns(w, wo, kw, sw, pw, dw);
  parallel_for(0, g.planes, kPlaneGrain, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      const T* xp = x + p * h * w;
      for (int64_t oh = 0; oh < ho; ++oh) {
        const int64_t h0 = oh * sh - ph;
        const Taps rows = taps_inside(h0, kh, dh, h);
        T* yr = y + (p * ho + oh) * wo;
        int64_t* ir = idx + (p * ho + oh) * wo;
        auto window = [&](int64_t ow) {  // a border column: its own clipped taps
          const int64_t w0 = ow * sw - pw;
          const Taps cols = taps_inside(w0, kw, dw, w);
          T best = -std::numeric_limits<T>::infinity();
          int64_t best_at = -1;
          for (int64_t ki = rows.lo; ki < rows.hi; ++ki) {
            const int64_t row = (h0 + ki * dh) * w + w0;
            for (int64_t kj = cols.lo; kj < cols.hi; ++kj) {
              const int64_t at = row + kj * dw;
              if (best_at < 0) best = xp[at], best_at = at;
              take_max(xp[at], at, best, best_at);
            }
          }
          yr[ow] = best, ir[ow] = best_at;
        };
        for (int64_t ow = 0; ow < inner.lo; ++ow) window(ow);
        for (int64_t ki = rows.lo; ki < rows.hi; ++ki) {
          for (int64_t kj = 0; kj < kw; ++kj) {
            const int64_t base = (h0 + ki * dh) * w + kj * dw - pw;  // the tap of column ow is base + ow * sw
            const int64_t first = base + inner.lo * sw;
            max_tap_row(xp + first, sw, first, inner.hi - inner.lo, ki == rows.lo && kj == 0, yr + inner.lo,
                        ir + inner.lo);
          }
        }
        for (int64_t ow = inner.hi; ow < wo; ++ow) window(ow);
      }
    }
  });
}

// The window of output (oh, ow) of avg_pool2d, clipped to the input, and its divisor (PyTorch's rule).
struct AvgWindow {
  int64_t h0, h1, w0, w1, divisor;
};
AvgWindow avg_window(const PoolGeometry& g, const Pool2dAttrs& a, int64_t oh, int64_t ow) {
  int64_t h0 = oh * a.stride[0] - a.padding[0], w0 = ow * a.stride[1] - a.padding[1];
  int64_t h1 = std::min(h0 + a.kernel[0], g.h + a.padding[0]), w1 = std::min(w0 + a.kernel[1], g.w + a.padding[1]);
  const int64_t padded_count = (h1 - h0) * (w1 - w0);
  h0 = std::max<int64_t>(h0, 0), w0 = std::max<int64_t>(w0, 0);
  h1 = std::min(h1, g.h), w1 = std::min(w1, g.w);
  const int64_t divisor = a.count_include_pad ? padded_count : (h1 - h0) * (w1 - w0);
  return {h0, h1, w0, w1, divisor};
}

// kForward: y[window] = mean of x over the window; kBackward: x[window] += gy / divisor.
template <class T, bool kBackward>
void avg_pool(const PoolGeometry& g, const Pool2dAttrs& a, const T* src, T* dst) {
  parallel_for(0, g.planes, kPlaneGrain, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      const T* in = src + p * (kBackward ? g.ho * g.wo : g.h * g.w);
      T* out = dst + p * (kBackward ? g.h * g.w : g.ho * g.wo);
      if (kBackward) std::fill(out, out + g.h * g.w, T(0));
      for (int64_t oh = 0; oh < g.ho; ++oh) {
        for (int64_t ow = 0; ow < g.wo; ++ow) {
          const AvgWindow win = avg_window(g, a, oh, ow);
          if constexpr (kBackward) {
            const T share = win.divisor > 0 ? in[oh * g.wo + ow] / T(win.divisor) : T(0);
            for (int64_t i = win.h0; i < win.h1; ++i) {
              for (int64_t j = win.w0; j < win.w1; ++j) out[i * g.w + j] += share;
            }
          } else {
            T sum = 0;
            for (int64_t i = win.h0; i < win.h1; ++i) {
              for (int64_t j = win.w0; j < win.w1; ++j) sum += in[i * g.w + j];
            }
            out[oh * g.wo + ow] = win.divisor > 0 ? sum / T(win.divisor) : T(0);
          }
        }
      }
    }
  });
}

std::vector<Tensor> max_pool_kernel(std::span<const Tensor> in, const Attrs& attrs, std::span<const TensorType> types) {
  const auto& a = attrs_as<Pool2dAttrs>(attrs);
  Tensor y = empty(types[0].shape, TensorOptions(types[0].dtype).device(in[0].device()));
  Tensor idx = empty(types[1].shape, TensorOptions(kInt64).device(in[0].device()));
  if (y.numel() == 0) return {y, idx};
  const Tensor x = as_contiguous(in[0]);
  visit_float(x.dtype(), "max_pool2d", [&]<class T>() {
    max_pool<T>(pool_geometry(x.shape(), y.shape()), a, x.data_ptr<const T>(), y.data_ptr<T>(),
                idx.data_ptr<int64_t>());
  });
  return {y, idx};
}

// grad_input = 0, then += grad_output at each window's argmax, plane by plane (a plane's windows may share an
// argmax, so one plane is one work item). Indices outside their plane are an IndexError, reported after the loop.
std::vector<Tensor> max_pool_backward_kernel(std::span<const Tensor> in, const Attrs&,
                                             std::span<const TensorType> types) {
  Tensor gx = empty(types[0].shape, TensorOptions(types[0].dtype).device(in[0].device()));
  const Tensor gy = as_contiguous(in[0]), idx = as_contiguous(in[1]);
  const int64_t planes = gy.size(0) * gy.size(1), per_out = gy.size(2) * gy.size(3), per_in = gx.size(2) * gx.size(3);
  std::atomic<int64_t> bad{-1};
  visit_float(gy.dtype(), "max_pool2d_backward", [&]<class T>() {
    const T* g = gy.data_ptr<const T>();
    const int64_t* at = idx.data_ptr<const int64_t>();
    T* out = gx.data_ptr<T>();
    parallel_for(0, planes, kPlaneGrain, [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p) {
        T* plane = out + p * per_in;
        std::fill(plane, plane + per_in, T(0));
        for (int64_t k = p * per_out, end = k + per_out; k < end; ++k) {
          if (at[k] < 0 || at[k] >= per_in) {
            bad.store(k);
            continue;
          }
          plane[at[k]] += g[k];
        }
      }
    });
  });
  const int64_t k = bad.load();
  check<IndexError>(k < 0, "max_pool2d_backward: index ", k < 0 ? 0 : idx.data_ptr<const int64_t>()[k],
                    " is out of range for a plane of ", per_in, " elements");
  return {gx};
}

template <bool kBackward>
std::vector<Tensor> avg_pool_kernel(std::span<const Tensor> in, const Attrs& attrs, std::span<const TensorType> types) {
  const auto& a = attrs_as<Pool2dAttrs>(attrs);
  Tensor out = empty(types[0].shape, TensorOptions(types[0].dtype).device(in[0].device()));
  if (out.numel() == 0) return {out};
  const Tensor src = as_contiguous(in[0]);
  const PoolGeometry g = kBackward ? pool_geometry(out.shape(), src.shape()) : pool_geometry(src.shape(), out.shape());
  visit_float(src.dtype(), "avg_pool2d",
              [&]<class T>() { avg_pool<T, kBackward>(g, a, src.data_ptr<const T>(), out.data_ptr<T>()); });
  return {out};
}

}  // namespace

void register_pool_kernels(Registry& r) {
  r.set_kernel("max_pool2d", kCPU, max_pool_kernel);
  r.set_kernel("max_pool2d_backward", kCPU, max_pool_backward_kernel);
  r.set_kernel("avg_pool2d", kCPU, avg_pool_kernel<false>);
  r.set_kernel("avg_pool2d_backward", kCPU, avg_pool_kernel<true>);
}

}  // namespace tessera::cpu
