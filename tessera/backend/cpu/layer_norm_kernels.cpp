// CPU kernels of layer_norm and its backward (Note [The fused layer norm] in ops/normalization.h).
//
// The input is seen as [R, D]: R rows of D contiguous values. A row's sums run in kLanes accumulators of the
// element type (a loop that vectorizes), flushed into double every kFlush values so float32 sums stay exact to
// ~1e-6 relative (64 float32 values per lane). Rows run in parallel. The backward's weight and bias gradients are
// column sums over the rows: each fixed block of rows adds into its own double partials, and the blocks are added in
// order afterwards.
#include <algorithm>
#include <cmath>
#include <utility>
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

constexpr int kLanes = 16;
constexpr int64_t kFlush = 1024;       // values summed in the element type before a flush into double
constexpr int64_t kMaxRowBlocks = 64;  // row blocks of the backward's column sums
constexpr int64_t kFlushRows = 256;    // rows a block adds in the element type before a flush into double

// (sum_j f(j), sum_j h(j)) for j < n, in one pass.
template <class T, class F, class H>
std::pair<double, double> row_sums(int64_t n, const F& f, const H& h) {
  double total_f = 0, total_h = 0;
  for (int64_t j0 = 0; j0 < n; j0 += kFlush) {
    const int64_t j1 = std::min(n, j0 + kFlush);
    T acc_f[kLanes] = {}, acc_h[kLanes] = {};
    int64_t j = j0;
    for (; j + kLanes <= j1; j += kLanes) {
      for (int l = 0; l < kLanes; ++l) {
        acc_f[l] += f(j + l);
        acc_h[l] += h(j + l);
      }
    }
    for (int l = 0; j < j1; ++j, ++l) {
      acc_f[l] += f(j);
      acc_h[l] += h(j);
    }
    for (int l = 0; l < kLanes; ++l) {
      total_f += static_cast<double>(acc_f[l]);
      total_h += static_cast<double>(acc_h[l]);
    }
  }
  return {total_f, total_h};
}

// sum_j f(j) for j < n.
template <class T, class F>
double row_sum(int64_t n, const F& f) {
  return row_sums<T>(n, f, [](int64_t) { return T(0); }).first;
}

int64_t row_grain(int64_t d) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(d, 1)); }

template <class T>
void forward(int64_t rows, int64_t d, const T* x, const T* w, const T* b, double eps, T* y, T* mean_out, T* var_out) {
  parallel_for(0, rows, row_grain(d), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* __restrict p = x + r * d;
      T* __restrict q = y + r * d;
      const double mean = row_sum<T>(d, [&](int64_t j) { return p[j]; }) / static_cast<double>(d);
      const T m = static_cast<T>(mean);
      const double var = row_sum<T>(d, [&](int64_t j) { return (p[j] - m) * (p[j] - m); }) / static_cast<double>(d);
      const T rstd = static_cast<T>(1.0 / std::sqrt(var + eps));
      for (int64_t j = 0; j < d; ++j) q[j] = (p[j] - m) * rstd * w[j] + b[j];
      mean_out[r] = m;
      var_out[r] = static_cast<T>(var);
    }
  });
}

// Per-row constants of the backward: dx = rstd (g w - c1 - xhat c2) with xhat = (x - m) rstd, c1 = mean(g w),
// c2 = mean(g w xhat).
template <class T>
struct RowConstants {
  T m, rstd, c1, c2;
};

template <class T>
RowConstants<T> row_constants(int64_t d, const T* g, const T* p, const T* w, T m, T var, double eps) {
  const T rstd = static_cast<T>(1.0 / std::sqrt(static_cast<double>(var) + eps));
  const auto [s1, s2_centered] = row_sums<T>(
      d, [&](int64_t j) { return g[j] * w[j]; }, [&](int64_t j) { return g[j] * w[j] * (p[j] - m); });
  const double n = static_cast<double>(d);
  return {m, rstd, static_cast<T>(s1 / n), static_cast<T>(s2_centered * static_cast<double>(rstd) / n)};
}

// kRows consecutive rows of the backward in one pass over the columns: dx of each, and the rows' terms of the
// weight's and bias's gradients added into adw, adb (kRows rows per load and store of the accumulators). Its own
// function with unaliased pointers, so that GCC vectorizes it.
template <int kRows, class T>
void backward_rows(int64_t d, const T* __restrict g, const T* __restrict p, const T* __restrict w,
                   const RowConstants<T>* k, T* __restrict q, T* __restrict adw, T* __restrict adb) {
  for (int64_t j = 0; j < d; ++j) {
    T sw = 0, sb = 0;
    for (int i = 0; i < kRows; ++i) {
      const T gi = g[i * d + j], xhat = (p[i * d + j] - k[i].m) * k[i].rstd;
      q[i * d + j] = k[i].rstd * (gi * w[j] - k[i].c1 - xhat * k[i].c2);
      sw += gi * xhat;
      sb += gi;
    }
    adw[j] += sw;
    adb[j] += sb;
  }
}

constexpr int kRowGroup = 4;  // rows per backward_rows pass

template <class T>
void backward(int64_t rows, int64_t d, const T* dy, const T* x, const T* w, const T* mean, const T* var, double eps,
              T* dx, T* dw, T* db) {
  const int64_t per_block = std::max<int64_t>(1, (rows + kMaxRowBlocks - 1) / kMaxRowBlocks);
  const int64_t blocks = (rows + per_block - 1) / per_block;
  // partial[k]: block k's sums of dy xhat (d values), then of dy (d values).
  std::vector<double> partial(static_cast<size_t>(blocks * 2 * d), 0.0);
  parallel_for(0, blocks, std::max<int64_t>(1, row_grain(d) / per_block), [&](int64_t k0, int64_t k1) {
    std::vector<T> acc(static_cast<size_t>(2 * d));
    for (int64_t k = k0; k < k1; ++k) {
      double* part = partial.data() + k * 2 * d;
      const int64_t end = std::min(rows, (k + 1) * per_block);
      for (int64_t r0 = k * per_block; r0 < end; r0 += kFlushRows) {
        std::fill(acc.begin(), acc.end(), T(0));
        const int64_t r1 = std::min(end, r0 + kFlushRows);
        for (int64_t r = r0; r < r1;) {
          const int n = r + kRowGroup <= r1 ? kRowGroup : 1;
          RowConstants<T> rc[kRowGroup];
          for (int i = 0; i < n; ++i) {
            rc[i] = row_constants(d, dy + (r + i) * d, x + (r + i) * d, w, mean[r + i], var[r + i], eps);
          }
          auto* run = n == kRowGroup ? backward_rows<kRowGroup, T> : backward_rows<1, T>;
          run(d, dy + r * d, x + r * d, w, rc, dx + r * d, acc.data(), acc.data() + d);
          r += n;
        }
        for (int64_t j = 0; j < 2 * d; ++j) part[j] += static_cast<double>(acc[static_cast<size_t>(j)]);
      }
    }
  });
  for (int64_t j = 0; j < d; ++j) {
    double sw = 0, sb = 0;
    for (int64_t k = 0; k < blocks; ++k) {
      sw += partial[static_cast<size_t>(k * 2 * d + j)];
      sb += partial[static_cast<size_t>(k * 2 * d + d + j)];
    }
    dw[j] = static_cast<T>(sw);
    db[j] = static_cast<T>(sb);
  }
}

std::vector<Tensor> ln_kernel(std::span<const Tensor> in, const Attrs& attrs, std::span<const TensorType> out_types) {
  const Tensor x = as_contiguous(in[0]), w = as_contiguous(in[1]), b = as_contiguous(in[2]);
  Tensor y = empty_of(out_types[0]), mean = empty_of(out_types[1]), var = empty_of(out_types[2]);
  const int64_t d = w.numel(), rows = mean.numel();
  visit_float(x.dtype(), "layer_norm", [&]<class T>() {
    forward<T>(rows, d, x.data_ptr<const T>(), w.data_ptr<const T>(), b.data_ptr<const T>(),
               attrs_as<NormalizationAttrs>(attrs).eps, y.data_ptr<T>(), mean.data_ptr<T>(), var.data_ptr<T>());
  });
  return {y, mean, var};
}

std::vector<Tensor> ln_backward_kernel(std::span<const Tensor> in, const Attrs& attrs,
                                       std::span<const TensorType> out_types) {
  const std::vector<Tensor> c = as_contiguous(in);
  Tensor dx = empty_of(out_types[0]), dw = empty_of(out_types[1]), db = empty_of(out_types[2]);
  const int64_t d = dw.numel(), rows = c[3].numel();
  visit_float(dx.dtype(), "layer_norm_backward", [&]<class T>() {
    backward<T>(rows, d, c[0].data_ptr<const T>(), c[1].data_ptr<const T>(), c[2].data_ptr<const T>(),
                c[3].data_ptr<const T>(), c[4].data_ptr<const T>(), attrs_as<NormalizationAttrs>(attrs).eps,
                dx.data_ptr<T>(), dw.data_ptr<T>(), db.data_ptr<T>());
  });
  return {dx, dw, db};
}

}  // namespace

void register_layer_norm_kernels(Registry& r) {
  r.set_kernel("layer_norm", kCPU, ln_kernel);
  r.set_kernel("layer_norm_backward", kCPU, ln_backward_kernel);
}

}  // namespace tessera::cpu
