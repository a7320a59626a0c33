// CPU kernels of lstm_sequence and lstm_sequence_backward (Note [The fused LSTM] in ops/lstm.h): per step one
// BLAS GEMM and one fused pass over the gates, rows of the batch in parallel.
#include <algorithm>
#include <cstring>

#include "tessera/backend/cpu/blas.h"
#include "tessera/backend/cpu/copy.h"
#include "tessera/backend/cpu/elementwise.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/backend/cpu/loops.h"
#include "tessera/backend/cpu/vector_math.h"
#include "tessera/core/parallel.h"
#include "tessera/ops/lstm.h"
#include "tessera/ops/registry.h"

namespace tessera::cpu {
namespace {

// The sizes of one call and where step t's previous state lives (Note [The fused LSTM]: steps run backwards in
// time with reverse).
struct Steps {
  int64_t t = 0, n = 0, h = 0;
  bool reverse = false;
  int64_t g() const { return 4 * h; }
  int64_t at(int64_t s) const { return reverse ? t - 1 - s : s; }  // the time index of the s-th step run
  int64_t prev(int64_t time) const { return reverse ? time + 1 : time - 1; }
  int64_t row_grain() const { return std::max<int64_t>(1, kGrain / (4 * h)); }
};

// BLAS layouts of a row-major rows x cols matrix and of the transpose of one.
BlasMatrix row_major(int64_t rows, int64_t cols) { return blas_matrix(rows, cols, cols, 1); }
BlasMatrix transposed(int64_t rows, int64_t cols) { return blas_matrix(rows, cols, 1, rows); }

// One batch row of the forward gate pass: from the pre-activations `pre` (i, f, g, o) to the activations `a`,
// the cell c and the output h. Loops from one array into another, so that each vectorizes (the branch-free
// math of vector_math.h).
template <class T>
void gates_forward_row(const T* __restrict pre, T* __restrict a, const T* __restrict c_prev, T* __restrict c,
                       T* __restrict h, int64_t hs) {
  using M = math_of<T>;
  for (int64_t j = 0; j < 2 * hs; ++j) a[j] = M::sigmoid(pre[j]);  // i, f
  for (int64_t j = 2 * hs; j < 3 * hs; ++j) a[j] = M::tanh(pre[j]);
  for (int64_t j = 3 * hs; j < 4 * hs; ++j) a[j] = M::sigmoid(pre[j]);
  for (int64_t j = 0; j < hs; ++j) c[j] = a[hs + j] * c_prev[j] + a[j] * a[2 * hs + j];
  for (int64_t j = 0; j < hs; ++j) h[j] = a[3 * hs + j] * M::tanh(c[j]);
}

// `pre` is scratch for one step's pre-activations [N, 4H].
template <class T>
void lstm_forward(const Steps& st, const T* gi, const T* w, const T* h0, const T* c0, T* y, T* cs, T* acts, T* pre) {
  const int64_t n = st.n, hs = st.h, g = st.g(), nh = n * hs, ng = n * g;
  for (int64_t s = 0; s < st.t; ++s) {
    const int64_t t = st.at(s), p = st.prev(t);
    const T* h_prev = s == 0 ? h0 : y + p * nh;
    const T* c_prev = s == 0 ? c0 : cs + p * nh;
    std::memcpy(pre, gi + t * ng, sizeof(T) * static_cast<size_t>(ng));
    gemm<T>(n, g, hs, h_prev, row_major(n, hs), w, transposed(hs, g), pre, g, T(1));  // pre += h_prev W^T
    parallel_for(0, n, st.row_grain(), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        gates_forward_row(pre + r * g, acts + t * ng + r * g, c_prev + r * hs, cs + t * nh + r * hs,
                          y + t * nh + r * hs, hs);
      }
    });
  }
}

std::vector<Tensor> lstm_kernel(std::span<const Tensor> in, const Attrs& attrs, std::span<const TensorType> out) {
  const DType dt = out[0].dtype;
  const Tensor gi = as_contiguous(in[0]), w = as_contiguous(in[1]), h0 = as_contiguous(in[2]),
               c0 = as_contiguous(in[3]);
  Tensor y = empty_of(out[0]), cs = empty_of(out[1]), acts = empty_of(out[2]);
  const Steps st{y.size(0), y.size(1), y.size(2), attrs_as<LstmAttrs>(attrs).reverse};
  check_blas_sizes({st.n, st.g(), st.h, st.t * st.n});
  Tensor pre = empty({st.n, st.g()}, TensorOptions(dt));
  if (dt == kFloat32) {
    lstm_forward<float>(st, gi.data_ptr<const float>(), w.data_ptr<const float>(), h0.data_ptr<const float>(),
                        c0.data_ptr<const float>(), y.data_ptr<float>(), cs.data_ptr<float>(), acts.data_ptr<float>(),
                        pre.data_ptr<float>());
  } else {
    lstm_forward<double>(st, gi.data_ptr<const double>(), w.data_ptr<const double>(), h0.data_ptr<const double>(),
                         c0.data_ptr<const double>(), y.data_ptr<double>(), cs.data_ptr<double>(),
                         acts.data_ptr<double>(), pre.data_ptr<double>());
  }
  return {y, cs, acts};
}

// What the backward reads: the saved tensors and the gradients given (null where an output got none).
template <class T>
struct BackwardIn {
  const T *w, *h0, *c0, *y, *cs, *acts;
  const T *gy, *gc, *gacts;
};

// One batch row of the backward gate pass at step t: the pre-activation gradients da, and the carried dh
// (read) and dc (read, then replaced by the gradient reaching c_{t-1}).
template <class T>
void gates_backward_row(const BackwardIn<T>& b, int64_t off_h, int64_t off_g, const T* c_prev, const T* dh, T* dc,
                        T* da, int64_t hs) {
  using M = math_of<T>;
  const T* a = b.acts + off_g;
  const T* c = b.cs + off_h;
  for (int64_t j = 0; j < hs; ++j) {
    const T i = a[j], f = a[hs + j], g = a[2 * hs + j], o = a[3 * hs + j], tc = M::tanh(c[j]);
    const T dht = dh[j] + (b.gy ? b.gy[off_h + j] : T(0));
    const T dct = dc[j] + (b.gc ? b.gc[off_h + j] : T(0)) + dht * o * (T(1) - tc * tc);
    const T* ga = b.gacts ? b.gacts + off_g : nullptr;
    da[j] = (dct * g + (ga ? ga[j] : T(0))) * i * (T(1) - i);
    da[hs + j] = (dct * c_prev[j] + (ga ? ga[hs + j] : T(0))) * f * (T(1) - f);
    da[2 * hs + j] = (dct * i + (ga ? ga[2 * hs + j] : T(0))) * (T(1) - g * g);
    da[3 * hs + j] = (dht * tc + (ga ? ga[3 * hs + j] : T(0))) * o * (T(1) - o);
    dc[j] = dct * f;
  }
}

template <class T>
void lstm_backward(const Steps& st, const BackwardIn<T>& b, T* dgi, T* dw, T* dh, T* dc) {
  const int64_t n = st.n, hs = st.h, g = st.g(), nh = n * hs, ng = n * g;
  std::fill(dh, dh + nh, T(0));
  std::fill(dc, dc + nh, T(0));
  for (int64_t s = st.t - 1; s >= 0; --s) {
    const int64_t t = st.at(s);
    const T* c_prev = s == 0 ? b.c0 : b.cs + st.prev(t) * nh;
    T* da = dgi + t * ng;
    parallel_for(0, n, st.row_grain(), [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        gates_backward_row(b, t * nh + r * hs, t * ng + r * g, c_prev + r * hs, dh + r * hs, dc + r * hs, da + r * g,
                           hs);
      }
    });
    gemm<T>(n, hs, g, da, row_major(n, g), b.w, row_major(g, hs), dh, hs);  // dh_{t-1} = da W
  }
  // dW = sum over steps of da_t^T h_prev(t): the steps after the first read y, stacked rows; the first reads h0.
  const int64_t first = st.at(0), rest = (st.t - 1) * n;
  if (rest > 0) {
    const T* da_rest = dgi + (st.reverse ? 0 : ng);
    const T* h_rest = b.y + (st.reverse ? nh : 0);
    gemm<T>(g, hs, rest, da_rest, transposed(g, rest), h_rest, row_major(rest, hs), dw, hs);
  }
  gemm<T>(g, hs, n, dgi + first * ng, transposed(g, n), b.h0, row_major(n, hs), dw, hs, rest > 0 ? T(1) : T(0));
}

template <class T>
void run_backward(const Steps& st, std::span<const Tensor> in, const std::array<bool, 3>& has,
                  std::vector<Tensor>& out) {
  std::vector<Tensor> keep;
  auto ptr = [&](const Tensor& t) {
    keep.push_back(as_contiguous(t));
    return keep.back().template data_ptr<const T>();
  };
  BackwardIn<T> b{ptr(in[0]), ptr(in[1]), ptr(in[2]), ptr(in[3]), ptr(in[4]), ptr(in[5]), nullptr, nullptr, nullptr};
  size_t k = 6;
  const T** grads[3] = {&b.gy, &b.gc, &b.gacts};
  for (int i = 0; i < 3; ++i) {
    if (has[i]) *grads[i] = ptr(in[k++]);
  }
  lstm_backward<T>(st, b, out[0].data_ptr<T>(), out[1].data_ptr<T>(), out[2].data_ptr<T>(), out[3].data_ptr<T>());
}

std::vector<Tensor> lstm_backward_kernel(std::span<const Tensor> in, const Attrs& attrs,
                                         std::span<const TensorType> out_types) {
  const auto& a = attrs_as<LstmAttrs>(attrs);
  std::vector<Tensor> out;
  for (const TensorType& t : out_types) out.push_back(empty_of(t));
  const Steps st{in[3].size(0), in[3].size(1), in[3].size(2), a.reverse};
  check_blas_sizes({st.n, st.g(), st.h, st.t * st.n});
  if (out_types[0].dtype == kFloat32) {
    run_backward<float>(st, in, a.has_grad, out);
  } else {
    run_backward<double>(st, in, a.has_grad, out);
  }
  return out;
}

}  // namespace

void register_lstm_kernels(Registry& r) {
  r.set_kernel("lstm_sequence", kCPU, lstm_kernel);
  r.set_kernel("lstm_sequence_backward", kCPU, lstm_backward_kernel);
}

}  // namespace tessera::cpu
