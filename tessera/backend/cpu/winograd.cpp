// F(2x2, 3x3) Winograd convolution (winograd.h). With d a 4x4 input patch, g a 3x3 kernel and
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1],
//   A^T = [1 1 1 0; 0 1 -1 -1],
// the 2x2 output tile is Y = A^T [(G g G^T) .* (B^T d B)] A, summed over input channels. Summed over channels,
// the 16 elementwise products become 16 GEMMs: M[p] [K, tiles] = U[p] [K, C] @ V[p] [C, tiles], with
// U[p] = (G g G^T)[p] per (output, input) channel pair and V[p] = (B^T d B)[p] per (input channel, tile).
// Tiles are taken in chunks of V and M within about 4 MiB (the shared L3, not a core's L2: smaller chunks made the
// GEMMs too narrow), so they are not read back from memory between the transforms and the GEMMs. Chunks run in
// parallel, each with its own scratch; their GEMMs then run on one thread each (BLAS inside a parallel region),
// and a convolution of a single chunk runs its transforms on one thread and its GEMMs on all. The input gradient
// is the same computation on gy with flipped kernels; the weight gradient is its adjoint (see below).
#include "tessera/backend/cpu/winograd.h"

#include <algorithm>
#include <vector>

#include "tessera/backend/cpu/blas.h"
#include "tessera/core/parallel.h"
#include "tessera/ops/creation.h"

namespace tessera::cpu {
namespace {

constexpr int64_t kPoints = 16;  // 4x4 transformed points per tile

// One convolution as the algorithm sees it: `k` output planes [ho, wo] from `c` input planes [h, w] per image,
// with padding (py, px).
struct Problem {
  int64_t n = 0, c = 0, h = 0, w = 0, k = 0, ho = 0, wo = 0, py = 0, px = 0;
  int64_t tiles_y() const { return (ho + 1) / 2; }
  int64_t tiles_x() const { return (wo + 1) / 2; }
  int64_t tiles() const { return n * tiles_y() * tiles_x(); }
  // Tiles per chunk: a chunk's V and M (16 (c + k) floats per tile) within about 4 MiB, a multiple of 8.
  int64_t chunk() const { return std::clamp<int64_t>((65536 / (c + k)) / 8 * 8, 16, 512); }
};

// The 1-d transforms: B^T, G and A^T applied to one column (or row).
inline void b_t(float d0, float d1, float d2, float d3, float* o) {
  o[0] = d0 - d2, o[1] = d1 + d2, o[2] = d2 - d1, o[3] = d1 - d3;
}
inline void g_t(float g0, float g1, float g2, float* o) {
  o[0] = g0, o[1] = 0.5f * (g0 + g1 + g2), o[2] = 0.5f * (g0 - g1 + g2), o[3] = g2;
}
inline void a_t(float m0, float m1, float m2, float m3, float* o) { o[0] = m0 + m1 + m2, o[1] = m1 - m2 - m3; }

// Scratch comes from Tessera's allocator (its block cache; counted in its statistics): through malloc, the
// weights' 16 MiB transforms and the chunks' buffers stayed resident in glibc's arenas and raised VGG11's peak
// RSS by 100 MiB.
Tensor scratch_floats(int64_t n) { return empty({n}, TensorOptions(kFloat32)); }

// U[p][o][i] = (G g G^T)[p] for the kernel g of output channel o and input channel i. `flipped`: the kernel of
// (o, i) is w's (i, o) rotated by 180 degrees (the input gradient's convolution).
Tensor transform_weights(const Problem& pr, const float* w, bool flipped) {
  Tensor ut = scratch_floats(kPoints * pr.k * pr.c);
  float* u = ut.data_ptr<float>();
  parallel_for(0, pr.k, std::max<int64_t>(1, 2048 / pr.c), [&](int64_t o0, int64_t o1) {  // ~2048 kernels per task
    for (int64_t o = o0; o < o1; ++o) {
      for (int64_t i = 0; i < pr.c; ++i) {
        float g[3][3], t[4][3], r[4];
        for (int a = 0; a < 3; ++a) {
          for (int b = 0; b < 3; ++b) {
            g[a][b] = flipped ? w[((i * pr.k + o) * 3 + 2 - a) * 3 + 2 - b] : w[((o * pr.c + i) * 3 + a) * 3 + b];
          }
        }
        for (int b = 0; b < 3; ++b) {
          g_t(g[0][b], g[1][b], g[2][b], r);
          for (int a = 0; a < 4; ++a) t[a][b] = r[a];
        }
        for (int a = 0; a < 4; ++a) {
          g_t(t[a][0], t[a][1], t[a][2], r);
          for (int b = 0; b < 4; ++b) u[((a * 4 + b) * pr.k + o) * pr.c + i] = r[b];
        }
      }
    }
  });
  return ut;
}

// B^T d B of a 4x4 patch d, into v[p * stride].
inline void input_tile(const float (&d)[4][4], float* v, int64_t stride) {
  float t[4][4], r[4];
  for (int b = 0; b < 4; ++b) {
    b_t(d[0][b], d[1][b], d[2][b], d[3][b], r);
    for (int a = 0; a < 4; ++a) t[a][b] = r[a];
  }
  for (int a = 0; a < 4; ++a) {
    b_t(t[a][0], t[a][1], t[a][2], t[a][3], r);
    for (int b = 0; b < 4; ++b) v[(a * 4 + b) * stride] = r[b];
  }
}

// Tiles i < count whose 4x4 patches lie inside the rows: tile i reads columns 2i .. 2i + 3 of rows r0..r3.
// First B^T down the columns 0 .. 2 count + 1, split into even and odd columns (s: [8][count + 1], rows 0-3 the
// even columns of B^T d's rows, 4-7 the odd ones), then B along each tile's four columns. Each loop reads
// without overlap (GCC does not vectorize the overlapping stride-2 reads of the direct form).
void input_columns(const float* __restrict r0, const float* __restrict r1, const float* __restrict r2,
                   const float* __restrict r3, int64_t n1, float* __restrict s) {
  for (int odd = 0; odd < 2; ++odd) {
    float* e = s + 4 * odd * n1;
    for (int64_t j = 0; j < n1; ++j) e[j] = r0[2 * j + odd] - r2[2 * j + odd];
    for (int64_t j = 0; j < n1; ++j) e[n1 + j] = r1[2 * j + odd] + r2[2 * j + odd];
    for (int64_t j = 0; j < n1; ++j) e[2 * n1 + j] = r2[2 * j + odd] - r1[2 * j + odd];
    for (int64_t j = 0; j < n1; ++j) e[3 * n1 + j] = r1[2 * j + odd] - r3[2 * j + odd];
  }
}
void input_rows(const float* __restrict s, int64_t count, float* __restrict v, int64_t stride) {
  const int64_t n1 = count + 1;
  for (int a = 0; a < 4; ++a) {
    const float* e = s + a * n1;
    const float* o = s + (4 + a) * n1;
    float* out = v + 4 * a * stride;
    for (int64_t i = 0; i < count; ++i) out[i] = e[i] - e[i + 1];
    for (int64_t i = 0; i < count; ++i) out[stride + i] = o[i] + e[i + 1];
    for (int64_t i = 0; i < count; ++i) out[2 * stride + i] = e[i + 1] - o[i];
    for (int64_t i = 0; i < count; ++i) out[3 * stride + i] = o[i] - o[i + 1];
  }
}

// A tile whose patch crosses the left or right edge: columns outside [0, w) read as zeros.
void input_tile_edge(const float* const (&rows)[4], int64_t w, int64_t x0, float* v, int64_t stride) {
  float d[4][4];
  for (int a = 0; a < 4; ++a) {
    for (int b = 0; b < 4; ++b) d[a][b] = x0 + b >= 0 && x0 + b < w ? rows[a][x0 + b] : 0.0f;
  }
  input_tile(d, v, stride);
}

// A^T m A of the tiles i < count of one tile row into output rows o0, o1 (columns 2i, 2i + 1), for tiles whose
// 2x2 outputs lie inside the plane.
void output_tiles_inside(const float* __restrict m, int64_t stride, int64_t count, float bias, float* __restrict o0,
                         float* __restrict o1) {
  for (int64_t i = 0; i < count; ++i) {
    float t[2][4], r[2];
    for (int b = 0; b < 4; ++b) {
      a_t(m[b * stride + i], m[(4 + b) * stride + i], m[(8 + b) * stride + i], m[(12 + b) * stride + i], r);
      t[0][b] = r[0], t[1][b] = r[1];
    }
    a_t(t[0][0], t[0][1], t[0][2], t[0][3], r);
    o0[2 * i] = r[0] + bias, o0[2 * i + 1] = r[1] + bias;
    a_t(t[1][0], t[1][1], t[1][2], t[1][3], r);
    o1[2 * i] = r[0] + bias, o1[2 * i + 1] = r[1] + bias;
  }
}

// One tile at the bottom or right edge: only its outputs inside [ho, wo] are written.
void output_tile_edge(const float* m, int64_t stride, float bias, float* plane, int64_t ho, int64_t wo, int64_t y0,
                      int64_t x0) {
  float t[2][4], r[2];
  for (int b = 0; b < 4; ++b) {
    a_t(m[b * stride], m[(4 + b) * stride], m[(8 + b) * stride], m[(12 + b) * stride], r);
    t[0][b] = r[0], t[1][b] = r[1];
  }
  for (int a = 0; a < 2 && y0 + a < ho; ++a) {
    a_t(t[a][0], t[a][1], t[a][2], t[a][3], r);
    for (int b = 0; b < 2 && x0 + b < wo; ++b) plane[(y0 + a) * wo + x0 + b] = r[b] + bias;
  }
}

// Consecutive tiles of one chunk in one tile row of one image.
struct Run {
  int64_t image, ty, tx, count, first;  // first: the chunk-local index of tile (ty, tx)
};

std::vector<Run> runs_of(const Problem& pr, int64_t t0, int64_t nt) {
  std::vector<Run> runs;
  const int64_t per_image = pr.tiles_y() * pr.tiles_x();
  for (int64_t i = 0; i < nt;) {
    const int64_t t = t0 + i, r = t % per_image, tx = r % pr.tiles_x();
    const int64_t count = std::min(pr.tiles_x() - tx, nt - i);
    runs.push_back({t / per_image, r / pr.tiles_x(), tx, count, i});
    i += count;
  }
  return runs;
}

// V[p][ch][i] for the tiles of one run: rows outside the plane read from `zeros`; tiles crossing the left or
// right edge take the bounds-checked path. scratch: 8 (tiles_x + 1) floats.
void transform_input_run(const Problem& pr, const float* plane, const Run& run, const float* zeros, float* scratch,
                         float* v, int64_t stride) {
  const float* rows[4];
  for (int a = 0; a < 4; ++a) {
    const int64_t y = 2 * run.ty - pr.py + a;
    rows[a] = y >= 0 && y < pr.h ? plane + y * pr.w : zeros;
  }
  // Tiles tx with 0 <= 2 tx - px and 2 tx - px + 4 <= w read inside the columns.
  const int64_t lo = std::clamp<int64_t>((pr.px + 1) / 2, run.tx, run.tx + run.count);
  // (Tiles up to floor((w + px - 4) / 2); none when w + px < 4, where C++'s division would round -1 / 2 up to 0.)
  const int64_t last = pr.w + pr.px >= 4 ? (pr.w + pr.px - 4) / 2 + 1 : 0;
  const int64_t hi = std::clamp<int64_t>(last, lo, run.tx + run.count);
  for (int64_t tx = run.tx; tx < run.tx + run.count; ++tx) {
    if (tx == lo && hi > lo) {
      const int64_t x0 = 2 * lo - pr.px;
      input_columns(rows[0] + x0, rows[1] + x0, rows[2] + x0, rows[3] + x0, hi - lo + 1, scratch);
      input_rows(scratch, hi - lo, v + run.first + lo - run.tx, stride);
      tx = hi - 1;
      continue;
    }
    input_tile_edge(rows, pr.w, 2 * tx - pr.px, v + run.first + tx - run.tx, stride);
  }
}

// The outputs of one run for one output channel from M[p][o][i], plus `bias`.
void transform_output_run(const Problem& pr, const float* m, int64_t stride, float bias, const Run& run, float* plane) {
  const int64_t y0 = 2 * run.ty;
  // Tiles with both output columns inside: tx < wo / 2; both rows inside: y0 + 1 < ho.
  const int64_t full = y0 + 1 < pr.ho ? std::clamp<int64_t>(pr.wo / 2 - run.tx, 0, run.count) : 0;
  if (full > 0) {
    output_tiles_inside(m + run.first, stride, full, bias, plane + y0 * pr.wo + 2 * run.tx,
                        plane + (y0 + 1) * pr.wo + 2 * run.tx);
  }
  for (int64_t i = full; i < run.count; ++i) {
    output_tile_edge(m + run.first + i, stride, bias, plane, pr.ho, pr.wo, y0, 2 * (run.tx + i));
  }
}

// V [16][c][chunk] of a chunk's runs, for the input channels [c0, c1).
void transform_input_chunk(const Problem& pr, const float* x, const std::vector<Run>& runs, const float* zeros,
                           float* scratch, float* v, int64_t c0, int64_t c1) {
  const int64_t tb = pr.chunk();
  for (int64_t ch = c0; ch < c1; ++ch) {
    for (const Run& r : runs) {
      transform_input_run(pr, x + (r.image * pr.c + ch) * pr.h * pr.w, r, zeros, scratch, v + ch * tb, pr.c * tb);
    }
  }
}

// The tiles [t0, t0 + nt) of one chunk: V, the 16 GEMMs, the output transform. v: [16][c][chunk], m: [16][k][chunk].
void run_chunk(const Problem& pr, const float* x, const float* u, const float* bias, float* y, int64_t t0, int64_t nt,
               float* v, float* m, const float* zeros, float* scratch) {
  const int64_t tb = pr.chunk();
  const std::vector<Run> runs = runs_of(pr, t0, nt);
  transform_input_chunk(pr, x, runs, zeros, scratch, v, 0, pr.c);
  for (int64_t p = 0; p < kPoints; ++p) {
    gemm<float>(pr.k, nt, pr.c, u + p * pr.k * pr.c, blas_matrix(pr.k, pr.c, pr.c, 1), v + p * pr.c * tb,
                blas_matrix(pr.c, nt, tb, 1), m + p * pr.k * tb, tb);
  }
  for (int64_t o = 0; o < pr.k; ++o) {
    for (const Run& r : runs) {
      transform_output_run(pr, m + o * tb, pr.k * tb, bias ? bias[o] : 0.0f, r,
                           y + (r.image * pr.k + o) * pr.ho * pr.wo);
    }
  }
}

void run(const Problem& pr, const float* x, const float* w, bool flipped, const float* bias, float* y) {
  check_blas_sizes({pr.k, pr.c, pr.chunk()});
  const Tensor u = transform_weights(pr, w, flipped);
  const int64_t tb = pr.chunk(), chunks = (pr.tiles() + tb - 1) / tb;
  parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
    Tensor v = scratch_floats(kPoints * pr.c * tb), m = scratch_floats(kPoints * pr.k * tb);
    const std::vector<float> zeros(static_cast<size_t>(pr.w), 0.0f);  // a row above or below the plane
    std::vector<float> scratch(static_cast<size_t>(8 * (pr.tiles_x() + 1)));
    for (int64_t ch = c0; ch < c1; ++ch) {
      const int64_t t0 = ch * tb;
      run_chunk(pr, x, u.data_ptr<const float>(), bias, y, t0, std::min(tb, pr.tiles() - t0), v.data_ptr<float>(),
                m.data_ptr<float>(), zeros.data(), scratch.data());
    }
  });
}

// ---- Weight gradient ------------------------------------------------------------------------------------------
// The adjoint of the forward: with dM = A dY A^T per output gradient tile (the adjoint of Y = A^T M A),
// dU[p] [K, C] = sum over tiles of dM[p] [K, tiles] @ V[p]^T [tiles, C], and dw = G^T dU G per channel pair (the
// adjoint of U = G g G^T). Output positions outside [ho, wo] have no gradient (zeros).

// 1-d adjoints: A (4x2) on a pair, G^T (3x4) on a quadruple.
inline void a_1d(float y0, float y1, float* o) { o[0] = y0, o[1] = y0 + y1, o[2] = y0 - y1, o[3] = -y1; }
inline void g_adj(float u0, float u1, float u2, float u3, float* o) {
  o[0] = u0 + 0.5f * (u1 + u2), o[1] = 0.5f * (u1 - u2), o[2] = 0.5f * (u1 + u2) + u3;
}

// dM[p * stride] = (A dY A^T)[p] for the 2x2 gradient tile dy (rows of two).
inline void grad_tile(float a, float b, float c, float d, float* m, int64_t stride) {
  float col0[4], col1[4], r[4];
  a_1d(a, c, col0);
  a_1d(b, d, col1);
  for (int row = 0; row < 4; ++row) {
    a_1d(col0[row], col1[row], r);
    for (int q = 0; q < 4; ++q) m[(row * 4 + q) * stride] = r[q];
  }
}

// Tiles i < count whose 2x2 gradients lie inside the plane, from rows o0 and o1 (columns 2i, 2i + 1): first the
// four entries of every tile into s [4][count] (a, b over c, d), then each row of A dY (a + c, ...) times A^T, in
// loops GCC vectorizes (it does not vectorize the one-loop form).
void grad_entries(const float* __restrict o0, const float* __restrict o1, int64_t count, float* __restrict s) {
  for (int64_t i = 0; i < count; ++i) s[i] = o0[2 * i];
  for (int64_t i = 0; i < count; ++i) s[count + i] = o0[2 * i + 1];
  for (int64_t i = 0; i < count; ++i) s[2 * count + i] = o1[2 * i];
  for (int64_t i = 0; i < count; ++i) s[3 * count + i] = o1[2 * i + 1];
}
// One row (p, q) of A dY times A^T: (p, p + q, p - q, -q) into out[k * stride].
void grad_row(const float* __restrict p, const float* __restrict q, int64_t count, float* __restrict out,
              int64_t stride) {
  for (int64_t i = 0; i < count; ++i) out[i] = p[i];
  for (int64_t i = 0; i < count; ++i) out[stride + i] = p[i] + q[i];
  for (int64_t i = 0; i < count; ++i) out[2 * stride + i] = p[i] - q[i];
  for (int64_t i = 0; i < count; ++i) out[3 * stride + i] = -q[i];
}
void grad_tiles_inside(const float* o0, const float* o1, int64_t count, float* m, int64_t stride, float* s) {
  grad_entries(o0, o1, count, s);
  const float *a = s, *b = s + count, *c = s + 2 * count, *d = s + 3 * count;
  float* t = s + 4 * count;  // [4][count]: a + c, b + d, a - c, b - d
  for (int64_t i = 0; i < count; ++i) t[i] = a[i] + c[i], t[count + i] = b[i] + d[i];
  for (int64_t i = 0; i < count; ++i) t[2 * count + i] = a[i] - c[i], t[3 * count + i] = b[i] - d[i];
  for (int64_t i = 0; i < count; ++i) t[4 * count + i] = -c[i], t[5 * count + i] = -d[i];
  grad_row(a, b, count, m, stride);                                        // row 0: (a, b)
  grad_row(t, t + count, count, m + 4 * stride, stride);                   // row 1: (a + c, b + d)
  grad_row(t + 2 * count, t + 3 * count, count, m + 8 * stride, stride);   // row 2: (a - c, b - d)
  grad_row(t + 4 * count, t + 5 * count, count, m + 12 * stride, stride);  // row 3: (-c, -d)
}

// dM [16][k][chunk] of a chunk's runs from the output gradient gy [n, k, ho, wo], for the output channels
// [k0, k1); scratch: 10 tiles_x floats.
void transform_grad_chunk(const Problem& pr, const float* gy, const std::vector<Run>& runs, float* m, float* scratch,
                          int64_t k0, int64_t k1) {
  const int64_t tb = pr.chunk(), stride = pr.k * tb;
  for (int64_t o = k0; o < k1; ++o) {
    for (const Run& run : runs) {
      const float* plane = gy + (run.image * pr.k + o) * pr.ho * pr.wo;
      float* mo = m + o * tb + run.first;
      const int64_t y0 = 2 * run.ty;
      const int64_t full = y0 + 1 < pr.ho ? std::clamp<int64_t>(pr.wo / 2 - run.tx, 0, run.count) : 0;
      if (full > 0) {
        grad_tiles_inside(plane + y0 * pr.wo + 2 * run.tx, plane + (y0 + 1) * pr.wo + 2 * run.tx, full, mo, stride,
                          scratch);
      }
      for (int64_t i = full; i < run.count; ++i) {
        const int64_t x0 = 2 * (run.tx + i);
        auto at = [&](int64_t y, int64_t x) { return y < pr.ho && x < pr.wo ? plane[y * pr.wo + x] : 0.0f; };
        grad_tile(at(y0, x0), at(y0, x0 + 1), at(y0 + 1, x0), at(y0 + 1, x0 + 1), mo + i, stride);
      }
    }
  }
}

// Chunks in order, each in two parallel steps: the transforms (split by channel), then the 16 GEMMs (split by
// point, each adding into its own dU[p]). One dU and one chunk's scratch in all, and the sums' order does not
// depend on the thread count. (Chunks in parallel, each summing into a per-thread dU, held 16/9 of the weights per
// thread and raised AlexNet's training step peak above libtorch's.)
void run_weight_grad(const Problem& pr, const float* x, const float* gy, float* gw) {
  check_blas_sizes({pr.k, pr.c, pr.chunk()});
  const int64_t tb = pr.chunk(), chunks = (pr.tiles() + tb - 1) / tb;
  Tensor dut = zeros({kPoints * pr.k * pr.c}, TensorOptions(kFloat32));
  Tensor vt = scratch_floats(kPoints * pr.c * tb), mt = scratch_floats(kPoints * pr.k * tb);
  float *du = dut.data_ptr<float>(), *v = vt.data_ptr<float>(), *m = mt.data_ptr<float>();
  const std::vector<float> zeros(static_cast<size_t>(pr.w), 0.0f);
  for (int64_t ch = 0; ch < chunks; ++ch) {
    const int64_t t0 = ch * tb, nt = std::min(tb, pr.tiles() - t0);
    const std::vector<Run> runs = runs_of(pr, t0, nt);
    parallel_for(0, pr.c + pr.k, 1, [&](int64_t j0, int64_t j1) {  // input channels, then output channels
      std::vector<float> scratch(static_cast<size_t>(10 * (pr.tiles_x() + 1)));
      if (j0 < pr.c) transform_input_chunk(pr, x, runs, zeros.data(), scratch.data(), v, j0, std::min(j1, pr.c));
      if (j1 > pr.c) transform_grad_chunk(pr, gy, runs, m, scratch.data(), std::max(j0, pr.c) - pr.c, j1 - pr.c);
    });
    parallel_for(0, kPoints, 1, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        gemm<float>(pr.k, pr.c, nt, m + p * pr.k * tb, blas_matrix(pr.k, nt, tb, 1), v + p * pr.c * tb,
                    blas_matrix(nt, pr.c, 1, tb), du + p * pr.k * pr.c, pr.c, 1.0f);
      }
    });
  }
  // dw[o][i] = G^T dU[o][i] G.
  parallel_for(0, pr.k, std::max<int64_t>(1, 2048 / pr.c), [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      for (int64_t i = 0; i < pr.c; ++i) {
        float t[3][4], r[3];
        for (int b = 0; b < 4; ++b) {
          const auto at = [&](int a) { return du[((a * 4 + b) * pr.k + o) * pr.c + i]; };
          g_adj(at(0), at(1), at(2), at(3), r);
          for (int a = 0; a < 3; ++a) t[a][b] = r[a];
        }
        for (int a = 0; a < 3; ++a) {
          g_adj(t[a][0], t[a][1], t[a][2], t[a][3], r);
          for (int b = 0; b < 3; ++b) gw[((o * pr.c + i) * 3 + a) * 3 + b] = r[b];
        }
      }
    }
  });
}

}  // namespace

bool winograd_applies(const onednn::ConvShape& s) {
  return s.kh == 3 && s.kw == 3 && s.stride == std::array<int64_t, 2>{1, 1} &&
         s.dilation == std::array<int64_t, 2>{1, 1} && s.groups == 1 && s.padding[0] <= 2 && s.padding[1] <= 2;
}

void winograd_conv_forward(const onednn::ConvShape& s, const float* x, const float* w, float* y, const float* bias) {
  run({s.n, s.c, s.h, s.w, s.co, s.ho, s.wo, s.padding[0], s.padding[1]}, x, w, false, bias, y);
}

void winograd_conv_input_grad(const onednn::ConvShape& s, const float* gy, const float* w, float* gx) {
  run({s.n, s.co, s.ho, s.wo, s.c, s.h, s.w, 2 - s.padding[0], 2 - s.padding[1]}, gy, w, true, nullptr, gx);
}

}  // namespace tessera::cpu

namespace tessera::cpu {

void winograd_conv_weight_grad(const onednn::ConvShape& s, const float* x, const float* gy, float* gw) {
  run_weight_grad({s.n, s.c, s.h, s.w, s.co, s.ho, s.wo, s.padding[0], s.padding[1]}, x, gy, gw);
}

}  // namespace tessera::cpu
