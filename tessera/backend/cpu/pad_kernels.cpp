// CPU kernels of pad and pad_backward (Note [Padding as an index map] in ops/pad.h). Each padded dim gets a
// table of source positions; the output is walked row by row (a row runs along the last dim), so a whole row
// that reads the fill value is filled at once. pad_backward sums into one input plane per work item, in output
// order, so its result does not depend on the thread count.
#include <algorithm>
#include <type_traits>

#include "tessera/backend/cpu/copy.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/core/parallel.h"
#include "tessera/ops/pad.h"
#include "tessera/ops/registry.h"

namespace tessera::cpu {
namespace {

// The padded (trailing) dims of one pad: sizes, input strides and source tables, outermost first.
struct PadPlan {
  int64_t outer = 1;                       // product of the dims that are not padded
  Shape in, out;                           // sizes of the padded dims
  Strides in_stride;                       // contiguous input strides of the padded dims
  std::vector<std::vector<int64_t>> maps;  // per padded dim: source position of each output position, -1 = fill
  int64_t in_plane = 1, out_plane = 1;
  int64_t width() const { return out.back(); }
  int64_t rows() const { return out_plane / std::max<int64_t>(width(), 1); }
};

PadPlan plan(const Shape& x, const PadAttrs& a) {
  PadPlan p;
  const int64_t rank = static_cast<int64_t>(x.size()), k = static_cast<int64_t>(a.pad.size()) / 2;
  for (int64_t d = 0; d < rank - k; ++d) p.outer *= x[d];
  for (int64_t d = rank - k; d < rank; ++d) {
    const int64_t j = rank - 1 - d, left = a.pad[2 * j], right = a.pad[2 * j + 1], n = x[d];
    p.in.push_back(n);
    p.out.push_back(n + left + right);
    std::vector<int64_t> m(static_cast<size_t>(n + left + right));
    for (int64_t o = 0; o < static_cast<int64_t>(m.size()); ++o) m[o] = pad_source_index(a.mode, o, n, left, right);
    p.maps.push_back(std::move(m));
  }
  p.in_stride.assign(p.in.size(), 1);
  for (int64_t j = k - 2; j >= 0; --j) p.in_stride[j] = p.in_stride[j + 1] * p.in[j + 1];
  for (int64_t j = 0; j < k; ++j) p.in_plane *= p.in[j], p.out_plane *= p.out[j];
  return p;
}

// The offset (within an input plane) of output row r, or -1 when the row reads the fill value.
int64_t row_source(const PadPlan& p, int64_t r) {
  int64_t src = 0;
  for (int64_t j = static_cast<int64_t>(p.out.size()) - 2; j >= 0; --j) {
    const int64_t s = p.maps[j][r % p.out[j]];
    if (s < 0) return -1;
    src += s * p.in_stride[j];
    r /= p.out[j];
  }
  return src;
}

template <class T>
T from_double(double v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v != 0.0;
  } else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
    return T(static_cast<float>(v));
  } else {
    return static_cast<T>(v);
  }
}

template <class T>
void pad_forward(const PadPlan& p, const T* x, T* y, T fill) {
  const int64_t w = p.width(), rows = p.rows();
  const std::vector<int64_t>& last = p.maps.back();
  parallel_for(0, p.outer * rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(w, 1)), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      T* dst = y + t * w;
      const int64_t src = row_source(p, t % rows);
      if (src < 0) {
        std::fill(dst, dst + w, fill);
        continue;
      }
      const T* row = x + (t / rows) * p.in_plane + src;
      for (int64_t o = 0; o < w; ++o) dst[o] = last[o] < 0 ? fill : row[last[o]];
    }
  });
}

template <class T>
void pad_backward(const PadPlan& p, const T* gy, T* gx) {
  using Acc = std::conditional_t<std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>, float, T>;
  const int64_t w = p.width(), rows = p.rows();
  const std::vector<int64_t>& last = p.maps.back();
  parallel_for(0, p.outer, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      T* plane = gx + i * p.in_plane;
      std::fill(plane, plane + p.in_plane, T(0.0f));
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t src = row_source(p, r);
        if (src < 0) continue;
        const T* g = gy + (i * rows + r) * w;
        T* row = plane + src;
        for (int64_t o = 0; o < w; ++o) {
          if (last[o] >= 0) row[last[o]] = T(Acc(row[last[o]]) + Acc(g[o]));
        }
      }
    }
  });
}

template <bool kBackward>
std::vector<Tensor> pad_kernel(std::span<const Tensor> in, const Attrs& attrs, std::span<const TensorType> types) {
  const auto& a = attrs_as<PadAttrs>(attrs);
  Tensor out = empty(types[0].shape, TensorOptions(types[0].dtype).device(in[0].device()));
  if (a.pad.empty()) {
    copy_into(out, in[0]);
    return {out};
  }
  const Tensor src = as_contiguous(in[0]);
  if (out.numel() == 0) return {out};
  const PadPlan p = plan(kBackward ? out.shape() : src.shape(), a);
  visit_dtype(src.dtype(), [&]<class T>() {
    if constexpr (kBackward) {
      if constexpr (!std::is_same_v<T, bool> && !std::is_integral_v<T>) {
        pad_backward<T>(p, src.data_ptr<const T>(), out.data_ptr<T>());
      }
    } else {
      pad_forward<T>(p, src.data_ptr<const T>(), out.data_ptr<T>(), from_double<T>(a.value));
    }
  });
  return {out};
}

}  // namespace

void register_pad_kernels(Registry& r) {
  r.set_kernel("pad", kCPU, pad_kernel<false>);
  r.set_kernel("pad_backward", kCPU, pad_kernel<true>);
}

}  // namespace tessera::cpu
