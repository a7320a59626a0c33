#include "tessera/backend/cpu/blas.h"

#include <cblas.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <limits>

#include "tessera/core/error.h"

namespace tessera::cpu {

BlasMatrix blas_matrix(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  // A size-1 dim may carry any stride: substitute the one that makes the matrix dense.
  if (rows == 1) rs = std::max<int64_t>(cols, 1);
  if (cols == 1) cs = 1;
  if (cs == 1 && rs >= std::max<int64_t>(cols, 1)) return {true, false, rs};
  // Seen as a transpose, the same reasoning applies to the swapped roles.
  if (rows == 1) rs = 1;
  if (cols == 1) cs = std::max<int64_t>(rows, 1);
  if (rs == 1 && cs >= std::max<int64_t>(rows, 1)) return {true, true, cs};
  return {};
}

bool fits_blas_int(int64_t v) { return v <= static_cast<int64_t>(std::numeric_limits<blasint>::max()); }

void check_blas_sizes(std::initializer_list<int64_t> sizes) {
  for (int64_t s : sizes) {
    check<NotImplementedError>(fits_blas_int(s), "matmul: size or stride ", s, " exceeds the BLAS integer range");
  }
}

// Note [GEMM choice]: measured on the model shapes (bench/bench_ops's matmul rows and the shapes of the Fashion CNN,
// AlexNet, VGG-A and LSTM layers; AMD EPYC Zen 1, 2 threads, docs/performance.md), oneDNN's sgemm takes 0.45-0.9x
// OpenBLAS's time on skinny products (a fully connected layer's weight gradient, batch-8 fc layers, an LSTM step)
// and 0.9-1.03x on square ones, but 1.2-2.5x when the output has few columns (n < 32, e.g. a 10-class
// classifier), where its fixed cost dominates. It also takes 1.1-2.2x OpenBLAS's time on wide outputs of few rows
// from a short inner dimension (m <= 256, k <= 256, n >= 2048: the Fashion CNN's 3136 -> 128 layer's input and
// weight gradients at batch 64, 1.8 / 2.2 ms against 0.9 / 1.2 with operands from Tessera's allocator; bench_ops'
// matmul_rect rows), so those go to OpenBLAS too (one such shape, m = k = 128 transposed, was 1.2x faster in
// oneDNN). Float64 has only OpenBLAS.
constexpr int64_t kMinDnnlColumns = 32;

bool dnnl_is_faster(int64_t m, int64_t n, int64_t k) {
  const bool wide = m <= 256 && k <= 256 && n >= 2048;
  return n >= kMinDnnlColumns && !wide;
}

template <class T>
void gemm(int64_t m, int64_t n, int64_t k, const T* a, BlasMatrix la, const T* b, BlasMatrix lb, T* c, int64_t ldc,
          T beta) {
  check_blas_sizes({m, n, k, la.ld, lb.ld, ldc});
  const auto ta = la.trans ? CblasTrans : CblasNoTrans, tb = lb.trans ? CblasTrans : CblasNoTrans;
  const auto M = static_cast<blasint>(m), N = static_cast<blasint>(n), K = static_cast<blasint>(k);
  const auto lda = static_cast<blasint>(la.ld), ldb = static_cast<blasint>(lb.ld), ldcc = static_cast<blasint>(ldc);
  if constexpr (std::is_same_v<T, float>) {
    // Note [GEMM choice]: oneDNN's sgemm, except for narrow outputs and wide ones from a short inner dimension.
    if (dnnl_is_faster(m, n, k) && dnnl_sgemm(la.trans ? 'T' : 'N', lb.trans ? 'T' : 'N', m, n, k, 1.0f, a, la.ld, b,
                                              lb.ld, beta, c, ldc) == dnnl_success) {
      return;
    }
    cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, 1.0f, a, lda, b, ldb, beta, c, ldcc);
  } else {
    cblas_dgemm(CblasRowMajor, ta, tb, M, N, K, 1.0, a, lda, b, ldb, beta, c, ldcc);
  }
}

template void gemm<float>(int64_t, int64_t, int64_t, const float*, BlasMatrix, const float*, BlasMatrix, float*,
                          int64_t, float);
template void gemm<double>(int64_t, int64_t, int64_t, const double*, BlasMatrix, const double*, BlasMatrix, double*,
                           int64_t, double);

}  // namespace tessera::cpu
