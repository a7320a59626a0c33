// Winograd convolution (winograd.h), F(2x2, 3x3) and F(2x2, 5x5), with the tile transforms of winograd_tiles.h.
// With alpha = r + 1 points per side (P = alpha^2 in all), summed over input channels the P elementwise products
// of Y = A^T [(G g G^T) .* (B^T d B)] A become P GEMMs: M[p] [K, tiles] = U[p] [K, C] @ V[p] [C, tiles], with
// U[p] = (G g G^T)[p] per (output, input) channel pair and V[p] = (B^T d B)[p] per (input channel, tile).
// Tiles are taken in chunks of V and M within about 4 MiB (the shared L3, not a core's L2: smaller chunks made the
// GEMMs too narrow), so they are not read back from memory between the transforms and the GEMMs. Chunks run in
// parallel, each with its own scratch; their GEMMs then run on one thread each (BLAS inside a parallel region),
// and a convolution of a single chunk runs its transforms on one thread and its GEMMs on all. The input gradient
// is the same computation on gy with flipped kernels; the weight gradient is its adjoint (see below).
#include "tessera/backend/cpu/winograd.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "tessera/backend/cpu/blas.h"
#include "tessera/backend/cpu/winograd_tiles.h"
#include "tessera/core/parallel.h"
#include "tessera/ops/creation.h"

namespace tessera::cpu {
namespace {

using winograd::F2x3;
using winograd::F2x5;

// One convolution as the algorithm sees it: `k` output planes [ho, wo] from `c` input planes [h, w] per image,
// with padding (py, px), in tiles of m x m outputs and P transformed points.
struct Problem {
  int64_t n = 0, c = 0, h = 0, w = 0, k = 0, ho = 0, wo = 0, py = 0, px = 0;
  int64_t m = 2, points = 16;
  int64_t tiles_y() const { return (ho + m - 1) / m; }
  int64_t tiles_x() const { return (wo + m - 1) / m; }
  int64_t tiles() const { return n * tiles_y() * tiles_x(); }
  // Tiles per chunk: a chunk's V and M (P (c + k) floats per tile) within about 4 MiB, a multiple of 8.
  int64_t chunk() const { return std::clamp<int64_t>(((1 << 20) / (points * (c + k))) / 8 * 8, 16, 512); }
};

template <class T>
Problem problem(const onednn::ConvShape& s, bool input_grad) {
  Problem pr = input_grad
                   ? Problem{s.n, s.co, s.ho, s.wo, s.c, s.h, s.w, T::r - 1 - s.padding[0], T::r - 1 - s.padding[1]}
                   : Problem{s.n, s.c, s.h, s.w, s.co, s.ho, s.wo, s.padding[0], s.padding[1]};
  pr.m = T::m, pr.points = T::alpha * T::alpha;
  return pr;
}

// Scratch comes from Tessera's allocator (its block cache; counted in its statistics): through malloc, the
// weights' 16 MiB transforms and the chunks' buffers stayed resident in glibc's arenas and raised VGG11's peak
// RSS by 100 MiB.
Tensor scratch_floats(int64_t n) { return empty({n}, TensorOptions(kFloat32)); }

// Note [Winograd and non-finite values]
// With an Inf among the operands, the transforms compute Inf - Inf (B^T d B subtracts inputs) and 0 * Inf (U .* V
// where a transformed point of the other operand is 0), so outputs that a direct convolution gives as Inf come out
// NaN; a NaN operand reaches every output of the tiles that read it, not only the outputs whose window holds it; and
// the transforms, which add up to 4 inputs (F(2x2, 3x3)), can overflow to Inf where a direct convolution stays
// finite (inputs near FLT_MAX). Each pass therefore reports whether an output it wrote is not finite (checked on the
// transformed tiles while they are in cache, or on the small weight gradient), and the caller runs a direct algorithm
// instead. Operands whose outputs are all finite pay only that check: no slowdown measured on VGG11's and AlexNet's
// layers (stop 21).

// True when one of x[0 .. n - 1] is Inf or NaN (x - x is NaN exactly then; the loop vectorizes, unlike a reduction
// of std::isfinite in strict IEEE mode).
bool any_non_finite(const float* x, int64_t n) {
  int bad = 0;
  for (int64_t i = 0; i < n; ++i) bad |= (x[i] - x[i]) != 0.0f;
  return bad != 0;
}

// U[p][o][i] = (G g G^T)[p] for the kernel g of output channel o and input channel i. `flipped`: the kernel of
// (o, i) is w's (i, o) rotated by 180 degrees (the input gradient's convolution).
template <class T>
Tensor transform_weights(const Problem& pr, const float* w, bool flipped) {
  constexpr int r = T::r;
  Tensor ut = scratch_floats(pr.points * pr.k * pr.c);
  float* u = ut.data_ptr<float>();
  parallel_for(0, pr.k, std::max<int64_t>(1, 2048 / pr.c), [&](int64_t o0, int64_t o1) {  // ~2048 kernels per task
    std::vector<float> g(static_cast<size_t>(r * r * pr.c)), scratch(static_cast<size_t>(T::alpha * r * pr.c));
    for (int64_t o = o0; o < o1; ++o) {
      for (int64_t i = 0; i < pr.c; ++i) {  // g [r * r][c]: the kernels of output channel o
        const float* src = flipped ? w + (i * pr.k + o) * r * r : w + (o * pr.c + i) * r * r;
        for (int j = 0; j < r * r; ++j) g[j * pr.c + i] = src[flipped ? r * r - 1 - j : j];
      }
      winograd::transform_tiles<T::g>(g.data(), pr.c, pr.c, 0.0f, u + o * pr.c, pr.k * pr.c, scratch.data());
    }
  });
  return ut;
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

// V[p][ch][i] for the tiles of one run: rows outside the plane read from `zeros` (w floats); scratch:
// run_scratch(tiles_x) floats.
template <class T>
void transform_input_run(const Problem& pr, const float* plane, const Run& run, const float* zeros, float* scratch,
                         float* v, int64_t stride) {
  const float* rows[T::alpha];
  for (int a = 0; a < T::alpha; ++a) {
    const int64_t y = T::m * run.ty - pr.py + a;
    rows[a] = y >= 0 && y < pr.h ? plane + y * pr.w : zeros;
  }
  winograd::input_tiles<T>(rows, T::m * run.tx - pr.px, pr.w, run.count, scratch, v + run.first, stride);
}

// V [P][c][chunk] of a chunk's runs, for the input channels [c0, c1).
template <class T>
void transform_input_chunk(const Problem& pr, const float* x, const std::vector<Run>& runs, const float* zeros,
                           float* scratch, float* v, int64_t c0, int64_t c1) {
  const int64_t tb = pr.chunk();
  for (int64_t ch = c0; ch < c1; ++ch) {
    for (const Run& r : runs) {
      transform_input_run<T>(pr, x + (r.image * pr.c + ch) * pr.h * pr.w, r, zeros, scratch, v + ch * tb, pr.c * tb);
    }
  }
}

// The tiles [t0, t0 + nt) of one chunk: V, the P GEMMs, the output transform. v: [P][c][chunk], m: [P][k][chunk].
// False when an output tile holds an Inf or a NaN (Note [Winograd and non-finite values]).
template <class T>
bool run_chunk(const Problem& pr, const float* x, const float* u, const float* bias, float* y, int64_t t0, int64_t nt,
               float* v, float* m, const float* zeros, float* scratch) {
  const int64_t tb = pr.chunk();
  const std::vector<Run> runs = runs_of(pr, t0, nt);
  transform_input_chunk<T>(pr, x, runs, zeros, scratch, v, 0, pr.c);
  for (int64_t p = 0; p < pr.points; ++p) {
    gemm<float>(pr.k, nt, pr.c, u + p * pr.k * pr.c, blas_matrix(pr.k, pr.c, pr.c, 1), v + p * pr.c * tb,
                blas_matrix(pr.c, nt, tb, 1), m + p * pr.k * tb, tb);
  }
  bool finite = true;
  for (int64_t o = 0; o < pr.k; ++o) {           // all the chunk's tiles at once, then each run into its rows
    float* yt = scratch + T::m * T::alpha * nt;  // Y [m][m][nt] after transform_tiles' own scratch
    winograd::transform_tiles<T::at>(m + o * tb, pr.k * tb, nt, bias ? bias[o] : 0.0f, yt, nt, scratch);
    if (any_non_finite(yt, T::m * T::m * nt)) finite = false;
    for (const Run& r : runs) {
      float* plane = y + (r.image * pr.k + o) * pr.ho * pr.wo;
      float* out[T::m];
      for (int a = 0; a < T::m; ++a) {
        const int64_t row = T::m * r.ty + a;
        out[a] = row < pr.ho ? plane + row * pr.wo : nullptr;
      }
      winograd::store_tiles<T>(yt + r.first, nt, r.count, out, T::m * r.tx, pr.wo);
    }
  }
  return finite;
}

// False when an output is not finite (Note [Winograd and non-finite values]); the chunks left then stop early.
template <class T>
bool run(const Problem& pr, const float* x, const float* w, bool flipped, const float* bias, float* y) {
  check_blas_sizes({pr.k, pr.c, pr.chunk()});
  const Tensor u = transform_weights<T>(pr, w, flipped);
  const int64_t tb = pr.chunk(), chunks = (pr.tiles() + tb - 1) / tb;
  std::atomic<bool> finite{true};
  parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
    Tensor v = scratch_floats(pr.points * pr.c * tb), m = scratch_floats(pr.points * pr.k * tb);
    const std::vector<float> zeros(static_cast<size_t>(pr.w), 0.0f);  // a row above or below the plane
    std::vector<float> scratch(static_cast<size_t>(winograd::run_scratch<T>(std::max(pr.tiles_x(), tb))));
    for (int64_t ch = c0; ch < c1 && finite.load(std::memory_order_relaxed); ++ch) {
      const int64_t t0 = ch * tb;
      if (!run_chunk<T>(pr, x, u.data_ptr<const float>(), bias, y, t0, std::min(tb, pr.tiles() - t0),
                        v.data_ptr<float>(), m.data_ptr<float>(), zeros.data(), scratch.data())) {
        finite.store(false, std::memory_order_relaxed);
      }
    }
  });
  return finite.load();
}

// ---- Weight gradient ------------------------------------------------------------------------------------------
// The adjoint of the forward: with dM = A dY A^T per output gradient tile (the adjoint of Y = A^T M A),
// dU[p] [K, C] = sum over tiles of dM[p] [K, tiles] @ V[p]^T [tiles, C], and dw = G^T dU G per channel pair (the
// adjoint of U = G g G^T). Output positions outside [ho, wo] have no gradient (zeros).

// dM [P][k][chunk] of a chunk's runs from the output gradient gy [n, k, ho, wo], for the output channels
// [k0, k1); rows below the plane read from `zeros` (wo floats); scratch: run_scratch(chunk) floats.
template <class T>
void transform_grad_chunk(const Problem& pr, const float* gy, const std::vector<Run>& runs, int64_t nt,
                          const float* zeros, float* m, float* scratch, int64_t k0, int64_t k1) {
  const int64_t tb = pr.chunk(), stride = pr.k * tb;
  for (int64_t o = k0; o < k1; ++o) {  // each run's tiles into dY, then all the chunk's tiles at once
    float* d = scratch;
    for (const Run& run : runs) {
      const float* plane = gy + (run.image * pr.k + o) * pr.ho * pr.wo;
      const float* rows[T::m];
      for (int a = 0; a < T::m; ++a) {
        const int64_t y = T::m * run.ty + a;
        rows[a] = y < pr.ho ? plane + y * pr.wo : zeros;
      }
      winograd::load_grad_tiles<T>(rows, T::m * run.tx, pr.wo, run.count, d + run.first, nt);
    }
    winograd::transform_tiles<T::a>(d, nt, nt, 0.0f, m + o * tb, stride, scratch + T::m * T::m * nt);
  }
}

// Chunks in order, each in two parallel steps: the transforms (split by channel), then the P GEMMs (split by
// point, each adding into its own dU[p]). One dU and one chunk's scratch in all, and the sums' order does not
// depend on the thread count. (Chunks in parallel, each summing into a per-thread dU, held 16/9 of the weights per
// thread and raised AlexNet's training step peak above libtorch's.)
template <class T>
bool run_weight_grad(const Problem& pr, const float* x, const float* gy, float* gw) {
  constexpr int r = T::r, A = T::alpha;
  check_blas_sizes({pr.k, pr.c, pr.chunk()});
  const int64_t tb = pr.chunk(), chunks = (pr.tiles() + tb - 1) / tb;
  Tensor dut = zeros({pr.points * pr.k * pr.c}, TensorOptions(kFloat32));
  Tensor vt = scratch_floats(pr.points * pr.c * tb), mt = scratch_floats(pr.points * pr.k * tb);
  float *du = dut.data_ptr<float>(), *v = vt.data_ptr<float>(), *m = mt.data_ptr<float>();
  const std::vector<float> zeros(static_cast<size_t>(std::max(pr.w, pr.wo)), 0.0f);
  for (int64_t ch = 0; ch < chunks; ++ch) {
    const int64_t t0 = ch * tb, nt = std::min(tb, pr.tiles() - t0);
    const std::vector<Run> runs = runs_of(pr, t0, nt);
    parallel_for(0, pr.c + pr.k, 1, [&](int64_t j0, int64_t j1) {  // input channels, then output channels
      std::vector<float> scratch(static_cast<size_t>(winograd::run_scratch<T>(std::max(pr.tiles_x(), tb))));
      if (j0 < pr.c) transform_input_chunk<T>(pr, x, runs, zeros.data(), scratch.data(), v, j0, std::min(j1, pr.c));
      if (j1 > pr.c)
        transform_grad_chunk<T>(pr, gy, runs, nt, zeros.data(), m, scratch.data(), std::max(j0, pr.c) - pr.c,
                                j1 - pr.c);
    });
    parallel_for(0, pr.points, 1, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        gemm<float>(pr.k, pr.c, nt, m + p * pr.k * tb, blas_matrix(pr.k, nt, tb, 1), v + p * pr.c * tb,
                    blas_matrix(nt, pr.c, 1, tb), du + p * pr.k * pr.c, pr.c, 1.0f);
      }
    });
  }
  // dw[o][i] = G^T dU[o][i] G, for all i of an output channel at once.
  parallel_for(0, pr.k, std::max<int64_t>(1, 2048 / pr.c), [&](int64_t o0, int64_t o1) {
    std::vector<float> dg(static_cast<size_t>(r * r * pr.c)), scratch(static_cast<size_t>(r * A * pr.c));
    for (int64_t o = o0; o < o1; ++o) {
      winograd::transform_tiles<T::gt>(du + o * pr.c, pr.k * pr.c, pr.c, 0.0f, dg.data(), pr.c, scratch.data());
      for (int64_t i = 0; i < pr.c; ++i) {
        for (int j = 0; j < r * r; ++j) gw[(o * pr.c + i) * r * r + j] = dg[j * pr.c + i];
      }
    }
  });
  return !any_non_finite(gw, pr.k * pr.c * r * r);
}

}  // namespace

bool winograd_applies(const onednn::ConvShape& s) {
  const int64_t r = s.kh;
  return (r == 3 || r == 5) && s.kw == r && s.stride == std::array<int64_t, 2>{1, 1} &&
         s.dilation == std::array<int64_t, 2>{1, 1} && s.groups == 1 && s.padding[0] <= r - 1 && s.padding[1] <= r - 1;
}

bool winograd_conv_forward(const onednn::ConvShape& s, const float* x, const float* w, float* y, const float* bias) {
  if (s.kh == 3) return run<F2x3>(problem<F2x3>(s, false), x, w, false, bias, y);
  return run<F2x5>(problem<F2x5>(s, false), x, w, false, bias, y);
}

bool winograd_conv_input_grad(const onednn::ConvShape& s, const float* gy, const float* w, float* gx) {
  if (s.kh == 3) return run<F2x3>(problem<F2x3>(s, true), gy, w, true, nullptr, gx);
  return run<F2x5>(problem<F2x5>(s, true), gy, w, true, nullptr, gx);
}

bool winograd_conv_weight_grad(const onednn::ConvShape& s, const float* x, const float* gy, float* gw) {
  if (s.kh == 3) return run_weight_grad<F2x3>(problem<F2x3>(s, false), x, gy, gw);
  return run_weight_grad<F2x5>(problem<F2x5>(s, false), x, gy, gw);
}

}  // namespace tessera::cpu
