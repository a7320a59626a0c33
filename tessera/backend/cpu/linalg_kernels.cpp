// CPU kernels of matmul and its strict forms (one kernel serves all: their shape rules differ, the product
// does not) and of outer.
#include <algorithm>
#include <cstring>
#include <optional>
#include <type_traits>

#include "tessera/backend/cpu/blas.h"
#include "tessera/backend/cpu/copy.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/backend/cpu/loops.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/ops/registry.h"

namespace tessera::cpu {
namespace {

// Multiply-adds below which a product is "small": batches of small products run in parallel, one BLAS call per
// thread (OpenBLAS's OpenMP build runs single-threaded inside a parallel region); larger ones let BLAS thread.
constexpr int64_t kSmallProduct = int64_t{1} << 18;

// One operand seen as a batch of rows x cols matrices: element strides of the matrix dims and of each batch
// dim of the broadcast batch shape (0 where the operand is broadcast).
struct MatOperand {
  Tensor t;
  int64_t rows = 1, cols = 1, rs = 0, cs = 0;
  Strides batch_strides;
};

// `vector_is_row`: a 1-d first operand is a [1, k] row, a 1-d second operand a [k, 1] column.
MatOperand mat_operand(const Tensor& t, const Shape& batch, bool vector_is_row) {
  MatOperand m;
  m.t = t;
  const int64_t nd = t.dim();
  if (nd == 1) {
    (vector_is_row ? m.cols : m.rows) = t.size(0);
    (vector_is_row ? m.cs : m.rs) = t.stride(0);
  } else {
    m.rows = t.size(-2), m.cols = t.size(-1), m.rs = t.stride(-2), m.cs = t.stride(-1);
  }
  const int64_t tb = std::max<int64_t>(nd - 2, 0), nb = static_cast<int64_t>(batch.size());
  m.batch_strides.assign(nb, 0);
  for (int64_t d = 0; d < tb; ++d) {
    if (t.size(d) != 1) m.batch_strides[nb - tb + d] = t.stride(d);
  }
  return m;
}

// Element offset of batch `i` (row-major over `batch`) in an operand.
int64_t batch_offset(int64_t i, const Shape& batch, const Strides& strides) {
  int64_t off = 0;
  for (int64_t d = static_cast<int64_t>(batch.size()) - 1; d >= 0 && i > 0; --d) {
    off += (i % batch[d]) * strides[d];
    i /= batch[d];
  }
  return off;
}

// When b is the same matrix for every batch and a's batch dims stack its rows evenly, the whole product is one
// [batch * rows, k] x [k, n] GEMM (the common `x @ W` of a linear layer). Returns the stacked row stride.
std::optional<int64_t> stacked_row_stride(const MatOperand& a, const MatOperand& b, const Shape& batch) {
  if (std::any_of(b.batch_strides.begin(), b.batch_strides.end(), [](int64_t s) { return s != 0; })) return {};
  // The rows merged so far span `extent` rows `stride` apart; a single row has no stride yet (0).
  int64_t stride = a.rows == 1 ? 0 : a.rs, extent = a.rows;
  for (int64_t d = static_cast<int64_t>(batch.size()) - 1; d >= 0; --d) {
    if (batch[d] == 1) continue;
    if (extent == 1) {
      stride = a.batch_strides[d];
    } else if (a.batch_strides[d] != stride * extent) {
      return {};
    }
    extent *= batch[d];
  }
  if (extent > 1 && stride == 0) return {};
  return stride;
}

template <class T>
void blas_product(T* out, MatOperand a, MatOperand b, const Shape& batch, int64_t nbatch) {
  // Copy an operand only when BLAS cannot read it in place (Note [BLAS layouts]).
  auto readable = [&](MatOperand& m, bool vector_is_row) {
    BlasMatrix l = blas_matrix(m.rows, m.cols, m.rs, m.cs);
    if (l.ok) return l;
    m = mat_operand(as_contiguous(m.t), batch, vector_is_row);
    return blas_matrix(m.rows, m.cols, m.rs, m.cs);
  };
  const BlasMatrix la = readable(a, true), lb = readable(b, false);
  const int64_t m = a.rows, k = a.cols, n = b.cols;
  // Checked here, not in gemm, because an exception must not leave the parallel region below.
  check_blas_sizes({m, n, k, la.ld, lb.ld});
  const T* pa = a.t.data_ptr<const T>();
  const T* pb = b.t.data_ptr<const T>();
  if (nbatch > 1) {
    if (auto rs = stacked_row_stride(a, b, batch); rs && fits_blas_int(nbatch * m)) {
      BlasMatrix ls = blas_matrix(nbatch * m, k, *rs, a.cs);
      if (ls.ok) return gemm<T>(nbatch * m, n, k, pa, ls, pb, lb, out, n);
    }
  }
  auto run = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      gemm<T>(m, n, k, pa + batch_offset(i, batch, a.batch_strides), la, pb + batch_offset(i, batch, b.batch_strides),
              lb, out + i * m * n, n);
    }
  };
  const int64_t work = std::max<int64_t>(m * n * k, 1);
  if (nbatch > 1 && work < kSmallProduct) {
    parallel_for(0, nbatch, std::max<int64_t>(kSmallProduct / work, 1), run);
  } else {
    run(0, nbatch);  // BLAS threads each product itself
  }
}

// Integer products: a plain row-times-matrix loop, accumulating in the unsigned type so overflow wraps (as in
// PyTorch) instead of being undefined.
template <class T>
void loop_product(T* out, const MatOperand& a, const MatOperand& b, const Shape& batch, int64_t nbatch) {
  using Acc = std::make_unsigned_t<std::conditional_t<std::is_same_v<T, uint8_t>, uint32_t, T>>;
  const int64_t m = a.rows, k = a.cols, n = b.cols;
  const T* pa = a.t.data_ptr<const T>();
  const T* pb = b.t.data_ptr<const T>();
  parallel_for(0, nbatch * m, std::max<int64_t>(kGrain / std::max<int64_t>(n * k, 1), 1), [&](int64_t r0, int64_t r1) {
    std::vector<Acc> acc(n);
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t bi = r / m, i = r % m;
      const T* arow = pa + batch_offset(bi, batch, a.batch_strides) + i * a.rs;
      const T* bmat = pb + batch_offset(bi, batch, b.batch_strides);
      std::fill(acc.begin(), acc.end(), Acc{0});
      for (int64_t p = 0; p < k; ++p) {
        const Acc av = static_cast<Acc>(arow[p * a.cs]);
        const T* brow = bmat + p * b.rs;
        for (int64_t j = 0; j < n; ++j) acc[j] += av * static_cast<Acc>(brow[j * b.cs]);
      }
      T* orow = out + r * n;
      for (int64_t j = 0; j < n; ++j) orow[j] = static_cast<T>(acc[j]);
    }
  });
}

// out (contiguous, [batch..., m, n] up to removed vector dims) = a @ b, with a and b of out's dtype.
void product_into(Tensor& out, const Tensor& a, const Tensor& b) {
  Shape ba(a.shape().begin(), a.shape().end() - std::min<int64_t>(a.dim(), 2));
  Shape bb(b.shape().begin(), b.shape().end() - std::min<int64_t>(b.dim(), 2));
  const Shape batch = broadcast_shapes(ba, bb, "matmul");
  const int64_t nbatch = numel(batch);
  MatOperand ma = mat_operand(a, batch, true), mb = mat_operand(b, batch, false);
  if (ma.cols == 0) {  // an empty sum: zeros
    std::memset(out.raw_data(), 0, out.numel() * out.element_size());
    return;
  }
  visit_dtype(out.dtype(), [&]<class T>() {
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      blas_product<T>(out.data_ptr<T>(), ma, mb, batch, nbatch);
    } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      loop_product<T>(out.data_ptr<T>(), ma, mb, batch, nbatch);
    } else {
      throw DTypeError(cat("matmul: no kernel for dtype ", out.dtype()));
    }
  });
}

std::vector<Tensor> product_kernel(std::span<const Tensor> in, const Attrs&, std::span<const TensorType> types) {
  const Tensor &a = in[0], &b = in[1];
  Tensor out = empty(types[0].shape, a.options());
  if (out.numel() == 0) return {out};
  if (a.dtype() == kFloat16 || a.dtype() == kBFloat16) {  // compute in float32
    Tensor out32 = empty(types[0].shape, kFloat32);
    product_into(out32, as_contiguous(a, kFloat32), as_contiguous(b, kFloat32));
    copy_into(out, out32);
  } else {
    product_into(out, a, b);
  }
  return {out};
}

std::vector<Tensor> outer_kernel(std::span<const Tensor> in, const Attrs&, std::span<const TensorType> types) {
  const DType dt = types[0].dtype;
  Tensor out = empty(types[0].shape, TensorOptions(dt).device(in[0].device()));
  Tensor a = as_contiguous(in[0], dt), b = as_contiguous(in[1], dt);
  Tensor col = make_view(a, {a.size(0), 1}, {1, 0}, a.storage_offset());  // a as a column, broadcast along j
  visit_dtype(dt, [&]<class T>() {
    map<T, T, T>(out,
                 [](T x, T y) {
                   if constexpr (std::is_same_v<T, bool>)
                     return x && y;
                   else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>)
                     return T(float(x) * float(y));
                   else
                     return static_cast<T>(x * y);
                 },
                 {col, b});
  });
  return {out};
}

}  // namespace

void register_linalg_kernels(Registry& r) {
  for (const char* name : {"matmul", "mm", "bmm", "mv", "dot"}) r.set_kernel(name, kCPU, product_kernel);
  r.set_kernel("outer", kCPU, outer_kernel);
}

}  // namespace tessera::cpu
