// CPU kernels of max_pool2d, avg_pool2d and avg_pool2d_backward: direct loops over each output window, one
// [H, W] plane per work item (planes run in parallel).
#include <algorithm>
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

template <class T>
void max_pool(const PoolGeometry& g, const Pool2dAttrs& a, const T* x, T* y, int64_t* idx) {
  parallel_for(0, g.planes, kPlaneGrain, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      const T* xp = x + p * g.h * g.w;
      for (int64_t oh = 0; oh < g.ho; ++oh) {
        for (int64_t ow = 0; ow < g.wo; ++ow) {
          T best = -std::numeric_limits<T>::infinity();
          int64_t best_at = -1;
          for (int64_t ki = 0; ki < a.kernel[0]; ++ki) {
            const int64_t ih = oh * a.stride[0] - a.padding[0] + ki * a.dilation[0];
            if (ih < 0 || ih >= g.h) continue;
            for (int64_t kj = 0; kj < a.kernel[1]; ++kj) {
              const int64_t iw = ow * a.stride[1] - a.padding[1] + kj * a.dilation[1];
              if (iw < 0 || iw >= g.w) continue;
              const T v = xp[ih * g.w + iw];
              // A NaN always takes over (so the last NaN of a window wins), as in PyTorch.
              if (best_at < 0 || v > best || std::isnan(v)) best = v, best_at = ih * g.w + iw;
            }
          }
          const int64_t o = (p * g.ho + oh) * g.wo + ow;
          y[o] = best, idx[o] = best_at;
        }
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
  r.set_kernel("avg_pool2d", kCPU, avg_pool_kernel<false>);
  r.set_kernel("avg_pool2d_backward", kCPU, avg_pool_kernel<true>);
}

}  // namespace tessera::cpu
