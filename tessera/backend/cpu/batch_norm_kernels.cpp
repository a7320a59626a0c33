// CPU kernels of batch_norm_training and its backward (Note [The fused batch norm] in ops/normalization.h).
//
// The input [N, C, *] is seen as [N, C, S]. A block of channels [c0, c1) is, in each of the N rows, one
// contiguous run of (c1 - c0) S "columns"; blocks are at least kCols columns wide, so that even S = 1 ([N, C]
// inputs) gives long runs. Each pass over a block adds its rows into per-column accumulators of the element type
// (a loop over contiguous arrays that vectorizes), flushed into double every kFlushRows rows so that float32 sums
// stay exact to ~1e-6 relative (256 float32 values per partial sum); the columns of a channel are summed last, in
// double. A block's data (N (c1 - c0) S values, 400 KiB for [32, 64, 56, 56]) stays in cache between its passes, so the
// input is read from memory about once. Blocks run in parallel; each is summed in a fixed order, so results do not
// depend on threads.
#include <algorithm>
#include <cmath>
#include <vector>

#include "tessera/backend/cpu/copy.h"
#include "tessera/backend/cpu/elementwise.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/backend/cpu/loops.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/core/parallel.h"
#include "tessera/ops/normalization.h"
#include "tessera/ops/registry.h"

namespace tessera::cpu {
namespace {

constexpr int64_t kCols = 256;       // the least columns per block (when S allows)
constexpr int64_t kFlushRows = 256;  // rows summed in the element type before a flush into double

// [N, C, S] and the blocking of the channels.
struct Layout {
  int64_t n = 0, c = 0, s = 0;
  int64_t channels_per_block() const { return std::clamp<int64_t>((kCols + s - 1) / std::max<int64_t>(s, 1), 1, c); }
  int64_t blocks() const { return (c + channels_per_block() - 1) / channels_per_block(); }
  double count() const { return static_cast<double>(n * s); }  // values per channel
  template <class F>
  void for_blocks(const F& f) const {  // f(c0, c1) for each block, blocks in parallel
    const int64_t cb = channels_per_block();
    const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(n * cb * s, 1));
    parallel_for(0, blocks(), grain, [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) f(k * cb, std::min(c, (k + 1) * cb));
    });
  }
};

Layout layout_of(const Tensor& x) {
  return {x.size(0), x.size(1), x.numel() / std::max<int64_t>(x.size(0) * x.size(1), 1)};
}

// Sums `add_row(n, acc)` over the rows n < rows into `total` (width values, zeroed first); add_row adds one row
// into acc (width values of the element type).
template <class T, class AddRow>
void sum_rows(int64_t rows, std::vector<T>& acc, std::vector<double>& total, const AddRow& add_row) {
  std::fill(total.begin(), total.end(), 0.0);
  for (int64_t r0 = 0; r0 < rows; r0 += kFlushRows) {
    std::fill(acc.begin(), acc.end(), T(0));
    for (int64_t r = r0; r < std::min(rows, r0 + kFlushRows); ++r) add_row(r, acc.data());
    for (size_t j = 0; j < acc.size(); ++j) total[j] += static_cast<double>(acc[j]);
  }
}

// The sum of the s columns of channel k of a block (columns k s .. k s + s - 1), from offset `from` on.
double channel_total(const std::vector<double>& total, int64_t k, int64_t s, int64_t from = 0) {
  double t = 0;
  for (int64_t j = 0; j < s; ++j) t += total[static_cast<size_t>(from + k * s + j)];
  return t;
}

// Per-column copies of per-channel values (the inner loops then need no division by S).
template <class T>
void spread(T* col, int64_t k, int64_t s, double v) {
  std::fill(col + k * s, col + (k + 1) * s, static_cast<T>(v));
}

// Scratch of one block: element-type accumulators, their double totals and per-column constants.
template <class T>
struct Scratch {
  std::vector<T> acc, col;
  std::vector<double> total;
  Scratch(int64_t width, int64_t constants) : acc(width), col(constants), total(width) {}
};

template <class T>
void forward(const Layout& l, const T* x, const T* w, const T* b, double eps, T* y, T* mean_out, T* var_out) {
  const int64_t row = l.c * l.s, cols_max = l.channels_per_block() * l.s;
  l.for_blocks([&](int64_t c0, int64_t c1) {
    Scratch<T> sc(cols_max, 3 * cols_max);
    const int64_t cols = (c1 - c0) * l.s, off = c0 * l.s;
    T *m = sc.col.data(), *scale = m + cols_max, *bias = scale + cols_max;
    sum_rows(l.n, sc.acc, sc.total, [&](int64_t r, T* __restrict acc) {
      const T* __restrict p = x + r * row + off;
      for (int64_t j = 0; j < cols; ++j) acc[j] += p[j];
    });
    std::vector<double> mean(static_cast<size_t>(c1 - c0));
    for (int64_t k = 0; k < c1 - c0; ++k) {
      mean[k] = channel_total(sc.total, k, l.s) / l.count();
      spread(m, k, l.s, mean[k]);
    }
    sum_rows(l.n, sc.acc, sc.total, [&](int64_t r, T* __restrict acc) {
      const T* __restrict p = x + r * row + off;
      for (int64_t j = 0; j < cols; ++j) acc[j] += (p[j] - m[j]) * (p[j] - m[j]);
    });
    for (int64_t k = 0; k < c1 - c0; ++k) {
      const int64_t ch = c0 + k;
      const double var = channel_total(sc.total, k, l.s) / l.count();
      const double a = static_cast<double>(w[ch]) / std::sqrt(var + eps);
      spread(scale, k, l.s, a);
      spread(bias, k, l.s, static_cast<double>(b[ch]));
      mean_out[ch] = static_cast<T>(mean[k]);
      var_out[ch] = static_cast<T>(var);
    }
    for (int64_t r = 0; r < l.n; ++r) {
      const T* __restrict p = x + r * row + off;
      T* __restrict q = y + r * row + off;
      // (x - mean) first: x scale + (bias - mean scale) would lose ulp(x scale) far from zero.
      for (int64_t j = 0; j < cols; ++j) q[j] = (p[j] - m[j]) * scale[j] + bias[j];
    }
  });
}

template <class T>
void backward(const Layout& l, const T* dy, const T* x, const T* w, const T* mean, const T* var, double eps, T* dx,
              T* dw, T* db) {
  const int64_t row = l.c * l.s, cols_max = l.channels_per_block() * l.s;
  l.for_blocks([&](int64_t c0, int64_t c1) {
    Scratch<T> sc(2 * cols_max, 4 * cols_max);
    const int64_t cols = (c1 - c0) * l.s, off = c0 * l.s;
    T *m = sc.col.data(), *k1 = m + cols_max, *k2 = k1 + cols_max, *k3 = k2 + cols_max;
    for (int64_t k = 0; k < c1 - c0; ++k) spread(m, k, l.s, static_cast<double>(mean[c0 + k]));
    // acc[j]: sum of dy; acc[cols_max + j]: sum of dy (x - mean).
    sum_rows(l.n, sc.acc, sc.total, [&](int64_t r, T* __restrict acc) {
      const T* __restrict g = dy + r * row + off;
      const T* __restrict p = x + r * row + off;
      T* __restrict acc2 = acc + cols_max;
      for (int64_t j = 0; j < cols; ++j) {
        acc[j] += g[j];
        acc2[j] += g[j] * (p[j] - m[j]);
      }
    });
    const double count = l.count();
    for (int64_t k = 0; k < c1 - c0; ++k) {
      const int64_t ch = c0 + k;
      const double sum_dy = channel_total(sc.total, k, l.s), sum_dyx = channel_total(sc.total, k, l.s, cols_max);
      const double invstd = 1.0 / std::sqrt(static_cast<double>(var[ch]) + eps), wk = static_cast<double>(w[ch]);
      db[ch] = static_cast<T>(sum_dy);
      dw[ch] = static_cast<T>(sum_dyx * invstd);
      // dx = w invstd dy - w invstd^3 sum_dyx / M (x - mean) - w invstd sum_dy / M
      spread(k1, k, l.s, wk * invstd);
      spread(k2, k, l.s, -wk * invstd * invstd * invstd * sum_dyx / count);
      spread(k3, k, l.s, -wk * invstd * sum_dy / count);
    }
    for (int64_t r = 0; r < l.n; ++r) {
      const T* __restrict g = dy + r * row + off;
      const T* __restrict p = x + r * row + off;
      T* __restrict q = dx + r * row + off;
      for (int64_t j = 0; j < cols; ++j) q[j] = k1[j] * g[j] + k2[j] * (p[j] - m[j]) + k3[j];
    }
  });
}

std::vector<Tensor> bn_kernel(std::span<const Tensor> in, const Attrs& attrs, std::span<const TensorType> out_types) {
  const Tensor x = as_contiguous(in[0]), w = as_contiguous(in[1]), b = as_contiguous(in[2]);
  Tensor y = empty_of(out_types[0]), mean = empty_of(out_types[1]), var = empty_of(out_types[2]);
  const double eps = attrs_as<NormalizationAttrs>(attrs).eps;
  if (x.numel() == 0) return {y, mean, var};  // C = 0 (infer rejects channels without values)
  visit_float(x.dtype(), "batch_norm_training", [&]<class T>() {
    forward<T>(layout_of(x), x.data_ptr<const T>(), w.data_ptr<const T>(), b.data_ptr<const T>(), eps, y.data_ptr<T>(),
               mean.data_ptr<T>(), var.data_ptr<T>());
  });
  return {y, mean, var};
}

std::vector<Tensor> bn_backward_kernel(std::span<const Tensor> in, const Attrs& attrs,
                                       std::span<const TensorType> out_types) {
  const std::vector<Tensor> c = as_contiguous(in);
  Tensor dx = empty_of(out_types[0]), dw = empty_of(out_types[1]), db = empty_of(out_types[2]);
  const double eps = attrs_as<NormalizationAttrs>(attrs).eps;
  if (dx.numel() == 0) return {dx, dw, db};
  visit_float(dx.dtype(), "batch_norm_training_backward", [&]<class T>() {
    backward<T>(layout_of(c[1]), c[0].data_ptr<const T>(), c[1].data_ptr<const T>(), c[2].data_ptr<const T>(),
                c[3].data_ptr<const T>(), c[4].data_ptr<const T>(), eps, dx.data_ptr<T>(), dw.data_ptr<T>(),
                db.data_ptr<T>());
  });
  return {dx, dw, db};
}

}  // namespace

void register_batch_norm_kernels(Registry& r) {
  r.set_kernel("batch_norm_training", kCPU, bn_kernel);
  r.set_kernel("batch_norm_training_backward", kCPU, bn_backward_kernel);
}

}  // namespace tessera::cpu
