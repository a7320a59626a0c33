// CPU kernels of conv3d and its gradient ops (ops/conv3d.h): oneDNN's 3-d convolutions, or depth taps over the 2-d
// convolution passes, chosen by Note [3-d convolution dispatch]. Float64 runs the taps (by im2col + BLAS). A kernel of
// one depth and one row with stride 1 and no padding there (1x1x1 among them) is a conv2d of the [N, C, D H, W] view
// and runs as one, in either dtype, with conv2d's dispatch and no copies.
//
// Depth taps. Tap k of the kernel (the weights w[:, :, k]) reads input depth id = od * stride_d + k * dilation_d -
// padding_d for output depth od, so each tap is one 2-d convolution over a batch of depth slices, run by conv2d_pass
// (whose own dispatch picks Winograd, oneDNN or im2col):
//   forward      y[:, :, od]  += conv2d(x[:, :, id], w[:, :, k])
//   input grad   gx[:, :, id] += conv2d_input_grad(gy[:, :, od], w[:, :, k])
//   weight grad  gw[:, :, k]   = conv2d_weight_grad(x[:, :, id], gy[:, :, od]), the images of all od in one batch
// Only the output depths whose input depth lies inside the volume take part (the rest would read depth padding).
// Activations are copied depth-major ([D, N, C, H, W]) first, so a tap's slices are one contiguous batch (with
// stride 1; strided depths are gathered).
#include <algorithm>
#include <memory>
#include <optional>

#include "tessera/backend/cpu/conv_pass.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/backend/cpu/winograd.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/core/parallel.h"
#include "tessera/ops/conv.h"
#include "tessera/ops/registry.h"

namespace tessera::cpu {
namespace {

onednn::Conv3dShape conv3d_shape(const Shape& x, const Shape& w, const Conv3dAttrs& a) {
  onednn::Conv3dShape s;
  s.n = x[0], s.c = x[1], s.co = w[0], s.groups = a.groups;
  s.stride = a.stride, s.padding = a.padding, s.dilation = a.dilation;
  for (int i = 0; i < 3; ++i) {
    s.in[i] = x[2 + i], s.kernel[i] = w[2 + i];
    s.out[i] = conv_output_size(x[2 + i], w[2 + i], a.stride[i], a.padding[i], a.dilation[i]);
  }
  return s;
}

// The 2-d convolution one depth tap runs over a batch of `images` depth slices.
onednn::ConvShape tap_shape(const onednn::Conv3dShape& s, int64_t images) {
  onednn::ConvShape t;
  t.n = images, t.c = s.c, t.h = s.in[1], t.w = s.in[2], t.co = s.co, t.kh = s.kernel[1], t.kw = s.kernel[2];
  t.ho = s.out[1], t.wo = s.out[2], t.groups = s.groups;
  t.stride = {s.stride[1], s.stride[2]}, t.padding = {s.padding[1], s.padding[2]};
  t.dilation = {s.dilation[1], s.dilation[2]};
  return t;
}

// A convolution whose kernel spans one depth and one row, with stride 1 and no padding in both (1x1x1 among them), is a
// 2-d convolution of the [N, C, D H, W] view: depth and rows pass through alike. Its shape, when it is one.
std::optional<onednn::ConvShape> as_conv2d(const onednn::Conv3dShape& s) {
  for (int i = 0; i < 2; ++i) {
    if (s.kernel[i] != 1 || s.stride[i] != 1 || s.padding[i] != 0) return std::nullopt;
  }
  onednn::ConvShape t = tap_shape(s, s.n);
  t.h = s.in[0] * s.in[1], t.ho = s.out[0] * s.out[1];
  t.stride[0] = t.dilation[0] = 1;
  return t;
}

// Sizes shared by the three passes' taps.
struct Taps {
  onednn::Conv3dShape s;
  int64_t in_plane, out_plane;  // H W and H_out W_out
  int64_t in_slice, out_slice;  // one depth of every image: N C H W and N C_out H_out W_out
  int64_t kernel_plane;         // kH kW
  explicit Taps(const onednn::Conv3dShape& shape) : s(shape) {
    in_plane = s.in[1] * s.in[2], out_plane = s.out[1] * s.out[2];
    in_slice = s.n * s.c * in_plane, out_slice = s.n * s.co * out_plane;
    kernel_plane = s.kernel[1] * s.kernel[2];
  }
  // Tap k's output depths [lo, hi) that read inside the input; output depth od reads input depth od * stride + offset.
  struct Range {
    int64_t lo, hi, offset;
    int64_t size() const { return hi - lo; }
  };
  Range range(int64_t k) const {
    const int64_t step = s.stride[0], offset = k * s.dilation[0] - s.padding[0];
    const int64_t lo = offset >= 0 ? 0 : (-offset + step - 1) / step;
    const int64_t last = s.in[0] - 1 - offset;  // the largest od * step allowed
    const int64_t hi = last < 0 ? 0 : std::min(s.out[0], last / step + 1);
    return {lo, std::max(lo, hi), offset};
  }
};

// Scratch from Tessera's allocator (its cache and statistics see it): n elements of T.
template <class T>
Tensor scratch(int64_t n) {
  return empty({n}, TensorOptions(dtype_of_v<T>));
}

// dst[j][i] = src[i][j] (+ bias[j % period]) for planes of `plane` elements, i < rows, j < cols.
template <class T>
void swap_planes(const T* src, T* dst, int64_t rows, int64_t cols, int64_t plane, const T* bias = nullptr,
                 int64_t period = 1) {
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(plane, 1));
  parallel_for(0, rows * cols, grain, [&](int64_t begin, int64_t end) {
    for (int64_t idx = begin; idx < end; ++idx) {
      const int64_t i = idx / cols, j = idx % cols;
      const T* from = src + idx * plane;
      T* to = dst + (j * rows + i) * plane;
      const T add = bias ? bias[j % period] : T(0);
      for (int64_t e = 0; e < plane; ++e) to[e] = from[e] + add;
    }
  });
}

// dst[e] += src[e] over n elements.
template <class T>
void accumulate(T* dst, const T* src, int64_t n) {
  parallel_for(0, n, 32768, [&](int64_t begin, int64_t end) {
    for (int64_t e = begin; e < end; ++e) dst[e] += src[e];
  });
}

// Tap k of w [C_out, C_in / groups, kD, kH, kW] is wk [C_out, C_in / groups, kH, kW]: copies it out of w, or
// (put_weight_tap) into it.
template <class T>
void get_weight_tap(const Taps& t, const T* w, T* wk, int64_t k) {
  const int64_t rows = t.s.co * (t.s.c / t.s.groups), kd = t.s.kernel[0], q = t.kernel_plane;
  for (int64_t r = 0; r < rows; ++r) std::copy_n(w + (r * kd + k) * q, q, wk + r * q);
}
template <class T>
void put_weight_tap(const Taps& t, const T* wk, T* w, int64_t k) {
  const int64_t rows = t.s.co * (t.s.c / t.s.groups), kd = t.s.kernel[0], q = t.kernel_plane;
  for (int64_t r = 0; r < rows; ++r) std::copy_n(wk + r * q, q, w + (r * kd + k) * q);
}

// The input slices tap range r reads from depth-major xt: a pointer into xt when the depth stride is 1, else gathered
// into `gathered`.
template <class T>
const T* tap_slices(const Taps& t, const T* xt, const Taps::Range& r, T* gathered) {
  const int64_t step = t.s.stride[0];
  if (step == 1) return xt + (r.lo + r.offset) * t.in_slice;
  for (int64_t od = r.lo; od < r.hi; ++od) {
    const T* from = xt + (od * step + r.offset) * t.in_slice;
    std::copy(from, from + t.in_slice, gathered + (od - r.lo) * t.in_slice);
  }
  return gathered;
}

template <class T>
void taps_forward(const Taps& t, ConvAlgorithm algo, const T* x, const T* w, T* y, const T* bias) {
  const auto& s = t.s;
  const int64_t depth = s.in[0], out_depth = s.out[0], cg = s.c / s.groups;
  const Tensor xt_ = scratch<T>(depth * t.in_slice), yt_ = scratch<T>(out_depth * t.out_slice);
  const Tensor yk_ = scratch<T>(out_depth * t.out_slice), wk_ = scratch<T>(s.co * cg * t.kernel_plane);
  const Tensor gathered_ = scratch<T>(s.stride[0] > 1 ? out_depth * t.in_slice : 0);
  T *xt = xt_.data_ptr<T>(), *yt = yt_.data_ptr<T>(), *yk = yk_.data_ptr<T>(), *wk = wk_.data_ptr<T>();
  swap_planes(x, xt, s.n * s.c, depth, t.in_plane);
  std::fill_n(yt, out_depth * t.out_slice, T(0));
  for (int64_t k = 0; k < s.kernel[0]; ++k) {
    const Taps::Range r = t.range(k);
    if (r.size() == 0) continue;  // reads only depth padding
    get_weight_tap(t, w, wk, k);
    conv2d_pass<T>(ConvPass::kForward, tap_shape(s, r.size() * s.n), tap_slices(t, xt, r, gathered_.data_ptr<T>()), wk,
                   yk, algo);
    accumulate(yt + r.lo * t.out_slice, yk, r.size() * t.out_slice);
  }
  swap_planes(yt, y, out_depth, s.n * s.co, t.out_plane, bias, s.co);
}

template <class T>
void taps_input_grad(const Taps& t, ConvAlgorithm algo, const T* gy, const T* w, T* gx) {
  const auto& s = t.s;
  const int64_t depth = s.in[0], out_depth = s.out[0], cg = s.c / s.groups;
  const Tensor gyt_ = scratch<T>(out_depth * t.out_slice), gxt_ = scratch<T>(depth * t.in_slice);
  const Tensor gk_ = scratch<T>(out_depth * t.in_slice), wk_ = scratch<T>(s.co * cg * t.kernel_plane);
  T *gyt = gyt_.data_ptr<T>(), *gxt = gxt_.data_ptr<T>(), *gk = gk_.data_ptr<T>(), *wk = wk_.data_ptr<T>();
  swap_planes(gy, gyt, s.n * s.co, out_depth, t.out_plane);
  std::fill_n(gxt, depth * t.in_slice, T(0));
  for (int64_t k = 0; k < s.kernel[0]; ++k) {
    const Taps::Range r = t.range(k);
    if (r.size() == 0) continue;
    get_weight_tap(t, w, wk, k);
    conv2d_pass<T>(ConvPass::kInputGrad, tap_shape(s, r.size() * s.n), gyt + r.lo * t.out_slice, wk, gk, algo);
    for (int64_t od = r.lo; od < r.hi; ++od) {
      accumulate(gxt + (od * s.stride[0] + r.offset) * t.in_slice, gk + (od - r.lo) * t.in_slice, t.in_slice);
    }
  }
  swap_planes(gxt, gx, depth, s.n * s.c, t.in_plane);
}

template <class T>
void taps_weight_grad(const Taps& t, ConvAlgorithm algo, const T* x, const T* gy, T* gw) {
  const auto& s = t.s;
  const int64_t depth = s.in[0], out_depth = s.out[0], cg = s.c / s.groups;
  const Tensor xt_ = scratch<T>(depth * t.in_slice), gyt_ = scratch<T>(out_depth * t.out_slice);
  const Tensor gwk_ = scratch<T>(s.co * cg * t.kernel_plane);
  const Tensor gathered_ = scratch<T>(s.stride[0] > 1 ? out_depth * t.in_slice : 0);
  T *xt = xt_.data_ptr<T>(), *gyt = gyt_.data_ptr<T>(), *gwk = gwk_.data_ptr<T>();
  swap_planes(x, xt, s.n * s.c, depth, t.in_plane);
  swap_planes(gy, gyt, s.n * s.co, out_depth, t.out_plane);
  for (int64_t k = 0; k < s.kernel[0]; ++k) {
    const Taps::Range r = t.range(k);
    if (r.size() == 0) {
      std::fill_n(gwk, s.co * cg * t.kernel_plane, T(0));
    } else {
      conv2d_pass<T>(ConvPass::kWeightGrad, tap_shape(s, r.size() * s.n), tap_slices(t, xt, r, gathered_.data_ptr<T>()),
                     gyt + r.lo * t.out_slice, gwk, algo);
    }
    put_weight_tap(t, gwk, gw, k);
  }
}

// Note [3-d convolution dispatch]
// Float32 conv3d passes run oneDNN's 3-d convolution (kDnnlPlain / kDnnlBlocked) or the depth taps, whose 2-d passes
// run im2col (kIm2col), Winograd (kWinograd) or conv2d's own choice (kAuto). Chosen by per-pass timings of
// bench_conv_algorithms's c3d_* layers (batch 4, 2 threads; docs/performance.md, "Latest figures (2026-12-02, stop
// 20)"):
// - Taps by Winograd where the taps' 2-d convolutions take it (3x3 or 5x5, stride 1 in height and width, one group,
//   at least 64 input and output channels), in all three passes: 0.78-0.86x blocked oneDNN's time in the forward and
//   input gradient of the 64 -> 128 and 256 -> 256 layers, 0.58-0.66x in their weight gradients.
// - Depthwise convolutions (one input channel per group): taps whose 2-d passes take conv2d's own dispatch (kAuto
//   here), i.e. oneDNN's 2-d depthwise kernel: 9.4 / 11.0 / 7.8 ms for 64 channels at 8x28x28, against 32.9 / 67.9 /
//   65.2 for oneDNN's blocked 3-d convolution and 16.2 / 20.3 / 26.7 for im2col taps.
// - Otherwise oneDNN blocked, except:
//   - the input gradient of a strided convolution takes im2col taps (24.6 ms against 42.6 for 32 -> 64 with stride
//     2), and of a first layer (fewer than 16 input channels, which training never asks for) oneDNN on NCDHW (57.7
//     against 89.7);
//   - weight gradients with stride 1 and 16 or more input channels per group take im2col taps (52.9 against 76.3 for
//     32 -> 32).
// Where oneDNN has no 3-d implementation for a shape, the taps run with the same algorithm for their 2-d passes.
// Kernels of one depth and one row with stride 1 and no padding there (1x1x1 among them) never get here (as_conv2d).
template <ConvPass P>
ConvAlgorithm choose(const onednn::Conv3dShape& s) {
  if (winograd_applies(tap_shape(s, s.n)) && s.c >= 64 && s.co >= 64) return ConvAlgorithm::kWinograd;
  const int64_t c = s.c / s.groups;
  if (s.groups > 1 && c == 1) return ConvAlgorithm::kAuto;
  const bool unit_stride = s.stride == std::array<int64_t, 3>{1, 1, 1};
  if (P == ConvPass::kInputGrad && s.groups == 1 && c < 16) return ConvAlgorithm::kDnnlPlain;
  if (P == ConvPass::kInputGrad && !unit_stride) return ConvAlgorithm::kIm2col;
  if (P == ConvPass::kWeightGrad && unit_stride && c >= 16) return ConvAlgorithm::kIm2col;
  return ConvAlgorithm::kDnnlBlocked;
}

// The float32 pass through oneDNN when `algo` says so; false when the depth taps are to run (with `algo` for their 2-d
// passes).
template <ConvPass P>
bool run_onednn(ConvAlgorithm algo, const onednn::Conv3dShape& s, const float* a, const float* b, float* out,
                const float* bias) {
  if (algo != ConvAlgorithm::kDnnlPlain && algo != ConvAlgorithm::kDnnlBlocked) return false;
  const auto layout = algo == ConvAlgorithm::kDnnlPlain ? onednn::ConvLayout::kPlain : onednn::ConvLayout::kBlocked;
  return onednn::conv(P, s, layout, a, b, out, bias);
}

template <ConvPass P>
std::vector<Tensor> conv3d_kernel(std::span<const Tensor> in, const Attrs& attrs, std::span<const TensorType> types) {
  const auto& attr = attrs_as<Conv3dAttrs>(attrs);
  const DType dt = types[0].dtype;
  const ConvOperands o(P, in, attr.size, types[0]);
  if (o.out.numel() == 0) return {o.out};
  const onednn::Conv3dShape s = conv3d_shape(o.x, o.w, attr);
  if (const auto flat = as_conv2d(s)) {  // no copies; conv2d's own dispatch
    visit_float(dt, "conv3d", [&]<class T>() {
      conv2d_pass<T>(P, *flat, o.a.data_ptr<const T>(), o.b.data_ptr<const T>(), o.out.data_ptr<T>(),
                     ConvAlgorithm::kAuto, o.bias_data<T>());
    });
    return {o.out};
  }
  // The forced algorithm, or the measured choice. Float64 always runs the taps, by im2col.
  ConvAlgorithm algo = conv_algorithm_setting();
  if (algo == ConvAlgorithm::kAuto && dt == kFloat32) algo = choose<P>(s);
  // An empty operand (a batch of 0, no channels) leaves zeros (or the bias), which the taps write and oneDNN would not.
  if (dt == kFloat32 && s.n > 0 && s.c > 0 && s.co > 0 &&
      run_onednn<P>(algo, s, o.a.data_ptr<const float>(), o.b.data_ptr<const float>(), o.out.data_ptr<float>(),
                    o.bias_data<float>())) {
    return {o.out};
  }
  visit_float(dt, "conv3d", [&]<class T>() {
    const Taps t(s);
    const T *pa = o.a.data_ptr<const T>(), *qa = o.b.data_ptr<const T>();
    if constexpr (P == ConvPass::kForward) {
      taps_forward<T>(t, algo, pa, qa, o.out.data_ptr<T>(), o.bias_data<T>());
    } else if constexpr (P == ConvPass::kInputGrad) {
      taps_input_grad<T>(t, algo, pa, qa, o.out.data_ptr<T>());
    } else {
      taps_weight_grad<T>(t, algo, pa, qa, o.out.data_ptr<T>());
    }
  });
  return {o.out};
}

}  // namespace

void register_conv3d_kernels(Registry& r) {
  r.set_kernel("conv3d", kCPU, conv3d_kernel<ConvPass::kForward>);
  r.set_kernel("conv3d_input_grad", kCPU, conv3d_kernel<ConvPass::kInputGrad>);
  r.set_kernel("conv3d_weight_grad", kCPU, conv3d_kernel<ConvPass::kWeightGrad>);
}

}  // namespace tessera::cpu
