// interpolate and the Upsample layers (Note [Separable interpolation] in upsampling.h).
#include "tessera/nn/upsampling.h"

#include <cmath>

#include "tessera/ops/binary.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/index.h"

namespace tessera::nn {
namespace {

constexpr const char* kOp = "interpolate";

// Spatial dims a linear mode needs (0 for nearest, which takes any).
int64_t mode_dims(const std::string& mode) {
  if (mode == "nearest") return 0;
  if (mode == "linear") return 1;
  if (mode == "bilinear") return 2;
  if (mode == "trilinear") return 3;
  throw ValueError(cat(kOp, ": unknown mode \"", mode, "\" (expected nearest, linear, bilinear or trilinear)"));
}

// Checks the arguments that do not depend on the input (shared with Upsample's constructor).
void check_arguments(const char* who, const std::optional<std::vector<int64_t>>& size,
                     const std::optional<std::vector<double>>& scale, const std::string& mode,
                     std::optional<bool> align_corners) {
  check<ValueError>(size.has_value() != scale.has_value(), who,
                    size ? ": only one of size or scale_factor should be defined"
                         : ": either size or scale_factor should be defined");
  check<ValueError>(mode_dims(mode) > 0 || !align_corners.has_value(), who,
                    ": align_corners can only be set with the linear modes (linear, bilinear, trilinear)");
}

// One value per spatial dim from a list of one or `k` values.
template <class T>
std::vector<T> per_dim(const std::vector<T>& v, int64_t k, const char* what) {
  check<ValueError>(v.size() == 1 || static_cast<int64_t>(v.size()) == k, kOp, ": ", what, " must have 1 or ", k,
                    " values for ", k, " spatial dims, got ", v.size());
  return v.size() == 1 ? std::vector<T>(static_cast<size_t>(k), v[0]) : v;
}

// The weights w (a [out] vector) shaped to broadcast along dim `dim` of a rank-`rank` tensor.
Tensor along(const std::vector<double>& w, int64_t dim, int64_t rank, DType dtype) {
  Shape s(static_cast<size_t>(rank), 1);
  s[dim] = static_cast<int64_t>(w.size());
  return from_vector(w, s, dtype);
}

Tensor indices(const std::vector<int64_t>& i) { return from_vector(i, Shape{static_cast<int64_t>(i.size())}); }

Tensor resize_nearest(const Tensor& x, int64_t dim, int64_t out, std::optional<double> scale_factor) {
  const int64_t in = x.size(dim);
  const float scale = scale_factor ? static_cast<float>(1.0 / *scale_factor) : float(in) / float(out);
  std::vector<int64_t> src(static_cast<size_t>(out));
  bool identity = in == out;
  for (int64_t o = 0; o < out; ++o) {
    src[o] = std::min(static_cast<int64_t>(std::floor(scale * static_cast<float>(o))), in - 1);
    identity = identity && src[o] == o;
  }
  return identity ? x : index_select(x, dim, indices(src));
}

// T: the precision PyTorch computes the source positions in (the input's).
template <class T>
Tensor resize_linear(const Tensor& x, int64_t dim, int64_t out, std::optional<double> scale_factor,
                     bool align_corners) {
  const int64_t in = x.size(dim);
  if (in == out) return x;
  const T ratio = align_corners ? (out > 1 ? T(in - 1) / T(out - 1) : T(0))
                                : (scale_factor ? static_cast<T>(1.0 / *scale_factor) : T(in) / T(out));
  std::vector<int64_t> i0(static_cast<size_t>(out)), i1(static_cast<size_t>(out));
  std::vector<double> w0(static_cast<size_t>(out)), w1(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    const T real = align_corners ? ratio * T(o) : std::max(ratio * (T(o) + T(0.5)) - T(0.5), T(0));
    i0[o] = static_cast<int64_t>(real);
    i1[o] = i0[o] + (i0[o] < in - 1 ? 1 : 0);
    const T lambda = std::min(std::max(real - T(i0[o]), T(0)), T(1));
    w1[o] = double(lambda), w0[o] = double(T(1) - lambda);
  }
  const int64_t rank = x.dim();
  return index_select(x, dim, indices(i0)) * along(w0, dim, rank, x.dtype()) +
         index_select(x, dim, indices(i1)) * along(w1, dim, rank, x.dtype());
}

std::string python_float(double v) {
  std::string s = cat(v);
  return s.find_first_of(".en") == std::string::npos ? s + ".0" : s;
}

}  // namespace

Tensor functional::interpolate(const Tensor& input, std::optional<std::vector<int64_t>> size,
                               std::optional<std::vector<double>> scale_factor, const std::string& mode,
                               std::optional<bool> align_corners, bool recompute_scale_factor) {
  check_arguments(kOp, size, scale_factor, mode, align_corners);
  const int64_t k = input.dim() - 2, needed = mode_dims(mode);
  check<ShapeError>(k >= 1 && k <= 3, kOp, ": expected input [N, C, L], [N, C, H, W] or [N, C, D, H, W], got ",
                    fmt_shape(input.shape()));
  check<ShapeError>(needed == 0 || needed == k, kOp, ": got ", input.dim(), "-d input ", fmt_shape(input.shape()),
                    ", but ", mode, " mode needs ", needed + 2, "-d input");
  std::vector<int64_t> out;
  std::vector<std::optional<double>> scales(static_cast<size_t>(k));
  if (size) {
    out = per_dim(*size, k, "size");
  } else {
    const std::vector<double> s = per_dim(*scale_factor, k, "scale_factor");
    for (int64_t d = 0; d < k; ++d) {
      out.push_back(static_cast<int64_t>(std::floor(double(input.size(2 + d)) * s[d])));
      if (!recompute_scale_factor) scales[d] = s[d];
    }
  }
  for (int64_t d = 0; d < k; ++d) {
    check<ShapeError>(input.size(2 + d) >= 1 && out[d] >= 1, kOp,
                      ": input and output sizes should be greater than 0, got input ", fmt_shape(input.shape()),
                      " and output size ", shape_str(out));
  }
  Tensor y = input;
  for (int64_t d = 0; d < k; ++d) {
    if (needed == 0) {
      y = resize_nearest(y, 2 + d, out[d], scales[d]);
    } else if (y.dtype() == kFloat32) {
      y = resize_linear<float>(y, 2 + d, out[d], scales[d], align_corners.value_or(false));
    } else {
      y = resize_linear<double>(y, 2 + d, out[d], scales[d], align_corners.value_or(false));
    }
  }
  return y;
}

Upsample::Upsample(UpsampleOptions options) : options(std::move(options)) {
  const UpsampleOptions& o = this->options;
  check_arguments("Upsample", o.size, o.scale_factor, o.mode, o.align_corners);
}

Tensor Upsample::forward(const Tensor& input) {
  const UpsampleOptions& o = options;
  return functional::interpolate(input, o.size, o.scale_factor, o.mode, o.align_corners, o.recompute_scale_factor);
}

std::string Upsample::extra_repr() const {
  const UpsampleOptions& o = options;
  std::string s;
  const auto list = [](const auto& v, auto fmt) {
    if (v.size() == 1) return fmt(v[0]);
    std::string t = "(";
    for (size_t i = 0; i < v.size(); ++i) t += (i ? ", " : "") + fmt(v[i]);
    return t + ")";
  };
  if (o.scale_factor) {
    s = "scale_factor=" + list(*o.scale_factor, python_float);
  } else {
    s = "size=" + list(*o.size, [](int64_t v) { return cat(v); });
  }
  return s + ", mode=" + o.mode;
}

}  // namespace tessera::nn
