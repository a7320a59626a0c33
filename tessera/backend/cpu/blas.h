#pragma once
// The CPU backend's door to GEMM (oneDNN's sgemm or OpenBLAS's CBLAS interface, Note [GEMM choice] in blas.cpp):
// strided matrices are handed over without a copy when BLAS can read them as they are, i.e. row-major or the
// transpose of row-major (Note [BLAS layouts]).
#include <cstdint>
#include <initializer_list>

namespace tessera::cpu {

// Note [BLAS layouts]: a rows x cols matrix with element strides (rs, cs) is row-major for BLAS when cs == 1
// and rs >= cols (lda = rs), and the transpose of a row-major cols x rows matrix when rs == 1 and cs >= rows
// (CblasTrans, lda = cs). A size-1 dim's stride never matters. Anything else (broadcast stride 0, slices with
// a step in the inner dim) must be copied first.

/// How BLAS reads one matrix operand; `ok` is false when it cannot read it in place.
struct BlasMatrix {
  bool ok = false;
  bool trans = false;
  int64_t ld = 0;
};
/// The layout of a rows x cols matrix with element strides (rs, cs) (Note [BLAS layouts]).
BlasMatrix blas_matrix(int64_t rows, int64_t cols, int64_t rs, int64_t cs);

/// C = A @ B + beta C for an m x k A and a k x n B read through their layouts; C is row-major with leading dim
/// ldc (beta = 0 overwrites C, whatever it held; beta = 1 accumulates into it). T is float or double (cblas_sgemm /
/// cblas_dgemm; float may run dnnl_sgemm instead, Note [GEMM choice]). Sizes must fit BLAS's integers
/// (check_blas_sizes).
template <class T>
void gemm(int64_t m, int64_t n, int64_t k, const T* a, BlasMatrix la, const T* b, BlasMatrix lb, T* c, int64_t ldc,
          T beta = T(0));

/// True when `v` fits BLAS's integer type.
bool fits_blas_int(int64_t v);
/// NotImplementedError unless every size/stride fits BLAS's integer type.
void check_blas_sizes(std::initializer_list<int64_t> sizes);

}  // namespace tessera::cpu
