#pragma once
// The tile transforms of Winograd's minimal filtering F(m x m, r x r) (winograd.cpp runs the convolution): with
// alpha = m + r - 1 points, a kernel g [r, r] becomes U = G g G^T, an input patch d [alpha, alpha] becomes
// V = B^T d B, and the m x m outputs are Y = A^T (U .* V) A. Each transform is a set of constant matrices (Toom-Cook
// at the points listed); the functions below are templates over them, so after unrolling, zero coefficients cost
// nothing and +-1 no multiplication. Runs of tiles are transformed one dimension at a time over contiguous arrays
// (GCC vectorizes those loops; it does not vectorize a tile at a time).
#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

namespace tessera::cpu::winograd {

template <int R, int C>
using Matrix = std::array<std::array<float, C>, R>;

template <int R, int C>
constexpr Matrix<C, R> transpose(const Matrix<R, C>& a) {
  Matrix<C, R> t{};
  for (int i = 0; i < R; ++i) {
    for (int j = 0; j < C; ++j) t[j][i] = a[i][j];
  }
  return t;
}

/// F(2x2, 3x3) at the points 0, 1, -1 and infinity (Lavin and Gray, CVPR 2016).
struct F2x3 {
  static constexpr int m = 2, r = 3, alpha = 4;
  static constexpr Matrix<4, 4> bt{{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}}};
  static constexpr Matrix<4, 3> g{{{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}}};
  static constexpr Matrix<2, 4> at{{{1, 1, 1, 0}, {0, 1, -1, -1}}};
  static constexpr Matrix<4, 2> a = transpose<2, 4>(at);
  static constexpr Matrix<3, 4> gt = transpose<4, 3>(g);
};

/// F(2x2, 5x5) at the points 0, 1, -1, 1/2, -1/2 and infinity: 36 multiplications per tile and channel pair
/// instead of 100. G carries the 1 / prod(a_j - a_l) factors. With +-1/2 instead of +-2 (the points of Lavin and
/// Gray's F(4x4, 3x3)), the float32 weight gradient of a simulated 80x80 plane was 3x closer to float64's on
/// Gaussian data (4e-6 against 1.2e-5 of the largest magnitude).
struct F2x5 {
  static constexpr int m = 2, r = 5, alpha = 6;
  static constexpr Matrix<6, 6> bt{{{0.25f, 0, -1.25f, 0, 1, 0},
                                    {0, -0.25f, -0.25f, 1, 1, 0},
                                    {0, 0.25f, -0.25f, -1, 1, 0},
                                    {0, -0.5f, -1, 0.5f, 1, 0},
                                    {0, 0.5f, -1, -0.5f, 1, 0},
                                    {0, 0.25f, 0, -1.25f, 0, 1}}};
  static constexpr Matrix<6, 5> g{{{4, 0, 0, 0, 0},
                                   {2.0f / 3, 2.0f / 3, 2.0f / 3, 2.0f / 3, 2.0f / 3},
                                   {2.0f / 3, -2.0f / 3, 2.0f / 3, -2.0f / 3, 2.0f / 3},
                                   {-8.0f / 3, -4.0f / 3, -2.0f / 3, -1.0f / 3, -1.0f / 6},
                                   {-8.0f / 3, 4.0f / 3, -2.0f / 3, 1.0f / 3, -1.0f / 6},
                                   {0, 0, 0, 0, 1}}};
  static constexpr Matrix<2, 6> at{{{1, 1, 1, 1, 1, 0}, {0, 1, -1, 0.5f, -0.5f, 1}}};
  static constexpr Matrix<6, 2> a = transpose<2, 6>(at);
  static constexpr Matrix<5, 6> gt = transpose<6, 5>(g);
};

/// Calls f(std::integral_constant<int, i>) for i = 0 .. N - 1 (matrix rows as compile-time constants).
template <int N, class Fn>
inline void for_each_index(Fn&& f) {
  [&]<int... i>(std::integer_sequence<int, i...>) { (f(std::integral_constant<int, i>{}), ...); }
  (std::make_integer_sequence<int, N>{});
}

/// sum_k c[k] x(k) over the nonzero c[k], in order.
template <size_t N, class X>
[[gnu::always_inline]] inline float combine(const std::array<float, N>& c, X x) {
  float acc = 0.0f;
  bool first = true;
#pragma GCC unroll 8
  for (size_t k = 0; k < N; ++k) {
    if (c[k] == 0.0f) continue;
    const float t = c[k] == 1.0f ? x(k) : c[k] == -1.0f ? -x(k) : c[k] * x(k);
    acc = first ? t : acc + t;
    first = false;
  }
  return acc;
}

/// dst[j] = sum_k c[k] src[k * ss + j] (plus `add`) for j < n: one row of a matrix times a column of arrays.
template <const auto& Row>
void combine_arrays(const float* __restrict src, int64_t ss, int64_t n, float add, float* __restrict dst) {
  for (int64_t j = 0; j < n; ++j) dst[j] = combine(Row, [&](size_t k) { return src[k * ss + j]; }) + add;
}

/// dst[j] = row[x0 + j m] for j < len, zero where that column is outside [0, w) or j >= n (one phase of a row,
/// contiguous; padding and the plane's edges become zeros here, so no tile needs a bounds-checked path).
inline void gather_phase(const float* __restrict row, int64_t x0, int64_t w, int m, int64_t n, int64_t len,
                         float* __restrict dst) {
  const int64_t lo = std::clamp<int64_t>(x0 >= 0 ? 0 : (-x0 + m - 1) / m, 0, n);
  const int64_t hi = std::clamp<int64_t>(w > x0 ? (w - x0 + m - 1) / m : 0, lo, n);
  for (int64_t j = 0; j < lo; ++j) dst[j] = 0.0f;
  for (int64_t j = lo; j < hi; ++j) dst[j] = row[x0 + j * m];
  for (int64_t j = hi; j < len; ++j) dst[j] = 0.0f;
}

/// Scratch floats the run transforms below need for runs of up to `count` tiles.
template <class T>
constexpr int64_t run_scratch(int64_t count) {
  return 2 * T::alpha * T::m * (count + T::alpha);
}

/// V [alpha^2 * vs] = B^T d B of `count` tiles side by side: tile i reads columns x0 + m i .. x0 + m i + alpha - 1
/// of rows[0 .. alpha - 1] (each `w` wide; columns outside read as zeros). First each row split by column phase
/// (p[k][q][j] = rows[k][x0 + m j + q]), then B^T down the rows (e[a] = sum_k B^T[a][k] p[k]), then B along each
/// tile's columns, whose column k is phase k % m at offset k / m.
template <class T>
void input_tiles(const float* const* rows, int64_t x0, int64_t w, int64_t count, float* scratch, float* v, int64_t vs) {
  constexpr int m = T::m, A = T::alpha;
  const int64_t n1 = count + (A - 1) / m, plane = m * n1;
  float *p = scratch, *e = scratch + A * plane;
  for (int k = 0; k < A; ++k) {
    for (int q = 0; q < m; ++q) {
      gather_phase(rows[k], x0 + q, w, m, count + (A - 1 - q) / m, n1, p + k * plane + q * n1);
    }
  }
  for_each_index<A>([&](auto a) { combine_arrays<T::bt[a]>(p, plane, plane, 0.0f, e + a * plane); });
  for (int a = 0; a < A; ++a) {
    const float* ea = e + a * plane;
    for_each_index<A>([&](auto b) {
      float* __restrict out = v + (a * A + b) * vs;
      for (int64_t i = 0; i < count; ++i) {
        out[i] = combine(T::bt[b], [&](size_t k) { return ea[(k % m) * n1 + k / m + i]; });
      }
    });
  }
}

/// out[(i R + j) os + n] = (L X_n L^T)[i][j] + add for `count` matrices X_n [K][K] side by side, entry (a, b) of
/// X_n at x[(a K + b) xs + n]; L is R x K. Every transform but the input's is one of these: U = G g G^T (weights),
/// Y = A^T M A (outputs), and the weight gradient's adjoints dM = A dY A^T and dg = G^T dU G. scratch: R K count.
template <const auto& L>
void transform_tiles(const float* x, int64_t xs, int64_t count, float add, float* out, int64_t os, float* scratch) {
  constexpr int R = static_cast<int>(L.size()), K = static_cast<int>(L[0].size());
  for_each_index<R>([&](auto i) {
    float* t = scratch + i * K * count;  // (L X)[i][b] for b < K
    for (int b = 0; b < K; ++b) combine_arrays<L[i]>(x + b * xs, K * xs, count, 0.0f, t + b * count);
    for_each_index<R>([&](auto j) { combine_arrays<L[j]>(t, count, count, add, out + (i * R + j) * os); });
  });
}

/// Writes `count` tiles of Y [m][m][ys] side by side into the rows out[0 .. m - 1] (null: a row below the plane),
/// tile i at columns x0 + m i .. x0 + m i + m - 1 (those < w only).
template <class T>
void store_tiles(const float* y, int64_t ys, int64_t count, float* const* out, int64_t x0, int64_t w) {
  constexpr int m = T::m;
  for (int a = 0; a < m; ++a) {
    if (out[a] == nullptr) continue;
    for (int b = 0; b < m; ++b) {
      const int64_t n = std::clamp<int64_t>((w - x0 - b + m - 1) / m, 0, count);  // columns x0 + m i + b < w
      const float* __restrict src = y + (a * m + b) * ys;
      float* __restrict dst = out[a] + x0 + b;
      for (int64_t i = 0; i < n; ++i) dst[i * m] = src[i];
    }
  }
}

/// The adjoint of store_tiles: dY [m][m][ds] of `count` m x m gradient tiles side by side in the
/// rows dy[0 .. m - 1] (each `w` wide; tile i at columns x0 + m i ..; columns outside and rows below the plane,
/// given as a row of zeros, have no gradient).
template <class T>
void load_grad_tiles(const float* const* dy, int64_t x0, int64_t w, int64_t count, float* d, int64_t ds) {
  for (int a = 0; a < T::m; ++a) {
    for (int b = 0; b < T::m; ++b) gather_phase(dy[a], x0 + b, w, T::m, count, count, d + (a * T::m + b) * ds);
  }
}

}  // namespace tessera::cpu::winograd
