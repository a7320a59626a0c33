// CPU kernels of conv2d and its gradient ops. Float32 goes to oneDNN or Winograd where they measurably win (Note
// [Convolution dispatch]; backend/cpu/dnnl/dnnl_conv.cpp, backend/cpu/winograd.cpp); float64, and shapes oneDNN cannot
// take, run im2col + GEMM (OpenBLAS), one image per work item:
//
// Per image and group, the input [C_g, H, W] unfolds into columns [C_g kH kW, H_out W_out] (im2col), so that
//   forward      y_g  = w_g [C_out_g, C_g kH kW] @ cols
//   input grad   cols = w_g^T @ gy_g, folded back and summed into gx (col2im)
//   weight grad  gw_g += gy_g @ cols^T
// A 1x1 kernel with stride 1 and no padding needs no unfolding: the image itself is the column matrix.
// Images run in parallel (each thread owns a column buffer and, for the weight gradient, a partial sum added
// up in a fixed order, so results depend only on the thread count); a single image leaves threading to BLAS.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <type_traits>

#include "tessera/backend/cpu/blas.h"
#include "tessera/backend/cpu/conv_pass.h"
#include "tessera/backend/cpu/copy.h"
#include "tessera/backend/cpu/dnnl/dnnl_conv.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/backend/cpu/winograd.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/core/parallel.h"
#include "tessera/ops/conv.h"
#include "tessera/ops/fused_conv.h"
#include "tessera/ops/registry.h"

namespace tessera::cpu {
namespace {

// The sizes of one convolution, per group.
struct Geometry {
  int64_t n = 0, groups = 1;
  int64_t c = 0, h = 0, w = 0;  // input channels per group, input height and width
  int64_t co = 0;               // output channels per group
  int64_t kh = 0, kw = 0, ho = 0, wo = 0;
  std::array<int64_t, 2> s{}, p{}, d{};
  int64_t rows() const { return c * kh * kw; }  // K of the GEMMs
  int64_t cols() const { return ho * wo; }      // pixels of one output plane
  bool pointwise() const { return kh == 1 && kw == 1 && s[0] == 1 && s[1] == 1 && p[0] == 0 && p[1] == 0; }
};

// The sizes of a convolution as oneDNN takes them (whole channel counts), from x, w and the attributes.
onednn::ConvShape conv_shape(const Shape& x, const Shape& w, const Conv2dAttrs& a) {
  onednn::ConvShape s;
  s.n = x[0], s.c = x[1], s.h = x[2], s.w = x[3], s.co = w[0], s.kh = w[2], s.kw = w[3], s.groups = a.groups;
  s.stride = a.stride, s.padding = a.padding, s.dilation = a.dilation;
  s.ho = conv_output_size(s.h, s.kh, s.stride[0], s.padding[0], s.dilation[0]);
  s.wo = conv_output_size(s.w, s.kw, s.stride[1], s.padding[1], s.dilation[1]);
  return s;
}

// The same convolution per group, as im2col works on it.
Geometry geometry(const onednn::ConvShape& s) {
  Geometry g;
  g.n = s.n, g.groups = s.groups, g.c = s.c / s.groups, g.h = s.h, g.w = s.w;
  g.co = s.co / s.groups, g.kh = s.kh, g.kw = s.kw, g.ho = s.ho, g.wo = s.wo;
  g.s = s.stride, g.p = s.padding, g.d = s.dilation;
  return g;
}

int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Visits every (column row, output row) pair of the unfolding of one [c, h, w] image: `f(at, row, dj, lo, hi)`
// where `at` is the offset of the pair in the columns, output columns [lo, hi) read input row `row` (ch * h + ih)
// at columns dj + ow * stride, and the rest are padding (all of them, lo == hi, when ih is).
template <class F>
void for_each_unfolded_row(const Geometry& g, const F& f) {
  const int64_t wo = g.wo;
  for (int64_t ch = 0; ch < g.c; ++ch) {
    for (int64_t ki = 0; ki < g.kh; ++ki) {
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        const int64_t at = ((ch * g.kh + ki) * g.kw + kj) * g.cols();
        const int64_t di = ki * g.d[0] - g.p[0], dj = kj * g.d[1] - g.p[1];
        const int64_t lo = std::clamp<int64_t>(ceil_div(-dj, g.s[1]), 0, wo);
        const int64_t hi = std::clamp<int64_t>(floor_div(g.w - 1 - dj, g.s[1]) + 1, lo, wo);
        for (int64_t oh = 0; oh < g.ho; ++oh) {
          const int64_t ih = oh * g.s[0] + di;
          const bool inside = ih >= 0 && ih < g.h;
          f(at + oh * wo, ch * g.h + ih, dj, lo, inside ? hi : lo);
        }
      }
    }
  }
}

// Note [Strided im2col]
// With a column stride s > 1, output column ow of kernel column kj reads input column dj + s ow: a gather with
// stride s, one scalar load and store per element. When the windows overlap (kh kw > stride_h s: the columns hold
// more elements than the input), im2col first splits every input row into its s column phases (phase q holds the
// columns q, q + s, q + 2 s, ...), once per image; every unfolded row is then a contiguous copy out of one phase.
// AlexNet's 11x11 stride-4 first layer, batch 16: 50.8 -> 39.5 ms forward (bench_conv_algorithms alex1, im2col); a
// gather with stride 2 costs less, and ResNet's 7x7 stride-2 first layer took 84.7 and 85.5 ms with and without the
// split.

// Whether im2col splits rows into phases, and the floats of the split image ([c h][s][ceil(w / s)]).
bool splits_phases(const Geometry& g) { return g.s[1] > 1 && g.kh * g.kw > g.s[0] * g.s[1]; }
int64_t phase_width(const Geometry& g) { return (g.w + g.s[1] - 1) / g.s[1]; }
int64_t phases_size(const Geometry& g) { return splits_phases(g) ? g.c * g.h * g.s[1] * phase_width(g) : 0; }

template <class T>
void split_phases(const Geometry& g, const T* x, T* phases) {
  const int64_t s = g.s[1], pw = phase_width(g);
  for (int64_t row = 0; row < g.c * g.h; ++row) {
    const T* in = x + row * g.w;
    for (int64_t q = 0; q < s; ++q) {
      T* out = phases + (row * s + q) * pw;
      const int64_t n = (g.w - q + s - 1) / s;  // columns q + s j < w
      for (int64_t j = 0; j < n; ++j) out[j] = in[q + s * j];
    }
  }
}

// The columns [c kh kw, ho wo] of one image; `phases` is scratch of phases_size(g) floats.
template <class T>
void im2col(const Geometry& g, const T* x, T* col, T* phases) {
  const int64_t s = g.s[1], pw = phase_width(g);
  const bool split = splits_phases(g);
  if (split) split_phases(g, x, phases);
  for_each_unfolded_row(g, [&](int64_t at, int64_t row, int64_t dj, int64_t lo, int64_t hi) {
    T* out = col + at;
    std::fill(out, out + lo, T(0));
    std::fill(out + hi, out + g.wo, T(0));
    if (lo == hi) return;  // a padding row: `row` is outside the image
    if (split) {           // column dj + s ow is column floor(dj / s) + ow of phase dj mod s
      const T* in = phases + (row * s + (dj - floor_div(dj, s) * s)) * pw + floor_div(dj, s);
      std::copy(in + lo, in + hi, out + lo);
    } else if (s == 1) {
      std::copy(x + row * g.w + dj + lo, x + row * g.w + dj + hi, out + lo);
    } else {
      for (int64_t ow = lo; ow < hi; ++ow) out[ow] = x[row * g.w + dj + ow * s];
    }
  });
}

// Adds the columns back into the image x (which the caller zeroed).
template <class T>
void col2im(const Geometry& g, const T* col, T* x) {
  for_each_unfolded_row(g, [&](int64_t at, int64_t row, int64_t dj, int64_t lo, int64_t hi) {
    for (int64_t ow = lo; ow < hi; ++ow) x[row * g.w + dj + ow * g.s[1]] += col[at + ow];
  });
}

template <class T>
std::unique_ptr<T[]> buffer(int64_t n) {
  return std::unique_ptr<T[]>(new T[static_cast<size_t>(n)]);
}

// Runs f(first_image, last_image) over the batch: images in parallel unless there is only one.
template <class F>
void over_images(int64_t n, const F& f) {
  parallel_for(0, n, 1, f);
}

// Row-major matrices as BLAS reads them, plain or transposed.
BlasMatrix plain(int64_t cols) { return {true, false, cols}; }
BlasMatrix transposed(int64_t cols_of_stored) { return {true, true, cols_of_stored}; }

template <class T>
void conv_forward(const Geometry& g, const T* x, const T* w, T* y) {
  const int64_t K = g.rows(), P = g.cols(), in_plane = g.c * g.h * g.w;
  over_images(g.n, [&](int64_t b, int64_t e) {
    auto col = g.pointwise() ? nullptr : buffer<T>(K * P), phases = buffer<T>(phases_size(g));
    for (int64_t i = b; i < e; ++i) {
      for (int64_t gr = 0; gr < g.groups; ++gr) {
        const T* xi = x + (i * g.groups + gr) * in_plane;
        if (col) im2col(g, xi, col.get(), phases.get());
        gemm<T>(g.co, P, K, w + gr * g.co * K, plain(K), col ? col.get() : xi, plain(P),
                y + (i * g.groups + gr) * g.co * P, P);
      }
    }
  });
}

template <class T>
void conv_input_grad(const Geometry& g, const T* gy, const T* w, T* gx) {
  const int64_t K = g.rows(), P = g.cols(), in_plane = g.c * g.h * g.w;
  over_images(g.n, [&](int64_t b, int64_t e) {
    auto col = g.pointwise() ? nullptr : buffer<T>(K * P);
    for (int64_t i = b; i < e; ++i) {
      for (int64_t gr = 0; gr < g.groups; ++gr) {
        T* gxi = gx + (i * g.groups + gr) * in_plane;
        T* dst = col ? col.get() : gxi;
        gemm<T>(K, P, g.co, w + gr * g.co * K, transposed(K), gy + (i * g.groups + gr) * g.co * P, plain(P), dst, P);
        if (col) {
          std::fill(gxi, gxi + in_plane, T(0));
          col2im(g, col.get(), gxi);
        }
      }
    }
  });
}

template <class T>
void conv_weight_grad(const Geometry& g, const T* x, const T* gy, T* gw) {
  const int64_t K = g.rows(), P = g.cols(), in_plane = g.c * g.h * g.w, wsize = g.groups * g.co * K;
  // Fixed chunks of the batch, each summed into its own partial gradient, then added up in chunk order.
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(g.n, num_threads()));
  auto partial = buffer<T>(chunks * wsize);
  parallel_for(0, chunks, 1, [&](int64_t cb, int64_t ce) {
    auto col = g.pointwise() ? nullptr : buffer<T>(K * P), phases = buffer<T>(phases_size(g));
    for (int64_t ch = cb; ch < ce; ++ch) {
      T* acc = partial.get() + ch * wsize;
      const int64_t first = g.n * ch / chunks, last = g.n * (ch + 1) / chunks;
      std::fill(acc, acc + wsize, T(0));
      for (int64_t i = first; i < last; ++i) {
        for (int64_t gr = 0; gr < g.groups; ++gr) {
          const T* xi = x + (i * g.groups + gr) * in_plane;
          if (col) im2col(g, xi, col.get(), phases.get());
          gemm<T>(g.co, K, P, gy + (i * g.groups + gr) * g.co * P, plain(P), col ? col.get() : xi, transposed(P),
                  acc + gr * g.co * K, K, T(1));
        }
      }
    }
  });
  std::copy(partial.get(), partial.get() + wsize, gw);
  for (int64_t ch = 1; ch < chunks; ++ch) {
    const T* acc = partial.get() + ch * wsize;
    for (int64_t j = 0; j < wsize; ++j) gw[j] += acc[j];
  }
}

std::atomic<ConvAlgorithm>& algorithm_setting() {
  static std::atomic<ConvAlgorithm> a{ConvAlgorithm::kAuto};
  return a;
}

// Note [Convolution dispatch]
// Float32 convolutions pick among im2col + GEMM, oneDNN on NCHW (it runs its own im2col + GEMM), oneDNN's
// blocked layouts (direct JIT kernels, with reorders from and to NCHW around each call) and F(2x2, 3x3) and F(2x2, 5x5)
// Winograd (winograd.h), by per-pass timings at the shapes of the Fashion-MNIST CNN, AlexNet and VGG11
// (bench/bench_conv_algorithms prints the table; docs/performance.md, "Winograd convolution", has the figures). In
// short:
// - 3x3 and 5x5 stride-1 convolutions with at least 64 input and 64 output channels take Winograd in all three
//   passes. 3x3: 0.53-0.60x blocked oneDNN's time on VGG11's layers from 28x28 up in the forward and the input
//   gradient, 0.47-0.55x in the weight gradient; 0.75-0.95x on the 13x13 and 14x14 layers of AlexNet and VGG11
//   (weight gradients 0.62-0.68x). 5x5 (AlexNet's 64 -> 192 at 27x27): 0.61 / 0.68 / 0.60x. The Fashion-MNIST CNN's
//   32 -> 64 (14x14, 7x7 tiles per plane) stays blocked: there the transforms outweigh the GEMMs' savings (1.15x in
//   the forward, 1.6x in the input gradient, 1.1x in the weight gradient); so do first layers (1.7-4.7x).
// - Otherwise blocked oneDNN is 1.05-1.4x faster than im2col in the forward and the input gradient wherever each
//   output reads many inputs (K = C_in/groups * kH * kW of 64 or more). A forward with K < 64 (groups 1: a first
//   layer with a small kernel) takes im2col: it needs no reorders, and the wide GEMM of a large first layer (VGG11's,
//   n = 50176) runs OpenBLAS (Note [GEMM choice]). Stop 18: 0.64 ms against 0.95 blocked and 1.0-4.7 oneDNN NCHW for
//   the Fashion-MNIST CNN's 1 -> 32; 35 ms against 43 (Winograd), 81 (NCHW) and 42-102 (blocked) for VGG11's 3 -> 64.
//   First layers with K >= 64 run blocked (stop 21: ResNet's 7x7 stride 2, batch 16, 54-62 ms against im2col's 85;
//   a 5x5 CIFAR layer 3 -> 64 at 32x32, batch 64, 10.0 against 23; ViT-B/16's 16x16 stride-16 patches 51.7 against
//   58.1), except where the windows overlap at a stride of 4 or more: AlexNet's 11x11 stride 4 takes im2col, 39.5 ms
//   against blocked's 48.9-51.6 (Note [Strided im2col]). The input gradient of an input with fewer than 16 channels
//   per group (a first layer, which training never asks for) is padded to 16 channels in blocked layout, 2-4x slower
//   than im2col, which takes it.
// - Other weight gradients: a first layer with K < 64 takes im2col (whose GEMMs have few columns and run
//   OpenBLAS, Note [GEMM choice]: 1.2 ms against blocked's 5.1 for the Fashion-MNIST CNN's first layer). Others stay
//   blocked: oneDNN on NCHW was 2-13% faster than blocked on VGG11's and AlexNet's 3x3 layers, but its im2col
//   scratchpad raised VGG11's training step peak by 40 MiB of blocks and 90 MiB of RSS, above libtorch's.
// - A 1x1 convolution (stride 1, no padding) is one GEMM per image on NCHW, which im2col runs without unfolding,
//   through gemm's routing (Note [GEMM choice]). Stop 20, four runs: never slower than oneDNN's plain path, on
//   [16, 128, 28, 28] -> 256 (12.6 / 12.0 / 11.7 ms against 12.6 / 12.0 / 11.8) and on conv3d's 1x1x1
//   [4, 64, 8, 28, 28] -> 128 as a conv2d of the [N, C, D H, W] view (7.1-8.4 / 6.3-9.5 / 5.7-5.9 against 8.4-8.6 /
//   9.4-9.6 / 5.8-6.4), and it needs no oneDNN scratchpad. (Before stop 18's GEMM routing, oneDNN's plain path was
//   2-3x faster.) Depthwise convolutions (one channel per group) take oneDNN's depthwise kernel in blocked layout
//   (4-10x faster than either GEMM path).
ConvAlgorithm choose(ConvPass p, const onednn::ConvShape& s) {
  if (winograd_applies(s) && s.c >= 64 && s.co >= 64) return ConvAlgorithm::kWinograd;
  const bool pointwise =
      s.kh == 1 && s.kw == 1 && s.stride == std::array<int64_t, 2>{1, 1} && s.padding == std::array<int64_t, 2>{0, 0};
  if (pointwise) return ConvAlgorithm::kIm2col;
  if (s.groups > 1 && s.c == s.groups) return ConvAlgorithm::kDnnlBlocked;
  const int64_t c = s.c / s.groups, k = c * s.kh * s.kw;
  if (p == ConvPass::kWeightGrad && s.groups == 1 && k < 64) return ConvAlgorithm::kIm2col;
  if (p == ConvPass::kInputGrad && c < 16) return ConvAlgorithm::kIm2col;
  const bool strided_overlap = std::min(s.stride[0], s.stride[1]) >= 4 && s.kh > s.stride[0] && s.kw > s.stride[1];
  if (p == ConvPass::kForward && s.groups == 1 && (k < 64 || (c < 16 && strided_overlap))) {
    return ConvAlgorithm::kIm2col;
  }
  if (p == ConvPass::kForward && k < 64) return ConvAlgorithm::kDnnlPlain;  // grouped: not re-measured at stop 18
  return ConvAlgorithm::kDnnlBlocked;
}

// The float32 pass through oneDNN or Winograd when `algo` says so (kAuto: the setting, and when that is kAuto too, the
// measured choice); false when im2col is to run (also after Winograd wrote an Inf or a NaN: Note [Winograd and
// non-finite values] in winograd.cpp).
bool run_fast(ConvPass pass, ConvAlgorithm algo, const onednn::ConvShape& s, const float* a, const float* b, float* out,
              const float* bias) {
  if (algo == ConvAlgorithm::kAuto) algo = conv_algorithm_setting();
  if (algo == ConvAlgorithm::kAuto) algo = choose(pass, s);
  if (algo == ConvAlgorithm::kIm2col) return false;
  if (algo == ConvAlgorithm::kWinograd) {
    if (!winograd_applies(s)) return false;
    if (pass == ConvPass::kForward) return winograd_conv_forward(s, a, b, out, bias);
    if (pass == ConvPass::kInputGrad) return winograd_conv_input_grad(s, a, b, out);
    return winograd_conv_weight_grad(s, a, b, out);
  }
  const auto layout = algo == ConvAlgorithm::kDnnlPlain ? onednn::ConvLayout::kPlain : onednn::ConvLayout::kBlocked;
  return onednn::conv(pass, s, layout, a, b, out, bias);
}

// y[i, c, :] = relu?(y[i, c, :] + bias[c]) over [n, co, plane] (bias may be null), in one pass.
template <class T>
void add_bias_relu(T* y, const T* bias, bool relu, int64_t n, int64_t co, int64_t plane) {
  parallel_for(0, n * co, std::max<int64_t>(1, 32768 / std::max<int64_t>(plane, 1)), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      T* row = y + i * plane;
      const T add = bias ? bias[i % co] : T(0);
      for (int64_t j = 0; j < plane; ++j) {
        const T v = row[j] + add;
        row[j] = relu && v < T(0) ? T(0) : v;  // as relu's kernel: NaN passes
      }
    }
  });
}

template <class T>
void im2col_pass(ConvPass pass, const onednn::ConvShape& s, const T* a, const T* b, T* out) {
  const Geometry g = geometry(s);
  if (pass == ConvPass::kForward) conv_forward<T>(g, a, b, out);
  if (pass == ConvPass::kInputGrad) conv_input_grad<T>(g, a, b, out);
  if (pass == ConvPass::kWeightGrad) conv_weight_grad<T>(g, a, b, out);
}

// Pass P over the operands `in` (a forward's optional bias third), then ReLU when `relu` (fused_conv2d).
template <ConvPass P>
Tensor run_conv(std::span<const Tensor> in, const Conv2dAttrs& a, const TensorType& type, bool relu = false) {
  const ConvOperands o(P, in, a.size, type);
  if (o.out.numel() == 0) return o.out;
  visit_float(type.dtype, "conv2d", [&]<class T>() {
    conv2d_pass<T>(P, conv_shape(o.x, o.w, a), o.a.data_ptr<const T>(), o.b.data_ptr<const T>(), o.out.data_ptr<T>(),
                   ConvAlgorithm::kAuto, o.bias_data<T>(), relu);
  });
  return o.out;
}

std::vector<Tensor> fused_conv_kernel(std::span<const Tensor> in, const Attrs& attrs,
                                      std::span<const TensorType> types) {
  const auto& a = attrs_as<FusedConv2dAttrs>(attrs);
  return {run_conv<ConvPass::kForward>(in, a.conv, types[0], a.relu)};
}

template <ConvPass P>
std::vector<Tensor> conv_kernel(std::span<const Tensor> in, const Attrs& attrs, std::span<const TensorType> types) {
  return {run_conv<P>(in, attrs_as<Conv2dAttrs>(attrs), types[0])};
}

}  // namespace

ConvAlgorithm set_conv_algorithm(ConvAlgorithm a) { return algorithm_setting().exchange(a); }
ConvAlgorithm conv_algorithm_setting() { return algorithm_setting().load(std::memory_order_relaxed); }

ConvOperands::ConvOperands(ConvPass pass, std::span<const Tensor> in, const Shape& size, const TensorType& type)
    : out(empty(type.shape, TensorOptions(type.dtype).device(in[0].device()))) {
  if (out.numel() == 0) return;
  a = as_contiguous(in[0], type.dtype), b = as_contiguous(in[1], type.dtype);
  if (in.size() == 3) bias = as_contiguous(in[2], type.dtype);
  x = pass == ConvPass::kInputGrad ? size : a.shape();
  w = pass == ConvPass::kWeightGrad ? size : b.shape();
}

// The forward's bias and ReLU: float32 through oneDNN or Winograd where the dispatch picks them, with the bias added
// inside their kernels, then ReLU in add_bias_relu: oneDNN's ReLU post-op turns NaN into 0 (Tessera's relu passes it),
// and in NCHW layout (oneDNN's GEMM convolution) it ran 2.5-7x slower than our own pass. Elsewhere im2col, then bias
// and ReLU in one add_bias_relu pass.
template <class T>
void conv2d_pass(ConvPass pass, const onednn::ConvShape& s, const T* a, const T* b, T* out, ConvAlgorithm algo,
                 const T* bias, bool relu) {
  const bool forward = pass == ConvPass::kForward;
  bool done = false;
  // An empty operand (a batch of 0, no channels) leaves zeros, which im2col writes and oneDNN would not.
  if constexpr (std::is_same_v<T, float>) {
    if (s.n > 0 && s.c > 0 && s.co > 0) {
      done = run_fast(pass, algo, s, a, b, out, forward ? bias : nullptr);
    }
  }
  if (done) {
    bias = nullptr;  // added inside the kernel
  } else {
    im2col_pass(pass, s, a, b, out);
  }
  if (forward && (bias || relu)) add_bias_relu<T>(out, bias, relu, s.n, s.co, s.ho * s.wo);
}
template void conv2d_pass<float>(ConvPass, const onednn::ConvShape&, const float*, const float*, float*, ConvAlgorithm,
                                 const float*, bool);
template void conv2d_pass<double>(ConvPass, const onednn::ConvShape&, const double*, const double*, double*,
                                  ConvAlgorithm, const double*, bool);

void register_conv_kernels(Registry& r) {
  r.set_kernel("fused_conv2d", kCPU, fused_conv_kernel);
  r.set_kernel("conv2d", kCPU, conv_kernel<ConvPass::kForward>);
  r.set_kernel("conv2d_input_grad", kCPU, conv_kernel<ConvPass::kInputGrad>);
  r.set_kernel("conv2d_weight_grad", kCPU, conv_kernel<ConvPass::kWeightGrad>);
}

}  // namespace tessera::cpu
