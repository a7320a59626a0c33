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

// Note [2x2 max pooling]: kernel 2, stride 2, no padding, dilation 1 (the Fashion CNN's and VGG's poolings; an odd
// last row or column belongs to no window and is dropped) takes one pass per output row, reading the two input rows of
// its windows and choosing among a window's four cells with selects that GCC vectorizes. The generic tap-by-tap loop
// re-walked each output row four times, with stride-2 loads. The backward writes each window's four cells in the same
// pass instead of zero-filling the plane and scattering. 2 threads, forward / backward: the Fashion CNN's [64, 32, 28,
// 28] 2.0 / 1.5 -> 0.93 / 0.83 ms, [64, 64, 14, 14] 1.9 / 0.81 -> 0.97 / 0.81 ms, VGG11's [8, 64, 224, 224] 17 / 31 ->
// 17 / 14 ms (libtorch 1.13: 6.6 / 1.3, 3.4 / 0.55, 120 / 48 ms).
inline bool is_2x2_stride_2(const PoolGeometry& g, const Pool2dAttrs& a) {
  return a.kernel == std::array<int64_t, 2>{2, 2} && a.stride == std::array<int64_t, 2>{2, 2} &&
         a.padding == std::array<int64_t, 2>{0, 0} && a.dilation == std::array<int64_t, 2>{1, 1} && g.ho == g.h / 2 &&
         g.wo == g.w / 2;
}

// One output row: window i covers r0[2i], r0[2i + 1], r1[2i], r1[2i + 1], the plane's flat indices top + 2i, ...
// Row-major tap order as the generic loop; `|`, not `||`, and value parameters: no branch and no possible
// aliasing of the bounds, so the loop vectorizes.
template <class T>
void max_2x2_row(const T* __restrict r0, const T* __restrict r1, int64_t w, int64_t top, int64_t n, T* __restrict y,
                 int64_t* __restrict idx) {
  for (int64_t i = 0; i < n; ++i) {
    const T v0 = r0[2 * i], v1 = r0[2 * i + 1], v2 = r1[2 * i], v3 = r1[2 * i + 1];
    T best = v0;
    int64_t at = 0;
    bool take = (v1 > best) | (v1 != v1);
    best = take ? v1 : best, at = take ? 1 : at;
    take = (v2 > best) | (v2 != v2);
    best = take ? v2 : best, at = take ? w : at;
    take = (v3 > best) | (v3 != v3);
    best = take ? v3 : best, at = take ? w + 1 : at;
    y[i] = best, idx[i] = top + 2 * i + at;
  }
}

template <class T>
void max_pool_2x2(const PoolGeometry& g, const T* x, T* y, int64_t* idx) {
  parallel_for(0, g.planes, kPlaneGrain, [&, w = g.w, h = g.h, ho = g.ho, wo = g.wo](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      for (int64_t oh = 0; oh < ho; ++oh) {
        const int64_t top = 2 * oh * w;  // flat index of the window row's first cell in the plane
        const T* r0 = x + p * h * w + top;
        max_2x2_row(r0, r0 + w, w, top, wo, y + (p * ho + oh) * wo, idx + (p * ho + oh) * wo);
      }
    }
  });
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
    const PoolGeometry g = pool_geometry(x.shape(), y.shape());
    if (is_2x2_stride_2(g, a)) {
      max_pool_2x2<T>(g, x.data_ptr<const T>(), y.data_ptr<T>(), idx.data_ptr<int64_t>());
    } else {
      max_pool<T>(g, a, x.data_ptr<const T>(), y.data_ptr<T>(), idx.data_ptr<int64_t>());
    }
  });
  return {y, idx};
}

// The backward of one output row of a 2x2 pooling (max_2x2_row's windows): writes every cell of the row's windows,
// grad_output at the cell its index names and zero elsewhere, in one pass with no separate zero fill. Returns
// false if some index lies outside its window (indices that did not come from this pooling).
template <class T>
bool unpool_2x2_row(const T* __restrict g, const int64_t* __restrict at, int64_t w, int64_t top, int64_t n,
                    T* __restrict r0, T* __restrict r1) {
  int64_t outside = 0;
  for (int64_t i = 0; i < n; ++i) {
    // Unsigned: an index from elsewhere (near INT64_MIN) must not overflow; it simply lands outside the window.
    const auto k = static_cast<int64_t>(static_cast<uint64_t>(at[i]) - static_cast<uint64_t>(top + 2 * i));
    const T v = g[i] + T(0);  // -0 -> +0, as the scatter's 0 + g (and PyTorch) give
    r0[2 * i] = k == 0 ? v : T(0), r0[2 * i + 1] = k == 1 ? v : T(0);
    r1[2 * i] = k == w ? v : T(0), r1[2 * i + 1] = k == w + 1 ? v : T(0);
    outside += (k != 0) & (k != 1) & (k != w) & (k != w + 1);
  }
  return outside == 0;
}

// grad_input = 0, then += grad_output at each window's argmax, plane by plane (a plane's windows may share an
// argmax, so one plane is one work item). Indices outside their plane are an IndexError, reported after the loop.
// The gradient of a 2x2 stride-2 pooling (the attributes carry the forward's windows) first tries
// unpool_2x2_row (Note [2x2 max pooling]); a plane with an index outside its window is redone by the scatter.
std::vector<Tensor> max_pool_backward_kernel(std::span<const Tensor> in, const Attrs& attrs,
                                             std::span<const TensorType> types) {
  Tensor gx = empty(types[0].shape, TensorOptions(types[0].dtype).device(in[0].device()));
  const Tensor gy = as_contiguous(in[0]), idx = as_contiguous(in[1]);
  const PoolGeometry geo = pool_geometry(gx.shape(), gy.shape());
  const int64_t per_out = geo.ho * geo.wo, per_in = geo.h * geo.w;
  const bool windows_2x2 = is_2x2_stride_2(geo, attrs_as<Pool2dAttrs>(attrs));
  std::atomic<int64_t> bad{-1};
  visit_float(gy.dtype(), "max_pool2d_backward", [&]<class T>() {
    const T* g = gy.data_ptr<const T>();
    const int64_t* at = idx.data_ptr<const int64_t>();
    T* out = gx.data_ptr<T>();
    parallel_for(0, geo.planes, kPlaneGrain, [&, w = geo.w, ho = geo.ho, wo = geo.wo](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p) {
        T* plane = out + p * per_in;
        if (windows_2x2) {
          if (geo.h % 2 != 0 || w % 2 != 0) std::fill(plane, plane + per_in, T(0));  // cells outside every window
          bool inside = true;
          for (int64_t oh = 0; oh < ho; ++oh) {
            const int64_t o = p * per_out + oh * wo, top = 2 * oh * w;
            inside &= unpool_2x2_row(g + o, at + o, w, top, wo, plane + top, plane + top + w);
          }
          if (inside) continue;
        }
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
