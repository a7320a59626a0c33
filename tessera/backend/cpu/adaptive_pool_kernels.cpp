// CPU kernel of adaptive_max_pool2d: a direct loop over each output window, one [H, W] plane per work item.
#include <cmath>

#include "tessera/backend/cpu/copy.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/core/parallel.h"
#include "tessera/ops/adaptive_pool.h"
#include "tessera/ops/registry.h"

namespace tessera::cpu {
namespace {

template <class T>
void adaptive_max_pool(int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow, const T* x, T* y, int64_t* idx) {
  parallel_for(0, planes, 4, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      const T* xp = x + p * h * w;
      for (int64_t i = 0; i < oh; ++i) {
        const int64_t h0 = adaptive_start(i, h, oh), h1 = adaptive_end(i, h, oh);
        for (int64_t j = 0; j < ow; ++j) {
          const int64_t w0 = adaptive_start(j, w, ow), w1 = adaptive_end(j, w, ow);
          T best = xp[h0 * w + w0];
          int64_t best_at = h0 * w + w0;
          for (int64_t r = h0; r < h1; ++r) {
            for (int64_t c = w0; c < w1; ++c) {
              const T v = xp[r * w + c];
              // A NaN takes over (the last NaN of a window wins), as in PyTorch.
              if (v > best || std::isnan(v)) best = v, best_at = r * w + c;
            }
          }
          const int64_t at = (p * oh + i) * ow + j;
          y[at] = best, idx[at] = best_at;
        }
      }
    }
  });
}

std::vector<Tensor> adaptive_max_kernel(std::span<const Tensor> in, const Attrs&, std::span<const TensorType> types) {
  Tensor y = empty(types[0].shape, TensorOptions(types[0].dtype).device(in[0].device()));
  Tensor idx = empty(types[1].shape, TensorOptions(kInt64).device(in[0].device()));
  if (y.numel() == 0) return {y, idx};
  const Tensor x = as_contiguous(in[0]);
  const Shape& s = x.shape();
  visit_float(x.dtype(), "adaptive_max_pool2d", [&]<class T>() {
    adaptive_max_pool<T>(s[0] * s[1], s[2], s[3], y.size(2), y.size(3), x.data_ptr<const T>(), y.data_ptr<T>(),
                         idx.data_ptr<int64_t>());
  });
  return {y, idx};
}

}  // namespace

void register_adaptive_pool_kernels(Registry& r) { r.set_kernel("adaptive_max_pool2d", kCPU, adaptive_max_kernel); }

}  // namespace tessera::cpu
