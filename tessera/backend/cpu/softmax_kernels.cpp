// CPU kernels of softmax and log_softmax: the input seen as [outer, D, inner]; each (outer, inner) line along D
// is normalized with its max subtracted first (exact for large inputs). Lines run in parallel.
#include <algorithm>
#include <cmath>
#include <limits>

#include "tessera/backend/cpu/copy.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/backend/cpu/vector_math.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/core/parallel.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/softmax.h"

namespace tessera::cpu {
namespace {

template <class T, bool kLog>
void softmax_lines(const T* x, T* y, int64_t outer, int64_t d, int64_t inner) {
  const int64_t grain = std::max<int64_t>(1, 4096 / std::max<int64_t>(d, 1));
  parallel_for(0, outer * inner, grain, [&](int64_t b, int64_t e) {
    for (int64_t line = b; line < e; ++line) {
      const int64_t o = line / inner, i = line % inner, base = o * d * inner + i;
      const T* xl = x + base;
      T* yl = y + base;
      T mx = -std::numeric_limits<T>::infinity();
      for (int64_t k = 0; k < d; ++k) mx = std::max(mx, xl[k * inner]);
      if (std::isinf(mx) && mx < 0) mx = 0;  // an all -inf line: avoid inf - inf
      T total = 0;
      for (int64_t k = 0; k < d; ++k) {
        const T ex = math_of<T>::exp(xl[k * inner] - mx);
        if (!kLog) yl[k * inner] = ex;
        total += ex;
      }
      if constexpr (kLog) {
        const T shift = mx + math_of<T>::log(total);
        for (int64_t k = 0; k < d; ++k) yl[k * inner] = xl[k * inner] - shift;
      } else {
        const T inv = T(1) / total;
        for (int64_t k = 0; k < d; ++k) yl[k * inner] *= inv;
      }
    }
  });
}

template <bool kLog>
std::vector<Tensor> softmax_kernel(std::span<const Tensor> in, const Attrs& attrs, std::span<const TensorType> types) {
  const Tensor x = as_contiguous(in[0]);
  Tensor y = empty(types[0].shape, TensorOptions(types[0].dtype).device(x.device()));
  if (y.numel() == 0) return {y};
  const int64_t nd = x.dim();
  const int64_t dim = nd == 0 ? 0 : wrap_dim(attrs_as<SoftmaxAttrs>(attrs).dim, nd, "softmax");
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < dim; ++i) outer *= x.size(i);
  for (int64_t i = dim + 1; i < nd; ++i) inner *= x.size(i);
  const int64_t d = nd == 0 ? 1 : x.size(dim);
  visit_float(x.dtype(), kLog ? "log_softmax" : "softmax",
              [&]<class T>() { softmax_lines<T, kLog>(x.data_ptr<const T>(), y.data_ptr<T>(), outer, d, inner); });
  return {y};
}

}  // namespace

void register_softmax_kernels(Registry& r) {
  r.set_kernel("softmax", kCPU, softmax_kernel<false>);
  r.set_kernel("log_softmax", kCPU, softmax_kernel<true>);
}

}  // namespace tessera::cpu
