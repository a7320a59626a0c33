#include "tessera/nn/pooling3d.h"

#include <limits>
#include <utility>
#include <vector>

#include "tessera/ops/binary.h"
#include "tessera/ops/compare.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/pad.h"
#include "tessera/ops/pool.h"
#include "tessera/ops/shape.h"

namespace tessera::nn {
namespace functional {

std::pair<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, std::array<int64_t, 3> k,
                                                  const MaxPool3dOptions& o) {
  check<ShapeError>(input.dim() == 4 || input.dim() == 5,
                    "max_pool3d: expected input [N, C, D, H, W] or [C, D, H, W], got ", fmt_shape(input.shape()));
  const std::array<int64_t, 3> s = o.stride.value_or(k), p = o.padding, d = o.dilation;
  for (int i = 0; i < 3; ++i) {
    check<ValueError>(k[i] >= 1 && s[i] >= 1 && d[i] >= 1 && p[i] >= 0 && p[i] <= k[i] / 2, "max_pool3d: expected ",
                      "kernel, stride and dilation >= 1 and 0 <= padding <= kernel / 2, got kernel ", k[i], ", stride ",
                      s[i], ", padding ", p[i], ", dilation ", d[i]);
  }
  const bool batched = input.dim() == 5;
  const Tensor x = batched ? input : input.unsqueeze(0);
  const int64_t n = x.size(0), c = x.size(1), depth = x.size(2), h = x.size(3), w = x.size(4);
  check<ShapeError>(depth + 2 * p[0] >= d[0] * (k[0] - 1) + 1, "max_pool3d: the window (", k[0], " with dilation ",
                    d[0], ") is larger than the padded depth ", depth + 2 * p[0], " of input ",
                    fmt_shape(input.shape()));
  // (H, W) of every depth slice at once, then the depth taps.
  auto [planes, where2d] =
      max_pool2d_with_indices(x.reshape({n, c * depth, h, w}), {k[1], k[2]}, std::array<int64_t, 2>{s[1], s[2]},
                              {p[1], p[2]}, {d[1], d[2]}, o.ceil_mode);
  const Shape five{n, c, depth, planes.size(2), planes.size(3)};
  planes = planes.reshape(five);
  // Indices over D * H * W: the slice's depth times H * W plus the index within the slice.
  const Tensor index =
      where2d.reshape(five) + arange(depth, TensorOptions(kInt64)).reshape({1, 1, depth, 1, 1}) * (h * w);
  const int64_t out = pool_output_size(depth, k[0], s[0], p[0], d[0], o.ceil_mode);
  const int64_t right = std::max<int64_t>(p[0], (out - 1) * s[0] + d[0] * (k[0] - 1) + 1 - depth - p[0]);
  const std::vector<int64_t> pads{0, 0, 0, 0, p[0], right};
  const Tensor values = pad(planes, pads, "constant", -std::numeric_limits<double>::infinity());
  const Tensor indices = pad(index, pads, "constant", -1.0);
  Tensor best, best_index;
  for (int64_t tap = 0; tap < k[0]; ++tap) {
    const int64_t start = tap * d[0], end = start + (out - 1) * s[0] + 1;
    const Tensor v = values.slice(2, start, end, s[0]), i = indices.slice(2, start, end, s[0]);
    if (!best.defined()) {
      best = v, best_index = i;
      continue;
    }
    // The first maximum in depth order wins; a NaN wins (PyTorch's CPU kernel).
    const Tensor take = (v > best) || (v != v);
    best = where(take, v, best);
    best_index = where(take, i, best_index);
  }
  return batched ? std::pair{best, best_index} : std::pair{best.squeeze(0), best_index.squeeze(0)};
}

Tensor max_pool3d(const Tensor& input, std::array<int64_t, 3> k, const MaxPool3dOptions& o) {
  return max_pool3d_with_indices(input, k, o).first;
}

}  // namespace functional

Tensor MaxPool3d::forward(const Tensor& input) { return forward_with_indices(input).first; }

std::pair<Tensor, Tensor> MaxPool3d::forward_with_indices(const Tensor& input) {
  check<ShapeError>(input.dim() == 4 || input.dim() == 5, "MaxPool3d: expected input [N, C, D, H, W] or ",
                    "[C, D, H, W], got ", fmt_shape(input.shape()));
  return functional::max_pool3d_with_indices(input, kernel_size, options);
}

std::string MaxPool3d::extra_repr() const {
  const auto s = options.stride.value_or(kernel_size);
  return cat("kernel_size=(", kernel_size[0], ", ", kernel_size[1], ", ", kernel_size[2], "), stride=(", s[0], ", ",
             s[1], ", ", s[2], "), padding=(", options.padding[0], ", ", options.padding[1], ", ", options.padding[2],
             "), dilation=(", options.dilation[0], ", ", options.dilation[1], ", ", options.dilation[2],
             "), ceil_mode=", options.ceil_mode ? "True" : "False");
}

}  // namespace tessera::nn
