// CPU kernels of masked_fill, masked_select, nonzero, tril, triu and one_hot.
#include <algorithm>
#include <cstring>
#include <numeric>
#include <type_traits>

#include "tessera/backend/cpu/copy.h"
#include "tessera/backend/cpu/index_kernels.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/backend/cpu/loops.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/ops/index.h"
#include "tessera/ops/registry.h"

namespace tessera::cpu {
namespace {

// masked_select and nonzero compact a contiguous bool mask in fixed chunks: count each chunk's trues in
// parallel, prefix-sum the counts, then each chunk writes its own range of the output. The chunks do not depend
// on the thread count, nor does the output order (row-major).
constexpr int64_t kChunk = kGrain;

template <class F>
void for_each_chunk(int64_t n, const F& f) {
  parallel_for(0, (n + kChunk - 1) / kChunk, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) f(c, c * kChunk, std::min(n, (c + 1) * kChunk));
  });
}

// offsets[c] = trues before chunk c; offsets.back() = all trues.
std::vector<int64_t> chunk_offsets(const bool* mask, int64_t n) {
  std::vector<int64_t> offsets((n + kChunk - 1) / kChunk + 1, 0);
  for_each_chunk(n, [&](int64_t c, int64_t b, int64_t e) { offsets[c + 1] = std::count(mask + b, mask + e, true); });
  std::partial_sum(offsets.begin(), offsets.end(), offsets.begin());
  return offsets;
}

// NaN counts as nonzero (NaN != 0).
template <class T>
bool is_nonzero(T v) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>)
    return static_cast<float>(v) != 0.0f;
  else
    return v != T(0);
}

// `t` broadcast to `shape` as a view (stride 0 along broadcast dims).
Tensor broadcast_view(const Tensor& t, const Shape& shape) {
  Operand op = operand(t, shape);
  for (int64_t& s : op.byte_strides) s /= static_cast<int64_t>(t.element_size());
  return make_view(t, shape, op.byte_strides, t.storage_offset());
}

std::vector<Tensor> masked_fill_kernel(std::span<const Tensor> in, const Attrs& a, std::span<const TensorType> t) {
  Tensor out = empty(t[0].shape, in[0].options());
  const Scalar value = attrs_as<MaskedFillAttrs>(a).value;
  visit_dtype(out.dtype(), [&]<class T>() {
    map<T, T, bool>(out, [v = value.to<T>()](T x, bool m) { return m ? v : x; }, {in[0], in[1]});
  });
  return {out};
}

std::vector<Tensor> masked_select_kernel(std::span<const Tensor> in, const Attrs&, std::span<const TensorType>) {
  const Shape shape = broadcast_shapes(in[0].shape(), in[1].shape(), "masked_select");
  Tensor x = as_contiguous(broadcast_view(in[0], shape)), mask = as_contiguous(broadcast_view(in[1], shape));
  const bool* m = mask.data_ptr<const bool>();
  const int64_t n = numel(shape);
  std::vector<int64_t> offsets = chunk_offsets(m, n);
  Tensor out = empty({offsets.back()}, x.options());
  const size_t width = x.element_size();
  const char* src = static_cast<const char*>(x.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  for_each_chunk(n, [&](int64_t c, int64_t b, int64_t e) {
    int64_t pos = offsets[c];
    for (int64_t i = b; i < e; ++i) {
      if (m[i]) std::memcpy(dst + width * pos++, src + width * i, width);
    }
  });
  return {out};
}

std::vector<Tensor> nonzero_kernel(std::span<const Tensor> in, const Attrs&, std::span<const TensorType>) {
  const Tensor& x = in[0];
  Tensor mask = x.dtype() == kBool ? as_contiguous(x) : empty(x.shape(), kBool);
  if (x.dtype() != kBool) {
    visit_dtype(x.dtype(), [&]<class T>() { map<bool, T>(mask, [](T v) { return is_nonzero(v); }, {x}); });
  }
  const bool* m = mask.data_ptr<const bool>();
  const int64_t n = x.numel(), nd = x.dim();
  std::vector<int64_t> offsets = chunk_offsets(m, n);
  Tensor out = empty({offsets.back(), nd}, kInt64);
  int64_t* dst = out.data_ptr<int64_t>();
  const Shape& shape = x.shape();
  for_each_chunk(n, [&](int64_t c, int64_t b, int64_t e) {
    Shape idx(nd);  // the coordinates of element i, advanced with it
    for (int64_t d = nd - 1, rem = b; d >= 0; --d) idx[d] = rem % shape[d], rem /= shape[d];
    int64_t* row = dst + offsets[c] * nd;
    for (int64_t i = b; i < e; ++i) {
      if (m[i]) row = std::copy(idx.begin(), idx.end(), row);
      for (int64_t d = nd - 1; d >= 0 && ++idx[d] == shape[d]; --d) idx[d] = 0;
    }
  });
  return {out};
}

// tril / triu: copy x, then zero each row's dropped columns.
template <bool kLower>
std::vector<Tensor> triangle_kernel(std::span<const Tensor> in, const Attrs& a, std::span<const TensorType>) {
  Tensor out = empty(in[0].shape(), in[0].options());
  copy_into(out, in[0]);
  const int64_t rows = out.size(-2), cols = out.size(-1), nrows = cols ? out.numel() / cols : 0;
  // Clamped so that i + diagonal cannot overflow; beyond these bounds nothing changes.
  const int64_t diagonal = std::clamp<int64_t>(attrs_as<TriangleAttrs>(a).diagonal, -rows - 1, cols + 1);
  const int64_t width = static_cast<int64_t>(out.element_size());
  char* base = static_cast<char*>(out.raw_data());
  parallel_for(0, nrows, std::max<int64_t>(kGrain / std::max<int64_t>(cols, 1), 1), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t i = r % rows;
      // tril keeps j <= i + diagonal, triu keeps j >= i + diagonal.
      const int64_t b = kLower ? std::clamp<int64_t>(i + diagonal + 1, 0, cols) : 0;
      const int64_t e = kLower ? cols : std::clamp<int64_t>(i + diagonal, 0, cols);
      std::memset(base + (r * cols + b) * width, 0, (e - b) * width);
    }
  });
  return {out};
}

std::vector<Tensor> one_hot_kernel(std::span<const Tensor> in, const Attrs& a, std::span<const TensorType>) {
  Tensor index = index_as_int64(in[0]);
  const int64_t* p = index.data_ptr<const int64_t>();
  const int64_t n = index.numel();
  int64_t classes = attrs_as<OneHotAttrs>(a).num_classes;
  if (n > 0) {
    auto [lo, hi] = std::minmax_element(p, p + n);
    check<ValueError>(*lo >= 0, "one_hot: class values must be non-negative, got ", *lo);
    if (classes == -1) classes = *hi + 1;
    check<ValueError>(*hi < classes, "one_hot: class value ", *hi, " is out of range for num_classes ", classes);
  }
  check<ValueError>(classes >= 0,
                    "one_hot: cannot infer the number of classes from an empty tensor; pass "
                    "num_classes");
  Shape shape = in[0].shape();
  shape.push_back(classes);
  Tensor out = empty(shape, kInt64);
  int64_t* o = out.data_ptr<int64_t>();
  std::memset(o, 0, out.numel() * sizeof(int64_t));
  parallel_for(0, n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) o[i * classes + p[i]] = 1;
  });
  return {out};
}

}  // namespace

void register_index_mask_kernels(Registry& r) {
  r.set_kernel("masked_fill", kCPU, masked_fill_kernel);
  r.set_kernel("masked_select", kCPU, masked_select_kernel);
  r.set_kernel("nonzero", kCPU, nonzero_kernel);
  r.set_kernel("tril", kCPU, triangle_kernel<true>);
  r.set_kernel("triu", kCPU, triangle_kernel<false>);
  r.set_kernel("one_hot", kCPU, one_hot_kernel);
}

}  // namespace tessera::cpu
